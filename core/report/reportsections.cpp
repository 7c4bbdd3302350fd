#include "reportsections.h"

#include "slim/recipe.h"
#include "support/format.h"
#include "verifywriters.h"

#include <cctype>

namespace slimscope::core::report::detail {

namespace {

Block table(Table t)
{
    Block b;
    b.kind = Block::Kind::Table;
    b.table = std::move(t);
    return b;
}

Block paragraph(std::string text)
{
    Block b;
    b.kind = Block::Kind::Paragraph;
    b.text = std::move(text);
    return b;
}

std::vector<std::size_t> allLayers(std::size_t count)
{
    std::vector<std::size_t> all(count);
    for (std::size_t i = 0; i < count; ++i)
        all[i] = i;
    return all;
}

void identity(const ReportInput& input, Medium, std::vector<Section>& out)
{
    out.push_back({ "identity", "", 2, { table(identityTable(input)) } });
}

void summary(const ReportInput& input, Medium, std::vector<Section>& out)
{
    out.push_back({ "summary", "Summary", 2, { table(summaryTable(*input.analysis)) } });
}

void charts(const ReportInput&, Medium, std::vector<Section>& out)
{
    Block b;
    b.kind = Block::Kind::Charts;
    out.push_back({ "charts", "Charts", 2, { b } });
}

void findings(const ReportInput& input, Medium, std::vector<Section>& out)
{
    const auto& a = *input.analysis;
    out.push_back(
        { "findings", "Findings", 2, { a.findings.empty() ? paragraph("No findings.") : table(findingsTable(a)) } });
}

void topLayers(const ReportInput& input, Medium, std::vector<Section>& out)
{
    const auto rows = layerRows(input);
    out.push_back({ "top_layers", "Top " + std::to_string(kReportTopLayers) + " layers by bytes", 2,
        { table(layersTable(rows, topByBytes(rows, kReportTopLayers))) } });
}

void slimming(const ReportInput& input, Medium, std::vector<Section>& out)
{
    if (!input.preview)
        return;
    out.push_back({ "slimming", "Slimming", 2, { table(beforeAfterTable(input)) } });
    out.push_back({ "steps", "Steps", 3, { table(stepsTable(*input.preview)) } });
    // What the steps warn about (a format that is smaller but slower, values saturated) belongs beside them.
    Block warnings;
    warnings.kind = Block::Kind::List;
    for (const auto& d : input.preview->diagnostics)
        if (d.severity != Diagnostic::Severity::Info)
            warnings.items.push_back(std::string(severityName(d.severity)) + ": "
                + (d.subject.empty() ? d.message : d.subject + ": " + d.message));
    if (!warnings.items.empty())
        out.push_back({ "slimming_warnings", "Warnings", 3, { warnings } });
    if (!input.preview->removedInputFeatures.empty())
        out.push_back({ "removed_input_features", "Removed input features", 3,
            { paragraph("The slimmed model's inputs are narrower: callers leave these positions of the last axis out "
                        "(their weights were zero)."),
                table(removedInputFeaturesTable(*input.preview)) } });
    if (!input.preview->channelGroups.empty())
        out.push_back({ "channel_groups", "Channel groups", 3, { table(channelGroupsTable(*input.preview)) } });
    out.push_back({ "changed_tensors", "Changed tensors", 3, { table(tensorChangesTable(*input.preview)) } });
}

void recipe(const ReportInput& input, Medium, std::vector<Section>& out)
{
    if (!input.recipe)
        return;
    Block code;
    code.kind = Block::Kind::Code;
    code.text = slim::recipeToJson(*input.recipe);
    out.push_back({ "recipe", "Recipe", input.preview ? 3 : 2,
        { paragraph("Reproduce with slimscope-cli slim --recipe recipe.json:"), code } });
}

void verification(const ReportInput& input, Medium, std::vector<Section>& out)
{
    if (!input.verification)
        return;
    const auto& v = *input.verification;
    const std::string verdict(runtime::verdictTitle(runtime::verdictOf(v, input.thresholds)));
    out.push_back({ "verification", "Verification: " + verdict, 2,
        { paragraph("ONNX Runtime " + v.runtimeVersion + ", inputs " + v.inputSource
              + "; floors: cosine >= " + shortDouble(input.thresholds.minCosine)
              + ", top-1 >= " + shortDouble(input.thresholds.minTop1Agreement) + "."),
            table(verificationTable(v, input.thresholds)) } });
}

void sensitivity(const ReportInput& input, Medium, std::vector<Section>& out)
{
    if (!input.sensitivity)
        return;
    const auto& s = *input.sensitivity;
    out.push_back({ "sensitivity", "Sensitivity to " + s.stepDescription, 2,
        { paragraph("Each layer with the step applied to it alone, run in ONNX Runtime on " + s.inputSource
              + ", most sensitive first: the outputs' cosine and SQNR (the worst over the outputs) beside the "
                "weights' own SQNR, which a preview shows but which does not rank layers by their effect."),
            table(sensitivityTable(s)) } });
}

void layers(const ReportInput& input, Medium medium, std::vector<Section>& out)
{
    const auto rows = layerRows(input);
    if (medium == Medium::Markdown) {
        const auto shown = topByBytes(rows, kReportMarkdownLayerRows, true);
        const std::string note = shown.size() == rows.size()
            ? "All " + std::to_string(rows.size()) + " layers, largest first."
            : "Showing the " + std::to_string(shown.size()) + " largest of " + std::to_string(rows.size())
                + " layers by bytes; the JSON, CSV and HTML reports list every layer.";
        out.push_back({ "layers", "Layers", 2, { paragraph(note), table(layersTable(rows, shown)) } });
        return;
    }
    Block details;
    details.kind = Block::Kind::Details;
    details.text = "All " + std::to_string(rows.size()) + " layers, in graph order";
    details.table = layersTable(rows, allLayers(rows.size()));
    out.push_back({ "layers", "Layers", 2, { details } });
}

void diagnostics(const ReportInput& input, Medium, std::vector<Section>& out)
{
    const auto& a = *input.analysis;
    if (a.diagnostics.empty())
        return;
    Block list;
    list.kind = Block::Kind::List;
    for (const auto& d : a.diagnostics)
        list.items.push_back(std::string(severityName(d.severity)) + ": "
            + (d.subject.empty() ? d.message : d.subject + ": " + d.message));
    out.push_back({ "diagnostics", "Diagnostics", 2, { list } });
}

} // namespace

// The one list of report sections, in document order.
const std::vector<SectionEntry>& reportSectionEntries()
{
    static const std::vector<SectionEntry> entries {
        { "identity", identity },
        { "summary", summary },
        { "charts", charts },
        { "findings", findings },
        { "top_layers", topLayers },
        { "slimming", slimming },
        { "recipe", recipe },
        { "verification", verification },
        { "sensitivity", sensitivity },
        { "layers", layers },
        { "diagnostics", diagnostics },
    };
    return entries;
}

std::vector<Section> reportSections(const ReportInput& input, Medium medium)
{
    std::vector<Section> sections;
    if (!input.analysis)
        return sections;
    for (const SectionEntry& entry : reportSectionEntries())
        entry.add(input, medium, sections);
    return sections;
}

} // namespace slimscope::core::report::detail
