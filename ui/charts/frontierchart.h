#pragma once

#include "chartwidget.h"
#include "plan/planner.h"

class QCPGraph;
class QCPItemStraightLine;

namespace slimscope::ui {

/// The size/fidelity frontier of a plan: every recipe the planner verified as a point (file size, lowest output
/// cosine measured in ONNX Runtime), the adopted one highlighted, the cosine floor and the target size as lines.
/// Clicking a point emits pointClicked() with its index into Plan::evaluated.
class FrontierChart : public ChartWidget {
    Q_OBJECT
public:
    explicit FrontierChart(QWidget* parent = nullptr);

    void setPlan(const core::plan::Plan* plan);
    /// Highlights point `index` of the plan (-1: none).
    void setCurrent(int index);
    int current() const { return m_current; }

    QCPGraph* points() const { return m_points; }
    QString toolTipAt(QPoint pos) const override;

signals:
    void pointClicked(int index);

protected:
    void applyTheme() override;
    void clickedAt(QPoint pos) override;

private:
    int pointAt(QPoint pos) const;

    std::vector<core::plan::PlanPoint> m_evaluated;
    int m_current = -1;
    QCPGraph* m_points = nullptr;
    QCPGraph* m_highlight = nullptr;
    QCPItemStraightLine* m_floor = nullptr;
    QCPItemStraightLine* m_target = nullptr;
};

} // namespace slimscope::ui
