#pragma once

#include "report/report.h"

#include <QImage>
#include <QSize>
#include <QString>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace slimscope::ui {

class ChartWidget;

/// One chart of a report, built from the same widgets the GUI shows, laid out at a fixed size and never shown.
struct ReportChart {
    std::string id; ///< "pareto", "dtype", "sparsity", "before_after"
    std::string title;
    std::unique_ptr<ChartWidget> widget;
};

/// Builds the report's charts (bytes Pareto, dtype breakdown, sparsity per layer and, with a preview, bytes per
/// layer before and after) at `size`, replotted and ready to paint. Needs a QApplication (offscreen is fine).
std::vector<ReportChart> buildReportCharts(const core::report::ReportInput& input, QSize size = { 960, 480 });

/// Weight bytes of each layer (index into Analysis::layers) after the preview's recipe: the sum over the tensors
/// it reads of their bytes after slimming (unchanged tensors keep their bytes).
std::vector<std::uint64_t> layerBytesAfter(
    const core::analysis::Analysis& analysis, const core::slim::Preview& preview);

/// Nodes of the report's graph picture: the model's outline, name scopes closed until this many nodes show.
inline constexpr std::size_t kReportGraphNodes = 40;

/// The report's graph picture (graphImage), or nullopt when Graphviz's dot is not installed.
std::optional<QImage> reportGraphImage(const core::report::ReportInput& input);
std::string reportGraphTitle();

/// The graph picture as a PNG chart named "<stem>_graph.png"; nullopt without Graphviz's dot. Any thread: it draws
/// no widget (the GUI makes it in the report's worker, since it runs dot).
std::optional<core::report::ChartImage> reportGraphChart(
    const core::report::ReportInput& input, const std::string& stem);

/// The same charts, and the graph picture unless `withGraph` is false, as PNG bytes, named "<stem>_<id>.png" for the
/// Markdown report's neighbouring files.
std::vector<core::report::ChartImage> renderReportCharts(const core::report::ReportInput& input,
    QSize size = { 960, 480 }, const std::string& stem = "report", bool withGraph = true);

} // namespace slimscope::ui
