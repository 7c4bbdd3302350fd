#include "workingmodel.h"

#include <google/protobuf/io/coded_stream.h>

namespace slimscope::core::slim {

using model::TensorBytes;

namespace {

using Size = std::uint64_t;

Size varintSize(Size value)
{
    return static_cast<Size>(google::protobuf::io::CodedOutputStream::VarintSize64(value));
}

// Change in a length-delimited field's encoded size when its payload grows from `before` to `after` bytes.
std::int64_t fieldDelta(Size before, Size after)
{
    return static_cast<std::int64_t>(varintSize(after) + after)
        - static_cast<std::int64_t>(varintSize(before) + before);
}

// Walks two structurally equal protos side by side, calling fn(original, copy) for every TensorProto pair.
template <class Fn> void pairTensors(const onnx::GraphProto& a, onnx::GraphProto& b, Fn&& fn);

template <class Fn> void pairSparse(const onnx::SparseTensorProto& a, onnx::SparseTensorProto& b, Fn&& fn)
{
    if (a.has_values())
        fn(a.values(), *b.mutable_values());
    if (a.has_indices())
        fn(a.indices(), *b.mutable_indices());
}

template <class Fn> void pairTensors(const onnx::GraphProto& a, onnx::GraphProto& b, Fn&& fn)
{
    for (int i = 0; i < a.initializer_size(); ++i)
        fn(a.initializer(i), *b.mutable_initializer(i));
    for (int i = 0; i < a.sparse_initializer_size(); ++i)
        pairSparse(a.sparse_initializer(i), *b.mutable_sparse_initializer(i), fn);
    for (int n = 0; n < a.node_size(); ++n) {
        for (int k = 0; k < a.node(n).attribute_size(); ++k) {
            const auto& x = a.node(n).attribute(k);
            auto& y = *b.mutable_node(n)->mutable_attribute(k);
            if (x.has_t())
                fn(x.t(), *y.mutable_t());
            for (int i = 0; i < x.tensors_size(); ++i)
                fn(x.tensors(i), *y.mutable_tensors(i));
            if (x.has_sparse_tensor())
                pairSparse(x.sparse_tensor(), *y.mutable_sparse_tensor(), fn);
            for (int i = 0; i < x.sparse_tensors_size(); ++i)
                pairSparse(x.sparse_tensors(i), *y.mutable_sparse_tensors(i), fn);
            if (x.has_g())
                pairTensors(x.g(), *y.mutable_g(), fn);
            for (int i = 0; i < x.graphs_size(); ++i)
                pairTensors(x.graphs(i), *y.mutable_graphs(i), fn);
        }
    }
}

template <class Sparse, class Fn> void visitSparse(Sparse& sparse, Fn&& fn)
{
    if (sparse.has_values())
        fn(*const_cast<onnx::TensorProto*>(&sparse.values()));
    if (sparse.has_indices())
        fn(*const_cast<onnx::TensorProto*>(&sparse.indices()));
}

void visitAll(onnx::GraphProto& graph, const std::function<void(onnx::TensorProto&)>& fn)
{
    for (auto& tensor : *graph.mutable_initializer())
        fn(tensor);
    for (auto& sparse : *graph.mutable_sparse_initializer())
        visitSparse(sparse, fn);
    for (auto& node : *graph.mutable_node())
        for (auto& attribute : *node.mutable_attribute()) {
            if (attribute.has_t())
                fn(*attribute.mutable_t());
            for (auto& tensor : *attribute.mutable_tensors())
                fn(tensor);
            if (attribute.has_sparse_tensor())
                visitSparse(*attribute.mutable_sparse_tensor(), fn);
            for (auto& sparse : *attribute.mutable_sparse_tensors())
                visitSparse(sparse, fn);
            if (attribute.has_g())
                visitAll(*attribute.mutable_g(), fn);
            for (auto& sub : *attribute.mutable_graphs())
                visitAll(sub, fn);
        }
}

} // namespace

WorkingModel::WorkingModel(std::shared_ptr<const model::ModelFile> file)
    : m_file(std::move(file))
    , m_proto(std::make_unique<onnx::ModelProto>(m_file->proto()))
{
    std::unordered_map<const onnx::TensorProto*, std::pair<const model::WeightTensor*, bool>> weights;
    for (const auto& weight : m_file->weights()) {
        if (weight.tensor)
            weights.emplace(weight.tensor, std::pair { &weight, false });
        if (weight.sparseIndices)
            weights.emplace(weight.sparseIndices, std::pair { &weight, true });
    }
    const auto& ranges = m_file->rawDataRanges();
    pairTensors(m_file->proto().graph(), *m_proto->mutable_graph(),
        [&](const onnx::TensorProto& original, onnx::TensorProto& copy) {
            TensorSource source;
            source.file = m_file;
            if (const auto weight = weights.find(&original); weight != weights.end()) {
                source.weight = weight->second.first;
                source.indices = weight->second.second;
            } else if (!ranges.contains(&original)) {
                return; // a small non-weight tensor held in typed fields: stays in the skeleton as it is
            }
            if (const auto range = ranges.find(&original); range != ranges.end() && !source.weight) {
                // Non-weight tensor with raw_data (e.g. ConstantOfShape's value): keep its bytes as an owned copy.
                const auto bytes = m_file->fileBytes().subspan(range->second.offset, range->second.size);
                source.owned = std::make_shared<const std::vector<std::byte>>(bytes.begin(), bytes.end());
                source.file.reset();
            }
            const auto info = model::dataTypeInfo(copy.data_type());
            if (info && info->type == model::DataType::String)
                return;
            copy.clear_raw_data();
            copy.clear_float_data();
            copy.clear_int32_data();
            copy.clear_int64_data();
            copy.clear_double_data();
            copy.clear_uint64_data();
            copy.clear_external_data();
            copy.clear_data_location();
            m_sources.emplace(&copy, std::move(source));
        });
    m_loadedSkeleton = std::make_shared<const std::string>(m_proto->SerializeAsString());
}

bool WorkingModel::unchanged() const
{
    return !m_sourcesChanged && m_loadedSkeleton && m_proto->SerializeAsString() == *m_loadedSkeleton;
}

Result<TensorBytes> TensorSource::read() const
{
    if (owned)
        return TensorBytes { std::span<const std::byte>(*owned), owned };
    if (deferred) {
        auto bytes = deferred->materialize();
        if (!bytes)
            return std::unexpected(bytes.error());
        auto holder = std::make_shared<const std::vector<std::byte>>(std::move(*bytes));
        return TensorBytes { std::span<const std::byte>(*holder), holder };
    }
    if (weight)
        return indices ? file->readIndices(*weight) : file->read(*weight);
    return TensorBytes {};
}

const TensorSource* TensorSource::originalWeight() const
{
    if (weight && !indices)
        return this;
    if (deferred)
        if (const TensorSource* from = deferred->origin())
            return from->originalWeight();
    return nullptr;
}

const void* TensorSource::identity() const
{
    if (owned)
        return owned.get();
    if (deferred)
        return deferred.get();
    // The weight record lives as long as the file; its values and its indices are different bytes.
    return weight ? static_cast<const void*>(reinterpret_cast<const char*>(weight) + (indices ? 1 : 0)) : nullptr;
}

std::shared_ptr<const void> TensorSource::keepAlive() const
{
    if (owned)
        return owned;
    if (deferred)
        return deferred;
    return file;
}

Result<TensorBytes> WorkingModel::data(const onnx::TensorProto& tensor) const
{
    const auto found = m_sources.find(&tensor);
    if (found == m_sources.end())
        return TensorBytes {};
    return found->second.read();
}

std::unique_ptr<WorkingModel> WorkingModel::clone() const
{
    auto copy = std::unique_ptr<WorkingModel>(new WorkingModel(*this, CloneTag {}));
    // Both skeletons hold the same tensors in the same order: pair them up to move the sources over.
    std::vector<const onnx::TensorProto*> originals;
    forEachTensor([&](const onnx::TensorProto& tensor) { originals.push_back(&tensor); });
    std::size_t next = 0;
    copy->forEachTensor([&](onnx::TensorProto& tensor) {
        const onnx::TensorProto* original = originals[next++];
        if (const auto found = m_sources.find(original); found != m_sources.end())
            copy->m_sources.emplace(&tensor, found->second);
    });
    return copy;
}

WorkingModel::WorkingModel(const WorkingModel& other, CloneTag)
    : m_file(other.m_file)
    , m_proto(std::make_unique<onnx::ModelProto>(*other.m_proto))
    , m_loadedSkeleton(other.m_loadedSkeleton)
    , m_sourcesChanged(other.m_sourcesChanged)
{ }

void WorkingModel::replaceModel(onnx::ModelProto model)
{
    m_sources.clear();
    m_proto = std::make_unique<onnx::ModelProto>(std::move(model));
    visitAll(*m_proto->mutable_graph(), [this](onnx::TensorProto& tensor) {
        if (!tensor.has_raw_data())
            return;
        const auto* data = reinterpret_cast<const std::byte*>(tensor.raw_data().data());
        TensorSource source;
        source.owned = std::make_shared<const std::vector<std::byte>>(data, data + tensor.raw_data().size());
        tensor.clear_raw_data();
        m_sources.emplace(&tensor, std::move(source));
    });
    m_sourcesChanged = true;
}

void visitTensors(onnx::ModelProto& model, const std::function<void(onnx::TensorProto&)>& fn)
{
    visitAll(*model.mutable_graph(), fn);
}

void WorkingModel::setDeferred(onnx::TensorProto& tensor, std::shared_ptr<const DeferredBytes> bytes)
{
    setData(tensor, {});
    TensorSource source;
    source.deferred = std::move(bytes);
    m_sources[&tensor] = std::move(source);
}

void WorkingModel::setData(onnx::TensorProto& tensor, std::vector<std::byte> bytes)
{
    tensor.clear_raw_data();
    tensor.clear_float_data();
    tensor.clear_int32_data();
    tensor.clear_int64_data();
    tensor.clear_double_data();
    tensor.clear_uint64_data();
    tensor.clear_external_data();
    tensor.clear_data_location();
    TensorSource source;
    source.owned = std::make_shared<const std::vector<std::byte>>(std::move(bytes));
    m_sources[&tensor] = std::move(source);
    m_sourcesChanged = true;
}

void WorkingModel::shareSource(const onnx::TensorProto& from, onnx::TensorProto& to)
{
    if (const auto found = m_sources.find(&from); found != m_sources.end())
        m_sources[&to] = found->second;
    m_sourcesChanged = true;
}

void WorkingModel::forget(const onnx::TensorProto& tensor)
{
    m_sourcesChanged = m_sources.erase(&tensor) > 0 || m_sourcesChanged;
}

void WorkingModel::forgetAllIn(const onnx::GraphProto& graph)
{
    visitAll(const_cast<onnx::GraphProto&>(graph), [this](onnx::TensorProto& tensor) { forget(tensor); });
}

void WorkingModel::forgetAllIn(const onnx::NodeProto& node)
{
    for (const auto& attribute : node.attribute()) {
        if (attribute.has_t())
            forget(attribute.t());
        for (const auto& tensor : attribute.tensors())
            forget(tensor);
        if (attribute.has_sparse_tensor()) {
            forget(attribute.sparse_tensor().values());
            forget(attribute.sparse_tensor().indices());
        }
        for (const auto& sparse : attribute.sparse_tensors()) {
            forget(sparse.values());
            forget(sparse.indices());
        }
        if (attribute.has_g())
            forgetAllIn(attribute.g());
        for (const auto& sub : attribute.graphs())
            forgetAllIn(sub);
    }
}

std::vector<WorkingGraph> WorkingModel::graphs()
{
    std::vector<WorkingGraph> result;
    std::function<void(onnx::GraphProto&, int, const std::string&)> walk = [&](onnx::GraphProto& graph, int parent,
                                                                               const std::string& path) {
        const int self = static_cast<int>(result.size());
        result.push_back({ &graph, parent, path });
        int index = 0;
        for (auto& node : *graph.mutable_node()) {
            const std::string label = node.name().empty() ? node.op_type() + "_" + std::to_string(index) : node.name();
            ++index;
            for (auto& attribute : *node.mutable_attribute()) {
                if (attribute.has_g())
                    walk(*attribute.mutable_g(), self, path + "/" + label + "." + attribute.name());
                for (int i = 0; i < attribute.graphs_size(); ++i)
                    walk(*attribute.mutable_graphs(i), self,
                        path + "/" + label + "." + attribute.name() + "[" + std::to_string(i) + "]");
            }
        }
    };
    walk(*m_proto->mutable_graph(), -1, "main");
    return result;
}

void WorkingModel::forEachTensor(const std::function<void(onnx::TensorProto&)>& fn)
{
    visitAll(*m_proto->mutable_graph(), fn);
}

void WorkingModel::forEachTensor(const std::function<void(const onnx::TensorProto&)>& fn) const
{
    visitAll(*const_cast<onnx::ModelProto&>(*m_proto).mutable_graph(), [&](onnx::TensorProto& t) { fn(t); });
}

onnx::ModelProto WorkingModel::withShapeConstants(std::uint64_t maxElements) const
{
    // Both walks visit the tensors in the same order: the copy's n-th tensor is the skeleton's n-th.
    std::vector<std::optional<std::string>> payloads;
    forEachTensor([&](const onnx::TensorProto& tensor) {
        std::uint64_t elements = 1;
        for (const auto d : tensor.dims())
            elements *= static_cast<std::uint64_t>(std::max<std::int64_t>(d, 0));
        const bool integer
            = tensor.data_type() == onnx::TensorProto::INT64 || tensor.data_type() == onnx::TensorProto::INT32;
        std::optional<std::string> payload;
        if (integer && elements <= maxElements && hasSource(tensor))
            if (const auto bytes = data(tensor))
                payload = std::string(reinterpret_cast<const char*>(bytes->bytes.data()), bytes->bytes.size());
        payloads.push_back(std::move(payload));
    });
    onnx::ModelProto copy(*m_proto);
    std::size_t next = 0;
    visitTensors(copy, [&](onnx::TensorProto& tensor) {
        if (next < payloads.size() && payloads[next]) {
            tensor.clear_external_data();
            tensor.clear_data_location();
            tensor.clear_int64_data();
            tensor.clear_int32_data();
            tensor.set_raw_data(*payloads[next]);
        }
        ++next;
    });
    return copy;
}

std::uint64_t WorkingModel::payloadBytes(const onnx::TensorProto& tensor) const
{
    const auto found = m_sources.find(&tensor);
    if (found == m_sources.end())
        return 0;
    if (found->second.owned)
        return found->second.owned->size();
    if (found->second.deferred)
        return found->second.deferred->byteSize();
    const auto bytes = data(tensor);
    return bytes ? bytes->bytes.size() : 0;
}

namespace {

class SizeCalculator {
public:
    explicit SizeCalculator(const WorkingModel& model)
        : m_model(model)
    { }

    // Encoded size of each message after raw_data is put back, from protobuf's cached sizes plus the payloads.
    Size tensor(const onnx::TensorProto& t) const
    {
        const Size base = t.GetCachedSize();
        if (t.data_location() == onnx::TensorProto::EXTERNAL || !m_model.hasSource(t))
            return base;
        const Size payload = m_model.payloadBytes(t);
        return base + 1 + varintSize(payload) + payload;
    }

    std::int64_t deltaTensor(const onnx::TensorProto& t) const { return fieldDelta(t.GetCachedSize(), tensor(t)); }

    Size sparse(const onnx::SparseTensorProto& s) const
    {
        std::int64_t size = s.GetCachedSize();
        if (s.has_values())
            size += deltaTensor(s.values());
        if (s.has_indices())
            size += deltaTensor(s.indices());
        return static_cast<Size>(size);
    }

    Size attribute(const onnx::AttributeProto& a) const
    {
        std::int64_t size = a.GetCachedSize();
        if (a.has_t())
            size += deltaTensor(a.t());
        for (const auto& t : a.tensors())
            size += deltaTensor(t);
        if (a.has_sparse_tensor())
            size += fieldDelta(a.sparse_tensor().GetCachedSize(), sparse(a.sparse_tensor()));
        for (const auto& s : a.sparse_tensors())
            size += fieldDelta(s.GetCachedSize(), sparse(s));
        if (a.has_g())
            size += fieldDelta(a.g().GetCachedSize(), graph(a.g()));
        for (const auto& g : a.graphs())
            size += fieldDelta(g.GetCachedSize(), graph(g));
        return static_cast<Size>(size);
    }

    Size node(const onnx::NodeProto& n) const
    {
        std::int64_t size = n.GetCachedSize();
        for (const auto& a : n.attribute())
            size += fieldDelta(a.GetCachedSize(), attribute(a));
        return static_cast<Size>(size);
    }

    Size graph(const onnx::GraphProto& g) const
    {
        std::int64_t size = g.GetCachedSize();
        for (const auto& t : g.initializer())
            size += deltaTensor(t);
        for (const auto& s : g.sparse_initializer())
            size += fieldDelta(s.GetCachedSize(), sparse(s));
        for (const auto& n : g.node())
            size += fieldDelta(n.GetCachedSize(), node(n));
        return static_cast<Size>(size);
    }

private:
    const WorkingModel& m_model;
};

} // namespace

std::uint64_t WorkingModel::serializedSize() const
{
    const Size base = m_proto->ByteSizeLong(); // fills every sub-message's cached size
    if (!m_proto->has_graph())
        return base;
    const SizeCalculator calculator(*this);
    return static_cast<Size>(static_cast<std::int64_t>(base)
        + fieldDelta(m_proto->graph().GetCachedSize(), calculator.graph(m_proto->graph())));
}

} // namespace slimscope::core::slim
