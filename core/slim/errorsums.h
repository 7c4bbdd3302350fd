#pragma once

// Weight error sums of a slimmed tensor against its original values, shared by the slimmer's comparison and
// by the steps that measure their own error without writing their result (quantize, fp16). Both must add in
// the same order so that a measured error equals the compared one, bit for bit.

#include "finitefloat.h"
#include "floatview.h"
#include "stepregistry.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <span>

namespace slimscope::core::slim {

struct ErrorSums {
    bool valid = false;
    double signal = 0.0;
    double noise = 0.0;
    float maxAbs = 0.0f;
    std::uint64_t zerosAfter = 0;
    std::uint64_t count = 0; ///< values compared (all of them, or a sample)

    void add(const ErrorSums& part)
    {
        valid = true;
        signal += part.signal;
        noise += part.noise;
        maxAbs = std::max(maxAbs, part.maxAbs);
        zerosAfter += part.zerosAfter;
        count += part.count;
    }

    MeasuredError measured(bool sampled) const
    {
        MeasuredError error = errorFromSums(signal, noise, maxAbs);
        error.sparsityAfter = count ? static_cast<double>(zerosAfter) / static_cast<double>(count) : 0.0;
        error.sampled = sampled;
        return error;
    }
};

/// Values per tensor a sampled measurement looks at, about (a preview following a slider).
inline constexpr std::uint64_t kSampledValues = 1u << 16;
inline constexpr std::size_t kErrorBlock = 4096;

/// Every how many blocks of `blockSize` values a sampled measurement of `total` values takes one (1: all).
inline std::uint64_t sampleStride(std::uint64_t total, std::uint64_t blockSize, bool sample)
{
    if (!sample || total <= kSampledValues)
        return 1;
    const std::uint64_t blocks = (total + blockSize - 1) / blockSize;
    const std::uint64_t wanted = std::max<std::uint64_t>(1, kSampledValues / blockSize);
    return std::max<std::uint64_t>(1, blocks / wanted);
}

/// Σw², Σ(w' - w)², max|w' - w| and zeros of w' against w = before (over the finite w), block by block: after(begin,
/// count, scratch) gives the block's w' as a FloatView (decoded into `scratch`, kErrorBlock floats, when they are not
/// float32 in memory). Within a block the sums run in 16 float lanes (element i to lane i % 16, so the loop
/// vectorizes), folded in a fixed order; blocks add in double. With `blockStride` > 1 only every blockStride-th block
/// is read (a sample).
template <class Before, class After>
ErrorSums accumulateErrors(Before before, After after, std::uint64_t blockStride = 1)
{
    constexpr std::size_t kLanes = 16;
    alignas(64) float beforeScratch[kErrorBlock];
    alignas(64) float afterScratch[kErrorBlock];
    ErrorSums sums;
    sums.valid = true;
    for (std::size_t begin = 0, block = 0; begin < before.size(); begin += kErrorBlock, ++block) {
        if (block % blockStride != 0)
            continue;
        const std::size_t count = std::min(before.size() - begin, kErrorBlock);
        const FloatView b = before.block(begin, count, beforeScratch);
        const FloatView a = after(begin, count, afterScratch);
        float signal[kLanes] = {}, noise[kLanes] = {}, maxAbs[kLanes] = {};
        std::uint32_t zeros[kLanes] = {};
        const auto add = [&](std::size_t i, std::size_t l) {
            // An original NaN or infinity has no error to measure: it adds nothing (else every sum is NaN).
            const float w = b[i], x = a[i];
            const bool finite = isFiniteWeight(w);
            const float d = finite ? x - w : 0.0f;
            signal[l] += finite ? w * w : 0.0f;
            noise[l] += d * d;
            const float m = std::fabs(d);
            maxAbs[l] = m > maxAbs[l] ? m : maxAbs[l];
            zeros[l] += x == 0.0f ? 1 : 0;
        };
        std::size_t i = 0;
        for (; i + kLanes <= count; i += kLanes)
            for (std::size_t l = 0; l < kLanes; ++l)
                add(i + l, l);
        for (std::size_t l = 0; i < count; ++i, ++l)
            add(i, l);
        float blockSignal = 0.0f, blockNoise = 0.0f;
        for (std::size_t l = 0; l < kLanes; ++l) {
            blockSignal += signal[l];
            blockNoise += noise[l];
            sums.maxAbs = maxAbs[l] > sums.maxAbs ? maxAbs[l] : sums.maxAbs;
            sums.zerosAfter += zeros[l];
        }
        sums.signal += blockSignal;
        sums.noise += blockNoise;
        sums.count += count;
    }
    return sums;
}

/// Errors of a tensor quantized per channel: value j belongs to channel (j / inner) % channels (channels <= 1:
/// one channel for the whole tensor). dequantized(channel, begin, count, scratch) writes the dequantized
/// values [begin, begin + count), all of one channel, to `scratch` and returns them as a view. Blocks of
/// values that share a channel are accumulated one by one, in order.
template <class Before, class Dequantized>
ErrorSums channelErrors(
    Before before, std::uint64_t channels, std::uint64_t inner, bool sample, Dequantized dequantized)
{
    ErrorSums total;
    total.valid = true;
    const std::uint64_t blockSize = std::max<std::uint64_t>(1, channels > 1 ? inner : before.size());
    const std::uint64_t blockStride = sampleStride(before.size(), blockSize, sample);
    for (std::uint64_t start = 0, b = 0; start < before.size(); start += blockSize, ++b) {
        if (b % blockStride != 0)
            continue;
        const std::uint64_t c = channels > 1 ? b % channels : 0;
        const auto length = static_cast<std::size_t>(std::min<std::uint64_t>(blockSize, before.size() - start));
        total.add(accumulateErrors(
            before.subspan(start, length),
            [&](std::size_t begin, std::size_t count, float* scratch) {
                return dequantized(c, start + begin, count, scratch);
            },
            sampleStride(length, kErrorBlock, sample)));
    }
    return total;
}

} // namespace slimscope::core::slim
