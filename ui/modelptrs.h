#pragma once

// The shared, immutable results the views show: an analysis, a slimming preview and a sensitivity sweep. Views include
// this, not a job class.

#include "analysis/analysis.h"
#include "plan/sensitivity.h"
#include "slim/slimmer.h"

#include <memory>

namespace slimscope::ui {

using AnalysisPtr = std::shared_ptr<const core::analysis::Analysis>;
using SlimResultPtr = std::shared_ptr<const core::slim::SlimResult>;
using SensitivityPtr = std::shared_ptr<const core::plan::Sensitivity>;

} // namespace slimscope::ui
