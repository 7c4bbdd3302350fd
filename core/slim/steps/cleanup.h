#pragma once

#include "slim/stepparams.h"

#include <string_view>

namespace slimscope::core::slim {

class StepType;

/// cleanup: lossless removal of duplicate, unused and dead parts; works on the whole graph (no scope).
struct CleanupStep {
    static constexpr std::string_view kName = "cleanup";
    bool dedupe = true;
    bool removeUnused = true;
    bool removeDeadNodes = true;
    bool dropInitializerInputs = true;
    bool operator==(const CleanupStep&) const = default;
};

const StepType& cleanupStepType();

} // namespace slimscope::core::slim
