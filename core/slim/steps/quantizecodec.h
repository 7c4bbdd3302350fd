#pragma once

// The arithmetic of the quantize step, split so that a preview needs neither the quantized bytes nor a second
// read: per-channel ranges (cached per tensor), scales and zero points from them, the error of quantizing
// (computed from the float values alone), and the bytes themselves, computed only when they are written
// (DeferredBytes). Internal to the quantize step.

#include "slim/errorsums.h"
#include "slim/stepsupport.h"
#include "slim/workingmodel.h"

#include <cstdint>
#include <span>
#include <vector>

namespace slimscope::core::slim::quant {

/// Value j belongs to channel (j / inner) % channels; one channel for per-tensor quantization.
struct ChannelLayout {
    std::uint64_t channels = 1;
    std::uint64_t inner = 1;
};
/// The layout of `dims` quantized along `axis` (-1: per tensor); nullopt for an empty dimension.
std::optional<ChannelLayout> layoutOf(const std::vector<std::int64_t>& dims, int axis, std::uint64_t elements);

/// Smallest and largest finite value per channel, both ranges including 0. Depends only on the values and layout.
/// NaN and infinities are counted, not ranged: quantized, NaN becomes the zero point and an infinity the channel's
/// extreme level (a model file may hold them; an infinite range would turn the whole channel into zeros).
struct ChannelRanges {
    std::vector<float> low;
    std::vector<float> high;
    std::uint64_t nonFinite = 0;
};
template <class View> ChannelRanges rangesOf(View values, const ChannelLayout& layout);

/// INT8 parameters: symmetric is int8 with zero point 0, asymmetric uint8.
struct Int8Params {
    bool symmetric = true;
    std::vector<float> scales;
    std::vector<int> zeroPoints;
};
Int8Params int8ParamsOf(const ChannelRanges& ranges, bool symmetric);

/// The quantized values (int8 or uint8 bytes): multiply by the reciprocal scale and round half to even, as
/// ONNX's QuantizeLinear does.
template <class View>
std::vector<std::byte> quantizeValues(View values, const ChannelLayout& layout, const Int8Params& params);
/// The error of quantizing and dequantizing `values`, without storing either, against `reference` (the
/// original values: `values` themselves, or what an earlier step derived them from): the same sums the
/// slimmer's comparison of the stored bytes makes.
template <class Reference, class View>
ErrorSums int8Errors(
    Reference reference, View values, const ChannelLayout& layout, const Int8Params& params, bool sample);
/// The error of storing float32 `values` as float16, against `reference`.
template <class Reference, class View> ErrorSums float16Errors(Reference reference, View values, bool sample);
/// The same for bfloat16 (round to nearest even).
template <class Reference, class View> ErrorSums bfloat16Errors(Reference reference, View values, bool sample);
// (Views: FloatView or CutFloatView; instantiated for both in quantizecodec.cpp.)

/// The quantized bytes of a float tensor, computed from its input when asked for.
class QuantizedBytes final : public DeferredBytes {
public:
    QuantizedBytes(
        TensorSource input, std::int32_t dataType, ChannelLayout layout, Int8Params params, std::uint64_t elements)
        : m_input(std::move(input))
        , m_dataType(dataType)
        , m_layout(layout)
        , m_params(std::move(params))
        , m_elements(elements)
    { }
    std::uint64_t byteSize() const override { return m_elements; }
    Result<std::vector<std::byte>> materialize() const override;
    const TensorSource* origin() const override { return &m_input; }

private:
    TensorSource m_input;
    std::int32_t m_dataType;
    ChannelLayout m_layout;
    Int8Params m_params;
    std::uint64_t m_elements;
};

/// The float16 (or bfloat16) bytes of a float32 tensor, computed from its input when asked for.
class HalfBytes final : public DeferredBytes {
public:
    HalfBytes(TensorSource input, std::uint64_t elements, bool bfloat16 = false)
        : m_input(std::move(input))
        , m_elements(elements)
        , m_bfloat16(bfloat16)
    { }
    std::uint64_t byteSize() const override { return m_elements * 2; }
    Result<std::vector<std::byte>> materialize() const override;
    const TensorSource* origin() const override { return &m_input; }

private:
    TensorSource m_input;
    std::uint64_t m_elements;
    bool m_bfloat16;
};

} // namespace slimscope::core::slim::quant
