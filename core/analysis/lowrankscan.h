#pragma once

// The low_rank finding: MatMul/Gemm weights whose singular values fall off so fast that a factorization of at
// most half their rank keeps 99 % of Σσ². Internal to the analysis.

#include "analysis.h"

#include <string>
#include <vector>

namespace slimscope::core::analysis::detail {

/// Work units (multiply-adds of the Gram matrix plus the cube of its side) one analysis spends on the scan,
/// largest weights first: about 1 s on one core of the development machine (docs/performance.md).
inline constexpr double kLowRankScanBudget = 2e10;

struct LowRankScan {
    std::vector<Finding> findings;
    std::size_t candidates = 0; ///< float MatMul/Gemm weights large enough to matter
    std::size_t checked = 0; ///< of those, how many the budget allowed
};

LowRankScan scanLowRank(const Analysis& analysis, double budget = kLowRankScanBudget);

} // namespace slimscope::core::analysis::detail
