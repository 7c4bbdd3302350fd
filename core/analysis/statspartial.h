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

/// The kernels, one set per instruction set (see statskernels.h).
namespace kernels_generic {
Partial accumulateChunk(const StatsJob& job, std::uint64_t begin, std::uint64_t end);
void histogramChunk(const StatsJob& job, std::uint64_t begin, std::uint64_t end, double low, double scale,
    bool checkFinite, std::array<std::uint64_t, kHistogramBins>& counts);
}
namespace kernels_avx2 {
Partial accumulateChunk(const StatsJob& job, std::uint64_t begin, std::uint64_t end);
void histogramChunk(const StatsJob& job, std::uint64_t begin, std::uint64_t end, double low, double scale,
    bool checkFinite, std::array<std::uint64_t, kHistogramBins>& counts);
}

} // namespace slimscope::core::analysis
