#include "stepsupport.h"

#include "model/elementdecode.h"
#include "support/copybytes.h"

#include <bit>
#include <cmath>
#include <cstring>

namespace slimscope::core::slim {

using model::DataType;

void floatsToHalfF16c(const float* in, std::uint16_t* out, std::size_t count);

void floatsToHalf(std::span<const float> in, std::byte* out)
{
    static const bool f16c = __builtin_cpu_supports("f16c") && __builtin_cpu_supports("avx");
    if (f16c && reinterpret_cast<std::uintptr_t>(out) % alignof(std::uint16_t) == 0) {
        floatsToHalfF16c(in.data(), reinterpret_cast<std::uint16_t*>(out), in.size());
        return;
    }
    for (std::size_t i = 0; i < in.size(); ++i) {
        const std::uint16_t bits = model::floatToHalf(in[i]);
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
        copyBytes(values.data(), data, values.size() * 4);
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
            values[i] = type == DataType::Float16 ? model::halfToFloat(v) : model::bfloat16ToFloat(v);
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
    if (static_cast<DataType>(dataType) == DataType::Float) {
        view.values = FloatView(bytes.bytes);
        view.owner = bytes.owner;
        return view;
    }
    view.owned = decodeFloats(bytes, dataType);
    view.values = std::span<const float>(view.owned);
    return view;
}

Result<FloatValues> readFloatValues(const TensorSource& source, std::int32_t dataType)
{
    if (source.deferred) {
        auto view = source.deferred->floatValues();
        if (!view)
            return std::unexpected(view.error());
        if (*view)
            return std::move(**view);
    }
    auto bytes = source.read();
    if (!bytes)
        return std::unexpected(bytes.error());
    return viewFloats(*bytes, dataType);
}

std::vector<std::byte> encodeFloats(const std::vector<float>& values, std::int32_t dataType)
{
    const auto type = static_cast<DataType>(dataType);
    std::vector<std::byte> out;
    switch (type) {
    case DataType::Float:
        out.resize(values.size() * 4);
        copyBytes(out.data(), values.data(), out.size());
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
            const std::uint16_t v = model::floatToBfloat16(values[i]);
            std::memcpy(out.data() + i * 2, &v, 2);
        }
        break;
    default:
        break;
    }
    return out;
}

} // namespace slimscope::core::slim
