#include "charts/beforeafterchart.h"
#include "charts/dtypechart.h"
#include "charts/histogramchart.h"
#include "charts/paretochart.h"
#include "charts/sparsitychart.h"
#include "pages.h"
#include "session/session.h"
#include "viewregistry.h"

#include <QCheckBox>
#include <QTabWidget>
#include <QVBoxLayout>

namespace slimscope::ui::views {

namespace {

/// The before/after chart's data: the 40 largest tensors of the preview, before and after.
void showPreview(BeforeAfterChart* chart, const SlimResultPtr& preview)
{
    QStringList names;
    QVector<double> before, after;
    if (preview) {
        std::vector<const core::slim::TensorChange*> rows;
        for (const auto& change : preview->preview.tensors)
            rows.push_back(&change);
        std::ranges::stable_sort(
            rows, std::greater {}, [](const core::slim::TensorChange* c) { return c->bytesBefore; });
        for (std::size_t i = 0; i < rows.size() && i < 40; ++i) {
            names << QString::fromStdString(rows[i]->name);
            before << static_cast<double>(rows[i]->bytesBefore);
            after << static_cast<double>(rows[i]->bytesAfter);
        }
    }
    chart->setData(names, before, after);
}

} // namespace

QWidget* charts(ViewContext& context)
{
    Session& session = context.session;
    auto* tabs = new QTabWidget(context.parent);
    tabs->setObjectName(QStringLiteral("chartTabs"));
    tabs->setTabPosition(QTabWidget::South);
    auto* pareto = new ParetoChart(tabs);
    auto* dtype = new DtypeChart(tabs);
    auto* sparsity = new SparsityChart(tabs);
    auto* histogramPage = new QWidget(tabs);
    auto* histogramLayout = new QVBoxLayout(histogramPage);
    histogramLayout->setContentsMargins(0, 0, 0, 0);
    auto* logScale = new QCheckBox(QObject::tr("Logarithmic counts"), histogramPage);
    auto* histogram = new HistogramChart(histogramPage);
    QObject::connect(logScale, &QCheckBox::toggled, histogram, &HistogramChart::setLogScale);
    histogramLayout->addWidget(logScale);
    histogramLayout->addWidget(histogram, 1);
    auto* beforeAfter = new BeforeAfterChart(tabs);
    tabs->addTab(pareto, QObject::tr("Bytes per layer"));
    tabs->addTab(dtype, QObject::tr("Bytes by dtype"));
    tabs->addTab(sparsity, QObject::tr("Sparsity"));
    tabs->addTab(histogramPage, QObject::tr("Weight histogram"));
    tabs->addTab(beforeAfter, QObject::tr("Before / after"));
    tabs->setTabToolTip(4, QObject::tr("Bytes per layer before and after the recipe in the Slim view"));

    QObject::connect(&session, &Session::analysisChanged, tabs, [=](const AnalysisPtr& analysis) {
        if (!analysis)
            return;
        pareto->setAnalysis(analysis);
        dtype->setAnalysis(analysis);
        sparsity->setAnalysis(analysis);
    });
    QObject::connect(&session, &Session::layerSelected, histogram, [&session, histogram] {
        if (const int tensor = session.selectedTensor(); tensor >= 0)
            histogram->setTensor(session.analysis(), tensor);
    });
    QObject::connect(&session, &Session::previewChanged, beforeAfter,
        [beforeAfter](const SlimResultPtr& preview) { showPreview(beforeAfter, preview); });
    QObject::connect(pareto, &ParetoChart::layerSelected, &session, &Session::selectLayer);
    QObject::connect(sparsity, &SparsityChart::layerSelected, &session, &Session::selectLayer);
    return tabs;
}

} // namespace slimscope::ui::views
