#include "charts/qcp.h" // first: QCustomPlot must see the foreach definitions

#include "reports/reportcharts.h"

#include "charts/beforeafterchart.h"
#include "charts/dtypechart.h"
#include "charts/paretochart.h"
#include "charts/sparsitychart.h"
#include "graph/graphscene.h"

#include <QBuffer>
#include <QPixmap>

#include <algorithm>
#include <unordered_map>

namespace slimscope::ui {

namespace {

constexpr std::size_t kBeforeAfterLayers = 30;

/// Weight bytes per layer before and after the preview's recipe, the layers with most bytes before first.
void fillBeforeAfter(
    BeforeAfterChart& chart, const core::analysis::Analysis& analysis, const core::slim::Preview& preview)
{
    const std::vector<std::uint64_t> after = layerBytesAfter(analysis, preview);
    std::vector<std::size_t> rows;
    for (std::size_t i = 0; i < analysis.layers.size(); ++i)
        if (analysis.layers[i].bytes > 0 || after[i] > 0)
            rows.push_back(i);
    std::ranges::stable_sort(rows, std::greater {}, [&](std::size_t i) { return analysis.layers[i].bytes; });
    QStringList names;
    QVector<double> beforeBytes, afterBytes;
    for (std::size_t i = 0; i < rows.size() && i < kBeforeAfterLayers; ++i) {
        names << QString::fromStdString(analysis.layers[rows[i]].name);
        beforeBytes << static_cast<double>(analysis.layers[rows[i]].bytes);
        afterBytes << static_cast<double>(after[rows[i]]);
    }
    chart.setData(names, beforeBytes, afterBytes);
}

void layOut(ChartWidget& chart, QSize size)
{
    chart.setAttribute(Qt::WA_DontShowOnScreen);
    chart.resize(size);
    chart.plot()->resize(size);
    // Category axes learn how many labels fit before each replot; replot now, at the report's size.
    chart.plot()->replot(QCustomPlot::rpImmediateRefresh);
}

} // namespace

std::vector<std::uint64_t> layerBytesAfter(const core::analysis::Analysis& analysis, const core::slim::Preview& preview)
{
    const auto changes = core::slim::changesByTensor(preview, analysis.tensors.size());
    std::vector<std::uint64_t> after;
    after.reserve(analysis.layers.size());
    for (const auto& layer : analysis.layers) {
        std::uint64_t bytes = 0;
        for (const core::analysis::TensorIndex t : layer.tensors) {
            const auto* change = changes[t.get()];
            bytes += change ? change->bytesAfter : analysis.tensor(t).bytes;
        }
        after.push_back(bytes);
    }
    return after;
}

std::vector<ReportChart> buildReportCharts(const core::report::ReportInput& input, QSize size)
{
    std::vector<ReportChart> charts;
    if (!input.analysis)
        return charts;
    auto pareto = std::make_unique<ParetoChart>();
    pareto->setAnalysis(input.analysis);
    charts.push_back({ "pareto", "Weight bytes per layer (Pareto)", std::move(pareto) });
    auto dtype = std::make_unique<DtypeChart>();
    dtype->setAnalysis(input.analysis);
    charts.push_back({ "dtype", "Weight bytes by dtype", std::move(dtype) });
    auto sparsity = std::make_unique<SparsityChart>();
    sparsity->setAnalysis(input.analysis);
    charts.push_back({ "sparsity", "Sparsity per layer", std::move(sparsity) });
    if (input.preview) {
        auto beforeAfter = std::make_unique<BeforeAfterChart>();
        fillBeforeAfter(*beforeAfter, *input.analysis, *input.preview);
        charts.push_back(
            { "before_after", "Weight bytes per layer before and after slimming", std::move(beforeAfter) });
    }
    for (auto& chart : charts)
        layOut(*chart.widget, size);
    return charts;
}

std::optional<QImage> reportGraphImage(const core::report::ReportInput& input)
{
    if (!input.analysis)
        return std::nullopt;
    // With a recipe, the sizes after it (removed nodes are not known from the preview alone: they stay drawn).
    core::graph::Figures figures = core::graph::figuresOf(*input.analysis);
    if (input.preview)
        core::graph::applyPreview(figures, *input.analysis, *input.preview, {});
    auto image = graphImage(*input.analysis, kReportGraphNodes, &figures);
    if (!image)
        return std::nullopt; // without Graphviz's dot the report simply has no graph
    return std::move(*image);
}

std::string reportGraphTitle()
{
    return "Graph of the top scopes (" + std::to_string(kReportGraphNodes)
        + " nodes at most; a stacked box is a closed group of layers; colour and width: weight bytes)";
}

std::optional<core::report::ChartImage> reportGraphChart(
    const core::report::ReportInput& input, const std::string& stem)
{
    const auto graph = reportGraphImage(input);
    QByteArray bytes;
    QBuffer buffer(&bytes);
    if (!graph || !buffer.open(QIODevice::WriteOnly) || !graph->save(&buffer, "PNG"))
        return std::nullopt;
    return core::report::ChartImage { "graph", reportGraphTitle(), bytes.toStdString(), stem + "_graph.png" };
}

std::vector<core::report::ChartImage> renderReportCharts(
    const core::report::ReportInput& input, QSize size, const std::string& stem, bool withGraph)
{
    std::vector<core::report::ChartImage> images;
    for (const auto& chart : buildReportCharts(input, size)) {
        const QPixmap pixmap = chart.widget->plot()->toPixmap(size.width(), size.height(), 1.0);
        QByteArray bytes;
        QBuffer buffer(&bytes);
        if (!buffer.open(QIODevice::WriteOnly) || !pixmap.save(&buffer, "PNG"))
            continue;
        images.push_back({ chart.id, chart.title, bytes.toStdString(), stem + "_" + chart.id + ".png" });
    }
    if (withGraph)
        if (auto graph = reportGraphChart(input, stem))
            images.push_back(std::move(*graph));
    return images;
}

} // namespace slimscope::ui
