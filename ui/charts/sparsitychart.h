#pragma once

#include "chartwidget.h"
#include "modelptrs.h"

#include <QVector>

class QCPBars;

namespace slimscope::ui {

/// Sparsity (share of zero weights) of every layer that has weights, in graph order, as bars on a 0–100 %
/// axis. Hover shows the layer's zeros; clicking a bar emits layerSelected().
class SparsityChart : public ChartWidget {
    Q_OBJECT
public:
    explicit SparsityChart(QWidget* parent = nullptr);

    void setAnalysis(const AnalysisPtr& analysis);

    /// Keys 0..n-1, values in percent.
    QCPBars* bars() const { return m_bars; }
    /// Index into Analysis::layers per bar.
    const QVector<int>& barLayers() const { return m_layers; }

    QString toolTipAt(QPoint pos) const override;

signals:
    void layerSelected(int layerIndex);

protected:
    void applyTheme() override;
    void clickedAt(QPoint pos) override;

private:
    void rebuild();

    AnalysisPtr m_analysis;
    QVector<int> m_layers;
    QCPBars* m_bars = nullptr;
    QSharedPointer<CategoryTicker> m_ticker;
};

} // namespace slimscope::ui
