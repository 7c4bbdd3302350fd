// Input tensors for verification runs: seeded random values, or the user's own .npy / .pb files.
// Needs no ONNX Runtime, so it is built (and tested) either way.
#include "runtime/inputs.h"

#include "model/elementdecode.h"
#include "support/copybytes.h"

#include <onnx/onnx_pb.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <optional>
#include <string_view>

namespace slimscope::core::runtime {

namespace {

using model::DataType;

// A verification input larger than this is a typo in --dim, not a tensor anyone means to allocate.
constexpr std::uint64_t kMaxInputBytes = std::uint64_t { 4 } << 30;

std::string typeName(DataType type)
{
    return std::string(model::dataTypeName(static_cast<std::int32_t>(type)));
}

std::string shapeText(const std::vector<std::int64_t>& shape)
{
    std::string text = "[";
    for (std::size_t i = 0; i < shape.size(); ++i)
        text += (i ? "," : "") + std::to_string(shape[i]);
    return text + "]";
}

std::size_t byteWidth(DataType type)
{
    const auto info = model::dataTypeInfo(static_cast<std::int32_t>(type));
    return info && info->bits % 8 == 0 ? info->bits / 8 : 0;
}

/// Element count and byte size of a shape, or an error on negative dimensions or overflow.
Result<std::uint64_t> byteSize(const std::vector<std::int64_t>& shape, std::size_t width)
{
    std::uint64_t bytes = width;
    for (const std::int64_t dim : shape) {
        if (dim < 0)
            return fail(ErrorCode::InvalidArgument, "negative dimension in shape " + shapeText(shape));
        if (dim != 0 && bytes > kMaxInputBytes / static_cast<std::uint64_t>(dim))
            return fail(ErrorCode::TooLarge, "shape " + shapeText(shape) + " is larger than 4 GiB");
        bytes *= static_cast<std::uint64_t>(dim);
    }
    return bytes;
}

Result<std::string> readWholeFile(const std::filesystem::path& file)
{
    std::ifstream stream(file, std::ios::binary);
    if (!stream)
        return fail(ErrorCode::IoError, "cannot open it");
    std::string bytes((std::istreambuf_iterator<char>(stream)), std::istreambuf_iterator<char>());
    if (stream.bad())
        return fail(ErrorCode::IoError, "cannot read it");
    return bytes;
}

/// ort_compare.mjs's generator, in the same double arithmetic as JavaScript so the values are bit-identical.
class OracleRandom {
public:
    explicit OracleRandom(std::uint64_t seed)
        : m_seed(static_cast<double>(seed % 2147483648ULL))
    { }

    double next()
    {
        const double product = m_seed * 1103515245.0;
        m_seed = std::fmod(product + 12345.0, 2147483648.0);
        return m_seed / 2147483648.0;
    }

private:
    double m_seed;
};

template <class T> void put(std::vector<std::byte>& data, std::size_t index, T value)
{
    std::memcpy(data.data() + index * sizeof(T), &value, sizeof(T));
}

/// Fills `tensor` (dtype, shape and data size already set) with the generator's next values.
Result<void> fillRandom(HostTensor& tensor, OracleRandom& random)
{
    const std::uint64_t count = tensor.elementCount();
    for (std::uint64_t i = 0; i < count; ++i) {
        const double r = random.next();
        const double signedValue = r * 2 - 1;
        const auto bit = static_cast<std::uint8_t>(std::floor(r * 2));
        switch (tensor.dtype) {
        case DataType::Float:
            put(tensor.data, i, static_cast<float>(signedValue));
            break;
        case DataType::Double:
            put(tensor.data, i, signedValue);
            break;
        case DataType::Float16:
            put(tensor.data, i, model::floatToHalf(static_cast<float>(signedValue)));
            break;
        case DataType::Bfloat16: {
            put(tensor.data, i, model::floatToBfloat16(static_cast<float>(signedValue)));
            break;
        }
        case DataType::Int8:
            put(tensor.data, i, static_cast<std::int8_t>(bit));
            break;
        case DataType::Uint8:
        case DataType::Bool:
            put(tensor.data, i, bit);
            break;
        case DataType::Int16:
            put(tensor.data, i, static_cast<std::int16_t>(bit));
            break;
        case DataType::Uint16:
            put(tensor.data, i, static_cast<std::uint16_t>(bit));
            break;
        case DataType::Int32:
            put(tensor.data, i, static_cast<std::int32_t>(bit));
            break;
        case DataType::Uint32:
            put(tensor.data, i, static_cast<std::uint32_t>(bit));
            break;
        case DataType::Int64:
            put(tensor.data, i, static_cast<std::int64_t>(bit));
            break;
        case DataType::Uint64:
            put(tensor.data, i, static_cast<std::uint64_t>(bit));
            break;
        default:
            return fail(ErrorCode::Unsupported, "cannot make random values of type " + typeName(tensor.dtype));
        }
    }
    return {};
}

// ---- .npy -------------------------------------------------------------------------------------------------

/// The value of `key` in the header dict, up to the next top-level ',' or '}' (a tuple's commas are inside
/// parentheses), without surrounding blanks.
std::optional<std::string_view> headerValue(std::string_view header, std::string_view key)
{
    for (const char quote : { '\'', '"' }) {
        const std::string quoted = quote + std::string(key) + quote;
        auto pos = header.find(quoted);
        if (pos == std::string_view::npos)
            continue;
        pos = header.find(':', pos + quoted.size());
        if (pos == std::string_view::npos)
            return std::nullopt;
        std::size_t end = pos + 1;
        int depth = 0;
        while (end < header.size() && (depth > 0 || (header[end] != ',' && header[end] != '}'))) {
            depth += header[end] == '(' ? 1 : header[end] == ')' ? -1 : 0;
            ++end;
        }
        auto value = header.substr(pos + 1, end - pos - 1);
        while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
            value.remove_prefix(1);
        while (!value.empty() && (value.back() == ' ' || value.back() == '\t'))
            value.remove_suffix(1);
        return value;
    }
    return std::nullopt;
}

Result<DataType> npyType(std::string_view descr)
{
    if (descr.size() >= 2 && (descr.front() == '\'' || descr.front() == '"'))
        descr = descr.substr(1, descr.size() - 2);
    if (descr.size() < 3)
        return fail(ErrorCode::Unsupported, "unsupported dtype '" + std::string(descr) + "'");
    const char order = descr[0];
    const std::string_view code = descr.substr(1);
    static constexpr std::pair<std::string_view, DataType> kTypes[] = {
        { "f2", DataType::Float16 },
        { "f4", DataType::Float },
        { "f8", DataType::Double },
        { "i1", DataType::Int8 },
        { "i2", DataType::Int16 },
        { "i4", DataType::Int32 },
        { "i8", DataType::Int64 },
        { "u1", DataType::Uint8 },
        { "u2", DataType::Uint16 },
        { "u4", DataType::Uint32 },
        { "u8", DataType::Uint64 },
        { "b1", DataType::Bool },
    };
    for (const auto& [name, type] : kTypes) {
        if (code != name)
            continue;
        const bool singleByte = code.back() == '1';
        if (order == '<' || order == '|' || (order == '=' && std::endian::native == std::endian::little)
            || (singleByte && order == '>'))
            return type;
        return fail(ErrorCode::Unsupported, "big-endian dtype '" + std::string(descr) + "' (save it little-endian)");
    }
    return fail(ErrorCode::Unsupported,
        "unsupported dtype '" + std::string(descr) + "' (supported: f2 f4 f8 i1 i2 i4 i8 u1 u2 u4 u8 b1)");
}

Result<std::vector<std::int64_t>> npyShape(std::string_view text)
{
    if (text.size() < 2 || text.front() != '(' || text.back() != ')')
        return fail(ErrorCode::InvalidArgument, "malformed shape '" + std::string(text) + "'");
    std::vector<std::int64_t> shape;
    std::size_t pos = 1;
    while (pos < text.size() - 1) {
        while (pos < text.size() - 1 && (text[pos] == ' ' || text[pos] == ','))
            ++pos;
        if (pos >= text.size() - 1)
            break;
        std::int64_t value = 0;
        std::size_t digits = 0;
        while (pos < text.size() - 1 && text[pos] >= '0' && text[pos] <= '9') {
            if (value > (std::numeric_limits<std::int64_t>::max() - 9) / 10)
                return fail(ErrorCode::InvalidArgument, "dimension too large in shape " + std::string(text));
            value = value * 10 + (text[pos++] - '0');
            ++digits;
        }
        if (digits == 0 && text[pos] != 'L')
            return fail(ErrorCode::InvalidArgument, "malformed shape '" + std::string(text) + "'");
        if (text[pos] == 'L') // Python 2's long literals
            ++pos;
        shape.push_back(value);
    }
    return shape;
}

Result<HostTensor> parseNpy(const std::string& bytes)
{
    static constexpr std::string_view kMagic = "\x93NUMPY";
    if (bytes.size() < 10 || std::string_view(bytes).substr(0, 6) != kMagic)
        return fail(ErrorCode::InvalidArgument, "not a .npy file (no \\x93NUMPY magic)");
    const auto major = static_cast<unsigned char>(bytes[6]);
    std::size_t headerLength = 0, headerStart = 0;
    if (major == 1) {
        headerLength = static_cast<unsigned char>(bytes[8])
            | static_cast<std::size_t>(static_cast<unsigned char>(bytes[9])) << 8;
        headerStart = 10;
    } else if (major == 2 || major == 3) {
        if (bytes.size() < 12)
            return fail(ErrorCode::InvalidArgument, "truncated .npy header");
        for (int i = 3; i >= 0; --i)
            headerLength = headerLength << 8 | static_cast<unsigned char>(bytes[8 + i]);
        headerStart = 12;
    } else {
        return fail(ErrorCode::Unsupported, ".npy format version " + std::to_string(major) + " is not supported");
    }
    if (headerLength > bytes.size() - headerStart)
        return fail(ErrorCode::InvalidArgument, "truncated .npy header");
    const std::string_view header(bytes.data() + headerStart, headerLength);

    const auto descr = headerValue(header, "descr");
    const auto fortran = headerValue(header, "fortran_order");
    const auto shapeValue = headerValue(header, "shape");
    if (!descr || !fortran || !shapeValue)
        return fail(ErrorCode::InvalidArgument, "the .npy header lacks descr, fortran_order or shape");
    if (*fortran != "False")
        return fail(ErrorCode::Unsupported, "Fortran-ordered arrays are not supported (save it in C order)");
    auto type = npyType(*descr);
    if (!type)
        return std::unexpected(type.error());
    auto shape = npyShape(*shapeValue);
    if (!shape)
        return std::unexpected(shape.error());

    HostTensor tensor;
    tensor.dtype = *type;
    tensor.shape = std::move(*shape);
    auto size = byteSize(tensor.shape, byteWidth(tensor.dtype));
    if (!size)
        return std::unexpected(size.error());
    const std::size_t dataStart = headerStart + headerLength;
    if (bytes.size() - dataStart != *size)
        return fail(ErrorCode::InvalidArgument,
            "holds " + std::to_string(bytes.size() - dataStart) + " data bytes, shape " + shapeText(tensor.shape)
                + " of " + typeName(tensor.dtype) + " needs " + std::to_string(*size));
    tensor.data.resize(*size);
    copyBytes(tensor.data.data(), bytes.data() + dataStart, *size);
    return tensor;
}

// ---- TensorProto ------------------------------------------------------------------------------------------

/// Checks the field holds `count` values before the `bytes` of the tensor's data are allocated: a few bytes of
/// file may declare a shape of gigabytes (found by fuzzing).
template <class Field, class Store>
Result<void> copyTyped(const Field& field, HostTensor& tensor, std::uint64_t count, std::uint64_t bytes, Store store)
{
    if (static_cast<std::uint64_t>(field.size()) != count)
        return fail(ErrorCode::InvalidArgument,
            "holds " + std::to_string(field.size()) + " typed values, shape " + shapeText(tensor.shape) + " needs "
                + std::to_string(count));
    tensor.data.resize(bytes);
    for (std::uint64_t i = 0; i < count; ++i)
        store(i, field[static_cast<int>(i)]);
    return {};
}

Result<void> decodeTyped(const onnx::TensorProto& proto, HostTensor& tensor, std::uint64_t bytes)
{
    const std::uint64_t count = tensor.elementCount();
    const auto as = [&tensor]<class T>(std::type_identity<T>) {
        return [&tensor](std::uint64_t i, auto value) { put(tensor.data, i, static_cast<T>(value)); };
    };
    switch (tensor.dtype) {
    case DataType::Float:
        return copyTyped(proto.float_data(), tensor, count, bytes, as(std::type_identity<float> {}));
    case DataType::Double:
        return copyTyped(proto.double_data(), tensor, count, bytes, as(std::type_identity<double> {}));
    case DataType::Int64:
        return copyTyped(proto.int64_data(), tensor, count, bytes, as(std::type_identity<std::int64_t> {}));
    case DataType::Uint64:
        return copyTyped(proto.uint64_data(), tensor, count, bytes, as(std::type_identity<std::uint64_t> {}));
    case DataType::Uint32:
        return copyTyped(proto.uint64_data(), tensor, count, bytes, as(std::type_identity<std::uint32_t> {}));
    case DataType::Int32:
        return copyTyped(proto.int32_data(), tensor, count, bytes, as(std::type_identity<std::int32_t> {}));
    case DataType::Int16:
        return copyTyped(proto.int32_data(), tensor, count, bytes, as(std::type_identity<std::int16_t> {}));
    case DataType::Int8:
        return copyTyped(proto.int32_data(), tensor, count, bytes, as(std::type_identity<std::int8_t> {}));
    case DataType::Uint16:
    case DataType::Float16: // the half's bits, in the low 16 bits of each int32 entry
    case DataType::Bfloat16:
        return copyTyped(proto.int32_data(), tensor, count, bytes, as(std::type_identity<std::uint16_t> {}));
    case DataType::Uint8:
    case DataType::Bool:
        return copyTyped(proto.int32_data(), tensor, count, bytes, as(std::type_identity<std::uint8_t> {}));
    default:
        return fail(ErrorCode::Unsupported, "element type " + typeName(tensor.dtype) + " is not supported");
    }
}

Result<HostTensor> parseTensorProto(const std::string& bytes)
{
    onnx::TensorProto proto;
    if (!proto.ParseFromString(bytes))
        return fail(ErrorCode::InvalidArgument, "not a serialized onnx.TensorProto");
    if (proto.data_location() == onnx::TensorProto::EXTERNAL)
        return fail(ErrorCode::Unsupported, "tensors with external data are not supported as inputs");
    HostTensor tensor;
    tensor.name = proto.name();
    tensor.dtype = static_cast<DataType>(proto.data_type());
    tensor.shape.assign(proto.dims().begin(), proto.dims().end());
    const std::size_t width = byteWidth(tensor.dtype);
    if (width == 0 || tensor.dtype == DataType::String)
        return fail(ErrorCode::Unsupported, "element type " + typeName(tensor.dtype) + " is not supported");
    auto size = byteSize(tensor.shape, width);
    if (!size)
        return std::unexpected(size.error());
    if (proto.has_raw_data()) {
        if (proto.raw_data().size() != *size)
            return fail(ErrorCode::InvalidArgument,
                "raw_data holds " + std::to_string(proto.raw_data().size()) + " bytes, shape " + shapeText(tensor.shape)
                    + " of " + typeName(tensor.dtype) + " needs " + std::to_string(*size));
        tensor.data.resize(*size);
        copyBytes(tensor.data.data(), proto.raw_data().data(), *size);
        return tensor;
    }
    if (auto decoded = decodeTyped(proto, tensor, *size); !decoded)
        return std::unexpected(decoded.error());
    return tensor;
}

/// A file name for an input: '/' and '\' would leave the folder, so they become '_'.
std::string fileStem(const std::string& inputName)
{
    std::string stem = inputName;
    for (char& c : stem)
        if (c == '/' || c == '\\')
            c = '_';
    return stem;
}

/// The file's tensor against the model's input: exact element type, rank, fixed dimensions.
Result<void> matchInput(const HostTensor& tensor, const TensorInfo& input)
{
    if (tensor.dtype != input.dtype)
        return fail(ErrorCode::InvalidArgument,
            "element type " + typeName(tensor.dtype) + " does not match input '" + input.name + "', which is "
                + typeName(input.dtype));
    bool fits = tensor.shape.size() == input.shape.size();
    for (std::size_t i = 0; fits && i < input.shape.size(); ++i)
        fits = input.shape[i] < 0 || input.shape[i] == tensor.shape[i];
    if (!fits)
        return fail(ErrorCode::InvalidArgument,
            "shape " + shapeText(tensor.shape) + " does not match input '" + input.name + "', which is "
                + shapeText(input.shape) + " (-1: any size)");
    return {};
}

} // namespace

Result<std::vector<std::int64_t>> concreteShape(
    const TensorInfo& input, const std::map<std::string, std::int64_t>& dims)
{
    std::vector<std::int64_t> shape = input.shape;
    for (std::size_t i = 0; i < shape.size(); ++i) {
        if (shape[i] >= 0)
            continue;
        const std::string& name = i < input.dimNames.size() ? input.dimNames[i] : std::string();
        const auto it = name.empty() ? dims.end() : dims.find(name);
        shape[i] = it == dims.end() ? 1 : it->second;
        if (shape[i] < 0)
            return fail(ErrorCode::InvalidArgument,
                "input '" + input.name + "': dimension '" + name + "' set to " + std::to_string(shape[i]));
    }
    return shape;
}

Result<std::vector<HostTensor>> randomInputs(
    const std::vector<TensorInfo>& inputs, std::uint64_t seed, const std::map<std::string, std::int64_t>& dims)
{
    OracleRandom random(seed);
    std::vector<HostTensor> tensors;
    for (const TensorInfo& input : inputs) {
        const std::string subject = "input '" + input.name + "'";
        if (byteWidth(input.dtype) == 0 || input.dtype == DataType::String)
            return fail(ErrorCode::Unsupported,
                subject + ": cannot make random values of type " + typeName(input.dtype)
                    + "; give this input as a file (--inputs)");
        auto shape = concreteShape(input, dims);
        if (!shape)
            return std::unexpected(shape.error());
        HostTensor tensor { input.name, input.dtype, std::move(*shape), {} };
        auto size = byteSize(tensor.shape, byteWidth(tensor.dtype));
        if (!size)
            return std::unexpected(size.error().withContext(subject));
        tensor.data.resize(*size);
        if (auto filled = fillRandom(tensor, random); !filled)
            return std::unexpected(filled.error().withContext(subject));
        tensors.push_back(std::move(tensor));
    }
    return tensors;
}

Result<HostTensor> readNpy(const std::filesystem::path& file)
{
    const std::string context = "input file '" + file.string() + "'";
    auto bytes = readWholeFile(file);
    if (!bytes)
        return std::unexpected(bytes.error().withContext(context));
    auto tensor = parseNpy(*bytes);
    if (!tensor)
        return std::unexpected(tensor.error().withContext(context));
    return tensor;
}

Result<HostTensor> readTensorProto(const std::filesystem::path& file)
{
    const std::string context = "input file '" + file.string() + "'";
    auto bytes = readWholeFile(file);
    if (!bytes)
        return std::unexpected(bytes.error().withContext(context));
    auto tensor = parseTensorProto(*bytes);
    if (!tensor)
        return std::unexpected(tensor.error().withContext(context));
    return tensor;
}

Result<std::vector<HostTensor>> loadInputs(const std::vector<TensorInfo>& inputs, const std::filesystem::path& folder)
{
    std::error_code ec;
    if (!std::filesystem::is_directory(folder, ec))
        return fail(ErrorCode::NotFound, "inputs folder '" + folder.string() + "' does not exist");
    std::vector<HostTensor> tensors;
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        const TensorInfo& input = inputs[i];
        const std::string stem = fileStem(input.name);
        const auto npy = folder / (stem + ".npy");
        auto pb = folder / (stem + ".pb");
        const bool isNpy = std::filesystem::exists(npy, ec);
        // ONNX's backend test data names the files by the input's position instead.
        if (!isNpy && !std::filesystem::exists(pb, ec))
            pb = folder / ("input_" + std::to_string(i) + ".pb");
        if (!isNpy && !std::filesystem::exists(pb, ec))
            return fail(ErrorCode::NotFound,
                "inputs folder '" + folder.string() + "': no file for input '" + input.name + "' (expected " + stem
                    + ".npy, " + stem + ".pb or input_" + std::to_string(i) + ".pb)");
        const auto& file = isNpy ? npy : pb;
        auto tensor = isNpy ? readNpy(file) : readTensorProto(file);
        if (!tensor)
            return std::unexpected(tensor.error());
        if (auto matched = matchInput(*tensor, input); !matched)
            return std::unexpected(matched.error().withContext("input file '" + file.string() + "'"));
        tensor->name = input.name;
        tensors.push_back(std::move(*tensor));
    }
    return tensors;
}

} // namespace slimscope::core::runtime
