#pragma once

#include "kernelset.h"
#include "model/datatype.h"
#include "support/progress.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace slimscope::core::analysis {

inline constexpr int kHistogramBins = 64;

/// Counts of values in kHistogramBins equal-width bins spanning [low, high] (the tensor's finite min/max).
struct Histogram {
    double low = 0.0;
    double high = 0.0;
    std::array<std::uint64_t, kHistogramBins> counts {};
};

/// Statistics of a tensor's values. Min, max, mean and std are over the finite values only.
struct ValueStats {
    bool computed = false; ///< false for strings and tensors whose bytes could not be read
    std::uint64_t count = 0; ///< values examined
    std::uint64_t zeros = 0; ///< exact zeros, or values equal to the zero point for quantized tensors
    std::uint64_t nonFinite = 0; ///< NaN and infinities
    double min = 0.0;
    double max = 0.0;
    double mean = 0.0;
    double std = 0.0;
    Histogram histogram;
};

/// A quantized tensor's zero point, per tensor (one value) or per channel along `axis`: element i belongs to
/// channel (i / inner) % values.size().
struct ZeroPoint {
    std::vector<double> values;
    std::uint64_t inner = 1;
};

/// One tensor to examine.
struct StatsJob {
    model::DataType type = model::DataType::Float;
    std::span<const std::byte> bytes; ///< dense little-endian values
    std::uint64_t elements = 0;
    const ZeroPoint* zeroPoint = nullptr; ///< count zeros against this instead of 0
};

/// Computes statistics of many tensors in parallel: tensors are cut into chunks of about a million values,
/// so that one huge tensor still keeps every core busy. Two passes: moments first, then the histogram over
/// the now known range. Returns one ValueStats per job (not computed when cancelled). `kernelSet` must be one
/// the CPU supports (cpuSupports); every set gives the same results.
std::vector<ValueStats> computeStats(std::span<const StatsJob> jobs, const Progress& progress,
    const CancelToken* cancel = nullptr, KernelSet kernelSet = defaultKernelSet());

} // namespace slimscope::core::analysis
