#pragma once

#include "jobs/jobrunner.h"
#include "jobs/previewjob.h"
#include "slim/recipe.h"
#include "slimming/stepeditors/stepeditor.h"

#include <map>
#include <string>

#include <QWidget>

#include <optional>

#include <filesystem>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;
class QSlider;
class QStackedWidget;
class QTableWidget;
class QUndoStack;

namespace slimscope::ui {

class DtypeStackChart;

/// The slimming panel: recipe steps (add, reorder, remove, enable), each step's settings, a live preview
/// computed in the background while sliders move, undo/redo, recipe files, verification and export.
class SlimPanel : public QWidget {
    Q_OBJECT
public:
    explicit SlimPanel(QWidget* parent = nullptr);
    ~SlimPanel() override;

    void setAnalysis(const AnalysisPtr& analysis);
    const core::slim::Recipe& recipe() const { return m_recipe; }
    /// Replaces the recipe as one undoable edit (or silently when `undoable` is false) and refreshes the preview.
    void setRecipe(const core::slim::Recipe& recipe, bool undoable = true, int mergeId = -1);
    void addStep(const core::slim::StepParams& params);
    /// Adds a step of a registered type with its default parameters ("prune", "quantize:fp16").
    void addStep(std::string_view stepName);
    QUndoStack* undoStack() const { return m_undo; }
    SlimResultPtr preview() const { return m_preview; }
    /// The prune editor's sparsity slider.
    QSlider* pruneSlider() const;
    QString summaryText() const;
    /// Tensors of the layers ticked in the Layers table; "Limit to ticked layers" scopes the current step to them.
    void setTickedTensors(std::vector<std::string> tensors);
    void limitCurrentStepToTicked();

    bool loadRecipe(const QString& path, QString* error);
    bool saveRecipe(const QString& path, QString* error) const;
    /// The open model's path, empty without one.
    QString modelPath() const { return m_analysis ? QString::fromStdString(m_analysis->model.path) : QString(); }
    /// Applies the recipe again and writes the model atomically in the background; emits exported() or
    /// exportFailed() (also when cancelled: nothing is written then).
    void exportTo(const QString& path);
    /// Exports to a temporary file and compares it with the original in ONNX Runtime, in the background.
    void verify();
    /// Cancels a running export or verification.
    void cancelWork();
    JobRunner* exportJob() const { return m_exportJob; }
    JobRunner* verifyJob() const { return m_verifyJob; }

signals:
    void recipeChanged(const slimscope::core::slim::Recipe& recipe);
    void previewChanged(const slimscope::ui::SlimResultPtr& preview);
    void exported(const QString& summary);
    void exportFailed(const QString& message);
    void verified(const QString& summary, bool pass);
    /// Plan for…: the window runs the planner (in the Sensitivity view) and puts its recipe here.
    void planRequested();

public:
    DtypeStackChart* beforeAfterChart() const { return m_beforeAfter; }
    QString figuresText() const;

private:
    void buildUi();
    void refreshStepList();
    void showStepEditor(int step);
    void editCurrentStep(const std::function<void(core::slim::Step&)>& edit, int mergeId = -1);
    void buildEditors();
    void schedulePreview();
    void onPreview(const SlimResultPtr& preview);
    void updateWorkStatus();
    void updateFigures();
    /// Compares `writtenModel` (or, when empty, the recipe applied to a temporary file) with the original in
    /// ONNX Runtime and shows the verdict under `heading`.
    void startVerification(const std::filesystem::path& writtenModel, const QString& heading);

    AnalysisPtr m_analysis;
    core::slim::Recipe m_recipe;
    SlimResultPtr m_preview;
    PreviewJob* m_job;
    JobRunner* m_exportJob;
    JobRunner* m_verifyJob;
    bool m_dragging = false; ///< a slider is held: previews sample their errors until it is released
    bool m_previewPending = false; ///< an edit waits for the running preview to end
    QUndoStack* m_undo;
    bool m_updatingEditors = false;

    QListWidget* m_steps = nullptr;
    QStackedWidget* m_editors = nullptr;
    std::map<std::string, StepEditor*, std::less<>> m_editorFor; ///< by registered step name
    QComboBox* m_format = nullptr; ///< the step type within its kind (quantize: int8, fp16)
    QWidget* m_formatRow = nullptr;
    QWidget* m_scopeBox = nullptr; ///< include/exclude patterns and ticked layers, for steps that use a scope
    QLineEdit* m_include = nullptr;
    QLineEdit* m_exclude = nullptr;
    QLabel* m_summary = nullptr;
    DtypeStackChart* m_beforeAfter = nullptr;
    QLabel* m_figures = nullptr; ///< params, MACs and (once verified) latency beside the picture
    std::optional<std::pair<double, double>> m_latency; ///< ONNX Runtime latency before and after, ms
    core::slim::Recipe m_latencyRecipe; ///< the recipe m_latency was measured for
    QTableWidget* m_changes = nullptr;
    QDoubleSpinBox* m_minCosine = nullptr;
    QDoubleSpinBox* m_minTop1 = nullptr;
    QLabel* m_verdict = nullptr;
    QPushButton* m_verifyButton = nullptr;
    QPushButton* m_exportButton = nullptr;
    QPushButton* m_cancelWork = nullptr; ///< cancels a running export or verification
    QLabel* m_workStatus = nullptr;
    QPushButton* m_tickedScope = nullptr;
    std::vector<std::string> m_tickedTensors;
};

} // namespace slimscope::ui
