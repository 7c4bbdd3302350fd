#include "views/bardelegate.h"

#include <QPainter>

#include <algorithm>

namespace slimscope::ui {

BarDelegate::BarDelegate(int barRole, QObject* parent)
    : QStyledItemDelegate(parent)
    , m_barRole(barRole)
{ }

void BarDelegate::paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const
{
    const QVariant fraction = index.data(m_barRole);
    if (fraction.isValid()) {
        const double value = std::clamp(fraction.toDouble(), 0.0, 1.0);
        QColor colour = option.palette.color(QPalette::Highlight);
        colour.setAlpha(70); // light enough for the text on top to stay readable in both themes
        const QRectF cell = QRectF(option.rect).adjusted(1, 3, -1, -3);
        painter->fillRect(QRectF(cell.left(), cell.top(), cell.width() * value, cell.height()), colour);
    }
    QStyledItemDelegate::paint(painter, option, index);
}

} // namespace slimscope::ui
