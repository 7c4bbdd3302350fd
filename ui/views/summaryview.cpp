#include "views/summaryview.h"

#include "charts/palette.h"

#include "report/analysiswriters.h"
#include "support/format.h"

#include <QPalette>

#include <algorithm>

namespace slimscope::ui {

using namespace core::analysis;

namespace {

QString q(const std::string& text)
{
    return QString::fromStdString(text).toHtmlEscaped();
}

QString bar(double fraction, const QString& colour)
{
    const int width = std::clamp(static_cast<int>(fraction * 160.0 + 0.5), 1, 160);
    return QStringLiteral(
        "<table cellspacing=0 cellpadding=0><tr><td width=%1 height=10 bgcolor='%2'></td></tr></table>")
        .arg(width)
        .arg(colour);
}

} // namespace

SummaryView::SummaryView(QWidget* parent)
    : QTextBrowser(parent)
{
    setOpenLinks(false);
    setFrameShape(QFrame::NoFrame);
}

void SummaryView::setAnalysis(const AnalysisPtr& analysis)
{
    setHtml(analysis ? render(*analysis) : QString());
}

void SummaryView::showLoading(const core::model::ModelFile& file)
{
    const auto& proto = file.proto();
    std::uint64_t bytes = 0;
    for (const auto& weight : file.weights())
        bytes += weight.storedBytes;
    QString opsets;
    for (const auto& opset : proto.opset_import())
        opsets += (opsets.isEmpty() ? QString() : QStringLiteral(", "))
            + q(opset.domain().empty() ? std::string("ai.onnx") : opset.domain()) + QLatin1Char(' ')
            + QString::number(opset.version());
    setHtml(
        QStringLiteral("<html><body style='margin:12px'><h2>%1</h2><p style='color:gray'>%2</p>"
                       "<p>%3 &middot; %4 weight tensors (%5) in %6 graph(s) &middot; IR %7, opsets %8 &middot; %9</p>"
                       "<p><i>%10</i></p></body></html>")
            .arg(q(file.path().filename().string()), q(file.path().string()), q(core::humanBytes(file.fileSize())))
            .arg(file.weights().size())
            .arg(q(core::humanBytes(bytes)))
            .arg(file.graphs().size())
            .arg(proto.ir_version())
            .arg(opsets, q(proto.producer_name() + " " + proto.producer_version()),
                tr("Computing statistics, shapes and findings…")));
}

QString SummaryView::render(const Analysis& a) const
{
    const ModelSummary& m = a.model;
    const QString accent = palette().color(QPalette::Highlight).name();
    QString html = QStringLiteral("<html><body style='margin:12px'>");
    html += QStringLiteral("<h2>%1</h2>").arg(q(std::filesystem::path(m.path).filename().string()));
    html += QStringLiteral("<p style='color:gray'>%1</p>").arg(q(m.path));

    const auto row = [](const QString& label, const QString& value) {
        return QStringLiteral("<tr><td style='padding-right:16px'><b>%1</b></td><td>%2</td></tr>").arg(label, value);
    };
    QString opsets;
    for (const auto& opset : m.opsets)
        opsets += (opsets.isEmpty() ? QString() : QStringLiteral(", ")) + q(opset.domain) + QLatin1Char(' ')
            + QString::number(opset.version);
    html += QStringLiteral("<table>");
    html += row(tr("File size"), q(core::report::fileSizeText(m)));
    html += row(tr("Parameters"), q(core::humanCount(m.params)) + QStringLiteral(" (%1)").arg(m.params));
    html += row(tr("Weight bytes"), q(core::humanBytes(m.weightBytes)));
    html += row(tr("Graph bytes"), q(core::humanBytes(m.graphBytes)));
    if (m.weights)
        html += row(tr("Bits per weight"),
            tr("%1 (scales and zero points included)").arg(QString::number(m.bitsPerWeight, 'f', 2)));
    html += row(m.macsPerTimeStep ? tr("MACs per sample (recurrent layers: per time step)") : tr("MACs per sample"),
        q(core::humanCount(m.macs)));
    html += row(tr("Format"), tr("IR %1, opsets %2").arg(m.irVersion).arg(opsets));
    html += row(tr("Producer"), q(m.producerName + " " + m.producerVersion));
    html += row(tr("SHA-256"), QStringLiteral("<tt>%1</tt>").arg(q(m.sha256)));
    html += QStringLiteral("</table>");

    html += QStringLiteral("<h3>%1</h3><table cellspacing=4>").arg(tr("Bytes by dtype"));
    for (const auto& total : a.byDtype) {
        const double share
            = m.weightBytes ? static_cast<double>(total.bytes) / static_cast<double>(m.weightBytes) : 0.0;
        html += QStringLiteral("<tr><td>%1</td><td align=right>%2</td><td align=right>%3</td><td>%4</td></tr>")
                    .arg(dtypeText(total.dtype), q(core::humanBytes(total.bytes)), q(core::humanPercent(share)),
                        bar(share, accent));
    }
    html += QStringLiteral("</table>");

    std::vector<const LayerStats*> layers;
    for (const auto& layer : a.layers)
        if (layer.bytes > 0)
            layers.push_back(&layer);
    std::ranges::stable_sort(layers, std::greater {}, &LayerStats::bytes);
    if (layers.size() > 10)
        layers.resize(10);
    html += QStringLiteral("<h3>%1</h3><table cellspacing=4>").arg(tr("Top layers by bytes"));
    for (const auto* layer : layers) {
        const double share
            = m.weightBytes ? static_cast<double>(layer->bytes) / static_cast<double>(m.weightBytes) : 0.0;
        html += QStringLiteral(
            "<tr><td>%1</td><td>%2</td><td align=right>%3</td><td align=right>%4</td><td>%5</td></tr>")
                    .arg(q(layer->name), q(layer->opType), q(core::humanBytes(layer->bytes)),
                        q(core::humanPercent(share)), bar(share, accent));
    }
    html += QStringLiteral("</table>");

    std::uint64_t recoverable = 0;
    for (const auto& finding : a.findings)
        recoverable += finding.bytesRecoverable;
    html += QStringLiteral("<h3>%1</h3>").arg(tr("Findings: %1 recoverable").arg(q(core::humanBytes(recoverable))));
    if (a.findings.empty())
        html += QStringLiteral("<p>%1</p>").arg(tr("No bloat found."));
    html += QStringLiteral("<table cellspacing=4>");
    for (const auto& finding : a.findings)
        html += QStringLiteral("<tr><td><font color='%1'>&#9679;</font> %2</td><td align=right>%3</td><td>%4<br>"
                               "<span style='color:gray'>%5</span></td></tr>")
                    .arg(severityColour(finding.severity).name(),
                        q(std::string(core::analysis::findingKindName(finding.kind))),
                        q(core::humanBytes(finding.bytesRecoverable)), q(finding.message), q(finding.fix));
    html += QStringLiteral("</table>");
    if (!a.diagnostics.empty()) {
        html += QStringLiteral("<h3>%1</h3><ul>").arg(tr("Diagnostics"));
        for (const auto& d : a.diagnostics)
            html += QStringLiteral("<li>%1</li>").arg(q((d.subject.empty() ? "" : d.subject + ": ") + d.message));
        html += QStringLiteral("</ul>");
    }
    return html + QStringLiteral("</body></html>");
}

} // namespace slimscope::ui
