// The content of a review report, built once as tables, and the renderers every format shares.
#include "reportcontent.h"

#include "support/format.h"
#include "verifywriters.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <numeric>

namespace slimscope::core::report {

std::string base64(std::string_view bytes)
{
    static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 2 < bytes.size(); i += 3) {
        const auto v = static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16
            | static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8
            | static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 2]));
        out += kAlphabet[(v >> 18) & 63];
        out += kAlphabet[(v >> 12) & 63];
        out += kAlphabet[(v >> 6) & 63];
        out += kAlphabet[v & 63];
    }
    if (const std::size_t rest = bytes.size() - i; rest > 0) {
        std::uint32_t v = static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16;
        if (rest == 2)
            v |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8;
        out += kAlphabet[(v >> 18) & 63];
        out += kAlphabet[(v >> 12) & 63];
        out += rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

} // namespace slimscope::core::report

namespace slimscope::core::report::detail {

using namespace analysis;

namespace {

double fraction(std::uint64_t part, std::uint64_t whole)
{
    return whole ? static_cast<double>(part) / static_cast<double>(whole) : 0.0;
}

std::string bytesText(std::uint64_t bytes)
{
    return humanBytes(bytes) + " (" + std::to_string(bytes) + ")";
}

} // namespace

std::vector<LayerRow> layerRows(const ReportInput& input)
{
    const Analysis& a = *input.analysis;
    const auto changes = input.preview ? slim::changesByTensor(*input.preview, a.tensors.size())
                                       : std::vector<const slim::TensorChange*>(a.tensors.size(), nullptr);
    std::vector<LayerRow> rows;
    rows.reserve(a.layers.size());
    for (const auto& layer : a.layers) {
        LayerRow row;
        row.layer = &layer;
        row.share = fraction(layer.bytes, a.model.weightBytes);
        std::uint64_t zerosAfter = 0, elements = 0;
        if (const TensorIndex largest = a.largestTensor(layer); largest.valid())
            row.dtype = std::string(model::dataTypeName(a.tensor(largest).dtype));
        for (const TensorIndex index : layer.tensors) {
            const TensorStats& t = a.tensor(index);
            if (!input.preview)
                continue;
            const slim::TensorChange* change = changes[index.get()];
            if (!change) {
                row.bytesAfter += t.bytes;
                zerosAfter += t.zeros;
                elements += t.elements;
                continue;
            }
            const slim::TensorChange& c = *change;
            row.bytesAfter += c.bytesAfter;
            elements += c.removed ? 0 : c.elements;
            zerosAfter += c.removed
                ? 0
                : static_cast<std::uint64_t>(std::llround(c.sparsityAfter * static_cast<double>(c.elements)));
            if (c.changed && c.hasError)
                row.sqnrDb = row.sqnrDb ? std::min(*row.sqnrDb, c.sqnrDb) : c.sqnrDb;
        }
        if (input.preview) {
            row.hasAfter = true;
            row.sparsityAfter = fraction(zerosAfter, elements);
        }
        rows.push_back(std::move(row));
    }
    return rows;
}

std::vector<std::size_t> topByBytes(const std::vector<LayerRow>& rows, std::size_t count, bool withoutWeights)
{
    std::vector<std::size_t> order;
    for (std::size_t i = 0; i < rows.size(); ++i)
        if (withoutWeights || rows[i].layer->bytes > 0)
            order.push_back(i);
    std::ranges::stable_sort(order, std::greater {}, [&](std::size_t i) { return rows[i].layer->bytes; });
    if (order.size() > count)
        order.resize(count);
    return order;
}

std::uint64_t recoverableBytes(const Analysis& a)
{
    return std::accumulate(a.findings.begin(), a.findings.end(), std::uint64_t { 0 },
        [](std::uint64_t sum, const Finding& f) { return sum + f.bytesRecoverable; });
}

std::string fileName(const std::string& path)
{
    return std::filesystem::path(path).filename().string();
}

std::string opsetsText(const ModelSummary& m)
{
    std::string text;
    for (const auto& opset : m.opsets)
        text += (text.empty() ? "" : ", ") + (opset.domain.empty() ? std::string("ai.onnx") : opset.domain) + " "
            + std::to_string(opset.version);
    return text.empty() ? "-" : text;
}

std::string fixed(double value, int decimals)
{
    char text[64];
    std::snprintf(text, sizeof text, "%.*f", decimals, value);
    return text;
}

std::string significant(double value)
{
    char text[64];
    std::snprintf(text, sizeof text, "%.3g", value);
    return text;
}

std::string sqnrText(double sqnrDb)
{
    return std::isinf(sqnrDb) && sqnrDb > 0 ? std::string("exact") : fixed(sqnrDb, 1);
}

Table identityTable(const ReportInput& input)
{
    const ModelSummary& m = input.analysis->model;
    Table t { { "", "" }, { false, false }, {} };
    t.rows.push_back({ "File", fileName(m.path) });
    t.rows.push_back({ "SHA-256", m.sha256.empty() ? "-" : m.sha256 });
    t.rows.push_back({ "File bytes", bytesText(m.fileBytes) });
    t.rows.push_back({ "IR version", std::to_string(m.irVersion) });
    t.rows.push_back({ "Opsets", opsetsText(m) });
    t.rows.push_back({ "Producer", m.producerName.empty() ? "-" : m.producerName + " " + m.producerVersion });
    t.rows.push_back({ "Tool", std::string("slimscope ") + SLIMSCOPE_VERSION });
    t.rows.push_back({ "Generated", input.generatedAt.empty() ? "-" : input.generatedAt });
    return t;
}

Table summaryTable(const Analysis& a)
{
    const ModelSummary& m = a.model;
    Table t { { "", "" }, { false, true }, {} };
    t.rows.push_back({ "Params", humanCount(m.params) + " (" + std::to_string(m.params) + ")" });
    t.rows.push_back({ "Weight bytes", bytesText(m.weightBytes) });
    t.rows.push_back({ "External data bytes", bytesText(m.externalBytes) });
    t.rows.push_back({ "Graph bytes", bytesText(m.graphBytes) });
    t.rows.push_back({ "Zeros", humanPercent(fraction(m.zeros, m.params)) });
    t.rows.push_back({ "Bits per weight", fixed(m.bitsPerWeight, 2) + " (scales and zero points included)" });
    t.rows.push_back({ m.macsPerTimeStep ? "MACs (recurrent layers per time step)" : "MACs",
        humanCount(m.macs) + " (" + std::to_string(m.macs) + ")" });
    t.rows.push_back({ "Tensors / nodes / graphs",
        std::to_string(m.tensorCount) + " / " + std::to_string(m.nodeCount) + " / " + std::to_string(m.graphCount) });
    t.rows.push_back(
        { "Findings", std::to_string(a.findings.size()) + ", " + humanBytes(recoverableBytes(a)) + " recoverable" });
    return t;
}

Table findingsTable(const Analysis& a)
{
    Table t { { "severity", "kind", "bytes recoverable", "finding", "fix" }, { false, false, true, false, false }, {} };
    for (const auto& f : a.findings)
        t.rows.push_back({ std::string(severityName(f.severity)), std::string(findingKindName(f.kind)),
            bytesText(f.bytesRecoverable), f.message, f.fix });
    return t;
}

Table layersTable(const std::vector<LayerRow>& rows, const std::vector<std::size_t>& which)
{
    const bool after = !rows.empty() && rows.front().hasAfter;
    Table t { { "layer", "op", "graph", "dtype", "params", "bytes", "share", "sparsity", "MACs" },
        { false, false, false, false, true, true, true, true, true }, {} };
    if (after) {
        for (const char* h : { "bytes after", "sparsity after", "SQNR dB" })
            t.headers.push_back(h);
        t.numeric.insert(t.numeric.end(), { true, true, true });
    }
    for (const std::size_t i : which) {
        const LayerRow& r = rows[i];
        const LayerStats& l = *r.layer;
        std::vector<std::string> cells { l.name, l.opType, l.graph, r.dtype.empty() ? "-" : r.dtype,
            std::to_string(l.params), humanBytes(l.bytes), humanPercent(r.share), humanPercent(l.sparsity),
            l.macs ? humanCount(*l.macs) : std::string("-") };
        if (after) {
            cells.push_back(humanBytes(r.bytesAfter));
            cells.push_back(humanPercent(r.sparsityAfter));
            cells.push_back(r.sqnrDb ? sqnrText(*r.sqnrDb) : std::string("-"));
        }
        t.rows.push_back(std::move(cells));
    }
    return t;
}

Table beforeAfterTable(const ReportInput& input)
{
    const slim::Preview& p = *input.preview;
    Table t { { "", "before", "after", "change" }, { false, true, true, true }, {} };
    const auto change = [](std::uint64_t before, std::uint64_t after) {
        if (!before)
            return std::string("-");
        return after > before ? "+" + humanPercent(fraction(after, before) - 1.0)
                              : "-" + humanPercent(1.0 - fraction(after, before));
    };
    t.rows.push_back({ "File bytes (predicted)", bytesText(p.fileBytesBefore), bytesText(p.predictedFileBytes),
        change(p.fileBytesBefore, p.predictedFileBytes) });
    if (input.written)
        t.rows.push_back({ "File bytes (written)", bytesText(p.fileBytesBefore),
            bytesText(input.written->fileBytes + input.written->externalBytes),
            change(p.fileBytesBefore, input.written->fileBytes + input.written->externalBytes) });
    t.rows.push_back({ "Params", std::to_string(p.paramsBefore), std::to_string(p.paramsAfter),
        change(p.paramsBefore, p.paramsAfter) });
    t.rows.push_back({ "Weight bytes", bytesText(p.weightBytesBefore), bytesText(p.weightBytesAfter),
        change(p.weightBytesBefore, p.weightBytesAfter) });
    if (p.macsBefore != p.macsAfter)
        t.rows.push_back({ "MACs per inference", std::to_string(p.macsBefore), std::to_string(p.macsAfter),
            change(p.macsBefore, p.macsAfter) });
    return t;
}

Table channelGroupsTable(const slim::Preview& p)
{
    Table t { { "producers", "channels before", "channels after", "left alone because" }, { false, true, true, false },
        {} };
    for (const auto& group : p.channelGroups) {
        std::string producers;
        for (std::size_t i = 0; i < group.producers.size(); ++i)
            producers += (i ? ", " : "") + group.producers[i];
        t.rows.push_back({ producers, std::to_string(group.channelsBefore), std::to_string(group.channelsAfter),
            group.frozenReason.empty() ? std::string("-") : group.frozenReason });
    }
    return t;
}

Table removedInputFeaturesTable(const slim::Preview& p)
{
    Table t { { "input", "features before", "removed", "positions" }, { false, true, true, false }, {} };
    for (const auto& removed : p.removedInputFeatures) {
        std::string positions;
        for (std::size_t i = 0; i < removed.indices.size(); ++i)
            positions += (i ? "," : "") + std::to_string(removed.indices[i]);
        t.rows.push_back({ removed.input, std::to_string(removed.featuresBefore),
            std::to_string(removed.indices.size()), positions });
    }
    return t;
}

Table tensorChangesTable(const slim::Preview& p)
{
    std::vector<const slim::TensorChange*> changed;
    for (const auto& c : p.tensors)
        if (c.changed)
            changed.push_back(&c);
    std::ranges::stable_sort(changed, std::greater {}, [](const slim::TensorChange* c) { return c->bytesBefore; });
    Table t { { "tensor", "graph", "dtype", "storage after", "bytes before", "bytes after", "sparsity after", "SQNR dB",
                  "max abs" },
        { false, false, false, false, true, true, true, true, true }, {} };
    for (const auto* c : changed)
        t.rows.push_back({ c->name, c->graph,
            std::string(slim::dtypeAfterName(c->dtypeBefore)) + " -> "
                + std::string(slim::dtypeAfterName(c->dtypeAfter)),
            std::string(slim::storageAfterName(c->storageAfter)), humanBytes(c->bytesBefore), humanBytes(c->bytesAfter),
            humanPercent(c->sparsityAfter), c->hasError ? sqnrText(c->sqnrDb) : std::string("-"),
            c->hasError ? significant(c->maxAbs) : std::string("-") });
    return t;
}

Table stepsTable(const slim::Preview& p)
{
    Table t { { "#", "step", "result" }, { true, false, false }, {} };
    for (std::size_t i = 0; i < p.steps.size(); ++i)
        t.rows.push_back({ std::to_string(i + 1), p.steps[i].description + (p.steps[i].enabled ? "" : " (disabled)"),
            p.steps[i].summary });
    return t;
}

Table sensitivityTable(const plan::Sensitivity& s)
{
    Table t { { "layer", "op", "saved", "cosine", "SQNR dB", "proxy SQNR dB", "top-1" },
        { false, false, true, true, true, true, true }, {} };
    for (std::size_t i = 0; i < s.layers.size() && i < 25; ++i) {
        const auto& l = s.layers[i];
        t.rows.push_back({ l.node, l.opType, humanBytes(l.bytesSaved()), fixed(l.cosine, 6), fixed(l.sqnrDb, 1),
            fixed(l.proxySqnrDb, 1), l.top1Agreement ? humanPercent(*l.top1Agreement) : std::string("-") });
    }
    if (s.layers.size() > 25)
        t.rows.push_back(
            { std::to_string(s.layers.size() - 25) + " more layers, less sensitive", "", "", "", "", "", "" });
    return t;
}

Table verificationTable(const runtime::Verification& v, const runtime::FidelityThresholds& thresholds)
{
    Table t { { "output", "cosine", "SQNR dB", "max abs", "top-1", "verdict" },
        { false, true, true, true, true, false }, {} };
    for (const auto& o : v.outputs)
        t.rows.push_back({ o.name, fixed(o.cosine, 6), fixed(o.sqnrDb, 1), significant(o.maxAbs),
            o.top1Agreement ? humanPercent(*o.top1Agreement) : std::string("-"),
            o.identical ? "identical" : std::string(runtime::verdictName(runtime::outputVerdict(o, thresholds))) });
    const std::string verdict(runtime::verdictTitle(runtime::verdictOf(v, thresholds)));
    t.rows.push_back({ "latency (median of " + std::to_string(v.runs) + ", intra-op threads "
            + (v.threads ? std::to_string(v.threads) : std::string("one per core")) + ")",
        "", "", "", fixed(v.originalLatencyMs, 3) + " ms -> " + fixed(v.slimmedLatencyMs, 3) + " ms", verdict });
    return t;
}

std::string csvField(std::string_view text)
{
    if (text.find_first_of(",\"\n\r") == std::string_view::npos)
        return std::string(text);
    std::string quoted = "\"";
    for (const char c : text)
        quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
    return quoted + "\"";
}

std::string markdownCell(std::string_view text)
{
    std::string out;
    for (const char c : text) {
        if (c == '|')
            out += "\\|";
        else if (c == '\n' || c == '\r')
            out += ' ';
        else
            out += c;
    }
    return out;
}

std::string xmlEscape(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        switch (c) {
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '"':
            out += "&quot;";
            break;
        case '\'':
            out += "&#39;";
            break;
        default:
            // XML 1.0 forbids most control characters, even escaped.
            if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t' && c != '\r')
                out += ' ';
            else
                out += c;
        }
    }
    return out;
}

void renderMarkdownTable(std::ostream& out, const Table& table)
{
    out << "|";
    for (const auto& h : table.headers)
        out << " " << markdownCell(h) << " |";
    out << "\n|";
    for (std::size_t c = 0; c < table.headers.size(); ++c)
        out << (c < table.numeric.size() && table.numeric[c] ? "---:|" : "---|");
    out << "\n";
    for (const auto& row : table.rows) {
        out << "|";
        for (std::size_t c = 0; c < table.headers.size(); ++c)
            out << " " << (c < row.size() ? markdownCell(row[c]) : std::string()) << " |";
        out << "\n";
    }
}

void renderHtmlTable(std::ostream& out, const Table& table)
{
    out << "<table>\n<thead><tr>";
    for (const auto& h : table.headers)
        out << "<th>" << xmlEscape(h) << "</th>";
    out << "</tr></thead>\n<tbody>\n";
    for (const auto& row : table.rows) {
        out << "<tr>";
        for (std::size_t c = 0; c < table.headers.size(); ++c)
            out << (c < table.numeric.size() && table.numeric[c] ? "<td class=\"num\">" : "<td>")
                << (c < row.size() ? xmlEscape(row[c]) : std::string()) << "</td>";
        out << "</tr>\n";
    }
    out << "</tbody>\n</table>\n";
}

void renderTextTable(std::ostream& out, const Table& table, std::size_t maxCellWidth)
{
    const auto clip = [&](const std::string& text) { return shortenMiddle(text, maxCellWidth); };
    std::vector<std::size_t> widths(table.headers.size());
    for (std::size_t c = 0; c < widths.size(); ++c) {
        widths[c] = clip(table.headers[c]).size();
        for (const auto& row : table.rows)
            if (c < row.size())
                widths[c] = std::max(widths[c], clip(row[c]).size());
    }
    const auto line = [&](const std::vector<std::string>& cells) {
        out << " ";
        for (std::size_t c = 0; c < widths.size(); ++c) {
            const std::string cell = c < cells.size() ? clip(cells[c]) : std::string();
            const std::string pad(widths[c] - cell.size(), ' ');
            const bool right = c < table.numeric.size() && table.numeric[c];
            out << " " << (right ? pad + cell : cell + pad);
        }
        out << "\n";
    };
    line(table.headers);
    for (const auto& row : table.rows)
        line(row);
}

void htmlBegin(std::ostream& out, std::string_view title)
{
    out << "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n"
           "<meta charset=\"utf-8\" />\n<title>"
        << xmlEscape(title) << "</title>\n<style>\n"
        << "body { font-family: -apple-system, 'Segoe UI', Roboto, sans-serif; margin: 2em auto; max-width: 72em;"
           " color: #1d1d1f; padding: 0 1em; }\n"
           "h1 { font-size: 1.6em; } h2 { font-size: 1.25em; border-bottom: 1px solid #ccc; margin-top: 1.6em; }\n"
           "table { border-collapse: collapse; margin: 0.5em 0; font-size: 0.9em; }\n"
           "th, td { border: 1px solid #d0d0d0; padding: 0.2em 0.5em; text-align: left; vertical-align: top; }\n"
           "th { background: #f0f0f0; } td.num { text-align: right; font-variant-numeric: tabular-nums; }\n"
           "tbody tr:nth-child(even) { background: #fafafa; }\n"
           "pre { background: #f6f6f6; padding: 0.6em; overflow-x: auto; font-size: 0.85em; }\n"
           "figure { margin: 1em 0; } figure img { max-width: 100%; } figcaption { font-size: 0.9em; color: #555; }\n"
           ".pass { color: #1a7f37; font-weight: bold; } .warn { color: #b35900; font-weight: bold; }\n"
           ".fail { color: #cf222e; font-weight: bold; }\n"
           "@media print {\n  body { margin: 0; max-width: none; font-size: 10pt; color: #000; }\n"
           "  h2 { page-break-after: avoid; } table, figure { page-break-inside: avoid; }\n"
           "  tr { page-break-inside: avoid; } th { background: #eee !important; }\n"
           "  details > * { display: block; } details summary { display: none; }\n"
           "  pre { white-space: pre-wrap; }\n}\n"
        << "</style>\n</head>\n<body>\n";
}

void htmlEnd(std::ostream& out)
{
    out << "</body>\n</html>\n";
}

void htmlChart(std::ostream& out, const ChartImage& chart)
{
    out << "<figure id=\"chart-" << xmlEscape(chart.id) << "\"><img alt=\"" << xmlEscape(chart.title)
        << "\" src=\"data:image/png;base64," << base64(chart.png) << "\" /><figcaption>" << xmlEscape(chart.title)
        << "</figcaption></figure>\n";
}

} // namespace slimscope::core::report::detail
