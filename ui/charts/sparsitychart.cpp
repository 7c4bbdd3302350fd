#include "qcp.h"

#include "sparsitychart.h"
#include "tickers.h"

#include <QLocale>

namespace slimscope::ui {

SparsityChart::SparsityChart(QWidget* parent)
    : ChartWidget(parent)
{
    QCustomPlot* p = plot();
    m_bars = new QCPBars(p->xAxis, p->yAxis);
    m_bars->setWidth(0.72);
    m_bars->setSelectable(QCP::stNone);
    m_ticker = makeCategoryAxis(p->xAxis);
    p->xAxis->setLabel(tr("Layers with weights, in graph order"));
    p->yAxis->setTicker(QSharedPointer<PercentTicker>::create());
    p->yAxis->setLabel(tr("Zero weights"));
    p->yAxis->setRange(0, 100);
    applyTheme();
    rebuild();
}

void SparsityChart::setAnalysis(const AnalysisPtr& analysis)
{
    m_analysis = analysis;
    rebuild();
}

void SparsityChart::rebuild()
{
    m_layers.clear();
    QVector<double> keys, values;
    QStringList labels;
    if (m_analysis) {
        const auto& layers = m_analysis->layers;
        for (int i = 0; i < static_cast<int>(layers.size()); ++i) {
            const auto& layer = layers[static_cast<std::size_t>(i)];
            if (layer.params == 0)
                continue;
            keys.append(m_layers.size());
            values.append(100.0 * layer.sparsity);
            labels.append(elideLabel(QString::fromStdString(layer.name)));
            m_layers.append(i);
        }
    }
    m_bars->setData(keys, values, true);
    m_ticker->setLabels(labels);
    setXLimits(-0.6, std::max(0.6, static_cast<double>(m_layers.size()) - 0.4));
    setEmptyMessage(m_analysis && m_layers.isEmpty() ? tr("No layer holds weights") : QString());
    replotLater();
}

void SparsityChart::applyTheme()
{
    m_bars->setPen(theme().barPen);
    m_bars->setBrush(theme().accent);
}

QString SparsityChart::toolTipAt(QPoint pos) const
{
    const int index = categoryAt(pos, plot()->xAxis, static_cast<int>(m_layers.size()));
    if (index < 0)
        return {};
    const auto& layer = m_analysis->layers[static_cast<std::size_t>(m_layers[index])];
    std::uint64_t elements = 0; // dense, as the zeros are counted
    for (const core::analysis::TensorIndex tensor : layer.tensors)
        elements += m_analysis->tensor(tensor).elements;
    const QLocale locale;
    return tr("<b>%1</b><br/>op: %2<br/>sparsity: %3<br/>%4 of %5 weights are zero")
        .arg(QString::fromStdString(layer.name).toHtmlEscaped(), QString::fromStdString(layer.opType),
            formatPercent(100.0 * layer.sparsity), locale.toString(static_cast<qulonglong>(layer.zeros)),
            locale.toString(static_cast<qulonglong>(elements)));
}

void SparsityChart::clickedAt(QPoint pos)
{
    const int index = categoryAt(pos, plot()->xAxis, static_cast<int>(m_layers.size()));
    if (index >= 0)
        emit layerSelected(m_layers[index]);
}

} // namespace slimscope::ui
