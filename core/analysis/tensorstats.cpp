#include "tensorstats.h"

#include "elementdecode.h"
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

struct Partial {
    std::uint64_t count = 0;
    std::uint64_t zeros = 0;
    std::uint64_t nonFinite = 0;
    double min = std::numeric_limits<double>::infinity();
    double max = -std::numeric_limits<double>::infinity();
    double sum = 0.0;
    double sumSquares = 0.0;
};

template <class T>
T loadRaw(const std::byte* data, std::uint64_t index)
{
    T value;
    std::memcpy(&value, data + index * sizeof(T), sizeof(T));
    return value;
}

// Calls fn(load) with a loader lambda returning float for types that float represents exactly, double
// otherwise. Each instantiation is a tight loop the compiler can vectorize.
template <class Fn>
void withLoader(DataType type, const std::byte* data, Fn&& fn)
{
    switch (type) {
    case DataType::Float:
        return fn([data](std::uint64_t i) { return loadRaw<float>(data, i); });
    case DataType::Double:
        return fn([data](std::uint64_t i) { return loadRaw<double>(data, i); });
    case DataType::Float16:
        return fn([data](std::uint64_t i) { return halfToFloat(loadRaw<std::uint16_t>(data, i)); });
    case DataType::Bfloat16:
        return fn([data](std::uint64_t i) { return bfloat16ToFloat(loadRaw<std::uint16_t>(data, i)); });
    case DataType::Int8:
        return fn([data](std::uint64_t i) { return static_cast<float>(loadRaw<std::int8_t>(data, i)); });
    case DataType::Uint8:
        return fn([data](std::uint64_t i) { return static_cast<float>(loadRaw<std::uint8_t>(data, i)); });
    case DataType::Int16:
        return fn([data](std::uint64_t i) { return static_cast<float>(loadRaw<std::int16_t>(data, i)); });
    case DataType::Uint16:
        return fn([data](std::uint64_t i) { return static_cast<float>(loadRaw<std::uint16_t>(data, i)); });
    case DataType::Int32:
        return fn([data](std::uint64_t i) { return static_cast<double>(loadRaw<std::int32_t>(data, i)); });
    case DataType::Uint32:
        return fn([data](std::uint64_t i) { return static_cast<double>(loadRaw<std::uint32_t>(data, i)); });
    case DataType::Int64:
        return fn([data](std::uint64_t i) { return static_cast<double>(loadRaw<std::int64_t>(data, i)); });
    case DataType::Uint64:
        return fn([data](std::uint64_t i) { return static_cast<double>(loadRaw<std::uint64_t>(data, i)); });
    default:
        return fn([data, type](std::uint64_t i) { return static_cast<float>(elementAsDouble(type, data, i)); });
    }
}

// Moments without a finiteness test per value, in independent lanes so the loop vectorizes. Callers check
// the result and fall back to accumulateChecked when a NaN or infinity slipped in.
template <class Load>
Partial accumulateFast(Load load, std::uint64_t begin, std::uint64_t end)
{
    using V = decltype(load(0));
    constexpr int kLanes = 8;
    V low[kLanes], high[kLanes];
    double sum[kLanes] = {}, squares[kLanes] = {};
    std::uint64_t zeros[kLanes] = {};
    for (int l = 0; l < kLanes; ++l) {
        low[l] = std::numeric_limits<V>::infinity();
        high[l] = -std::numeric_limits<V>::infinity();
    }
    std::uint64_t i = begin;
    for (; i + kLanes <= end; i += kLanes) {
        for (int l = 0; l < kLanes; ++l) {
            const V v = load(i + static_cast<std::uint64_t>(l));
            low[l] = v < low[l] ? v : low[l];
            high[l] = v > high[l] ? v : high[l];
            const double d = v;
            sum[l] += d;
            squares[l] += d * d;
            zeros[l] += v == V(0) ? 1 : 0;
        }
    }
    for (; i < end; ++i) {
        const V v = load(i);
        low[0] = v < low[0] ? v : low[0];
        high[0] = v > high[0] ? v : high[0];
        sum[0] += v;
        squares[0] += static_cast<double>(v) * v;
        zeros[0] += v == V(0) ? 1 : 0;
    }
    Partial partial;
    partial.count = end - begin;
    for (int l = 0; l < kLanes; ++l) {
        partial.min = std::min<double>(partial.min, low[l]);
        partial.max = std::max<double>(partial.max, high[l]);
        partial.sum += sum[l];
        partial.sumSquares += squares[l];
        partial.zeros += zeros[l];
    }
    return partial;
}

template <class Load>
Partial accumulateChecked(Load load, std::uint64_t begin, std::uint64_t end, const ZeroPoint* zeroPoint)
{
    Partial partial;
    partial.count = end - begin;
    for (std::uint64_t i = begin; i < end; ++i) {
        const double v = load(i);
        if (zeroPoint) {
            const double zero = zeroPoint->values[(i / zeroPoint->inner) % zeroPoint->values.size()];
            partial.zeros += v == zero ? 1 : 0;
        } else {
            partial.zeros += v == 0.0 ? 1 : 0;
        }
        if (!std::isfinite(v)) {
            ++partial.nonFinite;
            continue;
        }
        partial.min = std::min(partial.min, v);
        partial.max = std::max(partial.max, v);
        partial.sum += v;
        partial.sumSquares += v * v;
    }
    return partial;
}

Partial accumulate(const StatsJob& job, std::uint64_t begin, std::uint64_t end)
{
    Partial partial;
    withLoader(job.type, job.bytes.data(), [&](auto load) {
        if (!job.zeroPoint) {
            partial = accumulateFast(load, begin, end);
            if (std::isfinite(partial.sum) && std::isfinite(partial.sumSquares) && std::isfinite(partial.min)
                && std::isfinite(partial.max))
                return;
        }
        partial = accumulateChecked(load, begin, end, job.zeroPoint);
    });
    return partial;
}

template <class Load>
void fillHistogram(Load load, std::uint64_t begin, std::uint64_t end, double low, double scale, bool checkFinite,
    std::array<std::uint64_t, kHistogramBins>& counts)
{
    using V = decltype(load(0));
    const V lowV = static_cast<V>(low), scaleV = static_cast<V>(scale);
    // Two count arrays alternate so that runs of equal values do not serialize on one counter.
    std::array<std::uint64_t, kHistogramBins> second {};
    for (std::uint64_t i = begin; i < end; ++i) {
        const V v = load(i);
        if (checkFinite && !std::isfinite(v))
            continue;
        int bin = static_cast<int>((v - lowV) * scaleV);
        bin = bin < 0 ? 0 : (bin >= kHistogramBins ? kHistogramBins - 1 : bin);
        ++((i & 1) ? second : counts)[static_cast<std::size_t>(bin)];
    }
    for (int b = 0; b < kHistogramBins; ++b)
        counts[static_cast<std::size_t>(b)] += second[static_cast<std::size_t>(b)];
}

struct Chunk {
    std::size_t job;
    std::uint64_t begin;
    std::uint64_t end;
};

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

std::vector<ValueStats> computeStats(std::span<const StatsJob> jobs, const Progress& progress, const CancelToken* cancel)
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
            progress.report("statistics", passOffset + 0.5 * static_cast<double>(now) / static_cast<double>(totalElements));
    };

    std::vector<Partial> partials(chunks.size());
    parallelFor(chunks.size(), [&](std::size_t c) {
        const Chunk& chunk = chunks[c];
        partials[c] = accumulate(jobs[chunk.job], chunk.begin, chunk.end);
        advance(chunk.end - chunk.begin, 0.0);
    }, cancel);
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
    parallelFor(chunks.size(), [&](std::size_t c) {
        const Chunk& chunk = chunks[c];
        const ValueStats& s = stats[chunk.job];
        const double range = s.max - s.min;
        const double scale = range > 0.0 ? kHistogramBins / range : 0.0;
        withLoader(jobs[chunk.job].type, jobs[chunk.job].bytes.data(), [&](auto load) {
            fillHistogram(load, chunk.begin, chunk.end, s.min, scale, s.nonFinite > 0, counts[c]);
        });
        advance(chunk.end - chunk.begin, 0.5);
    }, cancel);
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
