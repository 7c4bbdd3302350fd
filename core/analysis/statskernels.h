#pragma once

// Statistics kernels, compiled once per instruction set: baseline x86-64 (statskernels_generic.cpp), AVX2
// (statskernels_avx2.cpp) and AVX-512 (statskernels_avx512.cpp). Everything here has internal linkage so
// that the compilations never mix; computeStats picks one set at run time (kernelset.h). Include this
// header only from the kernel translation units. All sets give the same bits (statspartial.h).

#include "bitslicedhistogram.h"
#include "model/elementdecode.h"
#include "statspartial.h"
#include "tensorstats.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

namespace slimscope::core::analysis {
namespace {

using model::DataType;

template <class T> T loadRaw(const std::byte* data, std::uint64_t index)
{
    T value;
    std::memcpy(&value, data + index * sizeof(T), sizeof(T));
    return value;
}

// Calls fn(load) with a loader lambda returning float for types that float represents exactly, double
// otherwise. Each instantiation is a tight loop the compiler can vectorize.
template <class Fn> void withLoader(DataType type, const std::byte* data, Fn&& fn)
{
    switch (type) {
    case DataType::Float:
        return fn([data](std::uint64_t i) { return loadRaw<float>(data, i); });
    case DataType::Double:
        return fn([data](std::uint64_t i) { return loadRaw<double>(data, i); });
    case DataType::Float16:
        return fn([data](std::uint64_t i) { return model::halfToFloat(loadRaw<std::uint16_t>(data, i)); });
    case DataType::Bfloat16:
        return fn([data](std::uint64_t i) { return model::bfloat16ToFloat(loadRaw<std::uint16_t>(data, i)); });
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

// Weights sit at any byte offset in the file: scalar reads go through memcpy (the vector loads are unaligned).
[[maybe_unused]] float loadFloat(const float* data, std::uint64_t i)
{
    return loadRaw<float>(reinterpret_cast<const std::byte*>(data), i);
}

[[maybe_unused]] bool allFinite(const Partial& partial)
{
    return std::isfinite(partial.sum) && std::isfinite(partial.sumSquares) && std::isfinite(partial.min)
        && std::isfinite(partial.max);
}

// The vector loops do little work per byte; without a hint the hardware keeps too few lines in flight and the
// loop waits on memory (measured: the histogram ran 4x slower on a 537 MB model than in cache).
[[maybe_unused]] constexpr std::uint64_t kPrefetchAhead = 1024; // values

// The float32 histogram of the vector sets: blocks of kBlockValues values (eight pairs) go to bit-sliced
// counters, pair(next, a, b) turning the values at `next` into two vectors of one-hot lanes and advancing it;
// the last values are counted one by one.
template <class Simd, std::uint64_t kBlockValues, class Pair>
void histogramFloat32Blocks(const float* data, std::uint64_t begin, std::uint64_t end, float low, float scale,
    std::array<std::uint64_t, kHistogramBins>& counts, Pair&& pair)
{
    using Vector = typename Simd::Vector;
    std::uint64_t i = begin;
    {
        BitSlicedCounts<Simd> bits(counts);
        for (; i + kBlockValues <= end; i += kBlockValues) {
            const float* next = data + i;
            for (std::uint64_t line = 0; line < kBlockValues; line += 16) // one 64-byte line per 16 values
                __builtin_prefetch(next + kPrefetchAhead + line);
            bits.addBlock([&](Vector& a, Vector& b) { pair(next, a, b); });
        }
    }
    for (; i < end; ++i)
        ++counts[static_cast<std::size_t>(histogramBin(loadFloat(data, i), low, scale))];
}

// Moments without a finiteness test per value, in kSumLanes independent lanes so the loop vectorizes. The
// lanes and their reduction follow the canonical order of statspartial.h, which the hand-written kernels
// follow too, so that every instruction set gives the same bits. Callers check the result and fall back to
// accumulateChecked when a NaN or infinity slipped in.
template <class Load> Partial accumulateFast(Load load, std::uint64_t begin, std::uint64_t end)
{
    using V = decltype(load(0));
    V low[kSumLanes], high[kSumLanes];
    double sum[kSumLanes] = {}, squares[kSumLanes] = {};
    std::uint64_t zeros[kSumLanes] = {};
    for (int l = 0; l < kSumLanes; ++l) {
        low[l] = std::numeric_limits<V>::infinity();
        high[l] = -std::numeric_limits<V>::infinity();
    }
    std::uint64_t i = begin;
    for (; i + kSumLanes <= end; i += kSumLanes) {
        for (int l = 0; l < kSumLanes; ++l) {
            const V v = load(i + static_cast<std::uint64_t>(l));
            low[l] = v < low[l] ? v : low[l];
            high[l] = v > high[l] ? v : high[l];
            const double d = v;
            sum[l] += d;
            squares[l] += d * d;
            zeros[l] += v == V(0) ? 1 : 0;
        }
    }
    Partial partial;
    partial.count = end - begin;
    partial.sum = reduceLanes(sum);
    partial.sumSquares = reduceLanes(squares);
    for (int l = 0; l < kSumLanes; ++l) {
        partial.min = std::min<double>(partial.min, low[l]);
        partial.max = std::max<double>(partial.max, high[l]);
        partial.zeros += zeros[l];
    }
    addTail(partial, load, i, end);
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

[[maybe_unused]] Partial accumulate(const StatsJob& job, std::uint64_t begin, std::uint64_t end)
{
    Partial partial;
    withLoader(job.type, job.bytes.data(), [&](auto load) {
        if (!job.zeroPoint) {
            partial = accumulateFast(load, begin, end);
            if (allFinite(partial))
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
    // Four count tables take consecutive values in turn, so that runs of equal values (the zeros of a pruned
    // tensor) do not wait on one counter.
    std::uint32_t tables[4][kHistogramBins] = {};
    for (std::uint64_t i = begin; i < end; ++i) {
        const V v = load(i);
        if (checkFinite && !std::isfinite(v))
            continue;
        ++tables[i & 3][histogramBin(v, lowV, scaleV)];
    }
    for (int b = 0; b < kHistogramBins; ++b)
        counts[static_cast<std::size_t>(b)]
            += std::uint64_t { tables[0][b] } + tables[1][b] + tables[2][b] + tables[3][b];
}

} // namespace

namespace SLIMSCOPE_KERNEL_NAMESPACE {
namespace {

Partial accumulateChunk(const StatsJob& job, std::uint64_t begin, std::uint64_t end)
{
    return accumulate(job, begin, end);
}

void histogramChunk(const StatsJob& job, std::uint64_t begin, std::uint64_t end, double low, double scale,
    bool checkFinite, std::array<std::uint64_t, kHistogramBins>& counts)
{
    withLoader(job.type, job.bytes.data(),
        [&](auto load) { fillHistogram(load, begin, end, low, scale, checkFinite, counts); });
}

// A vector kernel set: hand-written float32 loops (float32 is most of the bytes of most models), the
// shared templates for every other type and for float32 with NaN, infinity or a zero point.
template <Partial (*AccumulateFloat32)(const float*, std::uint64_t, std::uint64_t),
    void (*HistogramFloat32)(
        const float*, std::uint64_t, std::uint64_t, double, double, std::array<std::uint64_t, kHistogramBins>&)>
struct WithFloat32Loops {
    static Partial accumulateChunk(const StatsJob& job, std::uint64_t begin, std::uint64_t end)
    {
        if (job.type == DataType::Float && !job.zeroPoint) {
            const Partial partial = AccumulateFloat32(floatData(job), begin, end);
            if (allFinite(partial))
                return partial;
        }
        return SLIMSCOPE_KERNEL_NAMESPACE::accumulateChunk(job, begin, end);
    }

    static void histogramChunk(const StatsJob& job, std::uint64_t begin, std::uint64_t end, double low, double scale,
        bool checkFinite, std::array<std::uint64_t, kHistogramBins>& counts)
    {
        if (job.type == DataType::Float && !checkFinite)
            return HistogramFloat32(floatData(job), begin, end, low, scale, counts);
        SLIMSCOPE_KERNEL_NAMESPACE::histogramChunk(job, begin, end, low, scale, checkFinite, counts);
    }

    static const float* floatData(const StatsJob& job) { return reinterpret_cast<const float*>(job.bytes.data()); }
};

} // namespace
} // namespace SLIMSCOPE_KERNEL_NAMESPACE
} // namespace slimscope::core::analysis
