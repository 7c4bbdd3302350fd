#pragma once

#include <QStyledItemDelegate>

namespace slimscope::ui {

/// Draws a proportional bar behind the cell text when the model gives a fraction in `barRole`.
class BarDelegate : public QStyledItemDelegate {
    Q_OBJECT
public:
    BarDelegate(int barRole, QObject* parent = nullptr);
    void paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const override;

private:
    int m_barRole;
};

} // namespace slimscope::ui
