// The review report as JSON (slimscope.report/1) and CSV; Markdown and HTML are in reportdocs.cpp.
#include "report.h"
#include "jsonparts.h"

#include "reportcontent.h"
#include "sensitivitywriters.h"
#include "support/format.h"
#include "support/jsonwriter.h"
#include "verifywriters.h"

#include <cctype>
#include <cmath>

namespace slimscope::core::report {

using namespace analysis;
using detail::LayerRow;

namespace {

void writeModel(JsonWriter& json, const Analysis& a)
{
    const ModelSummary& m = a.model;
    json.key("model").beginObject();
    json.field("path", m.path).field("file_name", detail::fileName(m.path));
    json.field("file_bytes", m.fileBytes).field("sha256", m.sha256).field("ir_version", m.irVersion);
    json.key("opset_imports").beginArray();
    for (const auto& opset : m.opsets)
        json.beginObject().field("domain", opset.domain).field("version", opset.version).endObject();
    json.endArray();
    json.field("producer_name", m.producerName).field("producer_version", m.producerVersion);
    for (const auto* list : { &m.inputs, &m.outputs }) {
        json.key(list == &m.inputs ? "inputs" : "outputs").beginArray();
        for (const auto& info : *list)
            json.beginObject()
                .field("name", info.name)
                .field("dtype", info.dtype)
                .stringArray("shape", info.shape)
                .endObject();
        json.endArray();
    }
    json.field("params", m.params).field("weight_bytes", m.weightBytes).field("external_bytes", m.externalBytes);
    json.field("graph_bytes", m.graphBytes).field("zeros", m.zeros);
    json.field("sparsity", m.params ? static_cast<double>(m.zeros) / static_cast<double>(m.params) : 0.0);
    json.field("weights", m.weights).field("bits_per_weight", m.bitsPerWeight);
    json.field("macs", m.macs).field("tensor_count", m.tensorCount).field("node_count", m.nodeCount);
    json.field("graph_count", m.graphCount).field("external_file_count", m.externalFileCount);
    json.field("bytes_recoverable", detail::recoverableBytes(a));
    writeTotals(json, a);
    json.endObject();
}

void writeLayer(JsonWriter& json, const Analysis& a, const LayerRow& row)
{
    const LayerStats& l = *row.layer;
    json.beginObject();
    json.field("name", l.name).field("op_type", l.opType).field("domain", l.domain).field("graph", l.graph);
    writeLayerTensors(json, a, l);
    json.field("dtype", row.dtype);
    json.field("params", l.params).field("bytes", l.bytes).field("share", row.share);
    json.field("zeros", l.zeros).field("sparsity", l.sparsity);
    json.stringArray("output_shapes", l.outputShapes);
    json.key("macs");
    if (l.macs)
        json.value(*l.macs);
    else
        json.null();
    json.field("macs_known", l.macs.has_value());
    if (row.hasAfter) {
        json.field("bytes_after", row.bytesAfter).field("sparsity_after", row.sparsityAfter);
        if (row.sqnrDb)
            writeSqnr(json, *row.sqnrDb);
        else
            json.key("sqnr_db").null();
    }
    json.endObject();
}

void writeDtypes(JsonWriter& json, std::string_view key, const std::vector<slim::DtypeBytes>& dtypes)
{
    json.key(key).beginArray();
    for (const auto& d : dtypes)
        json.beginObject().field("dtype", d.dtype).field("bytes", d.bytes).endObject();
    json.endArray();
}

void writeSlimming(JsonWriter& json, const ReportInput& input)
{
    const slim::Preview& p = *input.preview;
    json.key("slimming").beginObject();
    json.key("before").beginObject().field("file_bytes", p.fileBytesBefore).field("params", p.paramsBefore);
    json.field("weight_bytes", p.weightBytesBefore);
    writeDtypes(json, "weight_bytes_by_dtype", p.weightBytesByDtypeBefore);
    json.endObject();
    json.key("after").beginObject().field(
        "file_bytes", input.written ? input.written->fileBytes : p.predictedFileBytes);
    json.field("params", p.paramsAfter).field("weight_bytes", p.weightBytesAfter);
    writeDtypes(json, "weight_bytes_by_dtype", p.weightBytesByDtypeAfter);
    if (input.written) {
        json.field("path", input.written->path.string());
        if (!input.written->externalPath.empty())
            json.field("external_data_path", input.written->externalPath.string())
                .field("external_data_bytes", input.written->externalBytes);
    }
    json.endObject();
    json.field("predicted_file_bytes", p.predictedFileBytes);
    json.key("written_file_bytes");
    if (input.written)
        json.value(input.written->fileBytes);
    else
        json.null();
    writeStepReports(json, p.steps);
    writeTensorChanges(json, "tensors", p.tensors);
    writeDiagnostics(json, p.diagnostics);
    json.endObject();
}

} // namespace

void writeReportJson(std::ostream& out, const ReportInput& input)
{
    const Analysis& a = *input.analysis;
    const auto rows = detail::layerRows(input);
    JsonWriter json(out);
    json.beginObject();
    json.field("schema", kReportSchema);
    json.key("tool").beginObject().field("name", "slimscope").field("version", SLIMSCOPE_VERSION).endObject();
    json.field("generated_at", input.generatedAt);
    writeModel(json, a);
    json.key("findings").beginArray();
    for (const auto& f : a.findings) {
        json.beginObject().field("kind", analysis::findingKindName(f.kind)).field("severity", severityName(f.severity));
        json.field("bytes_recoverable", f.bytesRecoverable).stringArray("tensors", f.tensors);
        json.stringArray("nodes", f.nodes).field("message", f.message).field("fix", f.fix).endObject();
    }
    json.endArray();
    json.key("top_layers").beginArray();
    for (const std::size_t i : detail::topByBytes(rows, kReportTopLayers))
        writeLayer(json, a, rows[i]);
    json.endArray();
    json.key("layers").beginArray();
    for (const auto& row : rows)
        writeLayer(json, a, row);
    json.endArray();
    if (input.recipe) {
        json.key("recipe");
        slim::writeRecipe(json, *input.recipe);
    }
    if (input.preview)
        writeSlimming(json, input);
    if (input.verification) {
        json.key("verification");
        writeVerificationJson(json, *input.verification, input.thresholds);
    }
    if (input.sensitivity) {
        json.key("sensitivity");
        writeSensitivityJson(json, *input.sensitivity);
    }
    writeDiagnostics(json, a.diagnostics);
    json.endObject();
}

void writeReportCsv(std::ostream& out, const ReportInput& input)
{
    const auto rows = detail::layerRows(input);
    out << "name,op_type,graph,params,bytes,share,sparsity,dtype,macs";
    if (input.preview)
        out << ",bytes_after,sparsity_after,sqnr_db";
    out << "\r\n"; // RFC 4180 line breaks
    for (const auto& row : rows) {
        const LayerStats& l = *row.layer;
        out << detail::csvField(l.name) << ',' << detail::csvField(l.opType) << ',' << detail::csvField(l.graph) << ','
            << l.params << ',' << l.bytes << ',' << shortDouble(row.share) << ',' << shortDouble(l.sparsity) << ','
            << detail::csvField(row.dtype) << ',' << (l.macs ? std::to_string(*l.macs) : std::string());
        if (input.preview) {
            out << ',' << row.bytesAfter << ',' << shortDouble(row.sparsityAfter) << ',';
            if (row.sqnrDb)
                out << (std::isinf(*row.sqnrDb) ? std::string("inf") : shortDouble(*row.sqnrDb));
        }
        out << "\r\n";
    }
}

std::string reportFormatFor(const std::filesystem::path& path)
{
    std::string extension = path.extension().string();
    for (char& c : extension)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (extension == ".html" || extension == ".htm")
        return "html";
    if (extension == ".md" || extension == ".markdown")
        return "md";
    if (extension == ".pdf" || extension == ".json" || extension == ".csv")
        return extension.substr(1);
    return {};
}

} // namespace slimscope::core::report
