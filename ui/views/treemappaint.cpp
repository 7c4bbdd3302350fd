// TreemapWidget's painting: colours, cells, breadcrumb bar and legend. Everything reads the cached layout;
// nothing here changes it, so hovering and palette changes repaint without laying out again.
#include "charts/palette.h"
#include "views/treemapwidget.h"

#include "support/format.h"

#include <QLinearGradient>
#include <QPainter>

#include <algorithm>
#include <cmath>
#include <unordered_map>

namespace slimscope::ui {

using namespace core::analysis;

namespace {

QString q(const std::string& text)
{
    return QString::fromStdString(text);
}

/// Relative luminance (WCAG 2) of an sRGB colour.
double luminance(const QColor& colour)
{
    const auto channel = [](double c) { return c <= 0.04045 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4); };
    return 0.2126 * channel(colour.redF()) + 0.7152 * channel(colour.greenF()) + 0.0722 * channel(colour.blueF());
}

/// Dark or white text for `fill`. Pure WCAG contrast would put black on mid-tone fills (float32's blue) where
/// white reads better in practice, so black only goes on clearly light fills.
QColor textOn(const QColor& fill)
{
    return luminance(fill) > 0.3 ? QColor(0x1a, 0x1a, 0x1a) : QColor(Qt::white);
}

QColor mix(const QColor& a, const QColor& b, double t)
{
    t = std::clamp(t, 0.0, 1.0);
    return QColor::fromRgbF(static_cast<float>(a.redF() + (b.redF() - a.redF()) * t),
        static_cast<float>(a.greenF() + (b.greenF() - a.greenF()) * t),
        static_cast<float>(a.blueF() + (b.blueF() - a.blueF()) * t));
}

} // namespace

bool TreemapWidget::darkPalette() const
{
    return luminance(palette().color(QPalette::Window)) < 0.3;
}

QColor TreemapWidget::sparsityColour(double sparsity) const
{
    // Neutral at 0 % (close to the window colour, so dense weights recede), a strong magenta at 100 %.
    const QColor neutral = darkPalette() ? QColor(0x4a, 0x4f, 0x57) : QColor(0xdd, 0xe1, 0xe6);
    return mix(neutral, QColor(0xc2, 0x18, 0x5b), sparsity);
}

QColor TreemapWidget::fillFor(const Cell& cell) const
{
    if (cell.kind == CellKind::Other)
        return mix(palette().color(QPalette::Window), palette().color(QPalette::WindowText), 0.25);
    const ScopeInfo& info = m_info[static_cast<std::size_t>(cell.scope)];
    if (m_colourMode == ColourMode::Sparsity)
        return sparsityColour(
            info.elements > 0 ? static_cast<double>(info.zeros) / static_cast<double>(info.elements) : 0.0);
    return dtypeColour(info.dtype);
}

void TreemapWidget::paintCell(QPainter& painter, const Cell& cell) const
{
    const QFontMetricsF fm(font());
    const QRectF box = cell.rect.adjusted(0.5, 0.5, -0.5, -0.5); // a 1 px gap shows the background between cells
    const QString name = cell.kind == CellKind::Other
        ? tr("other (%1)").arg(cell.mergedCount)
        : q(m_analysis->scopes[static_cast<std::size_t>(cell.scope)].name);
    const QString size = q(core::humanBytes(cell.bytes));
    if (cell.kind == CellKind::Group) {
        const QColor frame = mix(palette().color(QPalette::Window), palette().color(QPalette::WindowText), 0.14);
        painter.fillRect(box, frame);
        const QRectF header(box.left() + 4, box.top(), box.width() - 8, fm.height() + 3);
        painter.setPen(textOn(frame));
        const QString text = fm.elidedText(name + QStringLiteral("  ") + size, Qt::ElideRight, header.width());
        painter.drawText(header, Qt::AlignLeft | Qt::AlignVCenter, text);
        return;
    }
    const QColor fill = fillFor(cell);
    painter.fillRect(box, fill);
    if (cell.kind == CellKind::Other)
        painter.fillRect(box, QBrush(mix(fill, textOn(fill), 0.35), Qt::BDiagPattern));
    if (box.height() < fm.height() + 2)
        return;
    const QRectF text = box.adjusted(3, 1, -3, -1);
    // A name cut to one or two letters says nothing: leave narrow cells to the tooltip. The size is all or nothing.
    const QString shown = fm.elidedText(name, Qt::ElideRight, text.width());
    if (shown != name && shown.size() < 4)
        return;
    painter.setPen(textOn(fill));
    painter.drawText(text, Qt::AlignLeft | Qt::AlignTop, shown);
    if (box.height() >= 2 * fm.height() + 4 && fm.horizontalAdvance(size) <= text.width())
        painter.drawText(text.adjusted(0, fm.height(), 0, 0), Qt::AlignLeft | Qt::AlignTop, size);
}

void TreemapWidget::paintBreadcrumb(QPainter& painter) const
{
    const QRectF bar = breadcrumbArea();
    const QFontMetricsF fm(font());
    const QString separator = QStringLiteral(" \u203a ");
    for (int i = 0; i < m_crumbs.size(); ++i) {
        const auto& [rect, scope] = m_crumbs[i];
        const bool last = i + 1 == m_crumbs.size();
        // Segments above the current scope look like links: they are where a click goes back to.
        painter.setPen(palette().color(last ? QPalette::WindowText : QPalette::Link));
        painter.drawText(
            rect, Qt::AlignLeft | Qt::AlignVCenter, q(m_analysis->scopes[static_cast<std::size_t>(scope)].name));
        if (!last)
            painter.drawText(QRectF(rect.right(), bar.top(), fm.horizontalAdvance(separator), bar.height()),
                Qt::AlignLeft | Qt::AlignVCenter, separator);
    }
    const ScopeNode& node = m_analysis->scopes[static_cast<std::size_t>(m_current)];
    const double total = static_cast<double>(m_analysis->scopes.front().bytes);
    const QString summary = tr("%1 \u00b7 %2 of the model")
                                .arg(q(core::humanBytes(node.bytes)),
                                    q(core::humanPercent(total > 0 ? static_cast<double>(node.bytes) / total : 0.0)));
    const double left = m_crumbs.isEmpty() ? 0.0 : m_crumbs.back().first.right() + 16.0;
    const QRectF right(left, bar.top(), bar.right() - 8.0 - left, bar.height());
    if (fm.horizontalAdvance(summary) <= right.width()) {
        painter.setPen(palette().color(QPalette::PlaceholderText));
        painter.drawText(right, Qt::AlignRight | Qt::AlignVCenter, summary);
    }
}

void TreemapWidget::paintLegend(QPainter& painter) const
{
    const QRectF strip = legendArea();
    const QFontMetricsF fm(font());
    const double swatch = fm.height() * 0.75;
    const double midY = strip.center().y();
    double x = 8.0;
    painter.setPen(palette().color(QPalette::WindowText));
    if (m_colourMode == ColourMode::Dtype) {
        // The dtypes of this model, largest first; those without a colour of their own share one entry.
        std::vector<std::string> names;
        bool others = false;
        for (const DtypeTotal& total : m_analysis->byDtype) {
            if (dtypeColour(total.dtype) == otherDtypeColour())
                others = true;
            else
                names.push_back(std::string(core::model::dataTypeName(total.dtype)));
        }
        QVector<QPair<QColor, QString>> entries;
        for (const auto& name : names)
            entries.append({ dtypeColour(name), q(name) });
        if (others)
            entries.append({ otherDtypeColour(), tr("other types") });
        for (const auto& [colour, label] : entries) {
            painter.fillRect(QRectF(x, midY - swatch / 2, swatch, swatch), colour);
            x += swatch + 4;
            painter.drawText(QRectF(x, strip.top(), fm.horizontalAdvance(label) + 1, strip.height()),
                Qt::AlignLeft | Qt::AlignVCenter, label);
            x += fm.horizontalAdvance(label) + 14;
        }
    } else {
        const QString title = tr("Sparsity");
        painter.drawText(QRectF(x, strip.top(), fm.horizontalAdvance(title) + 1, strip.height()),
            Qt::AlignLeft | Qt::AlignVCenter, title);
        x += fm.horizontalAdvance(title) + 8;
        const QString zero = QStringLiteral("0 %");
        painter.drawText(QRectF(x, strip.top(), fm.horizontalAdvance(zero) + 1, strip.height()),
            Qt::AlignLeft | Qt::AlignVCenter, zero);
        x += fm.horizontalAdvance(zero) + 4;
        const QRectF bar(x, midY - swatch / 2, 160, swatch);
        QLinearGradient gradient(bar.topLeft(), bar.topRight());
        for (int i = 0; i <= 4; ++i)
            gradient.setColorAt(i / 4.0, sparsityColour(i / 4.0));
        painter.fillRect(bar, gradient);
        x = bar.right() + 4;
        const QString full = QStringLiteral("100 %");
        painter.drawText(QRectF(x, strip.top(), fm.horizontalAdvance(full) + 1, strip.height()),
            Qt::AlignLeft | Qt::AlignVCenter, full);
        x += fm.horizontalAdvance(full) + 14;
    }
    const QString hint = tr("Click: open \u00b7 Right-click or Backspace: up \u00b7 Double-click: show layer");
    if (x + fm.horizontalAdvance(hint) + 8 <= strip.right()) {
        painter.setPen(palette().color(QPalette::PlaceholderText));
        painter.drawText(strip.adjusted(0, 0, -8, 0), Qt::AlignRight | Qt::AlignVCenter, hint);
    }
}

void TreemapWidget::paintEvent(QPaintEvent*)
{
    ensureLayout();
    QPainter painter(this);
    painter.fillRect(rect(), palette().color(QPalette::Window));
    if (!m_analysis || m_analysis->scopes.empty() || m_analysis->scopes.front().bytes == 0) {
        painter.setPen(palette().color(QPalette::PlaceholderText));
        painter.drawText(rect(), Qt::AlignCenter,
            m_analysis ? tr("This model stores no weights.") : tr("Open a model to see where its bytes go."));
        return;
    }
    paintBreadcrumb(painter);
    for (const Cell& cell : m_cells)
        paintCell(painter, cell);
    const auto outline = [&](int cellIndex, double width) {
        const QRectF r = m_cells[static_cast<std::size_t>(cellIndex)].rect;
        painter.setPen(QPen(palette().color(QPalette::Highlight), width));
        painter.setBrush(Qt::NoBrush);
        painter.drawRect(r.adjusted(width / 2, width / 2, -width / 2, -width / 2));
    };
    for (int i = 0; i < static_cast<int>(m_cells.size()); ++i)
        if (m_selected >= 0 && m_cells[static_cast<std::size_t>(i)].scope == m_selected
            && m_cells[static_cast<std::size_t>(i)].kind != CellKind::Own)
            outline(i, 2.0);
    if (m_hovered >= 0)
        outline(m_hovered, 1.0);
    paintLegend(painter);
}

} // namespace slimscope::ui
