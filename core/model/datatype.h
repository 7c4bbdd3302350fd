#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace slimscope::core::model {

/// ONNX TensorProto.DataType values. Kept here rather than taken from onnx.pb.h because the ONNX 1.12
/// library we build against predates float8 (17-20), int4 (21-22) and float4 (23).
enum class DataType : std::int32_t {
    Undefined = 0,
    Float = 1,
    Uint8 = 2,
    Int8 = 3,
    Uint16 = 4,
    Int16 = 5,
    Int32 = 6,
    Int64 = 7,
    String = 8,
    Bool = 9,
    Float16 = 10,
    Double = 11,
    Uint32 = 12,
    Uint64 = 13,
    Complex64 = 14,
    Complex128 = 15,
    Bfloat16 = 16,
    Float8E4M3FN = 17,
    Float8E4M3FNUZ = 18,
    Float8E5M2 = 19,
    Float8E5M2FNUZ = 20,
    Uint4 = 21,
    Int4 = 22,
    Float4E2M1 = 23,
};

/// Which typed TensorProto field holds a tensor's values when raw_data is not used.
enum class TypedField { None, Float, Int32, String, Int64, Double, Uint64 };

struct DataTypeInfo {
    DataType type;
    std::string_view name; ///< lower case, as ONNX Runtime and numpy spell it ("float32", "int4", ...)
    unsigned bits; ///< bits per element as stored; 0 for string
    bool isFloat;
    TypedField typedField;
    unsigned elementsPerTypedEntry; ///< int4 packs two elements into one int32_data entry, complex uses two
};

/// Info for an ONNX data type number, or nullopt for a number no ONNX version defines.
std::optional<DataTypeInfo> dataTypeInfo(std::int32_t onnxType);

/// "float32" for 1, "dtype(99)" for unknown numbers.
std::string_view dataTypeName(std::int32_t onnxType);
inline std::string_view dataTypeName(DataType type)
{
    return dataTypeName(static_cast<std::int32_t>(type));
}

/// Bytes needed to store `elements` values of this type densely (int4: two per byte, rounded up).
/// Returns nullopt on overflow or for strings (their size depends on content).
std::optional<std::uint64_t> denseByteSize(const DataTypeInfo& info, std::uint64_t elements);

} // namespace slimscope::core::model
