#include "jsonparts.h"

#include <cmath>

namespace slimscope::core::report {

void writeDiagnostics(JsonWriter& json, const Diagnostics& diagnostics)
{
    json.key("diagnostics").beginArray();
    for (const auto& d : diagnostics)
        json.beginObject()
            .field("severity", severityName(d.severity))
            .field("subject", d.subject)
            .field("message", d.message)
            .endObject();
    json.endArray();
}

void writeTotals(JsonWriter& json, const analysis::Analysis& a)
{
    json.key("by_dtype").beginArray();
    for (const auto& t : a.byDtype)
        json.beginObject()
            .field("dtype", model::dataTypeName(t.dtype))
            .field("tensors", t.tensors)
            .field("params", t.elements)
            .field("bytes", t.bytes)
            .endObject();
    json.endArray();
    json.key("by_op_type").beginArray();
    for (const auto& t : a.byOpType)
        json.beginObject()
            .field("op_type", t.opType)
            .field("nodes", t.nodes)
            .field("params", t.params)
            .field("bytes", t.bytes)
            .field("macs", t.macs)
            .endObject();
    json.endArray();
}

void writeStepReports(JsonWriter& json, const std::vector<slim::StepReport>& steps)
{
    json.key("steps").beginArray();
    for (const auto& step : steps)
        json.beginObject()
            .field("kind", step.kind)
            .field("description", step.description)
            .field("enabled", step.enabled)
            .field("summary", step.summary)
            .endObject();
    json.endArray();
}

void writeSqnr(JsonWriter& json, double sqnrDb)
{
    json.key("sqnr_db");
    if (std::isinf(sqnrDb))
        json.null();
    else
        json.value(sqnrDb);
}

void writeLayerTensors(JsonWriter& json, const analysis::Analysis& analysis, const analysis::LayerStats& layer)
{
    const auto names = [&](const std::vector<analysis::TensorIndex>& tensors) {
        std::vector<std::string> out;
        for (const analysis::TensorIndex t : tensors)
            out.push_back(analysis.tensor(t).name);
        return out;
    };
    json.stringArray("tensors", names(layer.tensors)).stringArray("shared_tensors", names(layer.sharedTensors));
}

void writeTensorChanges(JsonWriter& json, std::string_view key, const std::vector<slim::TensorChange>& changes)
{
    json.key(key).beginArray();
    for (const auto& t : changes) {
        json.beginObject()
            .field("tensor", t.name)
            .field("graph", t.graph)
            .field("dtype_before", slim::dtypeAfterName(t.dtypeBefore));
        json.field("dtype_after", slim::dtypeAfterName(t.dtypeAfter))
            .field("storage_after", slim::storageAfterName(t.storageAfter))
            .field("elements", t.elements);
        json.field("bytes_before", t.bytesBefore).field("bytes_after", t.bytesAfter);
        json.field("sparsity_before", t.sparsityBefore).field("sparsity_after", t.sparsityAfter);
        json.field("changed", t.changed).field("removed", t.removed);
        if (t.channelGroup >= 0)
            json.field("group", t.channelGroup)
                .field("channels_before", t.channelsBefore)
                .field("channels_after", t.channelsAfter);
        if (t.hasError) {
            json.field("relative_l2", t.relativeL2).field("max_abs", t.maxAbs);
            writeSqnr(json, t.sqnrDb);
        }
        json.endObject();
    }
    json.endArray();
}

} // namespace slimscope::core::report
