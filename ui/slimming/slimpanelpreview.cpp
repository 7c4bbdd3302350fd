// The Slim panel's preview: the summary, the no-savings hint, the before → after picture and its figures, the
// table of changed tensors.
#include "slimming/slimpanel.h"

#include "charts/dtypestackchart.h"
#include "slim/savingshint.h"
#include "support/format.h"

#include <QLabel>
#include <QTableWidget>

#include <algorithm>
#include <cmath>

namespace slimscope::ui {

using namespace core::slim;

namespace {

QString q(const std::string& text)
{
    return QString::fromStdString(text);
}

} // namespace

void SlimPanel::onPreview(const SlimResultPtr& result)
{
    m_preview = result;
    const Preview& p = result->preview;
    const double saved = p.fileBytesBefore
        ? 1.0 - static_cast<double>(p.predictedFileBytes) / static_cast<double>(p.fileBytesBefore)
        : 0.0;
    const auto nonZero = core::slim::nonZeroWeights(p);
    QString text
        = tr("<b>%1 → %2</b> (%3 saved) &nbsp; params %4 → %5, non-zero %6 → %7")
              .arg(q(core::humanBytes(p.fileBytesBefore)), q(core::humanBytes(p.predictedFileBytes)),
                  q(core::humanPercent(saved)), q(core::humanCount(p.paramsBefore)), q(core::humanCount(p.paramsAfter)),
                  q(core::humanCount(nonZero.before)), q(core::humanCount(nonZero.after)));
    if (const auto hint = core::slim::noSavingsHint(m_recipe, p))
        text += QStringLiteral("<br><span style='color:#b35900'>%1</span>").arg(q(*hint).toHtmlEscaped());
    if (p.macsAfter != p.macsBefore)
        text += tr(" &nbsp; MACs %1 → %2").arg(q(core::humanCount(p.macsBefore)), q(core::humanCount(p.macsAfter)));
    for (const auto& step : p.steps)
        text += QStringLiteral("<br>&bull; %1: %2")
                    .arg(q(step.description).toHtmlEscaped(), q(step.summary).toHtmlEscaped());
    for (const auto& d : p.diagnostics)
        text += QStringLiteral("<br><span style='color:#b80'>%1</span>").arg(q(d.message).toHtmlEscaped());
    const auto sampled = std::ranges::count_if(p.tensors, [](const TensorChange& t) { return t.errorSampled; });
    if (sampled > 0)
        text += tr("<br><i>≈ errors of %n large tensor(s) from a sample while the slider moves; exact when it is "
                   "released</i>",
            nullptr, static_cast<int>(sampled));
    if (m_previewPending) // a newer edit is waiting: this result is already behind the recipe
        text += tr(" <i>(updating…)</i>");
    m_summary->setText(text);
    m_beforeAfter->setPreview(&p);
    updateFigures();

    std::vector<const TensorChange*> changed;
    for (const auto& t : p.tensors)
        if (t.changed)
            changed.push_back(&t);
    std::ranges::stable_sort(changed, std::greater {}, [](const TensorChange* t) { return t->bytesBefore; });
    m_changes->setRowCount(static_cast<int>(std::min<std::size_t>(changed.size(), 200)));
    for (int row = 0; row < m_changes->rowCount(); ++row) {
        const TensorChange& t = *changed[static_cast<std::size_t>(row)];
        const auto cell = [&](int column, const QString& value, const QString& tip = {}) {
            auto* item = new QTableWidgetItem(value);
            item->setToolTip(tip.isEmpty() ? value : tip);
            if (column > 0)
                item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            m_changes->setItem(row, column, item);
        };
        cell(0, q(t.name),
            q(std::string(storageAfterName(t.storageAfter)) + " " + std::string(dtypeAfterName(t.dtypeAfter))));
        cell(1, q(core::humanBytes(t.bytesBefore)), tr("%1 bytes").arg(t.bytesBefore));
        cell(2, t.removed ? tr("removed") : q(core::humanBytes(t.bytesAfter)), tr("%1 bytes").arg(t.bytesAfter));
        // "≈": measured on a sample of the tensor (while a slider moves).
        const QString approx = t.errorSampled ? QStringLiteral("≈ ") : QString();
        const QString sampledTip = t.errorSampled ? tr(" (from a sample of the values)") : QString();
        cell(3,
            !t.hasError                ? QString()
                : std::isinf(t.sqnrDb) ? tr("exact")
                                       : approx + QString::number(t.sqnrDb, 'f', 1),
            t.hasError ? tr("SQNR %1 dB%2").arg(t.sqnrDb, 0, 'f', 2).arg(sampledTip) : QString());
        cell(4, t.hasError ? approx + QString::number(t.relativeL2, 'e', 2) : QString(),
            t.hasError ? tr("max abs %1%2").arg(t.maxAbs).arg(sampledTip) : QString());
        // prune_channels: the channel group this tensor's channels belong to, and why a group was left alone.
        if (t.channelGroup >= 0 && static_cast<std::size_t>(t.channelGroup) < p.channelGroups.size()) {
            const auto& group = p.channelGroups[static_cast<std::size_t>(t.channelGroup)];
            QStringList producers;
            for (const auto& producer : group.producers)
                producers << q(producer);
            cell(5, QStringLiteral("%1 → %2").arg(t.channelsBefore).arg(t.channelsAfter),
                group.frozenReason.empty()
                    ? tr("Channel group %1 with %2").arg(t.channelGroup).arg(producers.join(QStringLiteral(", ")))
                    : tr("Left alone: %1").arg(q(group.frozenReason)));
        } else {
            cell(5, QString());
        }
    }
    emit previewChanged(result);
}

void SlimPanel::updateFigures()
{
    if (!m_preview) {
        m_figures->clear();
        return;
    }
    const auto& p = m_preview->preview;
    const auto nonZero = core::slim::nonZeroWeights(p);
    QString text = tr("<table cellspacing='3'>"
                      "<tr><td></td><td align='right'><b>before</b></td><td align='right'><b>after</b></td></tr>"
                      "<tr><td>file</td><td align='right'>%1</td><td align='right'>%2</td></tr>"
                      "<tr><td>params</td><td align='right'>%3</td><td align='right'>%4</td></tr>"
                      "<tr><td>non-zero</td><td align='right'>%5</td><td align='right'>%6</td></tr>"
                      "<tr><td>MACs</td><td align='right'>%7</td><td align='right'>%8</td></tr>")
                       .arg(q(core::humanBytes(p.fileBytesBefore)), q(core::humanBytes(p.predictedFileBytes)),
                           q(core::humanCount(p.paramsBefore)), q(core::humanCount(p.paramsAfter)),
                           q(core::humanCount(nonZero.before)), q(core::humanCount(nonZero.after)),
                           q(core::humanCount(p.macsBefore)), q(core::humanCount(p.macsAfter)));
    if (m_latency && m_latencyRecipe == m_recipe)
        text += tr("<tr><td>latency</td><td align='right'>%1 ms</td><td align='right'>%2 ms</td></tr>")
                    .arg(m_latency->first, 0, 'f', 2)
                    .arg(m_latency->second, 0, 'f', 2);
    else
        text += tr("<tr><td>latency</td><td colspan='2' align='right'><i>Verify measures it</i></td></tr>");
    m_figures->setText(text + QStringLiteral("</table>"));
}

} // namespace slimscope::ui
