#pragma once

#include "analysis/analysis.h"
#include "plan/sensitivity.h"
#include "runtime/verify.h"
#include "slim/exporter.h"
#include "slim/recipe.h"
#include "slim/slimmer.h"

#include <filesystem>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace slimscope::core::report {

inline constexpr std::string_view kReportSchema = "slimscope.report/1";

/// Everything a review report shows. Only `analysis` is required; the slimming sections appear when `preview` is
/// given, the recipe when `recipe` is, the verification when `verification` is.
struct ReportInput {
    std::shared_ptr<const analysis::Analysis> analysis;
    const slim::Recipe* recipe = nullptr;
    const slim::Preview* preview = nullptr;
    const slim::ExportResult* written = nullptr;
    const runtime::Verification* verification = nullptr;
    runtime::FidelityThresholds thresholds; ///< the floors the verification's verdict is judged by
    const plan::Sensitivity* sensitivity = nullptr; ///< a sensitivity sweep, when one was computed
    std::string generatedAt; ///< ISO 8601 UTC, e.g. "2026-11-27T21:50:00Z"
};

/// A chart rendered by the caller (the UI layer draws charts; core only embeds or references them).
struct ChartImage {
    std::string id;
    std::string title;
    std::string png; ///< PNG bytes
    std::string fileName; ///< for Markdown, e.g. "report_pareto.png"; the caller writes the file next to the .md
};

/// Rows of the "top layers" section and of the Markdown per-layer table.
inline constexpr int kReportTopLayers = 15;
inline constexpr int kReportMarkdownLayerRows = 50;

/// JSON, schema slimscope.report/1 (docs/report.md).
void writeReportJson(std::ostream& out, const ReportInput& input);
/// One row per layer (RFC 4180); with a preview, the slimmed bytes, sparsity and SQNR of each layer's weights.
void writeReportCsv(std::ostream& out, const ReportInput& input);
/// Markdown for a pull request; images referenced by ChartImage::fileName.
void writeReportMarkdown(std::ostream& out, const ReportInput& input, const std::vector<ChartImage>& charts);
/// One self-contained XHTML-compatible file: inline style, images as data: URIs, no external references.
void writeReportHtml(std::ostream& out, const ReportInput& input, const std::vector<ChartImage>& charts);

/// The report format a file name asks for by its extension ("html", "pdf", "md", "json" or "csv"; case does not
/// matter, .htm and .markdown count); empty when the extension names none of them.
std::string reportFormatFor(const std::filesystem::path& path);

/// Standard base64 (RFC 4648, with padding).
std::string base64(std::string_view bytes);

} // namespace slimscope::core::report
