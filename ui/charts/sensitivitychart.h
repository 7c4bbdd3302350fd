#pragma once

#include "chartwidget.h"
#include "plan/sensitivity.h"

#include <QVector>

class QCPBars;
class QCPBarsGroup;
class QCPGraph;

namespace slimscope::ui {

/// Sensitivity per layer, most sensitive first: the outputs' SQNR with the step applied to that layer alone (bars,
/// left axis, dB: shorter is worse), the weight-level proxy SQNR of the same layer (dots, same axis: where a dot
/// stands far above its bar, the proxy misjudged the layer) and the bytes the step saves there (bars beside, right
/// axis). Clicking a layer emits layerClicked() with its node name.
class SensitivityChart : public ChartWidget {
    Q_OBJECT
public:
    static constexpr int kMaxLayers = 40;

    explicit SensitivityChart(QWidget* parent = nullptr);

    void setSensitivity(const core::plan::Sensitivity* sensitivity);

    QCPBars* outputBars() const { return m_output; }
    QCPBars* savedBars() const { return m_saved; }
    QCPGraph* proxyDots() const { return m_proxy; }

    QString toolTipAt(QPoint pos) const override;

signals:
    void layerClicked(const QString& node);

protected:
    void applyTheme() override;
    void clickedAt(QPoint pos) override;

private:
    std::vector<core::plan::LayerSensitivity> m_layers; ///< the shown ones, most sensitive first
    QCPBars* m_output = nullptr;
    QCPBars* m_saved = nullptr;
    QCPBarsGroup* m_group = nullptr;
    QCPGraph* m_proxy = nullptr;
    QSharedPointer<CategoryTicker> m_ticker;
};

} // namespace slimscope::ui
