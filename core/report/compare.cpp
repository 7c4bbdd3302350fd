// Model comparison: pairs the weight tensors and layers of two analysed models and measures what changed.
#include "compare.h"

#include "model/elementdecode.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <set>

namespace slimscope::core::report {

using namespace analysis;

namespace {

using Key = std::pair<std::string, std::string>; // (graph, name)

// A fast 64-bit content hash (8 bytes per step, multiply-xorshift mixing); collisions only cost a wrong
// "shape+hash" pairing between tensors of equal dtype and shape, never a crash.
std::uint64_t mix(std::uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    return x ^ (x >> 33);
}

std::uint64_t contentHash(std::span<const std::byte> bytes, std::uint64_t seed = 0x9e3779b97f4a7c15ull)
{
    std::uint64_t h = seed ^ (bytes.size() * 0x100000001b3ull);
    std::size_t i = 0;
    for (; i + 8 <= bytes.size(); i += 8) {
        std::uint64_t word;
        std::memcpy(&word, bytes.data() + i, 8);
        h = (h ^ mix(word)) * 0x9fb21c651e98df25ull;
        h = (h << 29) | (h >> 35);
    }
    std::uint64_t tail = 0;
    std::memcpy(&tail, bytes.data() + i, bytes.size() - i);
    return mix(h ^ mix(tail ^ (bytes.size() - i)));
}

struct Side {
    const Analysis& analysis;
    std::map<Key, std::size_t> byKey;

    explicit Side(const Analysis& a)
        : analysis(a)
    {
        for (std::size_t i = 0; i < a.tensors.size(); ++i)
            byKey.emplace(Key { a.tensors[i].graph, a.tensors[i].name }, i);
    }
    const model::WeightTensor* weight(std::size_t i) const
    {
        const int w = analysis.tensors[i].weightIndex;
        if (!analysis.modelFile || w < 0 || static_cast<std::size_t>(w) >= analysis.modelFile->weights().size())
            return nullptr;
        return &analysis.modelFile->weights()[static_cast<std::size_t>(w)];
    }
    // Values, plus a sparse tensor's indices, so two sparse tensors compare by everything they store.
    std::optional<std::uint64_t> hash(std::size_t i, Diagnostics& diagnostics) const
    {
        const auto* w = weight(i);
        if (!w)
            return std::nullopt;
        auto bytes = analysis.modelFile->read(*w);
        if (!bytes) {
            diagnostics.push_back({ Diagnostic::Severity::Warning, w->name, bytes.error().message });
            return std::nullopt;
        }
        std::uint64_t h = contentHash(bytes->bytes);
        if (w->storage == model::Storage::SparseInitializer)
            if (auto indices = analysis.modelFile->readIndices(*w))
                h = contentHash(indices->bytes, h);
        return h;
    }
};

bool dense(const TensorStats& t)
{
    return t.storage != model::Storage::SparseInitializer && t.storedElements == t.elements;
}

// How B computes a tensor it no longer stores: values = (q - zero_point) * scale, or a Cast of q.
struct Decoder {
    model::DataType type = model::DataType::Undefined;
    std::span<const std::byte> q;
    std::vector<double> scale { 1.0 }, zeroPoint { 0.0 };
    std::uint64_t axisStride = 1, axisSize = 1;
    double at(std::uint64_t i) const
    {
        const std::uint64_t c = scale.size() > 1 ? (i / axisStride) % axisSize : 0;
        return (elementAsDouble(type, q.data(), i) - zeroPoint[std::min<std::size_t>(c, zeroPoint.size() - 1)])
            * scale[std::min<std::size_t>(c, scale.size() - 1)];
    }
};

std::vector<double> decodeAll(const Side& side, std::size_t i)
{
    const auto* w = side.weight(i);
    const auto type = w ? static_cast<model::DataType>(w->dataType) : model::DataType::Undefined;
    if (!w || !isNumeric(type))
        return {};
    auto bytes = side.analysis.modelFile->read(*w);
    if (!bytes)
        return {};
    std::vector<double> values(w->elements);
    elementsAsDoubles(type, bytes->bytes.data(), 0, values);
    return values;
}

// Max |a - b| of two dense numeric tensors of equal element count. With a DequantizeLinear `producer`, B's values
// are dequantized with the node's scale, zero point and axis; with a Cast, decoded from B's stored type.
std::optional<double> maxAbsDiff(
    const Side& sa, std::size_t ia, const Side& sb, std::size_t ib, const onnx::NodeProto* producer)
{
    const TensorStats& ta = sa.analysis.tensors[ia];
    const TensorStats& tb = sb.analysis.tensors[ib];
    const auto* wa = sa.weight(ia);
    const auto* wb = sb.weight(ib);
    if (!wa || !wb || !dense(ta) || !dense(tb) || ta.elements != tb.elements)
        return std::nullopt;
    const auto typeA = static_cast<model::DataType>(wa->dataType);
    const auto typeB = static_cast<model::DataType>(wb->dataType);
    if (!isNumeric(typeA) || !isNumeric(typeB))
        return std::nullopt;
    auto bytesA = sa.analysis.modelFile->read(*wa);
    auto bytesB = sb.analysis.modelFile->read(*wb);
    if (!bytesA || !bytesB)
        return std::nullopt;
    Decoder decoder { typeB, bytesB->bytes };
    if (producer && producer->op_type() == "DequantizeLinear") {
        const auto find = [&](int input) -> std::optional<std::size_t> {
            if (producer->input_size() <= input || producer->input(input).empty())
                return std::nullopt;
            const auto it = sb.byKey.find({ tb.graph, producer->input(input) });
            return it == sb.byKey.end() ? std::nullopt : std::optional(it->second);
        };
        const auto scaleIndex = find(1);
        if (!scaleIndex)
            return std::nullopt;
        decoder.scale = decodeAll(sb, *scaleIndex);
        if (const auto zeroIndex = find(2))
            decoder.zeroPoint = decodeAll(sb, *zeroIndex);
        if (decoder.scale.empty() || decoder.zeroPoint.empty())
            return std::nullopt;
        if (decoder.scale.size() > 1) {
            std::int64_t axis = 1;
            for (const auto& attribute : producer->attribute())
                if (attribute.name() == "axis")
                    axis = attribute.i();
            const auto rank = static_cast<std::int64_t>(tb.shape.size());
            if (axis < 0)
                axis += rank;
            if (axis < 0 || axis >= rank
                || tb.shape[static_cast<std::size_t>(axis)] != static_cast<std::int64_t>(decoder.scale.size()))
                return std::nullopt;
            decoder.axisSize = decoder.scale.size();
            for (auto d = static_cast<std::size_t>(axis) + 1; d < tb.shape.size(); ++d)
                decoder.axisStride *= static_cast<std::uint64_t>(tb.shape[d]);
        }
    }
    double maxDiff = 0.0;
    for (std::uint64_t e = 0; e < ta.elements; ++e) {
        const double x = elementAsDouble(typeA, bytesA->bytes.data(), e);
        const double y = decoder.at(e);
        if (std::isfinite(x) && std::isfinite(y))
            maxDiff = std::max(maxDiff, std::abs(x - y));
    }
    return maxDiff;
}

bool sameContent(const Side& sa, std::size_t ia, const Side& sb, std::size_t ib, Diagnostics& diagnostics)
{
    const auto* wa = sa.weight(ia);
    const auto* wb = sb.weight(ib);
    if (!wa || !wb)
        return false;
    if (wa->storage == model::Storage::SparseInitializer || wb->storage == model::Storage::SparseInitializer)
        return wa->storage == wb->storage && sa.hash(ia, diagnostics) == sb.hash(ib, diagnostics);
    auto x = sa.analysis.modelFile->read(*wa);
    auto y = sb.analysis.modelFile->read(*wb);
    if (!x || !y) {
        diagnostics.push_back({ Diagnostic::Severity::Warning, wa->name,
            "compared by size only: " + (!x ? x.error().message : y.error().message) });
        return true;
    }
    return x->bytes.size() == y->bytes.size()
        && (x->bytes.empty() || std::memcmp(x->bytes.data(), y->bytes.data(), x->bytes.size()) == 0);
}

// B's nodes that turn a stored tensor into one of A's names (how slimming replaces a quantized or fp16 weight).
std::map<Key, const onnx::NodeProto*> producers(const Analysis& b)
{
    std::map<Key, const onnx::NodeProto*> result;
    if (!b.modelFile)
        return result;
    for (const auto& graph : b.modelFile->graphs())
        for (const auto& node : graph.graph->node())
            if ((node.op_type() == "DequantizeLinear" || node.op_type() == "Cast") && node.input_size() >= 1
                && node.output_size() >= 1)
                result.emplace(Key { graph.path, node.output(0) }, &node);
    return result;
}

TensorMatch makeMatch(const TensorStats& x, const TensorStats& y, std::string matchedBy)
{
    TensorMatch m;
    m.nameA = x.name;
    m.nameB = y.name;
    m.matchedBy = std::move(matchedBy);
    m.graph = x.graph;
    m.dtypeA = std::string(model::dataTypeName(x.dtype));
    m.dtypeB = std::string(model::dataTypeName(y.dtype));
    m.shapeA = x.shape;
    m.shapeB = y.shape;
    m.bytesA = x.bytes;
    m.bytesB = y.bytes;
    return m;
}

void compareLayers(const Analysis& a, const Analysis& b, Comparison& c)
{
    std::map<Key, const LayerStats*> inB;
    for (const auto& l : b.layers)
        inB.emplace(Key { l.graph, l.name }, &l);
    std::set<Key> seen;
    for (const auto& l : a.layers) {
        const auto it = inB.find({ l.graph, l.name });
        if (it == inB.end()) {
            c.layersRemoved.push_back(l.name);
            continue;
        }
        seen.insert(it->first);
        const LayerStats& m = *it->second;
        c.layers.push_back({ l.name, l.opType, m.opType, l.params, m.params, l.bytes, m.bytes });
    }
    for (const auto& l : b.layers)
        if (!seen.contains({ l.graph, l.name }))
            c.layersAdded.push_back(l.name);
}

} // namespace

namespace {

std::vector<model::RemovedInputFeatures> recordedRemovals(const model::ModelFile& file)
{
    for (const auto& entry : file.proto().metadata_props())
        if (entry.key() == model::kRemovedInputFeaturesKey)
            return model::readRemovedInputFeatures(entry.value()).value_or(std::vector<model::RemovedInputFeatures> {});
    return {};
}

// What B's metadata says it stopped reading, as positions of A's inputs.
void addRemovedInputFeatures(const model::ModelFile& a, const model::ModelFile& b, Comparison& c)
{
    const auto fromA = recordedRemovals(a), fromB = recordedRemovals(b);
    for (const auto& removed : fromB) {
        const auto drop = model::featuresToDrop(fromA, fromB, removed.input);
        if (!drop) {
            c.diagnostics.push_back({ Diagnostic::Severity::Warning, removed.input,
                "B's metadata lists input features A still reads, but also some A does not: B was not slimmed from "
                "A" });
            continue;
        }
        if (drop->empty())
            continue;
        const auto before = std::ranges::find(fromA, removed.input, &model::RemovedInputFeatures::input);
        const std::int64_t featuresA
            = removed.featuresBefore - (before == fromA.end() ? 0 : static_cast<std::int64_t>(before->indices.size()));
        c.removedInputFeatures.push_back({ removed.input, featuresA, *drop });
        std::string list;
        for (std::size_t i = 0; i < drop->size(); ++i)
            list += (i ? "," : "") + std::to_string((*drop)[i]);
        c.diagnostics.push_back({ Diagnostic::Severity::Info, removed.input,
            "B reads " + std::to_string(featuresA - static_cast<std::int64_t>(drop->size())) + " of A's "
                + std::to_string(featuresA) + " features (its metadata): feed it without " + list });
    }
}

} // namespace

Result<Comparison> compareModels(const Analysis& a, const Analysis& b)
{
    if (!a.modelFile || !b.modelFile)
        return fail(ErrorCode::InvalidArgument, "compare: both analyses need their model file");
    Comparison c;
    c.a = a.model;
    c.b = b.model;
    addRemovedInputFeatures(*a.modelFile, *b.modelFile, c);
    const Side sa(a), sb(b);
    const std::size_t nA = a.tensors.size(), nB = b.tensors.size();
    std::vector<int> pairOfA(nA, -1);
    std::vector<bool> usedB(nB, false);
    std::vector<TensorMatch> matches(nA);
    std::vector<const onnx::NodeProto*> producerOfA(nA, nullptr);

    // 1. by (graph, name)
    for (std::size_t i = 0; i < nA; ++i)
        if (const auto it = sb.byKey.find({ a.tensors[i].graph, a.tensors[i].name }); it != sb.byKey.end()) {
            pairOfA[i] = static_cast<int>(it->second);
            usedB[it->second] = true;
            matches[i] = makeMatch(a.tensors[i], b.tensors[it->second], "name");
        }
    // 2. the rest by dtype, shape and content hash (renamed or deduplicated tensors)
    std::multimap<std::tuple<std::string, std::vector<std::int64_t>, std::uint64_t>, std::size_t> restOfB;
    for (std::size_t j = 0; j < nB; ++j)
        if (!usedB[j])
            if (const auto h = sb.hash(j, c.diagnostics))
                restOfB.emplace(
                    std::tuple { std::string(model::dataTypeName(b.tensors[j].dtype)), b.tensors[j].shape, *h }, j);
    for (std::size_t i = 0; i < nA; ++i) {
        if (pairOfA[i] >= 0)
            continue;
        const auto h = sa.hash(i, c.diagnostics);
        if (!h)
            continue;
        const auto it
            = restOfB.find(std::tuple { std::string(model::dataTypeName(a.tensors[i].dtype)), a.tensors[i].shape, *h });
        if (it == restOfB.end())
            continue;
        pairOfA[i] = static_cast<int>(it->second);
        usedB[it->second] = true;
        matches[i] = makeMatch(a.tensors[i], b.tensors[it->second], "shape+hash");
        restOfB.erase(it);
    }
    // 3. A's tensors that B computes from a stored tensor with DequantizeLinear or Cast
    const auto made = producers(b);
    for (std::size_t i = 0; i < nA; ++i) {
        if (pairOfA[i] >= 0)
            continue;
        const auto node = made.find({ a.tensors[i].graph, a.tensors[i].name });
        if (node == made.end())
            continue;
        const auto stored = sb.byKey.find({ a.tensors[i].graph, node->second->input(0) });
        if (stored == sb.byKey.end() || usedB[stored->second])
            continue;
        const bool dq = node->second->op_type() == "DequantizeLinear";
        pairOfA[i] = static_cast<int>(stored->second);
        usedB[stored->second] = true;
        producerOfA[i] = node->second;
        matches[i] = makeMatch(a.tensors[i], b.tensors[stored->second], dq ? "dequantize" : "cast");
        for (int input = 1; dq && input < node->second->input_size() && input <= 2; ++input) {
            const auto aux = sb.byKey.find({ a.tensors[i].graph, node->second->input(input) });
            if (aux == sb.byKey.end() || usedB[aux->second])
                continue;
            usedB[aux->second] = true;
            matches[i].auxiliaryB.push_back(b.tensors[aux->second].name);
            matches[i].bytesB += b.tensors[aux->second].bytes;
        }
    }

    for (std::size_t i = 0; i < nA; ++i) {
        if (pairOfA[i] < 0) {
            c.removed.push_back(a.tensors[i].name);
            continue;
        }
        const auto j = static_cast<std::size_t>(pairOfA[i]);
        TensorMatch& m = matches[i];
        if (m.matchedBy == "shape+hash")
            m.changed = false; // same dtype, shape and content by construction
        else if (m.matchedBy != "name")
            m.changed = true;
        else
            m.changed = m.dtypeA != m.dtypeB || m.shapeA != m.shapeB || m.bytesA != m.bytesB
                || !sameContent(sa, i, sb, j, c.diagnostics);
        m.maxAbsDiff = m.matchedBy == "shape+hash" ? std::optional(0.0) : maxAbsDiff(sa, i, sb, j, producerOfA[i]);
        if (m.dtypeA != m.dtypeB)
            c.dtypeChanges.push_back({ m.nameA, { m.dtypeA, m.dtypeB } });
        c.changedCount += m.changed ? 1 : 0;
        c.matched.push_back(std::move(m));
    }
    for (std::size_t j = 0; j < nB; ++j)
        if (!usedB[j])
            c.added.push_back(b.tensors[j].name);

    const auto total = [](const ModelSummary& m) { return static_cast<std::int64_t>(m.fileBytes + m.externalBytes); };
    c.fileBytesDelta = total(c.b) - total(c.a);
    c.bytesSaved = c.fileBytesDelta < 0 ? static_cast<std::uint64_t>(-c.fileBytesDelta) : 0;
    c.weightBytesDelta = static_cast<std::int64_t>(c.b.weightBytes) - static_cast<std::int64_t>(c.a.weightBytes);
    c.paramsDelta = static_cast<std::int64_t>(c.b.params) - static_cast<std::int64_t>(c.a.params);
    compareLayers(a, b, c);
    return c;
}

} // namespace slimscope::core::report
