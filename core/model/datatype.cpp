#include "datatype.h"

#include <array>

namespace slimscope::core::model {

namespace {

using enum DataType;
constexpr std::array<DataTypeInfo, 23> kTypes { {
    { Float, "float32", 32, true, TypedField::Float, 1 },
    { Uint8, "uint8", 8, false, TypedField::Int32, 1 },
    { Int8, "int8", 8, false, TypedField::Int32, 1 },
    { Uint16, "uint16", 16, false, TypedField::Int32, 1 },
    { Int16, "int16", 16, false, TypedField::Int32, 1 },
    { Int32, "int32", 32, false, TypedField::Int32, 1 },
    { Int64, "int64", 64, false, TypedField::Int64, 1 },
    { String, "string", 0, false, TypedField::String, 1 },
    { Bool, "bool", 8, false, TypedField::Int32, 1 },
    { Float16, "float16", 16, true, TypedField::Int32, 1 },
    { Double, "float64", 64, true, TypedField::Double, 1 },
    { Uint32, "uint32", 32, false, TypedField::Uint64, 1 },
    { Uint64, "uint64", 64, false, TypedField::Uint64, 1 },
    { Complex64, "complex64", 64, true, TypedField::Float, 1 },
    { Complex128, "complex128", 128, true, TypedField::Double, 1 },
    { Bfloat16, "bfloat16", 16, true, TypedField::Int32, 1 },
    { Float8E4M3FN, "float8e4m3fn", 8, true, TypedField::Int32, 1 },
    { Float8E4M3FNUZ, "float8e4m3fnuz", 8, true, TypedField::Int32, 1 },
    { Float8E5M2, "float8e5m2", 8, true, TypedField::Int32, 1 },
    { Float8E5M2FNUZ, "float8e5m2fnuz", 8, true, TypedField::Int32, 1 },
    { Uint4, "uint4", 4, false, TypedField::Int32, 2 },
    { Int4, "int4", 4, false, TypedField::Int32, 2 },
    { Float4E2M1, "float4e2m1", 4, true, TypedField::Int32, 2 },
} };

} // namespace

std::optional<DataTypeInfo> dataTypeInfo(std::int32_t onnxType)
{
    if (onnxType < 1 || onnxType > static_cast<std::int32_t>(kTypes.size()))
        return std::nullopt;
    return kTypes[static_cast<std::size_t>(onnxType - 1)];
}

std::string_view dataTypeName(std::int32_t onnxType)
{
    if (const auto info = dataTypeInfo(onnxType))
        return info->name;
    return "unknown";
}

std::optional<std::uint64_t> denseByteSize(const DataTypeInfo& info, std::uint64_t elements)
{
    if (info.bits == 0)
        return std::nullopt;
    std::uint64_t bits = 0;
    if (__builtin_mul_overflow(elements, static_cast<std::uint64_t>(info.bits), &bits))
        return std::nullopt;
    return bits / 8 + (bits % 8 != 0 ? 1 : 0);
}

} // namespace slimscope::core::model
