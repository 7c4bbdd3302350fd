#pragma once

#include "slim/stepparams.h"

#include <cstdint>
#include <string_view>

namespace slimscope::core::slim {

class StepType;

/// prune_channels: structured pruning. Whole output channels of Conv, Gemm and MatMul weights are removed with
/// everything that depends on them (slim/channelgroups.h), so the model is smaller and faster, dense.
struct PruneChannelsStep {
    static constexpr std::string_view kName = "prune_channels";
    enum class Criterion { L1, L2 };
    enum class Mode { Layer, Global };
    double fraction = 0.3; ///< share of the channels removed, [0, 0.99]
    Criterion criterion = Criterion::L2; ///< how channels are ranked: the norm of the producers' weights
    Mode mode = Mode::Layer; ///< each group loses `fraction`, or one ranking over all groups
    std::int64_t roundTo = 1; ///< kept channels are a multiple of this (1: any count)
    std::int64_t minKeep = 1; ///< channels every group keeps at least
    /// Remove exactly the channels whose output is zero whatever the input: all-zero weights and a zero bias,
    /// through ops that map zero to zero. The outputs stay the same; `fraction` is not used.
    bool zeroOnly = false;
    /// Also remove the features of graph inputs that the first layers multiply by zero (finding
    /// dead_input_features). Changes the inputs' shapes: StepOutcome::removedInputFeatures says what callers drop.
    bool inputs = false;
    bool operator==(const PruneChannelsStep&) const = default;
};

const StepType& pruneChannelsStepType();

} // namespace slimscope::core::slim
