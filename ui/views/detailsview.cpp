#include "views/detailsview.h"
#include "charts/palette.h"

#include "support/format.h"

#include <algorithm>

namespace slimscope::ui {

namespace {
QString q(const std::string& text)
{
    return QString::fromStdString(text).toHtmlEscaped();
}
QString number(double value)
{
    return QString::number(value, 'g', 6);
}
}

DetailsView::DetailsView(QWidget* parent)
    : QTextBrowser(parent)
{
    setOpenLinks(false);
    setPlaceholderText(tr("Select a layer to see its tensors."));
}

void DetailsView::setAnalysis(const AnalysisPtr& analysis)
{
    m_analysis = analysis;
    m_layer = -1;
    clear();
}

void DetailsView::showLayer(int layerIndex)
{
    if (!m_analysis || layerIndex < 0 || layerIndex >= static_cast<int>(m_analysis->layers.size()))
        return;
    m_layer = layerIndex;
    const auto& layer = m_analysis->layers[static_cast<std::size_t>(layerIndex)];
    QString html
        = QStringLiteral("<h3>%1</h3><p>%2 &middot; %3 params &middot; %4 &middot; MACs %5</p>")
              .arg(q(layer.name), q(layer.opType), q(core::humanCount(layer.params)), q(core::humanBytes(layer.bytes)),
                  layer.macs ? q(core::humanCount(*layer.macs)) : tr("unknown"));
    if (!layer.shapeError.empty())
        html += QStringLiteral("<p style='color:#b55'>%1</p>").arg(q(layer.shapeError));
    std::vector<core::analysis::TensorIndex> shown = layer.tensors;
    shown.insert(shown.end(), layer.sharedTensors.begin(), layer.sharedTensors.end());
    for (const auto t : shown) {
        const auto& tensor = m_analysis->tensor(t);
        const bool countedHere = tensor.owner.valid() && tensor.owner.get() == static_cast<std::size_t>(layerIndex);
        html += QStringLiteral("<h4>%1%2</h4><table cellspacing=2>")
                    .arg(q(tensor.name), countedHere ? QString() : tr(" <i>(shared)</i>"));
        const auto row = [&](const QString& label, const QString& value) {
            html += QStringLiteral("<tr><td><b>%1</b></td><td>%2</td></tr>").arg(label, value);
        };
        row(tr("Stored as"),
            q(std::string(core::model::storageName(tensor.storage)))
                + (tensor.external ? tr(" (external data)") : QString()));
        row(tr("Dtype, shape"), dtypeText(tensor.dtype) + QLatin1Char(' ') + q(core::shapeString(tensor.shape)));
        row(tr("Elements"), QString::number(tensor.elements));
        row(tr("Bytes"), QStringLiteral("%1 (%2)").arg(q(core::humanBytes(tensor.bytes))).arg(tensor.bytes));
        row(tr("Zeros"),
            QStringLiteral("%1 (%2)%3")
                .arg(tensor.zeros)
                .arg(q(core::humanPercent(tensor.sparsity)),
                    tensor.zerosAgainstZeroPoint ? tr(", counted against the zero point") : QString()));
        if (tensor.values.computed) {
            row(tr("Min / max"), number(tensor.values.min) + QStringLiteral(" / ") + number(tensor.values.max));
            row(tr("Mean / std"), number(tensor.values.mean) + QStringLiteral(" / ") + number(tensor.values.std));
            if (tensor.values.nonFinite)
                row(tr("NaN / inf"), QString::number(tensor.values.nonFinite));
        }
        QStringList consumers;
        for (const auto& consumer : tensor.consumers)
            consumers << q(consumer);
        row(tr("Read by"), consumers.join(QStringLiteral(", ")));
        // Through Slice, Reshape, Concat and the like: the layers that compute with it, where that differs.
        QStringList users;
        for (const auto user : tensor.users)
            users << q(m_analysis->layer(user).name);
        if (users != consumers)
            row(tr("Used by"), users.join(QStringLiteral(", ")));
        if (!countedHere)
            row(tr("Counted in"),
                tensor.owner.valid() ? q(m_analysis->layer(tensor.owner).name) : tr("no layer (nothing reads it)"));
        else if (tensor.shared())
            row(tr("Counted in"), tr("this layer (the first of %1 that use it)").arg(tensor.users.size()));
        html += QStringLiteral("</table>");
        for (const auto& finding : m_analysis->findings)
            if (std::ranges::find(finding.tensors, tensor.name) != finding.tensors.end())
                html += QStringLiteral("<p>&#9888; <b>%1</b>: %2<br><i>%3</i></p>")
                            .arg(q(std::string(core::analysis::findingKindName(finding.kind))), q(finding.message),
                                q(finding.fix));
    }
    if (shown.empty())
        html += tr("<p>This node uses no weights.</p>");
    setHtml(html);
}

} // namespace slimscope::ui
