#pragma once

#include "chartwidget.h"
#include "modelptrs.h"

class QCPBars;

namespace slimscope::ui {

/// The value histogram of one weight tensor (core's 64 equal bins over its finite range), with its name as the
/// title and min / max / mean / std below it. On the optional log scale, empty bins are simply not drawn.
class HistogramChart : public ChartWidget {
    Q_OBJECT
public:
    explicit HistogramChart(QWidget* parent = nullptr);

    /// tensorIndex indexes Analysis::tensors; out of range (or no analysis) clears the chart.
    void setTensor(const AnalysisPtr& analysis, int tensorIndex);
    int tensorIndex() const { return m_tensor; }

    void setLogScale(bool logScale);
    bool logScale() const { return m_logScale; }

    /// Keys are bin centres, values counts (bins with no values are left out on the log scale).
    QCPBars* bars() const { return m_bars; }

    QString toolTipAt(QPoint pos) const override;

protected:
    void applyTheme() override;

private:
    void rebuild();
    double binWidth() const;

    AnalysisPtr m_analysis;
    int m_tensor = -1;
    bool m_logScale = false;
    QCPBars* m_bars = nullptr;
};

} // namespace slimscope::ui
