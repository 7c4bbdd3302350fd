#pragma once

#include "slim/stepparams.h"

#include <string_view>

namespace slimscope::core::slim {

class StepType;

/// sparse_storage: mostly-zero tensors stored as sparse_initializer where that is smaller (or always/never).
struct SparseStorageStep {
    static constexpr std::string_view kName = "sparse_storage";
    enum class Policy { Auto, Always, Never };
    Policy policy = Policy::Auto;
    bool operator==(const SparseStorageStep&) const = default;
};

const StepType& sparseStorageStepType();

} // namespace slimscope::core::slim
