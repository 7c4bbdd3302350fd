#include "stepsupport.h"

#include "analysis/elementdecode.h"

#include <bit>
#include <cmath>
#include <cstring>

namespace slimscope::core::slim {

using model::DataType;

std::uint16_t floatToHalf(float value)
{
    const std::uint32_t bits = std::bit_cast<std::uint32_t>(value);
    const std::uint32_t sign = (bits >> 16) & 0x8000u;
    if (std::isnan(value))
        return static_cast<std::uint16_t>(sign | 0x7E00u);
    const float magnitude = std::fabs(value);
    if (magnitude >= 65520.0f) // rounds to infinity in IEEE; saturate instead, weights must stay finite
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

void floatsToHalfF16c(const float* in, std::uint16_t* out, std::size_t count);

void floatsToHalf(std::span<const float> in, std::byte* out)
{
    static const bool f16c = __builtin_cpu_supports("f16c") && __builtin_cpu_supports("avx");
    if (f16c && reinterpret_cast<std::uintptr_t>(out) % alignof(std::uint16_t) == 0) {
        floatsToHalfF16c(in.data(), reinterpret_cast<std::uint16_t*>(out), in.size());
        return;
    }
    for (std::size_t i = 0; i < in.size(); ++i) {
        const std::uint16_t bits = floatToHalf(in[i]);
        std::memcpy(out + i * 2, &bits, 2);
    }
}

std::vector<float> decodeFloats(const model::TensorBytes& bytes, std::int32_t dataType)
{
    const auto type = static_cast<DataType>(dataType);
    std::vector<float> values;
    const std::byte* data = bytes.bytes.data();
    switch (type) {
    case DataType::Float:
        values.resize(bytes.bytes.size() / 4);
        std::memcpy(values.data(), data, values.size() * 4);
        break;
    case DataType::Double:
        values.resize(bytes.bytes.size() / 8);
        for (std::size_t i = 0; i < values.size(); ++i) {
            double v;
            std::memcpy(&v, data + i * 8, 8);
            values[i] = static_cast<float>(v);
        }
        break;
    case DataType::Float16:
    case DataType::Bfloat16:
        values.resize(bytes.bytes.size() / 2);
        for (std::size_t i = 0; i < values.size(); ++i) {
            std::uint16_t v;
            std::memcpy(&v, data + i * 2, 2);
            values[i] = type == DataType::Float16 ? analysis::halfToFloat(v) : analysis::bfloat16ToFloat(v);
        }
        break;
    default:
        break;
    }
    return values;
}

FloatValues viewFloats(const model::TensorBytes& bytes, std::int32_t dataType)
{
    FloatValues view;
    if (static_cast<DataType>(dataType) == DataType::Float
        && reinterpret_cast<std::uintptr_t>(bytes.bytes.data()) % alignof(float) == 0) {
        view.values = { reinterpret_cast<const float*>(bytes.bytes.data()), bytes.bytes.size() / sizeof(float) };
        view.owner = bytes.owner;
        return view;
    }
    view.owned = decodeFloats(bytes, dataType);
    view.values = view.owned;
    return view;
}

std::vector<std::byte> encodeFloats(const std::vector<float>& values, std::int32_t dataType)
{
    const auto type = static_cast<DataType>(dataType);
    std::vector<std::byte> out;
    switch (type) {
    case DataType::Float:
        out.resize(values.size() * 4);
        std::memcpy(out.data(), values.data(), out.size());
        break;
    case DataType::Double:
        out.resize(values.size() * 8);
        for (std::size_t i = 0; i < values.size(); ++i) {
            const double v = values[i];
            std::memcpy(out.data() + i * 8, &v, 8);
        }
        break;
    case DataType::Float16:
        out.resize(values.size() * 2);
        floatsToHalf(values, out.data());
        break;
    case DataType::Bfloat16:
        out.resize(values.size() * 2);
        for (std::size_t i = 0; i < values.size(); ++i) {
            const std::uint32_t bits = std::bit_cast<std::uint32_t>(values[i]);
            const std::uint32_t rounded = bits + 0x7FFFu + ((bits >> 16) & 1u); // nearest even
            const auto v = static_cast<std::uint16_t>((std::isnan(values[i]) ? (bits | 0x400000u) : rounded) >> 16);
            std::memcpy(out.data() + i * 2, &v, 2);
        }
        break;
    default:
        break;
    }
    return out;
}

} // namespace slimscope::core::slim
