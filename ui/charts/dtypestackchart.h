#pragma once

#include "chartwidget.h"
#include "slim/slimmer.h"

#include <QList>
#include <QStringList>

class QCPBars;

namespace slimscope::ui {

/// The preview as a picture: weight bytes by dtype as two horizontal stacked bars, before (top) and after, each
/// dtype in its colour (dtypeColour()), with a legend. It follows every preview, so a dragged slider moves the after
/// bar live.
class DtypeStackChart : public ChartWidget {
    Q_OBJECT
public:
    explicit DtypeStackChart(QWidget* parent = nullptr);

    /// Shows `preview` (null: the empty state).
    void setPreview(const core::slim::Preview* preview);

    /// The dtypes stacked, one QCPBars each (key 1: after, key 2: before; values in bytes).
    QStringList dtypes() const { return m_dtypes; }
    const QList<QCPBars*>& layers() const { return m_layers; }
    /// Bytes of `dtype` in the before (true) or after bar; 0 when absent.
    double bytesOf(const QString& dtype, bool before) const;

    QSize sizeHint() const override { return { 520, 170 }; }
    QString toolTipAt(QPoint pos) const override;

protected:
    void applyTheme() override;

private:
    QStringList m_dtypes;
    QList<QCPBars*> m_layers;
    std::vector<std::pair<double, double>> m_bytes; ///< per dtype: (before, after)
};

} // namespace slimscope::ui
