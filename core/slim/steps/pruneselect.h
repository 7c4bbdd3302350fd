#pragma once

// Magnitude pruning without sorting and without copying: the k smallest magnitudes of one tensor or of
// many, found with a cached per-tensor profile and one scan, with the error of zeroing them computed on
// the way. Internal to the prune step.

#include "slim/stepsupport.h"

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace slimscope::core::slim::prune {

/// Counts, sums of squares and largest magnitude per bucket of magnitudes. Non-negative floats order like
/// their bit patterns; a bucket is the top 12 bits of |v|'s pattern (8 exponent bits, 4 mantissa bits), so
/// the k-th smallest magnitude lies in a bucket found from the counts alone, and its exact value among the
/// few values of that bucket. Does not depend on the sparsity: computed once per tensor and cached.
struct MagnitudeProfile {
    static constexpr int kShift = 19;
    static constexpr std::size_t kBuckets = std::size_t { 1 } << (31 - kShift);
    std::vector<std::uint64_t> counts = std::vector<std::uint64_t>(kBuckets, 0);
    std::vector<double> squares = std::vector<double>(kBuckets, 0.0);
    std::vector<std::uint32_t> maxBits = std::vector<std::uint32_t>(kBuckets, 0);
    std::uint64_t elements = 0;
    std::uint64_t zeros = 0; ///< exact zeros (either sign)
    double signal = 0.0; ///< Σ v²
};

MagnitudeProfile profileOf(FloatView values);

/// What zeroing the smallest magnitudes does to one tensor: everything strictly below `threshold` becomes
/// zero, then the first `ties` values equal to it in element order: those before `tieEnd`.
struct TensorCut {
    float threshold = 0.0f;
    std::uint64_t ties = 0;
    std::uint64_t tieEnd = 0;
    std::uint64_t zerosAfter = 0;
    double noise = 0.0; ///< Σ of the squares of the values zeroed
    float maxAbs = 0.0f; ///< largest magnitude zeroed
};

/// One threshold for all tensors, so that exactly k values (counting zeros already there) are zero; ties
/// at the threshold are spent in tensor order. For one tensor this is per-layer pruning.
std::vector<TensorCut> cutSmallest(
    const std::vector<FloatView>& tensors, const std::vector<const MagnitudeProfile*>& profiles, std::uint64_t k);

/// Applies a cut to the values (FloatView::withCut reads them cut without changing them).
void applyCut(std::span<float> values, const TensorCut& cut);

} // namespace slimscope::core::slim::prune
