#pragma once

// The Sensitivity view: which layers break the outputs under a step, measured in ONNX Runtime in the background
// (core/plan/sensitivity.h), as a chart; one click keeps the most sensitive layers out of the recipe's step.

#include "modelptrs.h"
#include "plan/planner.h"
#include "plan/sensitivity.h"

#include <QWidget>

#include <memory>

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;
class QTabWidget;

namespace slimscope::ui {

class JobRunner;
class MainWindow;
class Session;
class FrontierChart;
class SensitivityChart;

class SensitivityView : public QWidget {
    Q_OBJECT
public:
    SensitivityView(Session& session, MainWindow& window, QWidget* parent = nullptr);
    ~SensitivityView() override;

    /// Measures the current model with the chosen step and inputs (cancels a running measurement).
    void run();
    const core::plan::Sensitivity* result() const { return m_result.get(); }
    SensitivityChart* chart() const { return m_chart; }
    /// Excludes the `count` most sensitive layers' tensors from the recipe's step of the measured type (adding that
    /// step when the recipe has none); false when nothing was measured.
    bool excludeMostSensitive(int count);

    /// Plans the current model to `options` in the background; the best recipe goes to the Slim panel and every
    /// recipe verified on the way to the frontier chart.
    void plan(const core::plan::PlanOptions& options);
    /// Asks for the target and plans (Slim > Plan for…); the view does not measure on its own meanwhile.
    void planWithDialog();
    /// Whether showing the view starts a measurement when it has none (on by default).
    void setAutoMeasure(bool on) { m_autoMeasure = on; }
    const core::plan::Plan* planResult() const { return m_plan.get(); }
    FrontierChart* frontier() const { return m_frontier; }
    /// Puts the recipe of the plan's point `index` in the Slim panel.
    bool adoptPoint(int index);

signals:
    /// A measurement ended (successfully or not).
    void finished();
    /// A plan ended (successfully or not).
    void planFinished();

protected:
    void showEvent(QShowEvent* event) override;

private:
    void onAnalysis(const AnalysisPtr& analysis);

    Session& m_session;
    MainWindow& m_window;
    JobRunner* m_job = nullptr;
    QComboBox* m_step = nullptr;
    QLineEdit* m_inputs = nullptr;
    QPushButton* m_run = nullptr;
    QPushButton* m_cancel = nullptr;
    QLabel* m_status = nullptr;
    SensitivityChart* m_chart = nullptr;
    QSpinBox* m_excludeCount = nullptr;
    QPushButton* m_exclude = nullptr;
    QTabWidget* m_tabs = nullptr;
    FrontierChart* m_frontier = nullptr;
    JobRunner* m_planJob = nullptr;
    std::shared_ptr<const core::plan::Plan> m_plan;
    std::shared_ptr<const core::plan::Sensitivity> m_result;
    AnalysisPtr m_measured; ///< the analysis m_result belongs to
    bool m_autoMeasure = true;
};

} // namespace slimscope::ui
