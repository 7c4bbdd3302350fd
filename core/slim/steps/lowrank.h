#pragma once

#include "slim/stepparams.h"

#include <string_view>

namespace slimscope::core::slim {

class StepType;

/// low_rank: a MatMul or Gemm weight W[R,C] becomes two factors of rank r from its truncated SVD, the smallest r
/// that keeps `energy` of Σσ², where r(R + C) < RC. A consumer that reads W directly computes x·A·B (two
/// smaller MatMuls: fewer MACs); any other route reads W = A·B from a MatMul of the factors.
struct LowRankStep {
    static constexpr std::string_view kName = "low_rank";
    double energy = 0.95; ///< share of the squared singular values kept, (0, 1]
    bool operator==(const LowRankStep&) const = default;
};

const StepType& lowRankStepType();

} // namespace slimscope::core::slim
