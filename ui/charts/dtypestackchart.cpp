#include "qcp.h"

#include "dtypestackchart.h"
#include "palette.h"
#include "tickers.h"

#include <algorithm>

namespace slimscope::ui {

namespace {
constexpr double kAfterKey = 1.0;
constexpr double kBeforeKey = 2.0;
}

DtypeStackChart::DtypeStackChart(QWidget* parent)
    : ChartWidget(parent)
{
    QCustomPlot* p = plot();
    // Horizontal bars: the key axis is the left one.
    auto ticker = QSharedPointer<QCPAxisTickerText>::create();
    ticker->addTick(kAfterKey, tr("after"));
    ticker->addTick(kBeforeKey, tr("before"));
    p->yAxis->setTicker(ticker);
    p->yAxis->setRange(0.4, 2.6);
    p->yAxis->grid()->setVisible(false);
    p->xAxis->setTicker(QSharedPointer<ByteTicker>::create());
    p->xAxis->setLabel(tr("Weight bytes by dtype"));
    // The legend gets a column of its own, right of the bars, so it never covers them.
    p->legend->setVisible(true);
    p->plotLayout()->addElement(0, 1, p->legend);
    p->plotLayout()->setColumnStretchFactor(1, 0.001);
    p->legend->setMargins(QMargins(4, 2, 4, 2));
    applyTheme();
    setPreview(nullptr);
}

void DtypeStackChart::setPreview(const core::slim::Preview* preview)
{
    QCustomPlot* p = plot();
    for (QCPBars* bars : m_layers)
        p->removePlottable(bars);
    m_layers.clear();
    m_dtypes.clear();
    m_bytes.clear();
    double widest = 1.0;
    if (preview) {
        // Every dtype of either side, largest before first, so the stack's order is the same in both bars.
        std::vector<std::pair<std::string, std::pair<double, double>>> rows;
        const auto add = [&](const std::vector<core::slim::DtypeBytes>& list, bool before) {
            for (const auto& entry : list) {
                auto it
                    = std::ranges::find(rows, entry.dtype, &std::pair<std::string, std::pair<double, double>>::first);
                if (it == rows.end()) {
                    rows.push_back({ entry.dtype, { 0.0, 0.0 } });
                    it = rows.end() - 1;
                }
                (before ? it->second.first : it->second.second) += static_cast<double>(entry.bytes);
            }
        };
        add(preview->weightBytesByDtypeBefore, true);
        add(preview->weightBytesByDtypeAfter, false);
        std::ranges::stable_sort(rows, std::greater {}, [](const auto& row) { return row.second.first; });
        QCPBars* below = nullptr;
        for (const auto& [dtype, bytes] : rows) {
            auto* bars = new QCPBars(p->yAxis, p->xAxis);
            bars->setName(QString::fromStdString(dtype));
            bars->setWidth(0.6);
            bars->setSelectable(QCP::stNone);
            bars->addData(kBeforeKey, bytes.first);
            bars->addData(kAfterKey, bytes.second);
            const QColor colour = dtypeColour(dtype);
            bars->setBrush(colour);
            bars->setPen(QPen(colour.darker(130)));
            if (below)
                bars->moveAbove(below);
            below = bars;
            m_layers.append(bars);
            m_dtypes.append(QString::fromStdString(dtype));
            m_bytes.push_back(bytes);
        }
        double before = 0, after = 0;
        for (const auto& [dtype, bytes] : rows) {
            before += bytes.first;
            after += bytes.second;
        }
        widest = std::max({ widest, before, after });
    }
    p->xAxis->setRange(0, widest * 1.05);
    setXLimits(0, widest * 1.05);
    p->legend->setVisible(!m_layers.isEmpty());
    setEmptyMessage(preview ? QString() : tr("Add a step to see the bytes before and after"));
    replotLater();
}

double DtypeStackChart::bytesOf(const QString& dtype, bool before) const
{
    const qsizetype index = m_dtypes.indexOf(dtype);
    if (index < 0)
        return 0.0;
    const auto& bytes = m_bytes[static_cast<std::size_t>(index)];
    return before ? bytes.first : bytes.second;
}

void DtypeStackChart::applyTheme()
{
    plot()->legend->setFont(theme().smallFont);
    plot()->legend->setTextColor(theme().text);
    plot()->legend->setBrush(theme().background);
    plot()->legend->setBorderPen(theme().gridPen);
}

QString DtypeStackChart::toolTipAt(QPoint pos) const
{
    const double key = plot()->yAxis->pixelToCoord(pos.y());
    const bool before = std::abs(key - kBeforeKey) < 0.35;
    if (!before && std::abs(key - kAfterKey) >= 0.35)
        return {};
    QString text = before ? tr("<b>Before</b>") : tr("<b>After</b>");
    for (qsizetype i = 0; i < m_dtypes.size(); ++i) {
        const double bytes
            = before ? m_bytes[static_cast<std::size_t>(i)].first : m_bytes[static_cast<std::size_t>(i)].second;
        if (bytes > 0)
            text += tr("<br/>%1: %2").arg(m_dtypes[i], formatBytes(bytes));
    }
    return text;
}

} // namespace slimscope::ui
