#pragma once

// Dead input features: features of a main-graph input that every reader multiplies by zero (each reader a Gemm or
// MatMul with a constant 2-D weight whose slice for the feature is zero or below 1e-6 of its largest slice). The
// analysis reports them (finding dead_input_features); prune_channels with `inputs` removes them, which changes
// the input's last dimension: callers must drop the same positions (RemovedInputFeatures).

#include "slim/channelreport.h"
#include "slim/stepregistry.h"
#include "slim/workingmodel.h"
#include "support/error.h"

#include <string>
#include <vector>

namespace slimscope::core::slim {

using model::RemovedInputFeatures;

/// Removes the dead features of every main-graph input from the input's declared shape and from its readers'
/// weights, and records them in the model's metadata (merged with what an earlier run recorded, so that the
/// metadata keeps positions of the original input). `outcome` gets what went (removedInputFeatures, as positions
/// of this model's inputs) and the changed weights with their errors.
Result<void> removeDeadInputFeatures(WorkingModel& model, StepOutcome& outcome);

} // namespace slimscope::core::slim
