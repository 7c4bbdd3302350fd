#pragma once

#include "model/datatype.h"

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace slimscope::core::analysis {

/// Decoders from stored bits to float for the narrow floating types (tables built once, thread-safe).
float halfToFloat(std::uint16_t bits);
float bfloat16ToFloat(std::uint16_t bits);
/// float8 (all four ONNX variants) and float4e2m1, by table.
float narrowFloatToFloat(model::DataType type, std::uint8_t bits);

/// Reads element `index` of a dense little-endian buffer of `type` as double. Handles 4-bit packing
/// (low nibble first). Strings and complex types are not numeric here.
double elementAsDouble(model::DataType type, const std::byte* data, std::uint64_t index);

/// True for the types elementAsDouble understands.
bool isNumeric(model::DataType type);

} // namespace slimscope::core::analysis
