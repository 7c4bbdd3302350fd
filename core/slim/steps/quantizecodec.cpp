#include "quantizecodec.h"

#include "model/elementdecode.h"
#include "slim/stepsupport.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace slimscope::core::slim::quant {

std::optional<ChannelLayout> layoutOf(const std::vector<std::int64_t>& dims, int axis, std::uint64_t elements)
{
    ChannelLayout layout;
    if (elements == 0)
        return std::nullopt;
    if (axis >= 0) {
        layout.channels = static_cast<std::uint64_t>(dims[static_cast<std::size_t>(axis)]);
        for (std::size_t d = static_cast<std::size_t>(axis) + 1; d < dims.size(); ++d)
            layout.inner *= static_cast<std::uint64_t>(dims[d]);
        if (layout.channels == 0 || layout.inner == 0)
            return std::nullopt;
    } else {
        layout.inner = elements;
    }
    return layout;
}

template <class View> ChannelRanges rangesOf(View values, const ChannelLayout& layout)
{
    ChannelRanges ranges { std::vector<float>(layout.channels, 0.0f), std::vector<float>(layout.channels, 0.0f) };
    // 16 lanes so that the loop vectorizes; a select never takes NaN or -0 over the +0 the lanes start from,
    // so the lanes fold to exactly what one running min and max give.
    constexpr std::uint64_t kLanes = 16;
    std::vector<float> scratch(kErrorBlock);
    for (std::uint64_t block = 0; block < values.size() / layout.inner; ++block) {
        const std::uint64_t c = block % layout.channels;
        float low[kLanes] = {}, high[kLanes] = {};
        for (std::uint64_t begin = block * layout.inner; begin < (block + 1) * layout.inner; begin += kErrorBlock) {
            const auto count
                = static_cast<std::size_t>(std::min<std::uint64_t>(kErrorBlock, (block + 1) * layout.inner - begin));
            const FloatView part = values.block(begin, count, scratch.data());
            std::uint64_t nonFinite[kLanes] = {};
            const auto take = [&](std::uint64_t lane, float x) {
                const bool finite = isFiniteWeight(x);
                const float v = finite ? x : 0.0f;
                nonFinite[lane] += finite ? 0 : 1;
                low[lane] = v < low[lane] ? v : low[lane];
                high[lane] = v > high[lane] ? v : high[lane];
            };
            std::size_t j = 0;
            for (; j + kLanes <= count; j += kLanes)
                for (std::uint64_t l = 0; l < kLanes; ++l)
                    take(l, part[j + l]);
            for (std::uint64_t l = 0; j < count; ++j, ++l)
                take(l, part[j]);
            for (const std::uint64_t n : nonFinite)
                ranges.nonFinite += n;
        }
        for (std::uint64_t l = 0; l < kLanes; ++l) {
            ranges.low[c] = low[l] < ranges.low[c] ? low[l] : ranges.low[c];
            ranges.high[c] = high[l] > ranges.high[c] ? high[l] : ranges.high[c];
        }
    }
    return ranges;
}

Int8Params int8ParamsOf(const ChannelRanges& ranges, bool symmetric)
{
    Int8Params params;
    params.symmetric = symmetric;
    const std::size_t channels = ranges.low.size();
    params.scales.resize(channels);
    params.zeroPoints.assign(channels, 0);
    for (std::size_t c = 0; c < channels; ++c) {
        float scale;
        if (symmetric) {
            scale = std::max(std::fabs(ranges.low[c]), std::fabs(ranges.high[c])) / 127.0f;
        } else {
            scale = (ranges.high[c] - ranges.low[c]) / 255.0f;
            if (scale > 0.0f)
                params.zeroPoints[c] = std::clamp(static_cast<int>(std::lround(-ranges.low[c] / scale)), 0, 255);
        }
        // An all-zero channel: any scale, every value is the zero point. A channel of denormals (PaddleOCR's
        // recognizer has some, ~1e-40) too: their scale's reciprocal would overflow to infinity and turn the
        // values into NaN; stored as zeros they are off by less than 1e-38.
        if (!(scale >= std::numeric_limits<float>::min())) {
            params.scales[c] = 1.0f;
            params.zeroPoints[c] = 0;
        } else {
            params.scales[c] = scale;
        }
    }
    return params;
}

namespace {

// Calls fn(block start, block end, inverse scale, zero point as float, channel) per run of values that share
// a channel.
template <class Fn>
void forEachChannelBlock(std::uint64_t count, const ChannelLayout& layout, const Int8Params& params, Fn&& fn)
{
    for (std::uint64_t block = 0; block < count / layout.inner; ++block) {
        const std::uint64_t c = block % layout.channels;
        fn(block * layout.inner, (block + 1) * layout.inner, 1.0f / params.scales[c],
            static_cast<float>(params.zeroPoints[c]), c);
    }
}

float lowestLevel(const Int8Params& params)
{
    return params.symmetric ? -127.0f : 0.0f;
}

float highestLevel(const Int8Params& params)
{
    return params.symmetric ? 127.0f : 255.0f;
}

} // namespace

template <class View>
std::vector<std::byte> quantizeValues(View values, const ChannelLayout& layout, const Int8Params& params)
{
    std::vector<std::byte> out(values.size());
    const float lowest = lowestLevel(params), highest = highestLevel(params);
    forEachChannelBlock(values.size(), layout, params,
        [&](std::uint64_t begin, std::uint64_t end, float inverse, float zero, std::uint64_t) {
            for (std::uint64_t j = begin; j < end; ++j) {
                const float scaled = roundSmall(values[j] * inverse) + zero;
                const float level = scaled == scaled ? std::clamp(scaled, lowest, highest) : zero; // NaN: zero point
                out[j] = params.symmetric ? static_cast<std::byte>(static_cast<std::int8_t>(level))
                                          : static_cast<std::byte>(static_cast<std::uint8_t>(level));
            }
        });
    return out;
}

template <class Reference, class View>
ErrorSums int8Errors(
    Reference reference, View values, const ChannelLayout& layout, const Int8Params& params, bool sample)
{
    std::vector<float> inverses(params.scales.size());
    for (std::size_t c = 0; c < inverses.size(); ++c)
        inverses[c] = 1.0f / params.scales[c];
    const float lowest = lowestLevel(params), highest = highestLevel(params);
    // The comparison reads the stored scale and zero point per channel: here the same numbers.
    const std::uint64_t channels = params.scales.size() > 1 ? params.scales.size() : 1;
    return channelErrors(reference, channels, layout.inner, sample,
        [&](std::uint64_t c, std::uint64_t begin, std::size_t count, float* out) {
            const FloatView input = values.block(begin, count, out); // `out` doubles as the input's scratch
            const float zero = static_cast<float>(params.zeroPoints[c]), inverse = inverses[c],
                        scale = params.scales[c];
            for (std::size_t i = 0; i < count; ++i) {
                const float scaled = roundSmall(input[i] * inverse) + zero;
                const float level = scaled == scaled ? std::clamp(scaled, lowest, highest) : zero;
                out[i] = (level - zero) * scale;
            }
            return FloatView(std::span<const float>(out, count));
        });
}

template <class Reference, class View> ErrorSums float16Errors(Reference reference, View values, bool sample)
{
    std::vector<std::byte> half(kErrorBlock * 2);
    return accumulateErrors(
        reference,
        [&](std::size_t begin, std::size_t count, float* out) {
            const FloatView input = values.block(begin, count, out);
            for (std::size_t i = 0; i < count; ++i)
                out[i] = input[i];
            floatsToHalf(std::span<const float>(out, count), half.data());
            for (std::size_t i = 0; i < count; ++i) {
                std::uint16_t bits;
                std::memcpy(&bits, half.data() + i * 2, 2);
                out[i] = model::halfToFloat(bits);
            }
            return FloatView(std::span<const float>(out, count));
        },
        sampleStride(reference.size(), kErrorBlock, sample));
}

template <class Reference, class View> ErrorSums bfloat16Errors(Reference reference, View values, bool sample)
{
    return accumulateErrors(
        reference,
        [&](std::size_t begin, std::size_t count, float* out) {
            const FloatView input = values.block(begin, count, out);
            for (std::size_t i = 0; i < count; ++i)
                out[i] = model::bfloat16ToFloat(model::floatToBfloat16(input[i]));
            return FloatView(std::span<const float>(out, count));
        },
        sampleStride(reference.size(), kErrorBlock, sample));
}

template ChannelRanges rangesOf(FloatView, const ChannelLayout&);
template ChannelRanges rangesOf(CutFloatView, const ChannelLayout&);
template ErrorSums int8Errors(FloatView, FloatView, const ChannelLayout&, const Int8Params&, bool);
template ErrorSums int8Errors(FloatView, CutFloatView, const ChannelLayout&, const Int8Params&, bool);
template ErrorSums int8Errors(CutFloatView, FloatView, const ChannelLayout&, const Int8Params&, bool);
template ErrorSums int8Errors(CutFloatView, CutFloatView, const ChannelLayout&, const Int8Params&, bool);
template ErrorSums float16Errors(FloatView, FloatView, bool);
template ErrorSums float16Errors(FloatView, CutFloatView, bool);
template ErrorSums float16Errors(CutFloatView, FloatView, bool);
template ErrorSums float16Errors(CutFloatView, CutFloatView, bool);
template ErrorSums bfloat16Errors(FloatView, FloatView, bool);
template ErrorSums bfloat16Errors(FloatView, CutFloatView, bool);
template ErrorSums bfloat16Errors(CutFloatView, FloatView, bool);
template ErrorSums bfloat16Errors(CutFloatView, CutFloatView, bool);

Result<std::vector<std::byte>> QuantizedBytes::materialize() const
{
    auto values = readFloatValues(m_input, m_dataType);
    if (!values)
        return std::unexpected(values.error());
    return values->visit([&](auto view) { return quantizeValues(view, m_layout, m_params); });
}

Result<std::vector<std::byte>> HalfBytes::materialize() const
{
    auto read = readFloatValues(m_input, onnx::TensorProto::FLOAT);
    if (!read)
        return std::unexpected(read.error());
    const FloatValues values = std::move(*read).plain();
    std::vector<std::byte> half(values.values.size() * 2);
    if (m_bfloat16) {
        for (std::size_t i = 0; i < values.values.size(); ++i) {
            const std::uint16_t bits = model::floatToBfloat16(values.values[i]);
            std::memcpy(half.data() + i * 2, &bits, 2);
        }
        return half;
    }
    std::vector<float> aligned(std::min<std::size_t>(values.values.size(), kErrorBlock)); // for F16C
    for (std::size_t begin = 0; begin < values.values.size(); begin += aligned.size()) {
        const std::size_t count = std::min(aligned.size(), values.values.size() - begin);
        for (std::size_t i = 0; i < count; ++i)
            aligned[i] = values.values[begin + i];
        floatsToHalf(std::span<const float>(aligned.data(), count), half.data() + begin * 2);
    }
    return half;
}

} // namespace slimscope::core::slim::quant
