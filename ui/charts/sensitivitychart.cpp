#include "qcp.h"

#include "sensitivitychart.h"
#include "tickers.h"

#include <algorithm>

namespace slimscope::ui {

namespace {
// Output SQNR above this is drawn at it: float32 noise (~150 dB) and "identical" (200 dB) would flatten the rest.
constexpr double kSqnrCeiling = 80.0;
}

SensitivityChart::SensitivityChart(QWidget* parent)
    : ChartWidget(parent)
{
    QCustomPlot* p = plot();
    m_output = new QCPBars(p->xAxis, p->yAxis);
    m_saved = new QCPBars(p->xAxis, p->yAxis2);
    m_group = new QCPBarsGroup(p);
    for (QCPBars* bars : { m_output, m_saved }) {
        bars->setWidth(0.38);
        bars->setSelectable(QCP::stNone);
        bars->setBarsGroup(m_group);
    }
    m_output->setName(tr("Outputs' SQNR, step on this layer alone"));
    m_saved->setName(tr("Bytes saved"));
    m_proxy = p->addGraph(p->xAxis, p->yAxis);
    m_proxy->setLineStyle(QCPGraph::lsNone);
    m_proxy->setName(tr("Weights' own SQNR (proxy)"));
    m_proxy->setSelectable(QCP::stNone);
    m_ticker = makeCategoryAxis(p->xAxis);
    p->xAxis->setLabel(tr("Layers, most sensitive first"));
    p->yAxis->setLabel(tr("SQNR (dB), higher is safer"));
    p->yAxis2->setVisible(true);
    p->yAxis2->setTicker(QSharedPointer<ByteTicker>::create());
    p->yAxis2->setLabel(tr("Bytes saved"));
    p->yAxis2->grid()->setVisible(false);
    p->legend->setVisible(true);
    p->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
    applyTheme();
    setSensitivity(nullptr);
}

void SensitivityChart::setSensitivity(const core::plan::Sensitivity* sensitivity)
{
    m_layers.clear();
    if (sensitivity)
        for (std::size_t i = 0; i < sensitivity->layers.size() && i < static_cast<std::size_t>(kMaxLayers); ++i)
            m_layers.push_back(sensitivity->layers[i]);
    QVector<double> keys, output, saved, proxy;
    QStringList labels;
    double maxSaved = 1024.0, maxDb = 10.0;
    for (std::size_t i = 0; i < m_layers.size(); ++i) {
        const auto& layer = m_layers[i];
        keys << static_cast<double>(i);
        output << std::clamp(layer.sqnrDb, 0.0, kSqnrCeiling);
        proxy << std::clamp(layer.proxySqnrDb, 0.0, kSqnrCeiling);
        saved << static_cast<double>(layer.bytesSaved());
        labels << elideLabel(QString::fromStdString(layer.node));
        maxSaved = std::max(maxSaved, static_cast<double>(layer.bytesSaved()));
        maxDb = std::max({ maxDb, output.last(), proxy.last() });
    }
    m_output->setData(keys, output, true);
    m_saved->setData(keys, saved, true);
    m_proxy->setData(keys, proxy, true);
    m_ticker->setLabels(labels);
    // Headroom above the tallest bar keeps the legend (top right) off the bars.
    plot()->yAxis->setRange(0, maxDb * 1.45);
    plot()->yAxis2->setRange(0, maxSaved * 1.45);
    setXLimits(-0.6, std::max<double>(static_cast<double>(m_layers.size()) - 0.4, 0.6));
    if (sensitivity)
        setTitle(tr("Sensitivity to %1").arg(QString::fromStdString(sensitivity->stepDescription)),
            tr("%1 layers, inputs %2; SQNR above %3 dB drawn at %3")
                .arg(sensitivity->layers.size())
                .arg(QString::fromStdString(sensitivity->inputSource))
                .arg(kSqnrCeiling));
    setEmptyMessage(sensitivity && m_layers.empty() ? tr("The step changes no layer's weights") : QString());
    replotLater();
}

void SensitivityChart::applyTheme()
{
    m_output->setPen(theme().barPen);
    m_output->setBrush(theme().accent);
    m_saved->setPen(theme().barPen);
    m_saved->setBrush(theme().muted);
    m_proxy->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, theme().contrast, theme().contrast, 7));
    plot()->legend->setFont(theme().smallFont);
    plot()->legend->setTextColor(theme().text);
    plot()->legend->setBrush(theme().background);
    plot()->legend->setBorderPen(theme().gridPen);
}

QString SensitivityChart::toolTipAt(QPoint pos) const
{
    const int index = categoryAt(pos, plot()->xAxis, static_cast<int>(m_layers.size()));
    if (index < 0)
        return {};
    const auto& layer = m_layers[static_cast<std::size_t>(index)];
    QString text = tr("<b>%1</b> (%2)<br/>outputs: cosine %3, SQNR %4 dB, max abs %5")
                       .arg(QString::fromStdString(layer.node).toHtmlEscaped(), QString::fromStdString(layer.opType))
                       .arg(layer.cosine, 0, 'f', 6)
                       .arg(layer.sqnrDb, 0, 'f', 1)
                       .arg(layer.maxAbs, 0, 'g', 3);
    if (layer.top1Agreement)
        text += tr(", top-1 %1 %").arg(*layer.top1Agreement * 100.0, 0, 'f', 1);
    return text
        + tr("<br/>weights' own SQNR (proxy): %1 dB<br/>saves %2 of %3")
              .arg(layer.proxySqnrDb, 0, 'f', 1)
              .arg(formatBytes(static_cast<double>(layer.bytesSaved())),
                  formatBytes(static_cast<double>(layer.bytesBefore)));
}

void SensitivityChart::clickedAt(QPoint pos)
{
    const int index = categoryAt(pos, plot()->xAxis, static_cast<int>(m_layers.size()));
    if (index >= 0)
        emit layerClicked(QString::fromStdString(m_layers[static_cast<std::size_t>(index)].node));
}

} // namespace slimscope::ui
