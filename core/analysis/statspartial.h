#pragma once

#include "tensorstats.h"

#include <array>
#include <cstdint>
#include <limits>

namespace slimscope::core::analysis {

/// Moments of one chunk of one tensor, merged afterwards.
struct Partial {
    std::uint64_t count = 0;
    std::uint64_t zeros = 0;
    std::uint64_t nonFinite = 0;
    double min = std::numeric_limits<double>::infinity();
    double max = -std::numeric_limits<double>::infinity();
    double sum = 0.0;
    double sumSquares = 0.0;
};

// The canonical order of the sums, which every kernel set follows so that an analysis gives the same bits
// on every CPU: element begin + k goes to lane k % kSumLanes as long as whole groups of kSumLanes remain;
// the lanes are folded by halves (lane l + lane l + 8, then + 4, + 2, + 1); the remaining elements are then
// added one by one. Squares are rounded before they are added (no fused multiply-add).
inline constexpr int kSumLanes = 16;

inline double reduceLanes(const double (&lanes)[kSumLanes])
{
    double folded[kSumLanes];
    for (int l = 0; l < kSumLanes; ++l)
        folded[l] = lanes[l];
    for (int width = kSumLanes / 2; width >= 1; width /= 2)
        for (int l = 0; l < width; ++l)
            folded[l] = folded[l] + folded[l + width];
    return folded[0];
}

template <class Load> void addTail(Partial& partial, Load load, std::uint64_t begin, std::uint64_t end)
{
    for (std::uint64_t i = begin; i < end; ++i) {
        const auto v = load(i);
        partial.min = std::min<double>(partial.min, v);
        partial.max = std::max<double>(partial.max, v);
        const double d = v;
        partial.sum += d;
        partial.sumSquares += d * d;
        partial.zeros += v == decltype(v)(0) ? 1 : 0;
    }
}

/// The histogram bin of a finite value: (v - low) * scale in the value's own precision, truncated and
/// clamped, exactly as the vector kernels compute it (cvttps2dq, then min/max).
template <class V> int histogramBin(V v, V low, V scale)
{
    const V position = (v - low) * scale;
    // Out of int range (scale overflowed on a denormal range) behaves like cvttps2dq: the "integer
    // indefinite" value, clamped to bin 0.
    const int bin = position >= V(-2147483648.0) && position < V(2147483648.0) ? static_cast<int>(position)
                                                                               : std::numeric_limits<int>::min();
    return bin < 0 ? 0 : (bin >= kHistogramBins ? kHistogramBins - 1 : bin);
}

/// The kernels of one instruction set (see statskernels.h); computeStats calls the set kernelSetFor picks.
struct StatsKernels {
    Partial (*accumulateChunk)(const StatsJob& job, std::uint64_t begin, std::uint64_t end);
    /// Ranges below 2^32 elements (the counts are 32-bit while they are gathered).
    void (*histogramChunk)(const StatsJob& job, std::uint64_t begin, std::uint64_t end, double low, double scale,
        bool checkFinite, std::array<std::uint64_t, kHistogramBins>& counts);
};

namespace kernels_generic {
extern const StatsKernels kernels;
}
namespace kernels_avx2 {
extern const StatsKernels kernels;
}
namespace kernels_avx512 {
extern const StatsKernels kernels;
}

} // namespace slimscope::core::analysis
