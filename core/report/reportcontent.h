#pragma once

#include "plan/sensitivity.h"

// Internal to the report writers (core's, and the PDF in ui/reports): the content every format renders (tables built
// once), and the small renderers
// and escapes the Markdown, HTML and text writers share.

#include "report.h"

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace slimscope::core::report::detail {

/// A table as text cells; each format renders it (Markdown, HTML, terminal).
struct Table {
    std::vector<std::string> headers;
    std::vector<bool> numeric; ///< right-aligned columns
    std::vector<std::vector<std::string>> rows;
};

/// One layer with what the report adds to it.
struct LayerRow {
    const analysis::LayerStats* layer = nullptr;
    std::string dtype; ///< element type of the layer's largest weight, "" without weights
    double share = 0.0; ///< of the model's weight bytes
    bool hasAfter = false; ///< a preview was given
    std::uint64_t bytesAfter = 0;
    double sparsityAfter = 0.0;
    std::optional<double> sqnrDb; ///< lowest SQNR over the layer's changed float tensors; +inf when exact
};

/// Every layer in model order, with the preview's "after" numbers when there is one.
std::vector<LayerRow> layerRows(const ReportInput& input);
/// Indices into `rows` of the `count` largest layers by bytes (layers without weights left out unless
/// `withoutWeights`; ties keep model order).
std::vector<std::size_t> topByBytes(const std::vector<LayerRow>& rows, std::size_t count, bool withoutWeights = false);

std::uint64_t recoverableBytes(const analysis::Analysis& a);
std::string fileName(const std::string& path);
std::string opsetsText(const analysis::ModelSummary& m);
std::string sqnrText(double sqnrDb); ///< "41.2", "exact"
std::string fixed(double value, int decimals);
std::string significant(double value); ///< three significant digits, for tables

Table identityTable(const ReportInput& input);
Table summaryTable(const analysis::Analysis& a);
Table findingsTable(const analysis::Analysis& a);
Table layersTable(const std::vector<LayerRow>& rows, const std::vector<std::size_t>& which);
Table beforeAfterTable(const ReportInput& input); ///< needs a preview
Table tensorChangesTable(const slim::Preview& preview); ///< changed tensors, largest first
Table stepsTable(const slim::Preview& preview);
/// prune_channels: each channel group, its channels before and after, and why a group was left alone.
Table channelGroupsTable(const slim::Preview& preview);
/// prune_channels with inputs: the input features the slimmed model no longer reads.
Table removedInputFeaturesTable(const slim::Preview& preview);
Table verificationTable(const runtime::Verification& verification, const runtime::FidelityThresholds& thresholds);
/// The most sensitive layers (at most 25), most sensitive first.
Table sensitivityTable(const plan::Sensitivity& sensitivity);

std::string csvField(std::string_view text);
std::string markdownCell(std::string_view text);
std::string xmlEscape(std::string_view text); ///< text and attribute values (quotes escaped too)

void renderMarkdownTable(std::ostream& out, const Table& table);
void renderHtmlTable(std::ostream& out, const Table& table);
void renderTextTable(std::ostream& out, const Table& table, std::size_t maxCellWidth = 48);

/// `<!DOCTYPE html>`, the XHTML root, an inline print-friendly style sheet and `<body>`; htmlEnd closes them.
void htmlBegin(std::ostream& out, std::string_view title);
void htmlEnd(std::ostream& out);
/// A chart as `<figure>` with a data: URI image.
void htmlChart(std::ostream& out, const ChartImage& chart);

} // namespace slimscope::core::report::detail
