#pragma once

#include "slim/stepparams.h"

#include <string_view>

namespace slimscope::core::slim {

class StepType;

/// prune: unstructured magnitude pruning to an exact fraction of zeros, per tensor or with one global threshold.
struct PruneStep {
    static constexpr std::string_view kName = "prune";
    enum class Mode { Layer, Global };
    double sparsity = 0.5; ///< target fraction of zeros, [0, 0.999]
    Mode mode = Mode::Layer;
    bool operator==(const PruneStep&) const = default;
};

const StepType& pruneStepType();

} // namespace slimscope::core::slim
