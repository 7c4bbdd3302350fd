#include "qcp.h"

#include "frontierchart.h"
#include "tickers.h"

#include <algorithm>
#include <cmath>

namespace slimscope::ui {

FrontierChart::FrontierChart(QWidget* parent)
    : ChartWidget(parent)
{
    QCustomPlot* p = plot();
    m_points = p->addGraph();
    m_points->setLineStyle(QCPGraph::lsNone);
    m_points->setSelectable(QCP::stNone);
    m_highlight = p->addGraph();
    m_highlight->setLineStyle(QCPGraph::lsNone);
    m_highlight->setSelectable(QCP::stNone);
    m_floor = new QCPItemStraightLine(p);
    m_target = new QCPItemStraightLine(p);
    p->xAxis->setTicker(QSharedPointer<ByteTicker>::create());
    p->xAxis->setLabel(tr("File size the recipe writes"));
    p->yAxis->setLabel(tr("Lowest output cosine (ONNX Runtime)"));
    applyTheme();
    setPlan(nullptr);
}

void FrontierChart::setPlan(const core::plan::Plan* plan)
{
    m_evaluated = plan ? plan->evaluated : std::vector<core::plan::PlanPoint> {};
    QVector<double> x, y;
    double low = 1.0, maxBytes = 1.0;
    for (const auto& point : m_evaluated) {
        x << static_cast<double>(point.predictedBytes);
        y << point.minCosine;
        low = std::min(low, point.minCosine);
        maxBytes = std::max(maxBytes, static_cast<double>(point.predictedBytes));
    }
    m_points->setData(x, y);
    if (plan) {
        low = std::min(low, plan->minCosine);
        maxBytes = std::max({ maxBytes, static_cast<double>(plan->targetBytes), static_cast<double>(plan->fileBytes) });
        m_floor->point1->setCoords(0, plan->minCosine);
        m_floor->point2->setCoords(1, plan->minCosine);
        m_target->point1->setCoords(static_cast<double>(plan->targetBytes), 0);
        m_target->point2->setCoords(static_cast<double>(plan->targetBytes), 1);
        setTitle(tr("Size and fidelity of the recipes the planner verified"),
            tr("target %1, floor cosine %2: %3")
                .arg(formatBytes(static_cast<double>(plan->targetBytes)))
                .arg(plan->minCosine)
                .arg(plan->met ? tr("met") : tr("not met")));
    }
    m_floor->setVisible(plan != nullptr);
    m_target->setVisible(plan != nullptr);
    const double span = std::max(1.0 - low, 1e-4);
    plot()->yAxis->setRange(low - span * 0.15, 1.0 + span * 0.15);
    setXLimits(0, maxBytes * 1.08);
    setEmptyMessage(plan ? QString() : tr("Plan for… in the Slim view fills this chart"));
    setCurrent(m_evaluated.empty() ? -1 : static_cast<int>(m_evaluated.size()) - 1);
}

void FrontierChart::setCurrent(int index)
{
    m_current = index >= 0 && index < static_cast<int>(m_evaluated.size()) ? index : -1;
    m_highlight->data()->clear();
    if (m_current >= 0)
        m_highlight->addData(static_cast<double>(m_evaluated[static_cast<std::size_t>(m_current)].predictedBytes),
            m_evaluated[static_cast<std::size_t>(m_current)].minCosine);
    replotLater();
}

void FrontierChart::applyTheme()
{
    m_points->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, theme().accent, theme().accent, 9));
    m_highlight->setScatterStyle(
        QCPScatterStyle(QCPScatterStyle::ssCircle, QPen(theme().contrast, 2.5), Qt::NoBrush, 17));
    QPen dashed(theme().mutedText, 1.2, Qt::DashLine);
    m_floor->setPen(dashed);
    m_target->setPen(dashed);
}

int FrontierChart::pointAt(QPoint pos) const
{
    int best = -1;
    double bestDistance = 12.0; // pixels
    for (std::size_t i = 0; i < m_evaluated.size(); ++i) {
        const double px = plot()->xAxis->coordToPixel(static_cast<double>(m_evaluated[i].predictedBytes));
        const double py = plot()->yAxis->coordToPixel(m_evaluated[i].minCosine);
        const double distance = std::hypot(px - pos.x(), py - pos.y());
        if (distance < bestDistance) {
            bestDistance = distance;
            best = static_cast<int>(i);
        }
    }
    return best;
}

QString FrontierChart::toolTipAt(QPoint pos) const
{
    const int index = pointAt(pos);
    if (index < 0)
        return {};
    const auto& point = m_evaluated[static_cast<std::size_t>(index)];
    return tr("<b>Recipe %1</b><br/>%2, lowest output cosine %3<br/>%4 layers changed, %5 steps<br/>click to adopt")
        .arg(index + 1)
        .arg(formatBytes(static_cast<double>(point.predictedBytes)))
        .arg(point.minCosine, 0, 'f', 6)
        .arg(point.layers)
        .arg(point.recipe.steps.size());
}

void FrontierChart::clickedAt(QPoint pos)
{
    const int index = pointAt(pos);
    if (index >= 0)
        emit pointClicked(index);
}

} // namespace slimscope::ui
