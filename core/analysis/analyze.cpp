#include "analysis.h"

#include "analysisinternal.h"
#include "lowrankscan.h"
#include "model/elementdecode.h"
#include "model/nodeattributes.h"
#include "model/weightroles.h"
#include "model/weighttrace.h"
#include "shapes.h"
#include "support/sha256.h"

#include <algorithm>
#include <map>
#include <thread>
#include <unordered_map>
#include <unordered_set>

namespace slimscope::core::analysis {

using model::DataType;
using model::ModelFile;
using model::WeightTensor;

std::string_view severityName(Severity severity)
{
    switch (severity) {
    case Severity::Info:
        return "info";
    case Severity::Low:
        return "low";
    case Severity::Medium:
        return "medium";
    case Severity::High:
        return "high";
    }
    return "info";
}

std::string_view findingKindName(FindingKind kind)
{
    switch (kind) {
    case FindingKind::DuplicateTensor:
        return "duplicate_tensor";
    case FindingKind::UnusedTensor:
        return "unused_tensor";
    case FindingKind::DeadNode:
        return "dead_node";
    case FindingKind::Float64Weights:
        return "float64_weights";
    case FindingKind::DenseZeros:
        return "dense_zeros";
    case FindingKind::ZeroChannels:
        return "zero_channels";
    case FindingKind::DeadInputFeatures:
        return "dead_input_features";
    case FindingKind::InitializerAsInput:
        return "initializer_as_input";
    case FindingKind::LargeConstant:
        return "large_constant";
    case FindingKind::LowRank:
        return "low_rank";
    case FindingKind::Fp16Overflow:
        return "fp16_overflow";
    case FindingKind::NonFiniteWeights:
        return "non_finite_weights";
    }
    return "unknown";
}

namespace detail {

WeightScopes::WeightScopes(const ModelFile& file)
    : m_file(file)
    , m_byGraph(file.graphs().size())
{
    const auto& weights = file.weights();
    for (int i = 0; i < static_cast<int>(weights.size()); ++i)
        m_byGraph[static_cast<std::size_t>(weights[static_cast<std::size_t>(i)].graphIndex)].emplace(
            weights[static_cast<std::size_t>(i)].name, i);
}

int WeightScopes::resolve(int graphIndex, const std::string& name) const
{
    for (int g = graphIndex; g >= 0; g = m_file.graphs()[static_cast<std::size_t>(g)].parent) {
        const auto& names = m_byGraph[static_cast<std::size_t>(g)];
        if (const auto found = names.find(name); found != names.end())
            return found->second;
    }
    return -1;
}

std::string nodeLabel(const onnx::NodeProto& node, int indexInGraph)
{
    if (!node.name().empty())
        return node.name();
    return node.op_type() + "_" + std::to_string(indexInGraph);
}

} // namespace detail

namespace {

// DequantizeLinear stores quantized weights whose "zero" is the zero point, per tensor or per channel.
std::map<int, ZeroPoint> zeroPointsOfQuantizedWeights(const ModelFile& file, const detail::WeightScopes& scopes)
{
    std::map<int, ZeroPoint> result;
    const auto& graphs = file.graphs();
    for (int g = 0; g < static_cast<int>(graphs.size()); ++g) {
        for (const auto& node : graphs[static_cast<std::size_t>(g)].graph->node()) {
            if (node.op_type() != "DequantizeLinear" || node.input_size() < 3 || node.input(2).empty())
                continue;
            const int x = scopes.resolve(g, node.input(0));
            const int zp = scopes.resolve(g, node.input(2));
            if (x < 0 || zp < 0)
                continue;
            const WeightTensor& xw = file.weights()[static_cast<std::size_t>(x)];
            const WeightTensor& zw = file.weights()[static_cast<std::size_t>(zp)];
            auto bytes = file.read(zw);
            const auto type = static_cast<DataType>(zw.dataType);
            if (!bytes || !isNumeric(type) || zw.storedElements == 0 || xw.storage == model::Storage::SparseInitializer)
                continue;
            ZeroPoint point;
            for (std::uint64_t i = 0; i < zw.storedElements; ++i)
                point.values.push_back(elementAsDouble(type, bytes->bytes.data(), i));
            if (point.values.size() > 1) {
                std::int64_t axis = 1;
                for (const auto& attribute : node.attribute())
                    if (attribute.name() == "axis")
                        axis = attribute.i();
                const auto rank = static_cast<std::int64_t>(xw.shape.size());
                if (axis < 0)
                    axis += rank;
                if (axis < 0 || axis >= rank
                    || xw.shape[static_cast<std::size_t>(axis)] != static_cast<std::int64_t>(point.values.size()))
                    continue;
                for (std::int64_t d = axis + 1; d < rank; ++d)
                    point.inner *= static_cast<std::uint64_t>(xw.shape[static_cast<std::size_t>(d)]);
            }
            result[x] = std::move(point);
        }
    }
    return result;
}

/// DequantizeLinear's scale and zero point must agree with its input: one each (per tensor), or one per element of
/// the quantized axis (per channel), the zero point shaped as the scale. A node that breaks this is invalid (ONNX
/// Runtime refuses the model); Slimscope says so and does not read the weight through it.
void checkQuantizationParameters(const ModelFile& file, const detail::WeightScopes& scopes, Diagnostics& diagnostics)
{
    const auto& graphs = file.graphs();
    for (int g = 0; g < static_cast<int>(graphs.size()); ++g)
        for (const auto& node : graphs[static_cast<std::size_t>(g)].graph->node()) {
            if (node.op_type() != "DequantizeLinear" || node.input_size() < 2)
                continue;
            const int x = scopes.resolve(g, node.input(0));
            const int scale = scopes.resolve(g, node.input(1));
            if (x < 0 || scale < 0)
                continue;
            const WeightTensor& xw = file.weights()[static_cast<std::size_t>(x)];
            const WeightTensor& sw = file.weights()[static_cast<std::size_t>(scale)];
            const std::string where = node.name().empty() ? "DequantizeLinear of '" + xw.name + "'" : node.name();
            std::int64_t axis = 1;
            for (const auto& attribute : node.attribute())
                if (attribute.name() == "axis")
                    axis = attribute.i();
            const auto rank = static_cast<std::int64_t>(xw.shape.size());
            const std::int64_t resolved = axis < 0 ? axis + rank : axis;
            std::string problem;
            if (sw.elements != 1) {
                if (resolved < 0 || resolved >= rank)
                    problem = std::to_string(sw.elements) + " scales, but axis " + std::to_string(axis)
                        + " is not an axis of '" + xw.name + "' (rank " + std::to_string(rank) + ")";
                else if (xw.shape[static_cast<std::size_t>(resolved)] != static_cast<std::int64_t>(sw.elements))
                    problem = std::to_string(sw.elements) + " scales for axis " + std::to_string(resolved) + " of '"
                        + xw.name + "', which has " + std::to_string(xw.shape[static_cast<std::size_t>(resolved)])
                        + " elements";
            }
            if (problem.empty() && node.input_size() >= 3 && !node.input(2).empty()) {
                const int zp = scopes.resolve(g, node.input(2));
                if (zp >= 0 && file.weights()[static_cast<std::size_t>(zp)].elements != sw.elements)
                    problem = std::to_string(file.weights()[static_cast<std::size_t>(zp)].elements)
                        + " zero points for " + std::to_string(sw.elements) + " scales";
            }
            if (!problem.empty())
                diagnostics.push_back({ Diagnostic::Severity::Error, where,
                    (node.name().empty() ? "" : "DequantizeLinear with ") + problem
                        + " (an invalid node: ONNX Runtime refuses the model; its weight is read as stored)" });
        }
}

Result<void> computeTensorStats(
    Analysis& analysis, const detail::WeightScopes& scopes, const Progress& progress, const CancelToken* cancel)
{
    const ModelFile& file = *analysis.modelFile;
    checkQuantizationParameters(file, scopes, analysis.diagnostics);
    const auto zeroPoints = zeroPointsOfQuantizedWeights(file, scopes);
    std::vector<StatsJob> jobs(file.weights().size());
    std::vector<std::shared_ptr<const void>> keepAlive(jobs.size());
    for (std::size_t i = 0; i < jobs.size(); ++i) {
        const WeightTensor& weight = file.weights()[i];
        StatsJob& job = jobs[i];
        job.type = static_cast<DataType>(weight.dataType);
        if (!isNumeric(job.type))
            continue;
        auto bytes = file.read(weight);
        if (!bytes) {
            analysis.diagnostics.push_back({ Diagnostic::Severity::Error, weight.name, bytes.error().message });
            job.type = DataType::String; // marks "no statistics"
            continue;
        }
        job.bytes = bytes->bytes;
        job.elements = weight.storedElements;
        keepAlive[i] = bytes->owner;
        if (const auto zp = zeroPoints.find(static_cast<int>(i)); zp != zeroPoints.end()) {
            job.zeroPoint = &zp->second;
            analysis.tensors[i].zerosAgainstZeroPoint = true;
        }
    }
    auto stats = computeStats(jobs, progress, cancel);
    if (cancel && cancel->isCancelled())
        return fail(ErrorCode::Cancelled, "analysis cancelled");
    for (std::size_t i = 0; i < jobs.size(); ++i) {
        TensorStats& tensor = analysis.tensors[i];
        tensor.values = std::move(stats[i]);
        tensor.zeros = (tensor.elements - tensor.storedElements) + (tensor.values.computed ? tensor.values.zeros : 0);
        tensor.sparsity
            = tensor.elements ? static_cast<double>(tensor.zeros) / static_cast<double>(tensor.elements) : 0.0;
    }
    return {};
}

void buildTensors(Analysis& analysis)
{
    const ModelFile& file = *analysis.modelFile;
    for (std::size_t i = 0; i < file.weights().size(); ++i) {
        const WeightTensor& weight = file.weights()[i];
        TensorStats tensor;
        tensor.name = weight.name;
        tensor.storage = weight.storage;
        tensor.graph = file.graphs()[static_cast<std::size_t>(weight.graphIndex)].path;
        tensor.dtype = static_cast<model::DataType>(weight.dataType);
        tensor.shape = weight.shape;
        tensor.elements = weight.elements;
        tensor.storedElements = weight.storedElements;
        tensor.bytes = weight.storedBytes;
        tensor.external = weight.external;
        tensor.weightIndex = static_cast<int>(i);
        tensor.biasOrNorm = model::isBiasOrNormRank(static_cast<int>(tensor.shape.size()));
        analysis.tensors.push_back(std::move(tensor));
    }
}

// The layers of every graph with the weights they read directly (TensorStats::consumers); what each layer is
// attributed comes after the trace (attributeWeights). Returns, per weight, the Constant layer that holds it.
std::vector<LayerIndex> buildLayers(Analysis& analysis, const detail::WeightScopes& scopes, const ShapeTable& shapes)
{
    const ModelFile& file = *analysis.modelFile;
    std::vector<LayerIndex> holder(analysis.tensors.size());
    for (int g = 0; g < static_cast<int>(file.graphs().size()); ++g) {
        const auto& graphInfo = file.graphs()[static_cast<std::size_t>(g)];
        int index = 0;
        for (const auto& node : graphInfo.graph->node()) {
            const LayerIndex self(analysis.layers.size());
            LayerStats layer;
            layer.name = detail::nodeLabel(node, index++);
            layer.opType = node.op_type();
            layer.domain = node.domain();
            layer.graph = graphInfo.path;
            for (int position = 0; position < node.input_size(); ++position) {
                const auto& input = node.input(position);
                const int t = input.empty() ? -1 : scopes.resolve(g, input);
                if (t < 0)
                    continue;
                TensorStats& tensor = analysis.tensors[static_cast<std::size_t>(t)];
                tensor.consumers.push_back(layer.name);
                tensor.consumerLayers.push_back(self);
                tensor.biasOrNorm = tensor.biasOrNorm || model::isBiasOrNormUse(node.op_type(), position);
            }
            if (node.op_type() == "Constant" && node.output_size() > 0)
                if (const int t = scopes.resolve(g, node.output(0)); t >= 0)
                    holder[static_cast<std::size_t>(t)] = self;
            for (const auto& output : node.output()) {
                const auto found = shapes.values.find(output);
                layer.outputShapes.push_back(found == shapes.values.end() ? "?" : shapeText(found->second));
            }
            layer.macs = nodeMacs(node, shapes);
            layer.macsPerTimeStep = macsPerTimeStep(node, shapes);
            const auto error
                = shapes.nodeErrors.find(node.name().empty() && node.output_size() ? node.output(0) : node.name());
            if (error != shapes.nodeErrors.end())
                layer.shapeError = error->second;
            analysis.layers.push_back(std::move(layer));
        }
    }
    return holder;
}

// Who uses each weight and which one layer its bytes go to. A weight read through ops that only move or cut it
// (a Constant sliced into LSTM gates, a bias reshaped for a Conv) is used by the node that really consumes it:
// that node's op decides its role (bias or normalisation, as the slimmer's default scope decides it) and holds
// its bytes, rather than each Slice on the way or the Constant node that stores it. A weight with several users
// goes to the first in model order and is listed as shared by the others, so the layers add up to the weights.
// What a tensor holds as weights, by how it is read: MatMulNBits' codes hold K · N weights in `bits` each; the
// scales and zero points of quantized ops hold none (they are the weights' overhead).
void countWeights(const onnx::NodeProto& node, int input, TensorStats& tensor)
{
    const std::string& op = node.op_type();
    if (node.domain() == "com.microsoft" && op == "MatMulNBits") {
        if (input == 1) {
            tensor.weights = static_cast<std::uint64_t>(std::max<std::int64_t>(0, model::intAttribute(node, "K", 0)))
                * static_cast<std::uint64_t>(std::max<std::int64_t>(0, model::intAttribute(node, "N", 0)));
            tensor.packedBits = static_cast<int>(model::intAttribute(node, "bits", 4));
        } else if (input == 2 || input == 3) {
            tensor.weights = 0;
        }
        return;
    }
    const bool auxiliary = (op == "DequantizeLinear" && input >= 1)
        || ((op == "QLinearConv" || op == "QLinearMatMul") && input != 0 && input != 3 && input != 8)
        || ((op == "MatMulInteger" || op == "ConvInteger") && input >= 2)
        || (op == "DynamicQuantizeMatMul" && (input == 2 || input == 3));
    if (auxiliary)
        tensor.weights = 0;
}

void attributeWeights(Analysis& analysis, const std::vector<LayerIndex>& holder)
{
    const ModelFile& file = *analysis.modelFile;
    std::vector<model::TraceGraph> graphs;
    for (const auto& graph : file.graphs())
        graphs.push_back({ graph.graph, graph.parent });
    std::unordered_map<const onnx::TensorProto*, const model::WeightTensor*> weightOf;
    for (const auto& weight : file.weights())
        if (weight.tensor)
            weightOf.emplace(weight.tensor, &weight);
    const model::WeightTracer tracer(std::move(graphs), [&](const onnx::TensorProto& tensor) {
        if (auto ints = model::WeightTracer::intsInProto(tensor))
            return ints;
        const auto weight = weightOf.find(&tensor); // the skeleton holds no payload: read it from the file
        if (weight == weightOf.end())
            return std::optional<std::vector<std::int64_t>> {};
        auto bytes = file.read(*weight->second);
        return bytes ? model::WeightTracer::intsInPayload(tensor, bytes->bytes)
                     : std::optional<std::vector<std::int64_t>> {};
    });
    std::unordered_map<const onnx::NodeProto*, LayerIndex> layerOf;
    std::size_t next = 0;
    for (const auto& graph : file.graphs())
        for (const auto& node : graph.graph->node())
            layerOf.emplace(&node, LayerIndex(next++));

    // Per layer, (input slot, tensor) pairs: a layer lists its weights in the order of its inputs.
    std::vector<std::vector<std::pair<int, TensorIndex>>> owned(analysis.layers.size());
    std::vector<std::vector<std::pair<int, TensorIndex>>> shared(analysis.layers.size());
    for (std::size_t t = 0; t < analysis.tensors.size(); ++t) {
        TensorStats& tensor = analysis.tensors[t];
        std::vector<std::pair<LayerIndex, int>> uses; // (layer, the slot it reads the values at)
        tensor.weights = tensor.storedElements;
        for (const auto& use : tracer.trace(tensor.name, tensor.shape)) {
            if (const auto found = layerOf.find(use.node); found != layerOf.end())
                uses.emplace_back(found->second, use.input);
            tensor.biasOrNorm = tensor.biasOrNorm || model::isBiasOrNormUse(use.node->op_type(), use.input);
            countWeights(*use.node, use.input, tensor);
        }
        if (uses.empty()) // read only on the way to a graph output, say: its readers use it
            for (const LayerIndex reader : tensor.consumerLayers)
                uses.emplace_back(reader, 0);
        std::ranges::sort(uses);
        for (const auto& [layer, slot] : uses)
            if (tensor.users.empty() || tensor.users.back() != layer)
                tensor.users.push_back(layer);
        const TensorIndex self(t);
        tensor.owner = tensor.users.empty() ? holder[t] : tensor.users.front();
        for (const auto& [layer, slot] : uses)
            if (layer == tensor.owner)
                owned[layer.get()].emplace_back(slot, self);
            else if (shared[layer.get()].empty() || shared[layer.get()].back().second != self)
                shared[layer.get()].emplace_back(slot, self);
        if (holder[t].valid())
            (tensor.users.empty() ? owned : shared)[holder[t].get()].emplace_back(-1, self);
    }
    const auto tensorsInSlotOrder = [](std::vector<std::pair<int, TensorIndex>>& pairs) {
        std::ranges::stable_sort(pairs, {}, &std::pair<int, TensorIndex>::first);
        std::vector<TensorIndex> tensors;
        for (const auto& [slot, t] : pairs)
            if (std::ranges::find(tensors, t) == tensors.end())
                tensors.push_back(t);
        return tensors;
    };
    for (std::size_t l = 0; l < analysis.layers.size(); ++l) {
        LayerStats& layer = analysis.layers[l];
        layer.tensors = tensorsInSlotOrder(owned[l]);
        layer.sharedTensors = tensorsInSlotOrder(shared[l]);
        std::uint64_t elements = 0;
        for (const TensorIndex t : layer.tensors) {
            const TensorStats& tensor = analysis.tensor(t);
            layer.params += tensor.storedElements;
            layer.bytes += tensor.bytes;
            layer.weights += tensor.weights;
            layer.zeros += tensor.zeros;
            elements += tensor.elements;
        }
        layer.sparsity = elements ? static_cast<double>(layer.zeros) / static_cast<double>(elements) : 0.0;
        layer.bitsPerWeight
            = layer.weights ? 8.0 * static_cast<double>(layer.bytes) / static_cast<double>(layer.weights) : 0.0;
    }
}

ValueInfo valueInfo(const onnx::ValueInfoProto& proto)
{
    ValueInfo info;
    info.name = proto.name();
    if (proto.type().has_tensor_type()) {
        const auto& tensor = proto.type().tensor_type();
        info.dtype = std::string(model::dataTypeName(tensor.elem_type()));
        if (tensor.has_shape())
            for (const auto& dim : tensor.shape().dim())
                info.shape.push_back(dim.has_dim_value() ? std::to_string(dim.dim_value())
                        : dim.has_dim_param()            ? dim.dim_param()
                                                         : std::string("?"));
    } else {
        info.dtype = proto.type().has_sequence_type() ? "sequence" : proto.type().has_map_type() ? "map" : "?";
    }
    return info;
}

void buildSummary(Analysis& analysis)
{
    const ModelFile& file = *analysis.modelFile;
    const auto& proto = file.proto();
    ModelSummary& summary = analysis.model;
    summary.path = file.path().string();
    summary.fileBytes = file.fileSize();
    summary.irVersion = proto.ir_version();
    for (const auto& opset : proto.opset_import())
        summary.opsets.push_back({ opset.domain().empty() ? "ai.onnx" : opset.domain(), opset.version() });
    summary.producerName = proto.producer_name();
    summary.producerVersion = proto.producer_version();
    std::unordered_set<std::string> initializerNames;
    for (const auto& tensor : proto.graph().initializer())
        initializerNames.insert(tensor.name());
    for (const auto& input : proto.graph().input())
        if (!initializerNames.contains(input.name()))
            summary.inputs.push_back(valueInfo(input));
    for (const auto& output : proto.graph().output())
        summary.outputs.push_back(valueInfo(output));

    std::uint64_t inFileWeightBytes = 0;
    std::map<std::string, DtypeTotal> byDtype;
    for (const TensorStats& tensor : analysis.tensors) {
        summary.params += tensor.storedElements;
        summary.weightBytes += tensor.bytes;
        summary.zeros += tensor.zeros;
        if (tensor.external)
            summary.externalBytes += tensor.bytes;
        else
            inFileWeightBytes += tensor.bytes;
        summary.weights += tensor.weights;
        // Packed 4-bit codes count as what they hold: uint4 values, not uint8 bytes.
        const model::DataType dtype = tensor.packedBits == 4 ? model::DataType::Uint4 : tensor.dtype;
        DtypeTotal& total = byDtype[std::string(model::dataTypeName(dtype))]; // ordered by name, as reported
        total.dtype = dtype;
        ++total.tensors;
        total.elements += tensor.packedBits == 4 ? tensor.weights : tensor.storedElements;
        total.bytes += tensor.bytes;
    }
    summary.bitsPerWeight
        = summary.weights ? 8.0 * static_cast<double>(summary.weightBytes) / static_cast<double>(summary.weights) : 0.0;
    summary.graphBytes = summary.fileBytes > inFileWeightBytes ? summary.fileBytes - inFileWeightBytes : 0;
    summary.tensorCount = analysis.tensors.size();
    summary.nodeCount = analysis.layers.size();
    summary.graphCount = file.graphs().size();
    summary.externalFileCount = file.externalFiles().size();
    for (const auto& external : file.externalFiles())
        summary.externalFileBytes += external.size;

    std::map<std::string, OpTypeTotal> byOp;
    for (const LayerStats& layer : analysis.layers) {
        summary.macs += layer.macs.value_or(0);
        summary.macsPerTimeStep = summary.macsPerTimeStep || layer.macsPerTimeStep;
        OpTypeTotal& total = byOp[layer.domain.empty() ? layer.opType : layer.domain + "::" + layer.opType];
        total.opType = layer.domain.empty() ? layer.opType : layer.domain + "::" + layer.opType;
        ++total.nodes;
        total.params += layer.params;
        total.bytes += layer.bytes;
        total.macs += layer.macs.value_or(0);
    }
    for (auto& [name, total] : byDtype)
        analysis.byDtype.push_back(total);
    for (auto& [name, total] : byOp)
        analysis.byOpType.push_back(total);
    std::ranges::sort(analysis.byDtype, std::greater {}, &DtypeTotal::bytes);
    std::ranges::sort(analysis.byOpType, std::greater {}, &OpTypeTotal::bytes);
}

} // namespace

Result<std::shared_ptr<const Analysis>> analyze(std::shared_ptr<const ModelFile> file, const Progress& progress,
    const CancelToken* cancel, const AnalyzeOptions& options)
{
    auto analysis = std::make_shared<Analysis>();
    analysis->modelFile = file;
    analysis->diagnostics = file->diagnostics();
    const detail::WeightScopes scopes(*file);
    buildTensors(*analysis);

    // The file hash runs beside the statistics: it reads the same pages and SHA extensions make it cheap,
    // but on a large model it is still worth a core of its own for part of the time.
    std::string sha256;
    std::jthread hasher;
    if (options.computeSha256)
        hasher = std::jthread([&] { sha256 = sha256Hex(file->fileBytes(), cancel); });
    progress.report("statistics", 0.0);
    if (auto stats = computeTensorStats(*analysis, scopes, progress, cancel); !stats)
        return std::unexpected(stats.error());
    progress.report("shapes", 1.0);
    const auto cancelled = [&] { return cancel && cancel->isCancelled(); };
    ShapeTable shapes;
    if (options.inferShapes && !cancelled())
        shapes = inferShapes(file->proto(), analysis->diagnostics);
    if (cancelled())
        return fail(ErrorCode::Cancelled, "analysis cancelled");
    attributeWeights(*analysis, buildLayers(*analysis, scopes, shapes));
    std::unordered_set<std::string> nodesInError; // a node set aside with an error already says why
    for (const Diagnostic& diagnostic : analysis->diagnostics)
        if (diagnostic.severity == Diagnostic::Severity::Error)
            nodesInError.insert(diagnostic.subject);
    for (const LayerStats& layer : analysis->layers)
        if (!layer.shapeError.empty() && !nodesInError.contains(layer.name))
            analysis->diagnostics.push_back(
                { Diagnostic::Severity::Warning, layer.name, "shape inference: " + layer.shapeError });
    if (hasher.joinable())
        hasher.join();
    if (cancelled())
        return fail(ErrorCode::Cancelled, "analysis cancelled");
    buildSummary(*analysis);
    analysis->model.sha256 = sha256;
    analysis->findings = detail::findBloat(*analysis, scopes);
    if (cancelled())
        return fail(ErrorCode::Cancelled, "analysis cancelled");
    // Informational, after the others: a factorization changes the numbers, unlike the clean-ups.
    progress.report("spectra of MatMul/Gemm weights", 0.95);
    detail::LowRankScan lowRank = detail::scanLowRank(*analysis);
    analysis->findings.insert(analysis->findings.end(), lowRank.findings.begin(), lowRank.findings.end());
    if (lowRank.checked < lowRank.candidates)
        analysis->diagnostics.push_back({ Diagnostic::Severity::Info, {},
            "low_rank: the spectra of the " + std::to_string(lowRank.checked) + " largest of "
                + std::to_string(lowRank.candidates)
                + " MatMul/Gemm weights were checked (the others would take long); the low_rank step's preview "
                  "measures any weight" });
    if (cancelled())
        return fail(ErrorCode::Cancelled, "analysis cancelled");
    detail::buildScopeTree(*analysis);
    // A file truncated while it was read gave zeros where its bytes were: no figure of it can be trusted.
    if (auto intact = file->checkIntact(); !intact)
        return std::unexpected(intact.error());
    progress.report("done", 1.0);
    return std::shared_ptr<const Analysis>(std::move(analysis));
}

Result<std::shared_ptr<const Analysis>> analyzeFile(
    const std::string& path, const Progress& progress, const CancelToken* cancel, const AnalyzeOptions& options)
{
    progress.report("loading", 0.0);
    auto file = ModelFile::load(path, cancel);
    if (!file)
        return std::unexpected(file.error());
    return analyze(*file, progress, cancel, options);
}

} // namespace slimscope::core::analysis
