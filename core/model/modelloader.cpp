// Loading and validation of a model: graphs, weight tensors and their data locations.
#include "elementdecode.h"
#include "modelfile.h"

#include "support/format.h"

#include <onnx/common/version.h>

#include <charconv>
#include <sys/stat.h>
#include <unordered_map>

namespace slimscope::core::model {

namespace fs = std::filesystem;

std::string_view storageName(Storage storage)
{
    switch (storage) {
    case Storage::Initializer:
        return "initializer";
    case Storage::SparseInitializer:
        return "sparse_initializer";
    case Storage::Constant:
        return "constant";
    }
    return "initializer";
}

namespace {

std::string shapeText(const std::vector<std::int64_t>& shape)
{
    return shapeString(shape);
}

std::uint64_t parseUnsigned(const std::string& text, bool& ok)
{
    std::uint64_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    ok = error == std::errc() && end == text.data() + text.size() && !text.empty();
    return value;
}

std::uint64_t typedEntryCount(const onnx::TensorProto& tensor, TypedField field)
{
    switch (field) {
    case TypedField::Float:
        return static_cast<std::uint64_t>(tensor.float_data_size());
    case TypedField::Int32:
        return static_cast<std::uint64_t>(tensor.int32_data_size());
    case TypedField::String:
        return static_cast<std::uint64_t>(tensor.string_data_size());
    case TypedField::Int64:
        return static_cast<std::uint64_t>(tensor.int64_data_size());
    case TypedField::Double:
        return static_cast<std::uint64_t>(tensor.double_data_size());
    case TypedField::Uint64:
        return static_cast<std::uint64_t>(tensor.uint64_data_size());
    case TypedField::None:
        return 0;
    }
    return 0;
}

std::uint64_t expectedTypedEntries(const DataTypeInfo& info, std::uint64_t elements)
{
    if (info.bits == 4)
        return (elements + 1) / 2;
    if (info.type == DataType::Complex64 || info.type == DataType::Complex128)
        return elements * 2;
    return elements;
}

WeightTensor makeWeight(const std::string& name, Storage storage, int graphIndex)
{
    WeightTensor weight;
    weight.name = name;
    weight.storage = storage;
    weight.graphIndex = graphIndex;
    return weight;
}

} // namespace

/// Builds a ModelFile step by step; lives here so that ModelFile's header stays small.
class ModelLoader {
public:
    explicit ModelLoader(ModelFile& model)
        : m_model(model)
    { }

    Result<void> run(const CancelToken* cancel);

private:
    Result<void> collectGraphs(
        const onnx::GraphProto& graph, const std::string& path, int depth, const onnx::NodeProto* owner, int parent);
    Result<void> collectWeights(int graphIndex);
    Result<void> addTensor(WeightTensor weight, const onnx::TensorProto& tensor);
    Result<void> addSparse(WeightTensor weight, const onnx::SparseTensorProto& sparse);
    Result<void> addAttributeConstant(WeightTensor weight, const onnx::AttributeProto& attribute);
    Result<DataLocation> locate(
        const onnx::TensorProto& tensor, const DataTypeInfo& info, std::uint64_t elements, std::uint64_t& storedBytes);
    Result<DataLocation> locateExternal(const onnx::TensorProto& tensor, std::uint64_t expectedBytes);
    Result<int> externalFileIndex(const std::string& location);

    ModelFile& m_model;
    fs::path m_folder;
    std::unordered_map<std::string, int> m_externalByLocation;
};

Result<void> ModelLoader::run(const CancelToken* cancel)
{
    const auto& proto = m_model.proto();
    if (!proto.has_graph())
        return fail(ErrorCode::InvalidModel, "not an ONNX model: it has no graph");
    if (proto.ir_version() <= 0)
        return fail(ErrorCode::InvalidModel, "not an ONNX model: ir_version is missing");
    if (proto.ir_version() > onnx::Version::IR_VERSION) {
        m_model.m_diagnostics.push_back({ Diagnostic::Severity::Warning, {},
            "IR version " + std::to_string(proto.ir_version()) + " is newer than the ONNX library knows ("
                + std::to_string(static_cast<int>(onnx::Version::IR_VERSION))
                + "); analysed anyway, shape inference and checks may be incomplete" });
    }
    std::error_code error;
    m_folder = fs::canonical(fs::absolute(m_model.path()).parent_path(), error);
    if (error)
        m_folder = fs::absolute(m_model.path()).parent_path();
    if (auto graphs = collectGraphs(proto.graph(), "main", 0, nullptr, -1); !graphs)
        return graphs;
    for (int i = 0; i < static_cast<int>(m_model.m_graphs.size()); ++i) {
        if (cancel && cancel->isCancelled())
            return fail(ErrorCode::Cancelled, "cancelled");
        if (auto weights = collectWeights(i); !weights)
            return weights;
    }
    return {};
}

Result<void> ModelLoader::collectGraphs(
    const onnx::GraphProto& graph, const std::string& path, int depth, const onnx::NodeProto* owner, int parent)
{
    const int self = static_cast<int>(m_model.m_graphs.size());
    m_model.m_graphs.push_back(GraphInfo { path, &graph, depth, owner, parent });
    for (const auto& node : graph.node()) {
        const std::string nodeLabel = node.name().empty() ? node.op_type() : node.name();
        for (const auto& attribute : node.attribute()) {
            if (attribute.has_g()) {
                if (auto sub = collectGraphs(
                        attribute.g(), path + "/" + nodeLabel + "." + attribute.name(), depth + 1, &node, self);
                    !sub)
                    return sub;
            }
            for (int i = 0; i < attribute.graphs_size(); ++i) {
                const std::string subPath
                    = path + "/" + nodeLabel + "." + attribute.name() + "[" + std::to_string(i) + "]";
                if (auto sub = collectGraphs(attribute.graphs(i), subPath, depth + 1, &node, self); !sub)
                    return sub;
            }
        }
    }
    return {};
}

Result<void> ModelLoader::collectWeights(int graphIndex)
{
    const onnx::GraphProto& graph = *m_model.m_graphs[static_cast<std::size_t>(graphIndex)].graph;
    for (const auto& tensor : graph.initializer()) {
        WeightTensor weight = makeWeight(tensor.name(), Storage::Initializer, graphIndex);
        if (auto added = addTensor(std::move(weight), tensor); !added)
            return added;
    }
    for (const auto& sparse : graph.sparse_initializer()) {
        WeightTensor weight = makeWeight(sparse.values().name(), Storage::SparseInitializer, graphIndex);
        if (auto added = addSparse(std::move(weight), sparse); !added)
            return added;
    }
    for (const auto& node : graph.node()) {
        if (node.op_type() != "Constant" || !(node.domain().empty() || node.domain() == "ai.onnx"))
            continue;
        WeightTensor weight
            = makeWeight(node.output_size() ? node.output(0) : node.name(), Storage::Constant, graphIndex);
        weight.constantNode = &node;
        for (const auto& attribute : node.attribute()) {
            Result<void> added;
            if (attribute.name() == "value" && attribute.has_t())
                added = addTensor(weight, attribute.t());
            else if (attribute.name() == "sparse_value" && attribute.has_sparse_tensor())
                added = addSparse(weight, attribute.sparse_tensor());
            else if (attribute.name() == "value_float" || attribute.name() == "value_floats"
                || attribute.name() == "value_int" || attribute.name() == "value_ints")
                added = addAttributeConstant(weight, attribute);
            else
                continue;
            if (!added)
                return std::unexpected(added.error().withContext("Constant node '" + node.name() + "'"));
        }
    }
    return {};
}

Result<void> ModelLoader::addTensor(WeightTensor weight, const onnx::TensorProto& tensor)
{
    const std::string context = "tensor '" + weight.name + "'";
    const auto info = dataTypeInfo(tensor.data_type());
    if (!info)
        return fail(ErrorCode::InvalidModel, context + ": unknown element type " + std::to_string(tensor.data_type()));
    weight.dataType = tensor.data_type();
    weight.shape.assign(tensor.dims().begin(), tensor.dims().end());
    std::uint64_t elements = 1;
    for (const std::int64_t dim : weight.shape) {
        if (dim < 0)
            return fail(ErrorCode::InvalidModel,
                context + ": negative dimension " + std::to_string(dim) + " in shape " + shapeText(weight.shape));
        if (__builtin_mul_overflow(elements, static_cast<std::uint64_t>(dim), &elements))
            return fail(ErrorCode::InvalidModel,
                context + ": shape " + shapeText(weight.shape) + " has more elements than 64 bits can count");
    }
    weight.elements = elements;
    weight.storedElements = elements;
    weight.tensor = &tensor;
    auto location = locate(tensor, *info, elements, weight.storedBytes);
    if (!location)
        return std::unexpected(location.error().withContext(context));
    weight.data = *location;
    weight.external = location->kind == DataLocation::Kind::ExternalFile;
    m_model.m_weights.push_back(std::move(weight));
    return {};
}

Result<void> ModelLoader::addSparse(WeightTensor weight, const onnx::SparseTensorProto& sparse)
{
    const std::string context = "sparse tensor '" + weight.name + "'";
    std::vector<std::int64_t> denseShape(sparse.dims().begin(), sparse.dims().end());
    std::uint64_t denseElements = 1;
    for (const std::int64_t dim : denseShape) {
        if (dim < 0 || __builtin_mul_overflow(denseElements, static_cast<std::uint64_t>(dim), &denseElements))
            return fail(ErrorCode::InvalidModel, context + ": invalid dense shape " + shapeText(denseShape));
    }
    if (auto values = addTensor(weight, sparse.values()); !values)
        return values;
    WeightTensor& stored = m_model.m_weights.back();
    if (stored.shape.size() != 1)
        return fail(
            ErrorCode::InvalidModel, context + ": values must be one-dimensional, shape is " + shapeText(stored.shape));
    if (stored.elements > denseElements)
        return fail(ErrorCode::InvalidModel,
            context + ": " + std::to_string(stored.elements) + " values for a dense shape of "
                + std::to_string(denseElements) + " elements");
    stored.storedElements = stored.elements;
    stored.elements = denseElements;
    stored.shape = std::move(denseShape);
    stored.sparseIndices = &sparse.indices();
    const auto indexInfo = dataTypeInfo(sparse.indices().data_type());
    if (!indexInfo || (indexInfo->type != DataType::Int64 && indexInfo->type != DataType::Int32))
        return fail(ErrorCode::InvalidModel, context + ": indices must be int64 or int32");
    std::uint64_t indexElements = 1;
    for (const std::int64_t dim : sparse.indices().dims()) {
        if (dim < 0 || __builtin_mul_overflow(indexElements, static_cast<std::uint64_t>(dim), &indexElements))
            return fail(ErrorCode::InvalidModel, context + ": invalid indices shape");
    }
    if (indexElements != stored.storedElements && indexElements != stored.storedElements * stored.shape.size())
        return fail(ErrorCode::InvalidModel,
            context + ": " + std::to_string(indexElements) + " indices do not fit "
                + std::to_string(stored.storedElements) + " values");
    std::uint64_t indexBytes = 0;
    auto location = locate(sparse.indices(), *indexInfo, indexElements, indexBytes);
    if (!location)
        return std::unexpected(location.error().withContext(context + " indices"));
    stored.indices = *location;
    stored.storedBytes += indexBytes;
    stored.external = stored.external || location->kind == DataLocation::Kind::ExternalFile;
    stored.storage = weight.storage == Storage::Constant ? Storage::Constant : Storage::SparseInitializer;
    return {};
}

Result<void> ModelLoader::addAttributeConstant(WeightTensor weight, const onnx::AttributeProto& attribute)
{
    const bool isFloat = attribute.name() == "value_float" || attribute.name() == "value_floats";
    const bool isList = attribute.name() == "value_floats" || attribute.name() == "value_ints";
    weight.dataType = static_cast<std::int32_t>(isFloat ? DataType::Float : DataType::Int64);
    weight.elements
        = isList ? static_cast<std::uint64_t>(isFloat ? attribute.floats_size() : attribute.ints_size()) : 1;
    if (isList)
        weight.shape = { static_cast<std::int64_t>(weight.elements) };
    weight.storedElements = weight.elements;
    weight.storedBytes = weight.elements * (isFloat ? 4 : 8);
    weight.attribute = &attribute;
    weight.data = DataLocation { DataLocation::Kind::Attribute, 0, weight.storedBytes, -1 };
    m_model.m_weights.push_back(std::move(weight));
    return {};
}

Result<DataLocation> ModelLoader::locate(
    const onnx::TensorProto& tensor, const DataTypeInfo& info, std::uint64_t elements, std::uint64_t& storedBytes)
{
    const auto expectedBytes = denseByteSize(info, elements);
    if (!expectedBytes && info.type != DataType::String)
        return fail(ErrorCode::InvalidModel, "byte size overflows 64 bits");
    if (tensor.data_location() == onnx::TensorProto::EXTERNAL) {
        if (info.type == DataType::String)
            return fail(ErrorCode::InvalidModel, "string tensors cannot be stored as external data");
        storedBytes = *expectedBytes;
        return locateExternal(tensor, *expectedBytes);
    }
    const auto& spans = m_model.m_skeleton.rawData;
    if (const auto raw = spans.find(&tensor); raw != spans.end()) {
        if (info.type == DataType::String)
            return fail(ErrorCode::InvalidModel, "string tensors cannot use raw_data");
        if (raw->second.size != *expectedBytes)
            return fail(ErrorCode::InvalidModel,
                "raw_data holds " + std::to_string(raw->second.size) + " bytes, but shape "
                    + shapeText({ tensor.dims().begin(), tensor.dims().end() }) + " of " + std::string(info.name)
                    + " needs " + std::to_string(*expectedBytes));
        storedBytes = raw->second.size;
        return DataLocation { DataLocation::Kind::ModelFile, raw->second.offset, raw->second.size, -1 };
    }
    const std::uint64_t entries = typedEntryCount(tensor, info.typedField);
    if (info.type == DataType::String) {
        if (entries != elements)
            return fail(ErrorCode::InvalidModel,
                "string_data holds " + std::to_string(entries) + " strings, shape needs " + std::to_string(elements));
        storedBytes = 0;
        for (const auto& text : tensor.string_data())
            storedBytes += text.size();
        return DataLocation { DataLocation::Kind::TypedFields, 0, storedBytes, -1 };
    }
    if (elements == 0 && entries == 0) {
        storedBytes = 0;
        return DataLocation {};
    }
    const std::uint64_t expectedEntries = expectedTypedEntries(info, elements);
    if (entries != expectedEntries)
        return fail(ErrorCode::InvalidModel,
            (entries == 0 ? std::string("has no data; ") : std::string()) + "typed data holds "
                + std::to_string(entries) + " values, but shape "
                + shapeText({ tensor.dims().begin(), tensor.dims().end() }) + " of " + std::string(info.name)
                + " needs " + std::to_string(expectedEntries));
    storedBytes = *expectedBytes;
    return DataLocation { DataLocation::Kind::TypedFields, 0, *expectedBytes, -1 };
}

Result<DataLocation> ModelLoader::locateExternal(const onnx::TensorProto& tensor, std::uint64_t expectedBytes)
{
    std::string location;
    std::uint64_t offset = 0;
    std::optional<std::uint64_t> length;
    for (const auto& entry : tensor.external_data()) {
        bool ok = true;
        if (entry.key() == "location")
            location = entry.value();
        else if (entry.key() == "offset")
            offset = parseUnsigned(entry.value(), ok);
        else if (entry.key() == "length")
            length = parseUnsigned(entry.value(), ok);
        if (!ok)
            return fail(ErrorCode::InvalidModel,
                "external data " + entry.key() + " '" + entry.value() + "' is not a non-negative integer");
    }
    if (location.empty())
        return fail(ErrorCode::InvalidModel, "external data has no location");
    const auto index = externalFileIndex(location);
    if (!index)
        return std::unexpected(index.error());
    const ExternalFile& file = m_model.m_externalFiles[static_cast<std::size_t>(*index)];
    if (length && *length != expectedBytes)
        return fail(ErrorCode::InvalidModel,
            "external data '" + location + "' length " + std::to_string(*length) + " does not match the "
                + std::to_string(expectedBytes) + " bytes its shape and type need");
    std::uint64_t end = 0;
    if (__builtin_add_overflow(offset, expectedBytes, &end) || end > file.size)
        return fail(ErrorCode::InvalidModel,
            "external data '" + location + "' ends at byte "
                + (end < offset ? std::string("beyond 2^64") : std::to_string(end)) + ", but the file has "
                + std::to_string(file.size) + " bytes");
    return DataLocation { DataLocation::Kind::ExternalFile, offset, expectedBytes, *index };
}

Result<int> ModelLoader::externalFileIndex(const std::string& location)
{
    if (const auto known = m_externalByLocation.find(location); known != m_externalByLocation.end())
        return known->second;
    const fs::path relative(location);
    if (relative.is_absolute() || location.front() == '/' || location.front() == '\\')
        return fail(ErrorCode::UnsafePath,
            "external data location '" + location + "' is absolute; it must be relative to the model's folder");
    for (const auto& part : relative) {
        if (part == "..")
            return fail(ErrorCode::UnsafePath,
                "external data location '" + location + "' contains '..'; it must stay inside the model's folder");
    }
    std::error_code error;
    const fs::path resolved = fs::canonical(m_folder / relative, error);
    if (error)
        return fail(error == std::errc::no_such_file_or_directory ? ErrorCode::NotFound : ErrorCode::IoError,
            "external data file '" + location + "' cannot be opened in " + m_folder.string() + ": " + error.message());
    const std::string folderPrefix = m_folder.string() + "/";
    if (resolved.string().rfind(folderPrefix, 0) != 0)
        return fail(ErrorCode::UnsafePath,
            "external data file '" + location + "' is a link that leads outside the model's folder, to "
                + resolved.string());
    struct stat info { };
    if (::stat(resolved.c_str(), &info) != 0 || !S_ISREG(info.st_mode))
        return fail(ErrorCode::InvalidModel, "external data '" + location + "' is not a regular file");
    m_model.m_externalFiles.push_back(ExternalFile { location, resolved, static_cast<std::uint64_t>(info.st_size) });
    m_model.m_externalMappings.emplace_back();
    const int index = static_cast<int>(m_model.m_externalFiles.size() - 1);
    m_externalByLocation.emplace(location, index);
    return index;
}

namespace {

/// Repeated protobuf fields cost a few bytes each in the file but hundreds to thousands of bytes each in memory
/// once analysed (a tensor's statistics, a node's edges): a small file holding millions of empty initializers or a
/// node with millions of inputs would take gigabytes. Real models stay far below these bounds, which grow with the
/// file (and its external data).
Result<void> checkCounts(std::uint64_t weights, std::uint64_t edges, std::uint64_t bytes)
{
    const std::uint64_t maxWeights = 100'000 + bytes / 64;
    if (weights > maxWeights)
        return fail(ErrorCode::InvalidModel,
            groupedCount(weights) + " weight tensors in " + groupedCount(bytes) + " bytes, more than the "
                + groupedCount(maxWeights)
                + " a model of that size can sensibly hold: refused as broken or hostile (analysing them would take "
                  "far more memory than the file suggests)");
    const std::uint64_t maxEdges = 1'000'000 + bytes / 16;
    if (edges > maxEdges)
        return fail(ErrorCode::InvalidModel,
            groupedCount(edges) + " node inputs and outputs in " + groupedCount(bytes) + " bytes, more than the "
                + groupedCount(maxEdges) + " a model of that size can sensibly hold: refused as broken or hostile");
    return {};
}

/// The main graph's counts, before the loader builds anything per tensor and node (the parsed proto is all the
/// memory spent so far). External data is not known yet: the file's size alone bounds it, so a model whose weights
/// are all external is checked again below with them.
Result<void> checkMainGraphProportions(const onnx::ModelProto& proto, std::uint64_t fileBytes)
{
    const auto& graph = proto.graph();
    std::uint64_t edges = 0;
    for (const auto& node : graph.node())
        edges += static_cast<std::uint64_t>(node.input_size()) + static_cast<std::uint64_t>(node.output_size());
    const auto weights = static_cast<std::uint64_t>(graph.initializer_size() + graph.sparse_initializer_size());
    // Generous here (the external data may be large): only what no external file could justify is refused early.
    const std::uint64_t slack = std::uint64_t { 1 } << 40;
    if (weights > 100'000 + (fileBytes + slack) / 64 || edges > 1'000'000 + (fileBytes + slack) / 16)
        return checkCounts(weights, edges, fileBytes);
    // Empty initializers carry nothing external: count them against the file alone.
    std::uint64_t empty = 0;
    for (const auto& initializer : graph.initializer())
        empty += initializer.raw_data().empty() && initializer.external_data_size() == 0
            && initializer.float_data_size() == 0 && initializer.int32_data_size() == 0
            && initializer.int64_data_size() == 0 && initializer.double_data_size() == 0
            && initializer.uint64_data_size() == 0 && initializer.string_data_size() == 0;
    return checkCounts(empty, 0, fileBytes);
}

Result<void> checkProportions(const ModelFile& model)
{
    std::uint64_t bytes = model.fileSize();
    for (const auto& external : model.externalFiles())
        bytes += external.size;
    std::uint64_t edges = 0;
    for (const auto& info : model.graphs())
        for (const auto& node : info.graph->node()) {
            edges += static_cast<std::uint64_t>(node.input_size()) + static_cast<std::uint64_t>(node.output_size());
            // Every ONNX operator computes at least one output (the checker and ONNX Runtime refuse the others); the
            // readers of a graph may count on output 0 (found by fuzzing: one read past a node's outputs).
            if (node.output_size() == 0)
                return fail(ErrorCode::InvalidArgument,
                    "node '" + node.name() + "' (" + node.op_type() + ") in graph '" + info.path
                        + "' has no outputs; every ONNX node computes at least one");
        }
    return checkCounts(model.weights().size(), edges, bytes);
}

/// ONNX requires a sparse tensor's indices to be in range and strictly increasing (sorted, no duplicates), as linear
/// indices [nnz] or coordinates [nnz, rank]; a reader that trusted others could write outside the dense tensor.
Result<void> checkSparseIndices(const ModelFile& model, const WeightTensor& weight)
{
    const std::string context = "sparse tensor '" + weight.name + "'";
    auto bytes = model.readIndices(weight);
    if (!bytes)
        return std::unexpected(bytes.error());
    const auto type = static_cast<DataType>(weight.sparseIndices->data_type());
    const std::size_t rank = weight.shape.size();
    const std::uint64_t count = weight.storedElements;
    const bool coordinates = rank > 1 && static_cast<std::uint64_t>(weight.sparseIndices->dims_size()) == 2;
    std::uint64_t previous = 0;
    for (std::uint64_t i = 0; i < count; ++i) {
        std::uint64_t linear = 0;
        if (coordinates) {
            for (std::size_t d = 0; d < rank; ++d) {
                const double coordinate = elementAsDouble(type, bytes->bytes.data(), i * rank + d);
                if (coordinate < 0 || coordinate >= static_cast<double>(weight.shape[d]))
                    return fail(ErrorCode::InvalidModel,
                        context + ": coordinate " + std::to_string(static_cast<std::int64_t>(coordinate)) + " of value "
                            + std::to_string(i) + " is outside dimension " + std::to_string(d) + " (size "
                            + std::to_string(weight.shape[d]) + ")");
                linear = linear * static_cast<std::uint64_t>(weight.shape[d]) + static_cast<std::uint64_t>(coordinate);
            }
        } else {
            const double index = elementAsDouble(type, bytes->bytes.data(), i);
            if (index < 0 || index >= static_cast<double>(weight.elements))
                return fail(ErrorCode::InvalidModel,
                    context + ": index " + std::to_string(static_cast<std::int64_t>(index)) + " is outside its "
                        + std::to_string(weight.elements) + " elements");
            linear = static_cast<std::uint64_t>(index);
        }
        if (i > 0 && linear == previous)
            return fail(ErrorCode::InvalidModel,
                context + ": index " + std::to_string(linear) + " appears twice (indices must be unique)");
        if (i > 0 && linear < previous)
            return fail(ErrorCode::InvalidModel,
                context + ": indices are not in increasing order (" + std::to_string(linear) + " follows "
                    + std::to_string(previous) + ")");
        previous = linear;
    }
    return {};
}

} // namespace

Result<std::shared_ptr<const ModelFile>> ModelFile::load(const fs::path& path, const CancelToken* cancel)
{
    const auto withPath = [&](Error error) { return std::unexpected(error.withContext(path.string())); };
    auto file = MappedFile::open(path);
    if (!file)
        return withPath(file.error());
    if ((*file)->size() == 0)
        return withPath(Error { ErrorCode::InvalidModel, "the file is empty" });
    if ((*file)->size() > kMaxProtobufBytes)
        return withPath(Error { ErrorCode::TooLarge,
            "the file is " + std::to_string((*file)->size())
                + " bytes, over protobuf's 2 GiB limit; models this large must keep their weights in external data" });
    std::shared_ptr<ModelFile> model(new ModelFile);
    model->m_file = *file;
    auto skeleton = parseSkeleton(model->m_file->bytes());
    if (!skeleton)
        return withPath(skeleton.error());
    model->m_skeleton = std::move(*skeleton);
    if (auto sane = checkMainGraphProportions(model->proto(), model->fileSize()); !sane)
        return withPath(sane.error());
    ModelLoader loader(*model);
    if (auto loaded = loader.run(cancel); !loaded)
        return withPath(loaded.error());
    if (auto sane = checkProportions(*model); !sane)
        return withPath(sane.error());
    for (const auto& weight : model->weights())
        if (weight.sparseIndices)
            if (auto valid = checkSparseIndices(*model, weight); !valid)
                return withPath(valid.error());
    return std::shared_ptr<const ModelFile>(std::move(model));
}

} // namespace slimscope::core::model
