#include "analysiswriters.h"
#include "jsonparts.h"

#include "support/jsonwriter.h"

namespace slimscope::core::report {

using namespace analysis;

namespace {

void writeValueInfos(JsonWriter& json, std::string_view name, const std::vector<ValueInfo>& infos)
{
    json.key(name).beginArray();
    for (const auto& info : infos) {
        json.beginObject().field("name", info.name).field("dtype", info.dtype);
        json.stringArray("shape", info.shape);
        json.endObject();
    }
    json.endArray();
}

void writeModel(JsonWriter& json, const Analysis& a)
{
    const ModelSummary& m = a.model;
    json.key("model").beginObject();
    json.field("path", m.path).field("file_bytes", m.fileBytes).field("sha256", m.sha256);
    json.field("ir_version", m.irVersion);
    json.key("opset_imports").beginArray();
    for (const auto& opset : m.opsets)
        json.beginObject().field("domain", opset.domain).field("version", opset.version).endObject();
    json.endArray();
    json.field("producer_name", m.producerName).field("producer_version", m.producerVersion);
    writeValueInfos(json, "inputs", m.inputs);
    writeValueInfos(json, "outputs", m.outputs);
    json.field("params", m.params).field("weight_bytes", m.weightBytes).field("external_bytes", m.externalBytes);
    json.field("external_file_bytes", m.externalFileBytes);
    json.field("graph_bytes", m.graphBytes).field("zeros", m.zeros);
    json.field("sparsity", m.params ? static_cast<double>(m.zeros) / static_cast<double>(m.params) : 0.0);
    json.field("weights", m.weights).field("bits_per_weight", m.bitsPerWeight);
    json.field("macs", m.macs)
        .field("macs_per_time_step", m.macsPerTimeStep)
        .field("tensor_count", m.tensorCount)
        .field("node_count", m.nodeCount);
    json.field("graph_count", m.graphCount).field("external_file_count", m.externalFileCount);
    writeTotals(json, a);
    json.endObject();
}

void writeTensor(JsonWriter& json, const Analysis& a, const TensorStats& t)
{
    json.beginObject();
    json.field("name", t.name).field("storage", model::storageName(t.storage)).field("graph", t.graph);
    json.field("dtype", model::dataTypeName(t.dtype)).intArray("shape", t.shape);
    json.field("elements", t.elements).field("stored_elements", t.storedElements).field("bytes", t.bytes);
    json.field("weights", t.weights);
    json.field("external", t.external).field("zeros", t.zeros).field("sparsity", t.sparsity);
    json.field("zeros_against_zero_point", t.zerosAgainstZeroPoint);
    if (t.values.computed) {
        json.field("min", t.values.min).field("max", t.values.max).field("mean", t.values.mean);
        json.field("std", t.values.std).field("non_finite", t.values.nonFinite);
        json.key("histogram").beginObject().field("low", t.values.histogram.low).field("high", t.values.histogram.high);
        std::vector<std::int64_t> counts(t.values.histogram.counts.begin(), t.values.histogram.counts.end());
        json.intArray("counts", counts).endObject();
    } else {
        json.key("min").null().key("max").null().key("mean").null().key("std").null();
        json.key("non_finite").null().key("histogram").null();
    }
    json.stringArray("consumers", t.consumers);
    std::vector<std::string> users;
    for (const LayerIndex user : t.users)
        users.push_back(a.layer(user).name);
    json.stringArray("used_by", users);
    json.key("attributed_to");
    if (t.owner.valid())
        json.value(a.layer(t.owner).name);
    else
        json.null();
    json.endObject();
}

void writeLayer(JsonWriter& json, const Analysis& a, const LayerStats& l)
{
    json.beginObject();
    json.field("name", l.name).field("op_type", l.opType).field("domain", l.domain).field("graph", l.graph);
    writeLayerTensors(json, a, l);
    json.field("params", l.params).field("bytes", l.bytes).field("zeros", l.zeros).field("sparsity", l.sparsity);
    json.field("weights", l.weights).field("bits_per_weight", l.bitsPerWeight);
    json.stringArray("output_shapes", l.outputShapes);
    json.key("macs");
    if (l.macs)
        json.value(*l.macs);
    else
        json.null();
    json.field("macs_known", l.macs.has_value());
    if (!l.shapeError.empty())
        json.field("shape_error", l.shapeError);
    json.endObject();
}

void writeScope(JsonWriter& json, const Analysis& a, int index)
{
    const ScopeNode& node = a.scopes[static_cast<std::size_t>(index)];
    json.beginObject().field("name", node.name).field("bytes", node.bytes).field("params", node.params);
    if (node.layer >= 0)
        json.field("layer", a.layers[static_cast<std::size_t>(node.layer)].name);
    if (!node.children.empty()) {
        json.key("children").beginArray();
        for (const int child : node.children)
            writeScope(json, a, child);
        json.endArray();
    }
    json.endObject();
}

} // namespace

void writeAnalysisJson(std::ostream& out, const Analysis& a)
{
    JsonWriter json(out);
    json.beginObject();
    json.field("schema", kAnalysisSchema);
    json.key("tool").beginObject().field("name", "slimscope").field("version", SLIMSCOPE_VERSION).endObject();
    writeModel(json, a);
    json.key("tensors").beginArray();
    for (const auto& t : a.tensors)
        writeTensor(json, a, t);
    json.endArray();
    json.key("layers").beginArray();
    for (const auto& l : a.layers)
        writeLayer(json, a, l);
    json.endArray();
    json.key("findings").beginArray();
    for (const auto& f : a.findings) {
        json.beginObject().field("kind", findingKindName(f.kind)).field("severity", severityName(f.severity));
        json.field("bytes_recoverable", f.bytesRecoverable).stringArray("tensors", f.tensors);
        json.stringArray("nodes", f.nodes).field("message", f.message).field("fix", f.fix).endObject();
    }
    json.endArray();
    json.key("scope_tree");
    if (a.scopes.empty())
        json.null();
    else
        writeScope(json, a, 0);
    writeDiagnostics(json, a.diagnostics);
    json.endObject();
}

} // namespace slimscope::core::report
