#include "qcp.h"

#include "beforeafterchart.h"
#include "tickers.h"

#include <algorithm>
#include <numeric>

namespace slimscope::ui {

BeforeAfterChart::BeforeAfterChart(QWidget* parent)
    : ChartWidget(parent)
{
    QCustomPlot* p = plot();
    m_group = new QCPBarsGroup(p);
    m_group->setSpacingType(QCPBarsGroup::stAbsolute);
    m_group->setSpacing(1);
    m_before = new QCPBars(p->xAxis, p->yAxis);
    m_after = new QCPBars(p->xAxis, p->yAxis);
    m_before->setName(tr("Before"));
    m_after->setName(tr("After"));
    for (QCPBars* bars : { m_before, m_after }) {
        bars->setWidth(0.38);
        bars->setSelectable(QCP::stNone);
        bars->setBarsGroup(m_group);
    }
    m_ticker = makeCategoryAxis(p->xAxis);
    p->xAxis->setLabel(tr("Layers"));
    p->yAxis->setTicker(QSharedPointer<ByteTicker>::create());
    p->yAxis->setLabel(tr("Weight bytes"));
    p->legend->setVisible(true);
    p->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
    applyTheme();
    setData({}, {}, {});
}

void BeforeAfterChart::setData(const QStringList& names, const QVector<double>& before, const QVector<double>& after)
{
    const qsizetype count = std::min({ names.size(), before.size(), after.size() });
    m_names = names.mid(0, count);
    m_beforeValues = before.mid(0, count);
    m_afterValues = after.mid(0, count);

    QVector<double> keys(count);
    std::iota(keys.begin(), keys.end(), 0.0);
    m_before->setData(keys, m_beforeValues, true);
    m_after->setData(keys, m_afterValues, true);
    QStringList labels;
    for (const QString& name : std::as_const(m_names))
        labels.append(elideLabel(name));
    m_ticker->setLabels(labels);

    double maxBytes = 1024.0;
    for (qsizetype i = 0; i < count; ++i)
        maxBytes = std::max({ maxBytes, m_beforeValues[i], m_afterValues[i] });
    plot()->yAxis->setRange(0, maxBytes * 1.15); // headroom for the legend
    setXLimits(-0.6, std::max(0.6, static_cast<double>(count) - 0.4));

    const double totalBefore = std::accumulate(m_beforeValues.begin(), m_beforeValues.end(), 0.0);
    const double totalAfter = std::accumulate(m_afterValues.begin(), m_afterValues.end(), 0.0);
    if (count == 0) {
        setTitle(tr("Slimming preview"));
    } else {
        const double saved = totalBefore - totalAfter;
        setTitle(tr("Slimming preview: %1 → %2, saves %3 (%4)")
                     .arg(formatBytes(totalBefore), formatBytes(totalAfter), formatBytes(saved),
                         formatPercent(totalBefore > 0 ? 100.0 * saved / totalBefore : 0.0)));
    }
    replotLater();
}

void BeforeAfterChart::applyTheme()
{
    m_before->setPen(theme().barPen);
    m_before->setBrush(theme().muted);
    m_after->setPen(theme().barPen);
    m_after->setBrush(theme().accent);
}

QString BeforeAfterChart::toolTipAt(QPoint pos) const
{
    const int index = categoryAt(pos, plot()->xAxis, static_cast<int>(m_names.size()));
    if (index < 0)
        return {};
    const double before = m_beforeValues[index];
    const double after = m_afterValues[index];
    return tr("<b>%1</b><br/>before: %2<br/>after: %3<br/>saved: %4 (%5)")
        .arg(m_names[index].toHtmlEscaped(), formatBytes(before), formatBytes(after), formatBytes(before - after),
            formatPercent(before > 0 ? 100.0 * (before - after) / before : 0.0));
}

} // namespace slimscope::ui
