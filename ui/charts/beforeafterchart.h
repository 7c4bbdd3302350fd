#pragma once

#include "chartwidget.h"

#include <QStringList>
#include <QVector>

class QCPBars;
class QCPBarsGroup;

namespace slimscope::ui {

/// Bytes per layer before and after slimming, as grouped bars, with the total saving in the title: the
/// preview of what a recipe would do.
class BeforeAfterChart : public ChartWidget {
    Q_OBJECT
public:
    explicit BeforeAfterChart(QWidget* parent = nullptr);

    /// One entry per layer; the shorter of the lists decides how many are shown.
    void setData(const QStringList& names, const QVector<double>& before, const QVector<double>& after);

    /// Keys 0..n-1, values in bytes.
    QCPBars* beforeBars() const { return m_before; }
    QCPBars* afterBars() const { return m_after; }

    QString toolTipAt(QPoint pos) const override;

protected:
    void applyTheme() override;

private:
    QStringList m_names;
    QVector<double> m_beforeValues;
    QVector<double> m_afterValues;
    QCPBars* m_before = nullptr;
    QCPBars* m_after = nullptr;
    QCPBarsGroup* m_group = nullptr;
    QSharedPointer<CategoryTicker> m_ticker;
};

} // namespace slimscope::ui
