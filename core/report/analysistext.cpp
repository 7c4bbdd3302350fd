// Human-readable renderings of an analysis: terminal table, Markdown, CSV.
#include "analysiswriters.h"

#include "support/format.h"

#include <algorithm>
#include <iomanip>
#include <numeric>

namespace slimscope::core::report {

using namespace analysis;

namespace {

std::string opsetsText(const ModelSummary& m)
{
    std::string text;
    for (const auto& opset : m.opsets)
        text += (text.empty() ? "" : ", ") + opset.domain + " " + std::to_string(opset.version);
    return text;
}

std::string valueInfosText(const std::vector<ValueInfo>& infos)
{
    std::string text;
    for (const auto& info : infos) {
        std::string shape;
        for (const auto& d : info.shape)
            shape += (shape.empty() ? "" : ",") + d;
        text += (text.empty() ? "" : "; ") + info.name + " " + info.dtype + "[" + shape + "]";
    }
    return text.empty() ? "-" : text;
}

std::vector<const LayerStats*> topLayersByBytes(const Analysis& a, int count)
{
    std::vector<const LayerStats*> layers;
    for (const auto& l : a.layers)
        if (l.bytes > 0)
            layers.push_back(&l);
    std::ranges::stable_sort(layers, std::greater {}, &LayerStats::bytes);
    if (static_cast<int>(layers.size()) > count)
        layers.resize(static_cast<std::size_t>(count));
    return layers;
}

std::string truncate(const std::string& text, std::size_t width)
{
    return shortenMiddle(text, width);
}

std::string csvField(const std::string& text)
{
    if (text.find_first_of(",\"\n\r") == std::string::npos)
        return text;
    std::string quoted = "\"";
    for (const char c : text)
        quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
    return quoted + "\"";
}

std::string markdownCell(const std::string& text)
{
    std::string out;
    for (const char c : text)
        out += c == '|' ? std::string("\\|") : (c == '\n' ? std::string(" ") : std::string(1, c));
    return out;
}

std::string joined(const std::vector<std::string>& items, const char* separator = " ")
{
    std::string text;
    for (const auto& item : items)
        text += (text.empty() ? "" : separator) + item;
    return text;
}

} // namespace

std::string fileSizeText(const ModelSummary& m)
{
    const std::uint64_t total = m.fileBytes + m.externalFileBytes;
    std::string text = humanBytes(total) + " (" + std::to_string(total) + " bytes";
    if (m.externalFileCount)
        text += ": model file " + humanBytes(m.fileBytes) + " + external data " + humanBytes(m.externalFileBytes)
            + " in " + std::to_string(m.externalFileCount) + (m.externalFileCount == 1 ? " file" : " files");
    return text + ")";
}

void writeAnalysisTable(std::ostream& out, const Analysis& a, int topLayers)
{
    const ModelSummary& m = a.model;
    const double weightShare
        = m.fileBytes ? static_cast<double>(m.weightBytes - m.externalBytes) / static_cast<double>(m.fileBytes) : 0.0;
    out << "Model       " << m.path << "\n";
    out << "File        " << fileSizeText(m) << "\n";
    if (!m.sha256.empty())
        out << "SHA-256     " << m.sha256 << "\n";
    out << "Format      IR " << m.irVersion << ", opsets " << opsetsText(m) << ", producer "
        << (m.producerName.empty() ? "-" : m.producerName + " " + m.producerVersion) << "\n";
    out << "Inputs      " << valueInfosText(m.inputs) << "\n";
    out << "Outputs     " << valueInfosText(m.outputs) << "\n";
    out << "Params      " << humanCount(m.params) << " (" << m.params << "), "
        << humanPercent(m.params ? static_cast<double>(m.zeros) / static_cast<double>(m.params) : 0.0) << " zeros\n";
    out << "Weights     " << humanBytes(m.weightBytes) << " in " << m.tensorCount << " tensors ("
        << humanPercent(weightShare) << " of the file); graph " << humanBytes(m.graphBytes) << "\n";
    if (m.weights) {
        char bits[32];
        std::snprintf(bits, sizeof bits, "%.2f", m.bitsPerWeight);
        out << "Bits        " << bits << " per weight (" << humanCount(m.weights)
            << " weights; scales and zero points included)\n";
    }
    out << "Compute     " << humanCount(m.macs)
        << (m.macsPerTimeStep ? "MACs per sample (recurrent layers: per time step) over " : "MACs per sample over ")
        << m.nodeCount << " nodes in " << m.graphCount << " graph(s)\n";
    out << "\nBy dtype\n";
    for (const auto& t : a.byDtype)
        out << "  " << std::left << std::setw(14) << model::dataTypeName(t.dtype) << std::right << std::setw(12)
            << humanBytes(t.bytes) << std::setw(10)
            << humanPercent(m.weightBytes ? static_cast<double>(t.bytes) / static_cast<double>(m.weightBytes) : 0.0)
            << std::setw(8) << t.tensors << " tensors\n";

    const auto layers = topLayersByBytes(a, topLayers);
    if (!layers.empty()) {
        out << "\nTop layers by bytes\n";
        out << "  " << std::left << std::setw(44) << "layer" << std::setw(18) << "op" << std::right << std::setw(12)
            << "bytes" << std::setw(9) << "share" << std::setw(10) << "params" << std::setw(10) << "sparsity"
            << std::setw(10) << "MACs"
            << "\n";
        for (const auto* l : layers)
            out << "  " << std::left << std::setw(44) << truncate(l->name, 43) << std::setw(18)
                << truncate(l->opType, 17) << std::right << std::setw(12) << humanBytes(l->bytes) << std::setw(9)
                << humanPercent(
                       m.weightBytes ? static_cast<double>(l->bytes) / static_cast<double>(m.weightBytes) : 0.0)
                << std::setw(10) << humanCount(l->params) << std::setw(10) << humanPercent(l->sparsity) << std::setw(10)
                << (l->macs ? humanCount(*l->macs) : std::string("-")) << "\n";
    }

    const std::uint64_t recoverable = std::accumulate(a.findings.begin(), a.findings.end(), std::uint64_t { 0 },
        [](std::uint64_t sum, const Finding& f) { return sum + f.bytesRecoverable; });
    out << "\nFindings (" << a.findings.size() << ", " << humanBytes(recoverable) << " recoverable)\n";
    if (a.findings.empty())
        out << "  none\n";
    for (const auto& f : a.findings)
        out << "  " << std::left << std::setw(7) << severityName(f.severity) << std::setw(21) << findingKindName(f.kind)
            << std::right << std::setw(11) << humanBytes(f.bytesRecoverable) << "  " << f.message << "\n"
            << std::string(41, ' ') << "fix: " << f.fix << "\n";
    if (!a.diagnostics.empty()) {
        out << "\nDiagnostics (" << a.diagnostics.size() << ")\n";
        for (const auto& d : a.diagnostics)
            out << "  " << severityName(d.severity) << ": " << (d.subject.empty() ? "" : d.subject + ": ") << d.message
                << "\n";
    }
}

void writeAnalysisMarkdown(std::ostream& out, const Analysis& a, int topLayers)
{
    const ModelSummary& m = a.model;
    out << "# Slimscope analysis: " << markdownCell(m.path) << "\n\n";
    out << "| | |\n|---|---|\n";
    out << "| File size | " << markdownCell(fileSizeText(m)) << " |\n";
    out << "| SHA-256 | `" << m.sha256 << "` |\n";
    out << "| Format | IR " << m.irVersion << ", opsets " << opsetsText(m) << " |\n";
    out << "| Producer | " << markdownCell(m.producerName + " " + m.producerVersion) << " |\n";
    out << "| Params | " << humanCount(m.params) << " (" << m.params << ") |\n";
    out << "| Weight bytes | " << humanBytes(m.weightBytes) << " (" << m.weightBytes << ") |\n";
    out << "| Graph bytes | " << humanBytes(m.graphBytes) << " |\n";
    out << "| MACs | " << humanCount(m.macs) << " |\n\n";
    out << "## By dtype\n\n| dtype | tensors | params | bytes |\n|---|---:|---:|---:|\n";
    for (const auto& t : a.byDtype)
        out << "| " << model::dataTypeName(t.dtype) << " | " << t.tensors << " | " << t.elements << " | " << t.bytes
            << " |\n";
    out << "\n## Top layers by bytes\n\n| layer | op | bytes | params | sparsity | MACs "
           "|\n|---|---|---:|---:|---:|---:|\n";
    for (const auto* l : topLayersByBytes(a, topLayers))
        out << "| " << markdownCell(l->name) << " | " << l->opType << " | " << l->bytes << " | " << l->params << " | "
            << humanPercent(l->sparsity) << " | " << (l->macs ? std::to_string(*l->macs) : std::string("-")) << " |\n";
    out << "\n## Findings\n\n| severity | kind | bytes recoverable | finding | fix |\n|---|---|---:|---|---|\n";
    for (const auto& f : a.findings)
        out << "| " << severityName(f.severity) << " | " << findingKindName(f.kind) << " | " << f.bytesRecoverable
            << " | " << markdownCell(f.message) << " | " << markdownCell(f.fix) << " |\n";
    if (!a.diagnostics.empty()) {
        out << "\n## Diagnostics\n\n";
        for (const auto& d : a.diagnostics)
            out << "- " << severityName(d.severity) << ": "
                << markdownCell(d.subject.empty() ? d.message : d.subject + ": " + d.message) << "\n";
    }
}

void writeAnalysisCsv(std::ostream& out, const Analysis& a, Rows rows)
{
    switch (rows) {
    case Rows::Tensors:
        out << "name,storage,graph,dtype,shape,elements,stored_elements,bytes,external,zeros,sparsity,min,max,mean,std,"
               "consumers,used_by,attributed_to\n";
        for (const auto& t : a.tensors) {
            out << csvField(t.name) << ',' << model::storageName(t.storage) << ',' << csvField(t.graph) << ','
                << model::dataTypeName(t.dtype) << ',' << csvField(shapeString(t.shape)) << ',' << t.elements << ','
                << t.storedElements << ',' << t.bytes << ',' << (t.external ? "true" : "false") << ',' << t.zeros << ','
                << shortDouble(t.sparsity) << ',';
            if (t.values.computed)
                out << shortDouble(t.values.min) << ',' << shortDouble(t.values.max) << ','
                    << shortDouble(t.values.mean) << ',' << shortDouble(t.values.std);
            else
                out << ",,,";
            std::vector<std::string> users;
            for (const LayerIndex user : t.users)
                users.push_back(a.layer(user).name);
            out << ',' << csvField(joined(t.consumers)) << ',' << csvField(joined(users)) << ','
                << csvField(t.owner.valid() ? a.layer(t.owner).name : std::string()) << '\n';
        }
        break;
    case Rows::Layers:
        out << "name,op_type,domain,graph,params,bytes,zeros,sparsity,macs,output_shapes,shared_tensors\n";
        for (const auto& l : a.layers) {
            std::vector<std::string> shared;
            for (const TensorIndex t : l.sharedTensors)
                shared.push_back(a.tensor(t).name);
            out << csvField(l.name) << ',' << csvField(l.opType) << ',' << csvField(l.domain) << ','
                << csvField(l.graph) << ',' << l.params << ',' << l.bytes << ',' << l.zeros << ','
                << shortDouble(l.sparsity) << ',' << (l.macs ? std::to_string(*l.macs) : std::string()) << ','
                << csvField(joined(l.outputShapes)) << ',' << csvField(joined(shared)) << '\n';
        }
        break;
    case Rows::Findings:
        out << "kind,severity,bytes_recoverable,tensors,nodes,message,fix\n";
        for (const auto& f : a.findings)
            out << findingKindName(f.kind) << ',' << severityName(f.severity) << ',' << f.bytesRecoverable << ','
                << csvField(joined(f.tensors)) << ',' << csvField(joined(f.nodes)) << ',' << csvField(f.message) << ','
                << csvField(f.fix) << '\n';
        break;
    }
}

} // namespace slimscope::core::report
