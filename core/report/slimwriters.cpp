#include "slimwriters.h"
#include "jsonparts.h"

#include "support/format.h"
#include "support/jsonwriter.h"

#include <algorithm>
#include <cmath>
#include <iomanip>

namespace slimscope::core::report {

namespace {

void writeDtypes(JsonWriter& json, std::string_view key, const std::vector<slim::DtypeBytes>& dtypes)
{
    json.key(key).beginArray();
    for (const auto& d : dtypes)
        json.beginObject().field("dtype", d.dtype).field("bytes", d.bytes).endObject();
    json.endArray();
}

} // namespace

void writeSlimJson(std::ostream& out, const SlimReport& report)
{
    const slim::Preview& p = *report.preview;
    JsonWriter json(out);
    json.beginObject().field("schema", kSlimSchema);
    json.key("tool").beginObject().field("name", "slimscope").field("version", SLIMSCOPE_VERSION).endObject();
    json.field("model", report.modelPath);
    if (report.recipe) {
        json.key("recipe");
        slim::writeRecipe(json, *report.recipe);
    }
    json.key("before").beginObject().field("file_bytes", p.fileBytesBefore).field("params", p.paramsBefore);
    json.field("macs", p.macsBefore).field("weight_bytes", p.weightBytesBefore);
    writeDtypes(json, "weight_bytes_by_dtype", p.weightBytesByDtypeBefore);
    json.endObject();
    json.key("after").beginObject().field("predicted_file_bytes", p.predictedFileBytes);
    if (report.written) {
        json.field("path", report.written->path.string()).field("file_bytes", report.written->fileBytes);
        if (!report.written->externalPath.empty())
            json.field("external_data_path", report.written->externalPath.string())
                .field("external_data_bytes", report.written->externalBytes);
    }
    json.field("params", p.paramsAfter).field("macs", p.macsAfter).field("weight_bytes", p.weightBytesAfter);
    writeDtypes(json, "weight_bytes_by_dtype", p.weightBytesByDtypeAfter);
    json.endObject();
    writeStepReports(json, p.steps);
    writeTensorChanges(json, "layers", p.tensors);
    json.key("groups").beginArray();
    for (const auto& group : p.channelGroups) {
        json.beginObject().stringArray("producers", group.producers).stringArray("members", group.members);
        json.field("channels_before", group.channelsBefore).field("channels_after", group.channelsAfter);
        json.field("criterion_norm", group.criterionNorm);
        json.key("frozen_reason");
        if (group.frozenReason.empty())
            json.null();
        else
            json.value(group.frozenReason);
        json.endObject();
    }
    json.endArray();
    json.key("removed_input_features").beginArray();
    for (const auto& removed : p.removedInputFeatures) {
        json.beginObject().field("input", removed.input).field("features_before", removed.featuresBefore);
        json.intArray("indices", removed.indices).endObject();
    }
    json.endArray();
    if (report.verificationJson) {
        json.key("verification");
        report.verificationJson(json);
    }
    writeDiagnostics(json, p.diagnostics);
    json.endObject();
}

void writeSlimTable(std::ostream& out, const SlimReport& report, int topTensors)
{
    const slim::Preview& p = *report.preview;
    const auto ratio = [](std::uint64_t before, std::uint64_t after) {
        char text[64];
        std::snprintf(text, sizeof text, "%.2fx smaller, %s saved",
            after ? static_cast<double>(before) / static_cast<double>(after) : 0.0,
            humanPercent(before ? 1.0 - static_cast<double>(after) / static_cast<double>(before) : 0.0).c_str());
        return std::string(text);
    };
    out << "Model        " << report.modelPath << "\n";
    out << "Steps\n";
    for (std::size_t i = 0; i < p.steps.size(); ++i)
        out << "  " << i + 1 << ". " << p.steps[i].description << ": " << p.steps[i].summary << "\n";
    out << "File         " << humanBytes(p.fileBytesBefore) << " -> " << humanBytes(p.predictedFileBytes)
        << " predicted (" << ratio(p.fileBytesBefore, p.predictedFileBytes) << ")\n";
    if (report.written) {
        out << "Written      "
            << (report.written->path == "-" ? std::string("standard output") : report.written->path.string()) << ": "
            << report.written->fileBytes << " bytes";
        if (!report.written->externalPath.empty())
            out << " + " << report.written->externalBytes << " bytes in " << report.written->externalPath.string();
        out << "\n";
    }
    out << "Weights      " << humanBytes(p.weightBytesBefore) << " -> " << humanBytes(p.weightBytesAfter) << "\n";
    out << "Params       " << humanCount(p.paramsBefore) << " -> " << humanCount(p.paramsAfter) << "\n";
    if (p.macsBefore != p.macsAfter)
        out << "MACs         " << humanCount(p.macsBefore) << " -> " << humanCount(p.macsAfter) << " per inference\n";
    for (const auto& removed : p.removedInputFeatures) {
        std::string list;
        for (std::size_t i = 0; i < removed.indices.size(); ++i)
            list += (i ? "," : "") + std::to_string(removed.indices[i]);
        out << "Input        '" << removed.input << "' loses " << removed.indices.size() << " of "
            << removed.featuresBefore << " features (" << list << "): feed the slimmed model without them\n";
    }

    std::vector<const slim::TensorChange*> changed;
    for (const auto& t : p.tensors)
        if (t.changed)
            changed.push_back(&t);
    std::ranges::stable_sort(changed, std::greater {}, [](const slim::TensorChange* t) { return t->bytesBefore; });
    out << "\nChanged tensors (" << changed.size() << " of " << p.tensors.size() << "), largest first\n";
    if (!changed.empty())
        out << "  " << std::left << std::setw(40) << "tensor" << std::setw(20) << "storage" << std::right
            << std::setw(11) << "before" << std::setw(11) << "after" << std::setw(10) << "sparsity" << std::setw(10)
            << "SQNR dB" << std::setw(10) << "rel L2"
            << "\n";
    for (std::size_t i = 0; i < changed.size() && static_cast<int>(i) < topTensors; ++i) {
        const auto& t = *changed[i];
        std::string name = shortenMiddle(t.name, 39);
        char sqnr[32] = "-", rel[32] = "-";
        if (t.hasError) {
            if (std::isinf(t.sqnrDb))
                std::snprintf(sqnr, sizeof sqnr, "exact");
            else
                std::snprintf(sqnr, sizeof sqnr, "%.1f", t.sqnrDb);
            std::snprintf(rel, sizeof rel, "%.2e", t.relativeL2);
        }
        out << "  " << std::left << std::setw(40) << name << std::setw(20)
            << (std::string(slim::storageAfterName(t.storageAfter)) + " "
                   + std::string(slim::dtypeAfterName(t.dtypeAfter)))
            << std::right << std::setw(11) << humanBytes(t.bytesBefore) << std::setw(11) << humanBytes(t.bytesAfter)
            << std::setw(10) << humanPercent(t.sparsityAfter) << std::setw(10) << sqnr << std::setw(10) << rel << "\n";
    }
    if (report.verificationTable) {
        out << "\n";
        report.verificationTable(out);
    }
    if (!p.diagnostics.empty()) {
        out << "\nDiagnostics\n";
        for (const auto& d : p.diagnostics)
            out << "  " << severityName(d.severity) << ": " << (d.subject.empty() ? "" : d.subject + ": ") << d.message
                << "\n";
    }
}

} // namespace slimscope::core::report
