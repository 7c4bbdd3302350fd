// Access to the bytes of weight tensors: in place from the mapping, or decoded from typed fields.
#include "modelfile.h"

#include <cstring>

namespace slimscope::core::model {

namespace {

template <class Out, class Field>
std::shared_ptr<std::vector<std::byte>> packEntries(const Field& field, std::uint64_t byteSize)
{
    auto buffer = std::make_shared<std::vector<std::byte>>(byteSize);
    std::byte* out = buffer->data();
    for (const auto value : field) {
        const Out narrowed = static_cast<Out>(value);
        std::memcpy(out, &narrowed, sizeof(Out));
        out += sizeof(Out);
    }
    return buffer;
}

// Converts the typed fields of a TensorProto into the dense little-endian layout raw_data would hold:
// int32_data carries float16/bfloat16 bit patterns, int8/uint8/bool/float8 values and packed int4 bytes.
Result<std::shared_ptr<std::vector<std::byte>>> decodeTypedFields(
    const onnx::TensorProto& tensor, const DataTypeInfo& info, std::uint64_t byteSize)
{
    switch (info.typedField) {
    case TypedField::Float:
        return packEntries<float>(tensor.float_data(), byteSize);
    case TypedField::Double:
        return packEntries<double>(tensor.double_data(), byteSize);
    case TypedField::Int64:
        return packEntries<std::int64_t>(tensor.int64_data(), byteSize);
    case TypedField::Uint64:
        if (info.bits == 32)
            return packEntries<std::uint32_t>(tensor.uint64_data(), byteSize);
        return packEntries<std::uint64_t>(tensor.uint64_data(), byteSize);
    case TypedField::Int32:
        if (info.bits == 32)
            return packEntries<std::int32_t>(tensor.int32_data(), byteSize);
        if (info.bits == 16)
            return packEntries<std::uint16_t>(tensor.int32_data(), byteSize);
        return packEntries<std::uint8_t>(tensor.int32_data(), byteSize); // 8-bit values and packed 4-bit pairs
    case TypedField::String:
    case TypedField::None:
        break;
    }
    return fail(ErrorCode::Unsupported, "no numeric typed field for " + std::string(info.name));
}

} // namespace

ModelFile::~ModelFile() = default;

Result<TensorBytes> ModelFile::read(const WeightTensor& tensor) const
{
    auto bytes = readLocation(tensor.data, tensor.tensor, tensor.attribute, tensor.dataType);
    if (!bytes)
        return std::unexpected(bytes.error().withContext("tensor '" + tensor.name + "'"));
    return bytes;
}

Result<TensorBytes> ModelFile::readIndices(const WeightTensor& tensor) const
{
    if (!tensor.sparseIndices)
        return TensorBytes {};
    const auto& indices = *tensor.sparseIndices;
    auto bytes = readLocation(tensor.indices, &indices, nullptr, indices.data_type());
    if (!bytes)
        return std::unexpected(bytes.error().withContext("sparse tensor '" + tensor.name + "' indices"));
    return bytes;
}

Result<TensorBytes> ModelFile::readLocation(const DataLocation& location, const onnx::TensorProto* tensor,
    const onnx::AttributeProto* attribute, std::int32_t dataType) const
{
    using Kind = DataLocation::Kind;
    switch (location.kind) {
    case Kind::None:
        return TensorBytes {};
    case Kind::ModelFile:
        return TensorBytes { m_file->bytes().subspan(location.offset, location.size), m_file };
    case Kind::ExternalFile: {
        auto mapping = externalMapping(location.externalFile);
        if (!mapping)
            return std::unexpected(mapping.error());
        // The file may have shrunk since load; never read past the mapping.
        if (location.offset + location.size > (*mapping)->size())
            return fail(ErrorCode::IoError,
                "external data file '" + (*mapping)->path().string() + "' is shorter than at load time");
        return TensorBytes { (*mapping)->bytes().subspan(location.offset, location.size), *mapping };
    }
    case Kind::TypedFields: {
        const auto info = dataTypeInfo(dataType);
        if (!info || info->type == DataType::String || !tensor)
            return TensorBytes {};
        auto decoded = decodeTypedFields(*tensor, *info, location.size);
        if (!decoded)
            return std::unexpected(decoded.error());
        std::span<const std::byte> view(**decoded);
        return TensorBytes { view, std::move(*decoded) };
    }
    case Kind::Attribute: {
        if (!attribute)
            return TensorBytes {};
        std::shared_ptr<std::vector<std::byte>> buffer;
        if (attribute->name() == "value_floats")
            buffer = packEntries<float>(attribute->floats(), location.size);
        else if (attribute->name() == "value_ints")
            buffer = packEntries<std::int64_t>(attribute->ints(), location.size);
        else if (attribute->name() == "value_float")
            buffer = packEntries<float>(std::array<float, 1> { attribute->f() }, location.size);
        else
            buffer = packEntries<std::int64_t>(std::array<std::int64_t, 1> { attribute->i() }, location.size);
        std::span<const std::byte> view(*buffer);
        return TensorBytes { view, std::move(buffer) };
    }
    }
    return TensorBytes {};
}

Result<std::shared_ptr<const MappedFile>> ModelFile::externalMapping(int index) const
{
    std::lock_guard lock(m_externalMutex);
    auto& mapping = m_externalMappings.at(static_cast<std::size_t>(index));
    if (!mapping) {
        auto opened = MappedFile::open(m_externalFiles.at(static_cast<std::size_t>(index)).path);
        if (!opened)
            return std::unexpected(opened.error().withContext(
                "external data '" + m_externalFiles[static_cast<std::size_t>(index)].location + "'"));
        mapping = *opened;
    }
    return mapping;
}

Result<void> ModelFile::checkIntact() const
{
    if (auto intact = m_file->checkIntact(); !intact)
        return intact;
    std::lock_guard lock(m_externalMutex);
    for (const auto& mapping : m_externalMappings)
        if (mapping)
            if (auto intact = mapping->checkIntact(); !intact)
                return intact;
    return {};
}

std::vector<InputFile> ModelFile::inputFiles() const
{
    std::vector<InputFile> files { { path(), "the input model" } };
    for (const auto& file : m_externalFiles)
        files.push_back({ file.path, "the input model's external data '" + file.location + "'" });
    return files;
}

} // namespace slimscope::core::model
