#pragma once

#include "model/datatype.h"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace slimscope::core::model {

// The one home of element encoding and decoding: every layer that reads or writes tensor elements (analysis,
// slimming, the runtime's inputs and outputs, compare) uses these.

/// The largest finite float16.
inline constexpr float kHalfMax = 65504.0f;

/// float32 -> float16 bits, round to nearest even. Values beyond ±65504 (which IEEE rounds to infinity from
/// ±65520 on), infinities included, saturate to ±65504: a weight or an input must stay finite. Callers that
/// convert user data count such values (`beyondHalfRange`) and say so. NaN stays NaN.
std::uint16_t floatToHalf(float value);
/// float32 -> bfloat16 bits, round to nearest even; values that would round past the largest finite bfloat16
/// saturate to it. NaN stays NaN, infinity stays infinity.
std::uint16_t floatToBfloat16(float value);
/// True for a value that floatToHalf saturates.
inline bool beyondHalfRange(float value)
{
    return value > kHalfMax || value < -kHalfMax; // false for NaN
}

/// Decoders from stored bits to float for the narrow floating types (tables built once, thread-safe).
float halfToFloat(std::uint16_t bits);
float bfloat16ToFloat(std::uint16_t bits);
/// float8 (all four ONNX variants) and float4e2m1, by table.
float narrowFloatToFloat(model::DataType type, std::uint8_t bits);

/// Reads element `index` of a dense little-endian buffer of `type` as double. Handles 4-bit packing
/// (low nibble first). Strings and complex types are not numeric here.
double elementAsDouble(model::DataType type, const std::byte* data, std::uint64_t index);

/// Elements first .. first + out.size() - 1 of such a buffer as doubles: elementAsDouble for a run, with the type
/// resolved once (the loops over whole tensors and rows).
void elementsAsDoubles(model::DataType type, const std::byte* data, std::uint64_t first, std::span<double> out);

/// True for the types elementAsDouble understands.
bool isNumeric(model::DataType type);

} // namespace slimscope::core::model
