#pragma once

// The shared, immutable results the views show: an analysis and a slimming preview. Views include this, not a
// job class.

#include "analysis/analysis.h"
#include "slim/slimmer.h"

#include <memory>

namespace slimscope::ui {

using AnalysisPtr = std::shared_ptr<const core::analysis::Analysis>;
using SlimResultPtr = std::shared_ptr<const core::slim::SlimResult>;

} // namespace slimscope::ui
