// Renderings of a model comparison: terminal table, JSON (slimscope.compare/1), Markdown and self-contained HTML.
#include "compare.h"
#include "jsonparts.h"

#include "reportcontent.h"
#include "support/format.h"
#include "support/jsonwriter.h"

namespace slimscope::core::report {

using namespace detail;

namespace {

std::string signedBytes(std::int64_t delta)
{
    const std::uint64_t magnitude = delta < 0 ? static_cast<std::uint64_t>(-delta) : static_cast<std::uint64_t>(delta);
    return (delta < 0 ? "-" : "+") + humanBytes(magnitude) + " (" + std::to_string(delta) + ")";
}

Table modelsTable(const Comparison& c)
{
    Table t { { "", "A", "B", "B - A" }, { false, false, false, true }, {} };
    const auto count = [](std::uint64_t a, std::uint64_t b) {
        return std::to_string(static_cast<std::int64_t>(b) - static_cast<std::int64_t>(a));
    };
    t.rows.push_back({ "File", fileName(c.a.path), fileName(c.b.path), "" });
    t.rows.push_back({ "SHA-256", c.a.sha256, c.b.sha256, c.a.sha256 == c.b.sha256 ? "same" : "differs" });
    t.rows.push_back({ "File bytes (with external data)", std::to_string(c.a.fileBytes + c.a.externalBytes),
        std::to_string(c.b.fileBytes + c.b.externalBytes), signedBytes(c.fileBytesDelta) });
    t.rows.push_back({ "Weight bytes", std::to_string(c.a.weightBytes), std::to_string(c.b.weightBytes),
        signedBytes(c.weightBytesDelta) });
    t.rows.push_back(
        { "Params", std::to_string(c.a.params), std::to_string(c.b.params), std::to_string(c.paramsDelta) });
    t.rows.push_back({ "Weight tensors", std::to_string(c.a.tensorCount), std::to_string(c.b.tensorCount),
        count(c.a.tensorCount, c.b.tensorCount) });
    t.rows.push_back(
        { "Nodes", std::to_string(c.a.nodeCount), std::to_string(c.b.nodeCount), count(c.a.nodeCount, c.b.nodeCount) });
    return t;
}

Table changedTensorsTable(const Comparison& c)
{
    Table t { { "tensor A", "tensor B", "matched by", "dtype", "shape", "bytes A", "bytes B", "max abs diff" },
        { false, false, false, false, false, true, true, true }, {} };
    for (const auto& m : c.matched) {
        if (!m.changed)
            continue;
        t.rows.push_back(
            { m.nameA, m.nameB, m.matchedBy, m.dtypeA == m.dtypeB ? m.dtypeA : m.dtypeA + " -> " + m.dtypeB,
                m.shapeA == m.shapeB ? shapeString(m.shapeA) : shapeString(m.shapeA) + " -> " + shapeString(m.shapeB),
                std::to_string(m.bytesA), std::to_string(m.bytesB), m.maxAbsDiff ? significant(*m.maxAbsDiff) : "-" });
    }
    return t;
}

Table namesTable(const char* header, const std::vector<std::string>& names)
{
    Table t { { header }, { false }, {} };
    for (const auto& name : names)
        t.rows.push_back({ name });
    return t;
}

Table changedLayersTable(const Comparison& c)
{
    Table t { { "layer", "op A", "op B", "params A", "params B", "bytes A", "bytes B" },
        { false, false, false, true, true, true, true }, {} };
    for (const auto& l : c.layers)
        if (l.opTypeA != l.opTypeB || l.paramsA != l.paramsB || l.bytesA != l.bytesB)
            t.rows.push_back({ l.name, l.opTypeA, l.opTypeB, std::to_string(l.paramsA), std::to_string(l.paramsB),
                std::to_string(l.bytesA), std::to_string(l.bytesB) });
    return t;
}

std::string headline(const Comparison& c)
{
    return std::to_string(c.matched.size()) + " tensors matched, " + std::to_string(c.changedCount) + " changed, "
        + std::to_string(c.added.size()) + " added, " + std::to_string(c.removed.size()) + " removed; "
        + (c.bytesSaved ? humanBytes(c.bytesSaved) + " saved" : std::string("no bytes saved"));
}

struct Section {
    std::string title;
    Table table;
};

std::vector<Section> sections(const Comparison& c)
{
    std::vector<Section> result;
    result.push_back({ "Changed tensors", changedTensorsTable(c) });
    result.push_back({ "Added tensors (only in B)", namesTable("tensor", c.added) });
    result.push_back({ "Removed tensors (only in A)", namesTable("tensor", c.removed) });
    result.push_back({ "Changed layers", changedLayersTable(c) });
    result.push_back({ "Added layers (only in B)", namesTable("layer", c.layersAdded) });
    result.push_back({ "Removed layers (only in A)", namesTable("layer", c.layersRemoved) });
    return result;
}

void writeSummary(JsonWriter& json, std::string_view key, const analysis::ModelSummary& m)
{
    json.key(key).beginObject().field("path", m.path).field("file_name", fileName(m.path));
    json.field("file_bytes", m.fileBytes).field("sha256", m.sha256).field("ir_version", m.irVersion);
    json.field("producer_name", m.producerName).field("producer_version", m.producerVersion);
    json.field("params", m.params).field("weight_bytes", m.weightBytes).field("external_bytes", m.externalBytes);
    json.field("tensor_count", m.tensorCount).field("node_count", m.nodeCount).endObject();
}

} // namespace

void writeComparisonTable(std::ostream& out, const Comparison& c)
{
    out << headline(c) << "\n\n";
    renderTextTable(out, modelsTable(c), 64);
    for (const auto& s : sections(c)) {
        if (s.table.rows.empty())
            continue;
        out << "\n" << s.title << " (" << s.table.rows.size() << ")\n";
        renderTextTable(out, s.table);
    }
    for (const auto& d : c.diagnostics)
        out << "\n" << severityName(d.severity) << ": " << (d.subject.empty() ? "" : d.subject + ": ") << d.message;
    if (!c.diagnostics.empty())
        out << "\n";
}

void writeComparisonJson(std::ostream& out, const Comparison& c)
{
    JsonWriter json(out);
    json.beginObject().field("schema", kCompareSchema);
    json.key("tool").beginObject().field("name", "slimscope").field("version", SLIMSCOPE_VERSION).endObject();
    writeSummary(json, "a", c.a);
    writeSummary(json, "b", c.b);
    json.field("bytes_saved", c.bytesSaved).field("file_bytes_delta", c.fileBytesDelta);
    json.field("weight_bytes_delta", c.weightBytesDelta).field("params_delta", c.paramsDelta);
    json.field("changed_count", c.changedCount);
    json.key("tensors").beginArray();
    for (const auto& m : c.matched) {
        json.beginObject().field("name_a", m.nameA).field("name_b", m.nameB).field("matched_by", m.matchedBy);
        json.field("graph", m.graph).field("dtype_a", m.dtypeA).field("dtype_b", m.dtypeB);
        json.intArray("shape_a", m.shapeA).intArray("shape_b", m.shapeB);
        json.field("bytes_a", m.bytesA).field("bytes_b", m.bytesB).stringArray("auxiliary_b", m.auxiliaryB);
        json.key("max_abs_diff");
        if (m.maxAbsDiff)
            json.value(*m.maxAbsDiff);
        else
            json.null();
        json.field("changed", m.changed).endObject();
    }
    json.endArray();
    json.stringArray("added", c.added).stringArray("removed", c.removed);
    json.key("removed_input_features").beginArray();
    for (const auto& removed : c.removedInputFeatures) {
        json.beginObject().field("input", removed.input).field("features_a", removed.featuresBefore);
        json.intArray("indices", removed.indices).endObject();
    }
    json.endArray();
    json.key("dtype_changes").beginArray();
    for (const auto& [name, dtypes] : c.dtypeChanges)
        json.beginObject()
            .field("tensor", name)
            .field("dtype_a", dtypes.first)
            .field("dtype_b", dtypes.second)
            .endObject();
    json.endArray();
    json.key("layers").beginArray();
    for (const auto& l : c.layers)
        json.beginObject()
            .field("name", l.name)
            .field("op_type_a", l.opTypeA)
            .field("op_type_b", l.opTypeB)
            .field("params_a", l.paramsA)
            .field("params_b", l.paramsB)
            .field("bytes_a", l.bytesA)
            .field("bytes_b", l.bytesB)
            .endObject();
    json.endArray();
    json.stringArray("layers_added", c.layersAdded).stringArray("layers_removed", c.layersRemoved);
    writeDiagnostics(json, c.diagnostics);
    json.endObject();
}

void writeComparisonMarkdown(std::ostream& out, const Comparison& c)
{
    out << "# Slimscope comparison: " << markdownCell(fileName(c.a.path)) << " vs " << markdownCell(fileName(c.b.path))
        << "\n\n"
        << headline(c) << "\n\n";
    renderMarkdownTable(out, modelsTable(c));
    for (const auto& s : sections(c)) {
        out << "\n## " << s.title << "\n\n";
        if (s.table.rows.empty())
            out << "None.\n";
        else
            renderMarkdownTable(out, s.table);
    }
    if (!c.diagnostics.empty()) {
        out << "\n## Diagnostics\n\n";
        for (const auto& d : c.diagnostics)
            out << "- " << severityName(d.severity) << ": "
                << markdownCell(d.subject.empty() ? d.message : d.subject + ": " + d.message) << "\n";
    }
    out << "\n---\nGenerated by slimscope " << SLIMSCOPE_VERSION << ".\n";
}

void writeComparisonHtml(std::ostream& out, const Comparison& c)
{
    const std::string title = "Slimscope comparison: " + fileName(c.a.path) + " vs " + fileName(c.b.path);
    htmlBegin(out, title);
    out << "<h1>" << xmlEscape(title) << "</h1>\n<p>" << xmlEscape(headline(c)) << "</p>\n";
    renderHtmlTable(out, modelsTable(c));
    for (const auto& s : sections(c)) {
        out << "<h2>" << xmlEscape(s.title) << "</h2>\n";
        if (s.table.rows.empty())
            out << "<p>None.</p>\n";
        else
            renderHtmlTable(out, s.table);
    }
    if (!c.diagnostics.empty()) {
        out << "<h2>Diagnostics</h2>\n<ul>\n";
        for (const auto& d : c.diagnostics)
            out << "<li>" << severityName(d.severity) << ": "
                << xmlEscape(d.subject.empty() ? d.message : d.subject + ": " + d.message) << "</li>\n";
        out << "</ul>\n";
    }
    out << "<p><small>Generated by slimscope " << SLIMSCOPE_VERSION << ".</small></p>\n";
    htmlEnd(out);
}

} // namespace slimscope::core::report
