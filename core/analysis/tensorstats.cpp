#include "tensorstats.h"

#include "model/elementdecode.h"
#include "statspartial.h"
#include "support/parallel.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <limits>

namespace slimscope::core::analysis {

using model::DataType;

namespace {

constexpr std::uint64_t kChunkElements = 1u << 20;

struct Chunk {
    std::size_t job;
    std::uint64_t begin;
    std::uint64_t end;
};

const StatsKernels& kernelsFor(KernelSet set)
{
    switch (set) {
    case KernelSet::Avx512:
        return kernels_avx512::kernels;
    case KernelSet::Avx2:
        return kernels_avx2::kernels;
    case KernelSet::Generic:
        break;
    }
    return kernels_generic::kernels;
}

void mergeInto(ValueStats& stats, const Partial& partial, double& sum, double& sumSquares)
{
    stats.count += partial.count;
    stats.zeros += partial.zeros;
    stats.nonFinite += partial.nonFinite;
    stats.min = std::min(stats.min, partial.min);
    stats.max = std::max(stats.max, partial.max);
    sum += partial.sum;
    sumSquares += partial.sumSquares;
}

} // namespace

std::vector<ValueStats> computeStats(
    std::span<const StatsJob> jobs, const Progress& progress, const CancelToken* cancel, KernelSet kernelSet)
{
    std::vector<Chunk> chunks;
    std::uint64_t totalElements = 0;
    for (std::size_t j = 0; j < jobs.size(); ++j) {
        if (!isNumeric(jobs[j].type) || jobs[j].elements == 0)
            continue;
        totalElements += jobs[j].elements;
        for (std::uint64_t begin = 0; begin < jobs[j].elements; begin += kChunkElements)
            chunks.push_back({ j, begin, std::min(jobs[j].elements, begin + kChunkElements) });
    }
    // Big chunks first so the tail of the run is made of small ones and both cores finish together.
    std::stable_sort(chunks.begin(), chunks.end(),
        [](const Chunk& a, const Chunk& b) { return (a.end - a.begin) > (b.end - b.begin); });

    std::atomic<std::uint64_t> done { 0 };
    const auto advance = [&](std::uint64_t elements, double passOffset) {
        const std::uint64_t now = done.fetch_add(elements, std::memory_order_relaxed) + elements;
        if (totalElements > 0)
            progress.report(
                "statistics", passOffset + 0.5 * static_cast<double>(now) / static_cast<double>(totalElements));
    };

    const StatsKernels& kernels = kernelsFor(kernelSet);
    std::vector<Partial> partials(chunks.size());
    parallelFor(
        chunks.size(),
        [&](std::size_t c) {
            const Chunk& chunk = chunks[c];
            partials[c] = kernels.accumulateChunk(jobs[chunk.job], chunk.begin, chunk.end);
            advance(chunk.end - chunk.begin, 0.0);
        },
        cancel);
    if (cancel && cancel->isCancelled())
        return std::vector<ValueStats>(jobs.size());

    std::vector<ValueStats> stats(jobs.size());
    std::vector<double> sums(jobs.size(), 0.0), squares(jobs.size(), 0.0);
    for (auto& s : stats) {
        s.min = std::numeric_limits<double>::infinity();
        s.max = -std::numeric_limits<double>::infinity();
    }
    for (std::size_t c = 0; c < chunks.size(); ++c)
        mergeInto(stats[chunks[c].job], partials[c], sums[chunks[c].job], squares[chunks[c].job]);
    for (std::size_t j = 0; j < jobs.size(); ++j) {
        ValueStats& s = stats[j];
        s.computed = isNumeric(jobs[j].type);
        const std::uint64_t finite = s.count - s.nonFinite;
        if (finite == 0) {
            s.min = s.max = 0.0;
            continue;
        }
        s.mean = sums[j] / static_cast<double>(finite);
        s.std = std::sqrt(std::max(0.0, squares[j] / static_cast<double>(finite) - s.mean * s.mean));
        s.histogram.low = s.min;
        s.histogram.high = s.max;
    }

    done = 0;
    std::vector<std::array<std::uint64_t, kHistogramBins>> counts(chunks.size());
    parallelFor(
        chunks.size(),
        [&](std::size_t c) {
            const Chunk& chunk = chunks[c];
            const ValueStats& s = stats[chunk.job];
            const double range = s.max - s.min;
            const double scale = range > 0.0 ? kHistogramBins / range : 0.0;
            kernels.histogramChunk(jobs[chunk.job], chunk.begin, chunk.end, s.min, scale, s.nonFinite > 0, counts[c]);
            advance(chunk.end - chunk.begin, 0.5);
        },
        cancel);
    if (cancel && cancel->isCancelled())
        return std::vector<ValueStats>(jobs.size());
    for (std::size_t c = 0; c < chunks.size(); ++c) {
        auto& target = stats[chunks[c].job].histogram.counts;
        for (int b = 0; b < kHistogramBins; ++b)
            target[static_cast<std::size_t>(b)] += counts[c][static_cast<std::size_t>(b)];
    }
    return stats;
}

} // namespace slimscope::core::analysis
