#include "qcp.h"

#include "dtypechart.h"
#include "palette.h"
#include "tickers.h"

#include <QFontMetricsF>
#include <QLocale>

#include <algorithm>

namespace slimscope::ui {

namespace {
constexpr double kBarWidth = 0.6; // of a row
constexpr double kMaxBarLines = 2.2; // bar thickness cap, in text lines: a few dtypes should not make slabs
constexpr double kLabelRoom = 1.45; // x range per largest bar, leaving room for its label
} // namespace

DtypeChart::DtypeChart(QWidget* parent)
    : ChartWidget(parent)
{
    QCustomPlot* p = plot();
    m_ticker = makeCategoryAxis(p->yAxis);
    p->yAxis->setRangeReversed(true); // largest on top
    p->xAxis->setTicker(QSharedPointer<ByteTicker>::create());
    p->xAxis->setLabel(tr("Weight bytes"));
    connect(p, &QCustomPlot::beforeReplot, this, &DtypeChart::fitBarWidth);
    rebuild();
}

void DtypeChart::setAnalysis(const AnalysisPtr& analysis)
{
    m_analysis = analysis;
    rebuild();
}

QStringList DtypeChart::dtypes() const
{
    QStringList names;
    for (int index : m_order)
        names.append(dtypeText(m_analysis->byDtype[static_cast<std::size_t>(index)].dtype));
    return names;
}

void DtypeChart::rebuild()
{
    QCustomPlot* p = plot();
    for (QCPBars* bars : std::as_const(m_bars))
        p->removePlottable(bars);
    for (QCPItemText* label : std::as_const(m_labels))
        p->removeItem(label);
    m_bars.clear();
    m_labels.clear();
    m_order.clear();
    m_totalBytes = 0;

    if (m_analysis) {
        const auto& totals = m_analysis->byDtype;
        for (int i = 0; i < static_cast<int>(totals.size()); ++i) {
            m_order.push_back(i);
            m_totalBytes += totals[static_cast<std::size_t>(i)].bytes;
        }
        std::stable_sort(m_order.begin(), m_order.end(), [&totals](int a, int b) {
            return totals[static_cast<std::size_t>(a)].bytes > totals[static_cast<std::size_t>(b)].bytes;
        });
    }

    double maxBytes = 0.0;
    for (int row = 0; row < static_cast<int>(m_order.size()); ++row) {
        const auto& total = m_analysis->byDtype[static_cast<std::size_t>(m_order[static_cast<std::size_t>(row)])];
        const auto bytes = static_cast<double>(total.bytes);
        maxBytes = std::max(maxBytes, bytes);
        auto* bars = new QCPBars(p->yAxis, p->xAxis);
        bars->setWidth(kBarWidth);
        bars->setSelectable(QCP::stNone);
        bars->addData(row, bytes);
        m_bars.append(bars);

        auto* label = new QCPItemText(p);
        label->position->setCoords(bytes, row); // plot coords: x = value, y = row
        label->setPositionAlignment(Qt::AlignLeft | Qt::AlignVCenter);
        label->setPadding(QMargins(6, 0, 0, 0));
        const double share = m_totalBytes ? 100.0 * bytes / static_cast<double>(m_totalBytes) : 0.0;
        label->setText(QStringLiteral("%1 · %2").arg(formatBytes(bytes), formatPercent(share)));
        m_labels.append(label);
    }
    m_ticker->setLabels(dtypes());
    p->yAxis->setRange(-0.6, std::max(0.6, static_cast<double>(m_order.size()) - 0.4));
    setXLimits(0, maxBytes > 0 ? maxBytes * kLabelRoom : 1024.0);
    setEmptyMessage(m_analysis && m_order.empty() ? tr("No weight tensors") : QString());
    applyTheme();
    replotLater();
}

void DtypeChart::fitBarWidth()
{
    const double rowPixels = std::abs(plot()->yAxis->coordToPixel(1) - plot()->yAxis->coordToPixel(0));
    const double maxPixels = QFontMetricsF(theme().smallFont).height() * kMaxBarLines;
    const double width = rowPixels > 0 ? std::min(kBarWidth, maxPixels / rowPixels) : kBarWidth;
    for (QCPBars* bars : std::as_const(m_bars))
        bars->setWidth(width);
}

void DtypeChart::applyTheme()
{
    for (qsizetype i = 0; i < m_bars.size(); ++i) {
        const auto& total = m_analysis->byDtype[static_cast<std::size_t>(m_order[static_cast<std::size_t>(i)])];
        const QColor colour = dtypeColour(total.dtype);
        m_bars[i]->setPen(theme().barPen);
        m_bars[i]->setBrush(colour);
        styleText(m_labels[i]);
    }
}

QString DtypeChart::toolTipAt(QPoint pos) const
{
    const int row = categoryAt(pos, plot()->yAxis, static_cast<int>(m_order.size()));
    if (row < 0)
        return {};
    const auto& total = m_analysis->byDtype[static_cast<std::size_t>(m_order[static_cast<std::size_t>(row)])];
    const double share = m_totalBytes ? 100.0 * static_cast<double>(total.bytes) / m_totalBytes : 0.0;
    return tr(
        "<b>%1</b><br/>%n tensor(s), %2 elements<br/>%3 (%4)<br/>share: %5", nullptr, static_cast<int>(total.tensors))
        .arg(dtypeText(total.dtype).toHtmlEscaped(), QLocale().toString(static_cast<qulonglong>(total.elements)),
            formatExactBytes(total.bytes), formatBytes(static_cast<double>(total.bytes)), formatPercent(share));
}

} // namespace slimscope::ui
