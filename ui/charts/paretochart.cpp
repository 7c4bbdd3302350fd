#include "qcp.h"

#include "paretochart.h"
#include "tickers.h"

#include <algorithm>

namespace slimscope::ui {

namespace {
constexpr double kBarWidth = 0.72;
}

ParetoChart::ParetoChart(QWidget* parent)
    : ChartWidget(parent)
{
    QCustomPlot* p = plot();
    m_layerBars = new QCPBars(p->xAxis, p->yAxis);
    m_otherBar = new QCPBars(p->xAxis, p->yAxis);
    for (QCPBars* bars : { m_layerBars, m_otherBar }) {
        bars->setWidth(kBarWidth);
        bars->setSelectable(QCP::stNone);
    }
    m_line = p->addGraph(p->xAxis, p->yAxis2);
    m_line->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, 5));
    m_line->setSelectable(QCP::stNone);

    m_ticker = makeCategoryAxis(p->xAxis);
    p->xAxis->setLabel(tr("Layers, largest first"));
    p->yAxis->setTicker(QSharedPointer<ByteTicker>::create());
    p->yAxis->setLabel(tr("Weight bytes"));
    p->yAxis2->setVisible(true);
    p->yAxis2->setTicker(QSharedPointer<PercentTicker>::create());
    p->yAxis2->setRange(0, 100);
    p->yAxis2->setLabel(tr("Cumulative share"));
    p->yAxis2->grid()->setVisible(false);
    applyTheme();
    rebuild();
}

void ParetoChart::setAnalysis(const AnalysisPtr& analysis)
{
    m_analysis = analysis;
    rebuild();
}

void ParetoChart::setTopN(int topN)
{
    m_topN = std::max(1, topN);
    rebuild();
}

QVector<int> ParetoChart::barLayers() const
{
    QVector<int> layers;
    for (const Bar& bar : m_bars)
        layers.append(bar.layer);
    return layers;
}

void ParetoChart::rebuild()
{
    m_bars.clear();
    m_totalBytes = 0;
    if (m_analysis) {
        const auto& layers = m_analysis->layers;
        std::vector<int> order;
        for (int i = 0; i < static_cast<int>(layers.size()); ++i) {
            if (layers[static_cast<std::size_t>(i)].bytes > 0) {
                order.push_back(i);
                m_totalBytes += layers[static_cast<std::size_t>(i)].bytes;
            }
        }
        // Largest first; equal sizes stay in graph order so the chart does not reshuffle between runs.
        std::stable_sort(order.begin(), order.end(), [&layers](int a, int b) {
            return layers[static_cast<std::size_t>(a)].bytes > layers[static_cast<std::size_t>(b)].bytes;
        });
        const std::size_t shown = std::min(order.size(), static_cast<std::size_t>(m_topN));
        for (std::size_t i = 0; i < shown; ++i)
            m_bars.append({ order[i], layers[static_cast<std::size_t>(order[i])].bytes, 0.0, 1 });
        if (order.size() > shown) {
            Bar other { -1, 0, 0.0, static_cast<int>(order.size() - shown) };
            for (std::size_t i = shown; i < order.size(); ++i)
                other.bytes += layers[static_cast<std::size_t>(order[i])].bytes;
            m_bars.append(other);
        }
    }

    QVector<double> keys, values, lineKeys, lineValues;
    QStringList labels;
    std::uint64_t running = 0;
    for (int i = 0; i < m_bars.size(); ++i) {
        Bar& bar = m_bars[i];
        running += bar.bytes;
        // The last point is exactly 100 %: the bars cover every layer with bytes.
        bar.cumulativePercent = running == m_totalBytes ? 100.0 : 100.0 * running / m_totalBytes;
        labels.append(elideLabel(name(bar)));
        lineKeys.append(i);
        lineValues.append(bar.cumulativePercent);
        if (bar.layer >= 0) {
            keys.append(i);
            values.append(static_cast<double>(bar.bytes));
        }
    }
    m_layerBars->setData(keys, values, true);
    m_otherBar->data()->clear();
    if (!m_bars.isEmpty() && m_bars.last().layer < 0)
        m_otherBar->addData(m_bars.size() - 1, static_cast<double>(m_bars.last().bytes));
    m_line->setData(lineKeys, lineValues, true);
    m_ticker->setLabels(labels);

    const double maxBytes = m_bars.isEmpty()
        ? 1024.0
        : static_cast<double>(std::max_element(m_bars.begin(), m_bars.end(), [](const Bar& a, const Bar& b) {
              return a.bytes < b.bytes;
          })->bytes);
    plot()->yAxis->setRange(0, maxBytes * 1.08);
    plot()->yAxis2->setRange(0, 100 * 1.08); // same headroom, so the last point does not sit on the frame
    setXLimits(-0.6, std::max<double>(static_cast<double>(m_bars.size()) - 0.4, 0.6));
    setEmptyMessage(m_analysis && m_bars.isEmpty() ? tr("No layer holds weights") : QString());
    replotLater();
}

QString ParetoChart::name(const Bar& bar) const
{
    if (bar.layer < 0)
        return tr("other (%n layers)", nullptr, bar.layerCount);
    return QString::fromStdString(m_analysis->layers[static_cast<std::size_t>(bar.layer)].name);
}

void ParetoChart::applyTheme()
{
    m_layerBars->setPen(theme().barPen);
    m_layerBars->setBrush(theme().accent);
    m_otherBar->setPen(theme().barPen);
    m_otherBar->setBrush(theme().muted);
    m_line->setPen(theme().linePen);
    m_line->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, theme().contrast, theme().contrast, 5));
}

QString ParetoChart::toolTipAt(QPoint pos) const
{
    const int index = categoryAt(pos, plot()->xAxis, static_cast<int>(m_bars.size()));
    if (index < 0)
        return {};
    const Bar& bar = m_bars[index];
    const double share = m_totalBytes ? 100.0 * static_cast<double>(bar.bytes) / m_totalBytes : 0.0;
    QString head;
    if (bar.layer >= 0) {
        const auto& layer = m_analysis->layers[static_cast<std::size_t>(bar.layer)];
        head = tr("<b>%1</b><br/>op: %2").arg(name(bar).toHtmlEscaped(), QString::fromStdString(layer.opType));
    } else {
        head = tr("<b>%1</b>").arg(name(bar).toHtmlEscaped());
    }
    return tr("%1<br/>%2 (%3)<br/>share: %4<br/>cumulative: %5")
        .arg(head, formatExactBytes(bar.bytes), formatBytes(static_cast<double>(bar.bytes)), formatPercent(share),
            formatPercent(bar.cumulativePercent));
}

void ParetoChart::clickedAt(QPoint pos)
{
    const int index = categoryAt(pos, plot()->xAxis, static_cast<int>(m_bars.size()));
    if (index >= 0 && m_bars[index].layer >= 0)
        emit layerSelected(m_bars[index].layer);
}

} // namespace slimscope::ui
