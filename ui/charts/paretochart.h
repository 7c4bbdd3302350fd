#pragma once

#include "chartwidget.h"
#include "modelptrs.h"

#include <QVector>

#include <cstdint>

class QCPBars;
class QCPGraph;

namespace slimscope::ui {

/// Weight bytes per layer, largest first: the top N layers as bars, the rest summed in one "other" bar, and
/// the cumulative share of all layer bytes as a line on a 0–100 % right axis. Hover shows a layer's details;
/// clicking its bar emits layerSelected().
class ParetoChart : public ChartWidget {
    Q_OBJECT
public:
    static constexpr int kDefaultTopN = 30;

    explicit ParetoChart(QWidget* parent = nullptr);

    void setAnalysis(const AnalysisPtr& analysis);
    void setTopN(int topN);
    int topN() const { return m_topN; }

    /// The layer bars (keys 0..n-1, values in bytes), the "other" bar (key n, or no data) and the line.
    QCPBars* layerBars() const { return m_layerBars; }
    QCPBars* otherBar() const { return m_otherBar; }
    QCPGraph* cumulativeLine() const { return m_line; }
    /// Index into Analysis::layers per bar; -1 for "other".
    QVector<int> barLayers() const;

    QString toolTipAt(QPoint pos) const override;

signals:
    void layerSelected(int layerIndex);

protected:
    void applyTheme() override;
    void clickedAt(QPoint pos) override;

private:
    struct Bar {
        int layer = -1; ///< -1: "other"
        std::uint64_t bytes = 0;
        double cumulativePercent = 0.0;
        int layerCount = 1; ///< layers summed into the bar
    };

    void rebuild();
    QString name(const Bar& bar) const;

    AnalysisPtr m_analysis;
    int m_topN = kDefaultTopN;
    QVector<Bar> m_bars;
    std::uint64_t m_totalBytes = 0;
    QCPBars* m_layerBars = nullptr;
    QCPBars* m_otherBar = nullptr;
    QCPGraph* m_line = nullptr;
    QSharedPointer<CategoryTicker> m_ticker;
};

} // namespace slimscope::ui
