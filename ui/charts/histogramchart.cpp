#include "charts/palette.h"
#include "qcp.h"

#include "histogramchart.h"
#include "tickers.h"

#include <QLocale>

#include <algorithm>
#include <cmath>

namespace slimscope::ui {

namespace {

using core::analysis::kHistogramBins;

QString number(double value)
{
    return QLocale().toString(value, 'g', 4);
}

// Counts in full with digit grouping: 1,200,000 reads better than 1.2e+06.
class CountTicker : public QCPAxisTicker {
protected:
    QString getTickLabel(double tick, const QLocale&, QChar, int) override { return QLocale().toString(tick, 'f', 0); }
};

} // namespace

HistogramChart::HistogramChart(QWidget* parent)
    : ChartWidget(parent)
{
    QCustomPlot* p = plot();
    m_bars = new QCPBars(p->xAxis, p->yAxis);
    m_bars->setSelectable(QCP::stNone);
    m_bars->setWidthType(QCPBars::wtPlotCoords);
    p->xAxis->setLabel(tr("Value"));
    p->yAxis->setLabel(tr("Count"));
    setTitle(tr("No tensor selected"), QStringLiteral(" "));
    applyTheme();
    rebuild();
}

void HistogramChart::setTensor(const AnalysisPtr& analysis, int tensorIndex)
{
    m_analysis = analysis;
    m_tensor
        = analysis && tensorIndex >= 0 && tensorIndex < static_cast<int>(analysis->tensors.size()) ? tensorIndex : -1;
    rebuild();
}

void HistogramChart::setLogScale(bool logScale)
{
    if (m_logScale == logScale)
        return;
    m_logScale = logScale;
    rebuild();
}

double HistogramChart::binWidth() const
{
    const auto& histogram = m_analysis->tensors[static_cast<std::size_t>(m_tensor)].values.histogram;
    const double width = (histogram.high - histogram.low) / kHistogramBins;
    // A constant tensor has all its values in bin 0 of an empty range; give that bin a visible width.
    return width > 0 ? width : std::max(std::abs(histogram.low), 1.0) / kHistogramBins;
}

void HistogramChart::rebuild()
{
    QCustomPlot* p = plot();
    QVector<double> keys, values;
    double maxCount = 0.0;
    const core::analysis::TensorStats* tensor
        = m_tensor >= 0 ? &m_analysis->tensors[static_cast<std::size_t>(m_tensor)] : nullptr;
    const bool computed = tensor && tensor->values.computed;
    if (computed) {
        const auto& histogram = tensor->values.histogram;
        const double width = binWidth();
        for (int bin = 0; bin < kHistogramBins; ++bin) {
            const auto count = static_cast<double>(histogram.counts[static_cast<std::size_t>(bin)]);
            if (m_logScale && count == 0)
                continue; // log(0) has no place on the axis
            keys.append(histogram.low + (bin + 0.5) * width);
            values.append(count);
            maxCount = std::max(maxCount, count);
        }
        m_bars->setWidth(width);
        setXLimits(histogram.low - width, histogram.low + (kHistogramBins + 1) * width);
    } else {
        setXLimits(0, 1);
    }
    m_bars->setData(keys, values, true);

    if (m_logScale) {
        // Bars grow from 0.5, below the smallest count, so that a bin holding one value still shows.
        m_bars->setBaseValue(0.5);
        p->yAxis->setScaleType(QCPAxis::stLogarithmic);
        auto ticker = QSharedPointer<QCPAxisTickerLog>::create();
        ticker->setSubTickCount(8);
        p->yAxis->setTicker(ticker);
        p->yAxis->setNumberFormat(QStringLiteral("eb"));
        p->yAxis->setNumberPrecision(0);
        p->yAxis->setRange(0.5, std::max(maxCount, 1.0) * 2.0);
    } else {
        m_bars->setBaseValue(0);
        p->yAxis->setScaleType(QCPAxis::stLinear);
        p->yAxis->setTicker(QSharedPointer<CountTicker>::create());
        p->yAxis->setRange(0, std::max(maxCount, 1.0) * 1.05);
    }
    p->yAxis->setLabel(m_logScale ? tr("Count (log scale)") : tr("Count"));

    if (!tensor) {
        setTitle(tr("No tensor selected"), QStringLiteral(" "));
    } else {
        const QString title = tr("%1 (%2)").arg(QString::fromStdString(tensor->name), dtypeText(tensor->dtype));
        const auto& v = tensor->values;
        QString stats = computed ? tr("min %1 · max %2 · mean %3 · std %4 · %5 values")
                                       .arg(number(v.min), number(v.max), number(v.mean), number(v.std),
                                           QLocale().toString(static_cast<qulonglong>(v.count - v.nonFinite)))
                                 : tr("values not examined");
        if (computed && v.nonFinite > 0)
            stats += tr(" · %1 NaN/Inf not shown").arg(QLocale().toString(static_cast<qulonglong>(v.nonFinite)));
        setTitle(title, stats);
    }
    setEmptyMessage(!tensor ? tr("Select a layer to see\nits weights' values")
            : !computed     ? tr("No histogram for this tensor")
                            : QString());
    replotLater();
}

void HistogramChart::applyTheme()
{
    m_bars->setPen(QPen(theme().background, 0.5)); // thin gaps keep neighbouring bins apart
    m_bars->setBrush(theme().accent);
}

QString HistogramChart::toolTipAt(QPoint pos) const
{
    if (m_tensor < 0 || !plot()->axisRect()->rect().contains(pos))
        return {};
    const auto& tensor = m_analysis->tensors[static_cast<std::size_t>(m_tensor)];
    if (!tensor.values.computed)
        return {};
    const auto& histogram = tensor.values.histogram;
    const double width = binWidth();
    const auto bin = static_cast<int>(std::floor((plot()->xAxis->pixelToCoord(pos.x()) - histogram.low) / width));
    if (bin < 0 || bin >= kHistogramBins)
        return {};
    const double from = histogram.low + bin * width;
    return tr("[%1, %2)<br/>%3 values")
        .arg(number(from), number(from + width),
            QLocale().toString(static_cast<qulonglong>(histogram.counts[static_cast<std::size_t>(bin)])));
}

} // namespace slimscope::ui
