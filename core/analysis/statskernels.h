#pragma once

// Statistics kernels, compiled twice: for the baseline x86-64 and for AVX2 + FMA (statskernels_avx2.cpp).
// Everything here has internal linkage so that the two compilations never mix; computeStats picks one at
// run time. Include this header only from the two kernel translation units.

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

// Moments without a finiteness test per value, in independent lanes so the loop vectorizes. Callers check
// the result and fall back to accumulateChecked when a NaN or infinity slipped in.
template <class Load> Partial accumulateFast(Load load, std::uint64_t begin, std::uint64_t end)
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

[[maybe_unused]] Partial accumulate(const StatsJob& job, std::uint64_t begin, std::uint64_t end)
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

} // namespace

namespace SLIMSCOPE_KERNEL_NAMESPACE {

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

} // namespace SLIMSCOPE_KERNEL_NAMESPACE
} // namespace slimscope::core::analysis
