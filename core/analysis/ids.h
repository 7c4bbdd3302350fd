#pragma once

// The typed indices of the analysis' tables, shared by the analysis, the slimming preview, the reports and the
// views.

#include "support/index.h"

namespace slimscope::core::analysis {

struct TensorTag;
struct LayerTag;
struct ScopeTag;
using TensorIndex = Index<TensorTag>; ///< into Analysis::tensors, which is also ModelFile::weights()
using LayerIndex = Index<LayerTag>; ///< into Analysis::layers
using ScopeIndex = Index<ScopeTag>; ///< into Analysis::scopes

} // namespace slimscope::core::analysis
