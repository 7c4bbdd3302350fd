#pragma once

#include "chartwidget.h"
#include "modelptrs.h"

#include <QList>
#include <QStringList>

class QCPBars;
class QCPItemText;

namespace slimscope::ui {

/// Weight bytes per dtype as horizontal bars, largest on top, each in its dtype's colour (dtypeColour()) and
/// labelled with its size and share of all weight bytes.
class DtypeChart : public ChartWidget {
    Q_OBJECT
public:
    explicit DtypeChart(QWidget* parent = nullptr);

    void setAnalysis(const AnalysisPtr& analysis);

    /// One QCPBars per dtype (a single bar: key = row, value = bytes), in the order of dtypes().
    const QList<QCPBars*>& bars() const { return m_bars; }
    QStringList dtypes() const;

    QString toolTipAt(QPoint pos) const override;

protected:
    void applyTheme() override;

private:
    void rebuild();
    void fitBarWidth();

    AnalysisPtr m_analysis;
    std::vector<int> m_order; ///< indices into Analysis::byDtype, largest first
    std::uint64_t m_totalBytes = 0;
    QList<QCPBars*> m_bars;
    QList<QCPItemText*> m_labels;
    QSharedPointer<CategoryTicker> m_ticker;
};

} // namespace slimscope::ui
