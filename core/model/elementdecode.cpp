#include "elementdecode.h"

#include <array>
#include <bit>
#include <cmath>
#include <limits>

namespace slimscope::core::model {

using DataType = model::DataType;

namespace {

float decodeHalf(std::uint16_t bits)
{
    const std::uint32_t sign = (bits >> 15) & 1u;
    const std::uint32_t exponent = (bits >> 10) & 0x1Fu;
    const std::uint32_t mantissa = bits & 0x3FFu;
    float value;
    if (exponent == 0)
        value = std::ldexp(static_cast<float>(mantissa), -24);
    else if (exponent == 31)
        value = mantissa ? std::numeric_limits<float>::quiet_NaN() : std::numeric_limits<float>::infinity();
    else
        value = std::ldexp(static_cast<float>(mantissa | 0x400u), static_cast<int>(exponent) - 25);
    return sign ? -value : value;
}

// Generic small-float decoder: `exponentBits`/`mantissaBits`, IEEE-like bias unless `fnuz` (bias + 1, NaN is
// 0x80, no negative zero, no infinity). `hasInfinity` for E5M2; E4M3FN has NaN only at S.1111.111.
float decodeSmallFloat(std::uint8_t bits, int exponentBits, int mantissaBits, bool fnuz, bool hasInfinity)
{
    const int totalBits = 1 + exponentBits + mantissaBits;
    const std::uint32_t sign = (bits >> (totalBits - 1)) & 1u;
    const std::uint32_t exponentMask = (1u << exponentBits) - 1u;
    const std::uint32_t exponent = (bits >> mantissaBits) & exponentMask;
    const std::uint32_t mantissa = bits & ((1u << mantissaBits) - 1u);
    const int bias = (1 << (exponentBits - 1)) - 1 + (fnuz ? 1 : 0);
    if (fnuz && sign && exponent == 0 && mantissa == 0)
        return std::numeric_limits<float>::quiet_NaN();
    if (!fnuz && exponent == exponentMask) {
        if (hasInfinity)
            return mantissa ? std::numeric_limits<float>::quiet_NaN()
                            : (sign ? -std::numeric_limits<float>::infinity() : std::numeric_limits<float>::infinity());
        if (totalBits == 8 && mantissa == ((1u << mantissaBits) - 1u))
            return std::numeric_limits<float>::quiet_NaN();
    }
    float value;
    if (exponent == 0)
        value = std::ldexp(static_cast<float>(mantissa), 1 - bias - mantissaBits);
    else
        value = std::ldexp(
            static_cast<float>(mantissa | (1u << mantissaBits)), static_cast<int>(exponent) - bias - mantissaBits);
    return sign ? -value : value;
}

struct Tables {
    std::array<float, 65536> half {};
    std::array<float, 256> e4m3fn {}, e4m3fnuz {}, e5m2 {}, e5m2fnuz {};
    std::array<float, 16> e2m1 {};
    Tables()
    {
        for (std::uint32_t i = 0; i < 65536; ++i)
            half[i] = decodeHalf(static_cast<std::uint16_t>(i));
        for (std::uint32_t i = 0; i < 256; ++i) {
            const auto b = static_cast<std::uint8_t>(i);
            e4m3fn[i] = decodeSmallFloat(b, 4, 3, false, false);
            e4m3fnuz[i] = decodeSmallFloat(b, 4, 3, true, false);
            e5m2[i] = decodeSmallFloat(b, 5, 2, false, true);
            e5m2fnuz[i] = decodeSmallFloat(b, 5, 2, true, false);
        }
        // float4e2m1 has neither infinity nor NaN: all 16 codes are numbers.
        for (std::uint32_t i = 0; i < 16; ++i) {
            const std::uint32_t sign = (i >> 3) & 1u, exponent = (i >> 1) & 3u, mantissa = i & 1u;
            const float value = exponent == 0
                ? 0.5f * static_cast<float>(mantissa)
                : std::ldexp(1.0f + 0.5f * static_cast<float>(mantissa), static_cast<int>(exponent) - 1);
            e2m1[i] = sign ? -value : value;
        }
    }
};

const Tables& tables()
{
    static const Tables instance;
    return instance;
}

template <class T> T loadAt(const std::byte* data, std::uint64_t index)
{
    T value;
    std::memcpy(&value, data + index * sizeof(T), sizeof(T));
    return value;
}

} // namespace

float halfToFloat(std::uint16_t bits)
{
    return tables().half[bits];
}

float bfloat16ToFloat(std::uint16_t bits)
{
    return std::bit_cast<float>(static_cast<std::uint32_t>(bits) << 16);
}

float narrowFloatToFloat(DataType type, std::uint8_t bits)
{
    const Tables& t = tables();
    switch (type) {
    case DataType::Float8E4M3FN:
        return t.e4m3fn[bits];
    case DataType::Float8E4M3FNUZ:
        return t.e4m3fnuz[bits];
    case DataType::Float8E5M2:
        return t.e5m2[bits];
    case DataType::Float8E5M2FNUZ:
        return t.e5m2fnuz[bits];
    case DataType::Float4E2M1:
        return t.e2m1[bits & 0xF];
    default:
        return 0.0f;
    }
}

bool isNumeric(DataType type)
{
    return type != DataType::String && type != DataType::Complex64 && type != DataType::Complex128
        && type != DataType::Undefined;
}

double elementAsDouble(DataType type, const std::byte* data, std::uint64_t index)
{
    switch (type) {
    case DataType::Float:
        return loadAt<float>(data, index);
    case DataType::Double:
        return loadAt<double>(data, index);
    case DataType::Float16:
        return halfToFloat(loadAt<std::uint16_t>(data, index));
    case DataType::Bfloat16:
        return bfloat16ToFloat(loadAt<std::uint16_t>(data, index));
    case DataType::Uint8:
        return loadAt<std::uint8_t>(data, index);
    case DataType::Int8:
        return loadAt<std::int8_t>(data, index);
    case DataType::Bool:
        return loadAt<std::uint8_t>(data, index) != 0 ? 1.0 : 0.0;
    case DataType::Uint16:
        return loadAt<std::uint16_t>(data, index);
    case DataType::Int16:
        return loadAt<std::int16_t>(data, index);
    case DataType::Int32:
        return loadAt<std::int32_t>(data, index);
    case DataType::Uint32:
        return loadAt<std::uint32_t>(data, index);
    case DataType::Int64:
        return static_cast<double>(loadAt<std::int64_t>(data, index));
    case DataType::Uint64:
        return static_cast<double>(loadAt<std::uint64_t>(data, index));
    case DataType::Float8E4M3FN:
    case DataType::Float8E4M3FNUZ:
    case DataType::Float8E5M2:
    case DataType::Float8E5M2FNUZ:
        return narrowFloatToFloat(type, loadAt<std::uint8_t>(data, index));
    case DataType::Uint4:
    case DataType::Int4:
    case DataType::Float4E2M1: {
        const auto packed = loadAt<std::uint8_t>(data, index / 2);
        const std::uint8_t nibble = (index % 2 == 0) ? (packed & 0xF) : (packed >> 4);
        if (type == DataType::Uint4)
            return nibble;
        if (type == DataType::Int4)
            return nibble >= 8 ? static_cast<int>(nibble) - 16 : nibble;
        return narrowFloatToFloat(type, nibble);
    }
    default:
        return 0.0;
    }
}

namespace {

template <class T, class Convert>
void decodeRun(const std::byte* data, std::uint64_t first, std::span<double> out, Convert convert)
{
    for (std::size_t i = 0; i < out.size(); ++i)
        out[i] = static_cast<double>(convert(loadAt<T>(data, first + i)));
}

} // namespace

void elementsAsDoubles(DataType type, const std::byte* data, std::uint64_t first, std::span<double> out)
{
    const auto same = [](auto value) { return value; };
    switch (type) {
    case DataType::Float:
        return decodeRun<float>(data, first, out, same);
    case DataType::Double:
        return decodeRun<double>(data, first, out, same);
    case DataType::Float16:
        return decodeRun<std::uint16_t>(data, first, out, halfToFloat);
    case DataType::Bfloat16:
        return decodeRun<std::uint16_t>(data, first, out, bfloat16ToFloat);
    case DataType::Int8:
        return decodeRun<std::int8_t>(data, first, out, same);
    case DataType::Uint8:
        return decodeRun<std::uint8_t>(data, first, out, same);
    case DataType::Int32:
        return decodeRun<std::int32_t>(data, first, out, same);
    case DataType::Int64:
        return decodeRun<std::int64_t>(data, first, out, same);
    default: // the rarer types, one element at a time
        for (std::size_t i = 0; i < out.size(); ++i)
            out[i] = elementAsDouble(type, data, first + i);
    }
}

std::uint16_t floatToHalf(float value)
{
    const std::uint32_t bits = std::bit_cast<std::uint32_t>(value);
    const std::uint32_t sign = (bits >> 16) & 0x8000u;
    if (std::isnan(value))
        return static_cast<std::uint16_t>(sign | 0x7E00u);
    const float magnitude = std::fabs(value);
    if (magnitude >= 65504.0f) // IEEE rounds to infinity from 65520 on; saturate instead (infinities too)
        return static_cast<std::uint16_t>(sign | 0x7BFFu);
    if (magnitude < 6.103515625e-05f) {
        // Subnormal half: value / 2^-24, rounded to nearest even.
        const float scaled = magnitude * 16777216.0f;
        return static_cast<std::uint16_t>(sign | static_cast<std::uint32_t>(std::nearbyint(scaled)));
    }
    const std::uint32_t absolute = bits & 0x7FFFFFFFu;
    // Re-bias the exponent (127 -> 15) and round the 23-bit mantissa to 10 bits, nearest even.
    std::uint32_t half = ((absolute >> 13) - ((127u - 15u) << 10));
    const std::uint32_t rest = absolute & 0x1FFFu;
    if (rest > 0x1000u || (rest == 0x1000u && (half & 1u)))
        ++half;
    return static_cast<std::uint16_t>(sign | half);
}

std::uint16_t floatToBfloat16(float value)
{
    const std::uint32_t bits = std::bit_cast<std::uint32_t>(value);
    if (std::isnan(value))
        return static_cast<std::uint16_t>((bits >> 16) | 0x0040u); // keep it a (quiet) NaN
    if (std::isinf(value))
        return static_cast<std::uint16_t>(bits >> 16);
    const std::uint32_t rounded = bits + 0x7FFFu + ((bits >> 16) & 1u);
    if (((rounded >> 23) & 0xFFu) == 0xFFu) // rounded past the largest finite bfloat16
        return static_cast<std::uint16_t>(((bits >> 16) & 0x8000u) | 0x7F7Fu);
    return static_cast<std::uint16_t>(rounded >> 16);
}

} // namespace slimscope::core::model
