#include "slimming/slimpanel.h"

#include "charts/dtypestackchart.h"
#include "slim/stepregistry.h"
#include "slimming/stepeditors/stepeditors.h"

#include "report/verifywriters.h"
#include "runtime/verify.h"
#include "slim/exporter.h"
#include "support/format.h"
#include "support/output.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMenu>
#include <QPushButton>
#include <QSlider>
#include <QStackedWidget>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QToolButton>
#include <QUndoStack>
#include <QVBoxLayout>

#include <cmath>
#include <utility>

namespace slimscope::ui {

using namespace core::slim;

namespace {

QString q(const std::string& text)
{
    return QString::fromStdString(text);
}

/// One recipe edit; consecutive edits with the same merge id (a slider being dragged) become one undo step.
class RecipeCommand : public QUndoCommand {
public:
    RecipeCommand(SlimPanel* panel, Recipe before, Recipe after, int mergeId, const QString& text)
        : QUndoCommand(text)
        , m_panel(panel)
        , m_before(std::move(before))
        , m_after(std::move(after))
        , m_mergeId(mergeId)
    { }
    void undo() override { m_panel->setRecipe(m_before, false); }
    void redo() override { m_panel->setRecipe(m_after, false); }
    int id() const override { return m_mergeId; }
    bool mergeWith(const QUndoCommand* other) override
    {
        m_after = static_cast<const RecipeCommand*>(other)->m_after;
        return true;
    }

private:
    SlimPanel* m_panel;
    Recipe m_before;
    Recipe m_after;
    int m_mergeId;
};

} // namespace

SlimPanel::SlimPanel(QWidget* parent)
    : QWidget(parent)
    , m_job(new PreviewJob(this))
    , m_exportJob(new JobRunner(this))
    , m_verifyJob(new JobRunner(this))
    , m_undo(new QUndoStack(this))
{
    connect(m_job, &PreviewJob::finished, this, &SlimPanel::onPreview);
    // Edits made while a slider's preview ran are coalesced into one preview of the latest recipe, started as
    // soon as that one ends: previews follow a drag back to back, never one per pixel.
    connect(m_job, &PreviewJob::settled, this, [this] {
        if (m_previewPending && m_analysis) {
            m_previewPending = false;
            m_job->start(m_analysis, m_recipe, m_dragging);
        }
    });
    connect(m_job, &PreviewJob::failed, this, [this](const QString& message) {
        m_summary->setText(tr("<span style='color:#c33'>Preview failed: %1</span>").arg(message.toHtmlEscaped()));
    });
    buildUi();
}

SlimPanel::~SlimPanel() = default;

void SlimPanel::buildUi()
{
    auto* layout = new QVBoxLayout(this);
    auto* stepsRow = new QHBoxLayout;
    m_steps = new QListWidget(this);
    m_steps->setMaximumHeight(110);
    m_steps->setToolTip(tr("Recipe steps, applied top to bottom; untick to disable a step"));
    stepsRow->addWidget(m_steps, 1);
    auto* buttons = new QVBoxLayout;
    auto* add = new QToolButton(this);
    add->setText(tr("Add step"));
    add->setPopupMode(QToolButton::InstantPopup);
    auto* addMenu = new QMenu(add);
    for (const StepType* type : stepTypes()) {
        QAction* action = addMenu->addAction(
            tr(std::string(type->title()).c_str()), this, [this, name = std::string(type->name())] { addStep(name); });
        action->setToolTip(q(std::string(type->help())));
    }
    add->setMenu(addMenu);
    const auto button = [&](const QString& text, const QString& tip, auto slot) {
        auto* b = new QToolButton(this);
        b->setText(text);
        b->setToolTip(tip);
        connect(b, &QToolButton::clicked, this, slot);
        buttons->addWidget(b);
    };
    buttons->addWidget(add);
    const auto move = [this](int delta) {
        const int row = m_steps->currentRow();
        const int target = row + delta;
        if (row < 0 || target < 0 || target >= static_cast<int>(m_recipe.steps.size()))
            return;
        Recipe next = m_recipe;
        std::swap(next.steps[static_cast<std::size_t>(row)], next.steps[static_cast<std::size_t>(target)]);
        setRecipe(next);
        m_steps->setCurrentRow(target);
    };
    button(tr("Up"), tr("Move the step earlier"), [move] { move(-1); });
    button(tr("Down"), tr("Move the step later"), [move] { move(1); });
    button(tr("Remove"), tr("Remove the step"), [this] {
        const int row = m_steps->currentRow();
        if (row < 0)
            return;
        Recipe next = m_recipe;
        next.steps.erase(next.steps.begin() + row);
        setRecipe(next);
    });
    stepsRow->addLayout(buttons);
    layout->addLayout(stepsRow);

    buildEditors();
    layout->addWidget(m_formatRow);
    layout->addWidget(m_editors);

    m_scopeBox = new QWidget(this);
    auto* scope = new QFormLayout(m_scopeBox);
    scope->setContentsMargins(0, 0, 0, 0);
    m_include = new QLineEdit(this);
    m_include->setPlaceholderText(tr("all tensors (regular expression)"));
    m_exclude = new QLineEdit(this);
    m_exclude->setPlaceholderText(tr("none (regular expression)"));
    scope->addRow(tr("Include"), m_include);
    scope->addRow(tr("Exclude"), m_exclude);
    for (auto* edit : { m_include, m_exclude })
        connect(edit, &QLineEdit::editingFinished, this, [this] {
            editCurrentStep([this](Step& step) {
                const auto patterns = [](const QString& text) {
                    return text.trimmed().isEmpty() ? std::vector<std::string> {}
                                                    : std::vector<std::string> { text.trimmed().toStdString() };
                };
                step.scope.include = patterns(m_include->text());
                step.scope.exclude = patterns(m_exclude->text());
            });
        });
    auto* tickedRow = new QHBoxLayout;
    m_tickedScope = new QPushButton(tr("Limit to ticked layers (0)"), this);
    m_tickedScope->setToolTip(tr("Scope the selected step to the weights of the layers ticked in the Layers table"));
    m_tickedScope->setEnabled(false);
    auto* clearScope = new QPushButton(tr("Whole model"), this);
    clearScope->setToolTip(tr("Let the selected step reach every tensor its rules allow"));
    tickedRow->addWidget(m_tickedScope);
    tickedRow->addWidget(clearScope);
    tickedRow->addStretch(1);
    scope->addRow(tr("Layers"), tickedRow);
    connect(m_tickedScope, &QPushButton::clicked, this, &SlimPanel::limitCurrentStepToTicked);
    connect(clearScope, &QPushButton::clicked, this, [this] {
        editCurrentStep([](Step& step) {
            step.scope.tensors.clear();
            step.scope.include.clear();
            step.scope.onlyTensors = false;
        });
    });
    layout->addWidget(m_scopeBox);

    m_summary = new QLabel(this);
    m_summary->setWordWrap(true);
    m_summary->setTextFormat(Qt::RichText);
    layout->addWidget(m_summary);
    // Before → after as a picture: weight bytes by dtype, two stacked bars, with the figures beside them.
    auto* picture = new QHBoxLayout;
    m_beforeAfter = new DtypeStackChart(this);
    m_beforeAfter->setObjectName(QStringLiteral("slimBeforeAfter"));
    m_beforeAfter->setFixedHeight(124);
    m_figures = new QLabel(this);
    m_figures->setObjectName(QStringLiteral("slimFigures"));
    m_figures->setTextFormat(Qt::RichText);
    m_figures->setMinimumWidth(190);
    picture->addWidget(m_beforeAfter, 1);
    picture->addWidget(m_figures);
    layout->addLayout(picture);
    m_changes = new QTableWidget(0, 6, this);
    m_changes->setHorizontalHeaderLabels(
        { tr("Tensor"), tr("Before"), tr("After"), tr("SQNR dB"), tr("Rel. L2"), tr("Channels") });
    m_changes->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
    m_changes->verticalHeader()->hide();
    m_changes->setEditTriggers(QAbstractItemView::NoEditTriggers);
    layout->addWidget(m_changes, 1);

    auto* actions = new QHBoxLayout;
    m_minCosine = new QDoubleSpinBox(this);
    m_minCosine->setRange(0.0, 1.0);
    m_minCosine->setDecimals(4);
    m_minCosine->setSingleStep(0.001);
    m_minCosine->setValue(0.99);
    m_minCosine->setPrefix(tr("min cosine "));
    m_minCosine->setToolTip(tr("Outputs with a lower cosine similarity than this are a warning"));
    m_minTop1 = new QDoubleSpinBox(this);
    m_minTop1->setRange(0.0, 100.0);
    m_minTop1->setDecimals(1);
    m_minTop1->setValue(99.0);
    m_minTop1->setPrefix(tr("min top-1 "));
    m_minTop1->setSuffix(QStringLiteral(" %"));
    m_minTop1->setToolTip(tr("Class-score outputs whose top-1 agreement is lower than this are a warning"));
    m_verifyButton = new QPushButton(tr("Verify"), this);
    m_verifyButton->setToolTip(tr("Run the original and the slimmed model in ONNX Runtime and compare their outputs"));
    m_exportButton = new QPushButton(tr("Export…"), this);
    m_verdict = new QLabel(this);
    m_verdict->setWordWrap(true);
    actions->addWidget(m_minCosine);
    actions->addWidget(m_minTop1);
    auto* planButton = new QPushButton(tr("Plan for…"), this);
    planButton->setObjectName(QStringLiteral("planButton"));
    planButton->setToolTip(tr("Choose per-layer steps that reach a target size with every output above a cosine "
                              "floor, verified in ONNX Runtime"));
    connect(planButton, &QPushButton::clicked, this, &SlimPanel::planRequested);
    actions->addWidget(planButton);
    actions->addWidget(m_verifyButton);
    actions->addWidget(m_exportButton);
    m_cancelWork = new QPushButton(tr("Cancel"), this);
    m_cancelWork->setToolTip(tr("Stop the running export or verification; nothing is written"));
    m_cancelWork->hide();
    actions->addWidget(m_cancelWork);
    layout->addLayout(actions);
    m_workStatus = new QLabel(this);
    m_workStatus->hide();
    layout->addWidget(m_workStatus);
    connect(m_cancelWork, &QPushButton::clicked, this, &SlimPanel::cancelWork);
    for (JobRunner* runner : { m_exportJob, m_verifyJob }) {
        connect(runner, &JobRunner::stateChanged, this, &SlimPanel::updateWorkStatus);
        connect(runner, &JobRunner::progressChanged, this, [this, runner](const QString& stage) {
            m_workStatus->setText(QStringLiteral("%1: %2").arg(runner->title(), stage));
        });
    }
    layout->addWidget(m_verdict);
    connect(m_verifyButton, &QPushButton::clicked, this, &SlimPanel::verify);
    connect(m_exportButton, &QPushButton::clicked, this, [this] {
        if (!m_analysis)
            return;
        const QString input = q(m_analysis->model.path);
        const QString suggestion = input.endsWith(QStringLiteral(".onnx"))
            ? input.chopped(5) + QStringLiteral("-slim.onnx")
            : input + QStringLiteral(".slim.onnx");
        const QString path
            = QFileDialog::getSaveFileName(this, tr("Export slimmed model"), suggestion, tr("ONNX models (*.onnx)"));
        if (!path.isEmpty())
            exportTo(path);
    });

    connect(m_steps, &QListWidget::currentRowChanged, this, &SlimPanel::showStepEditor);
    connect(m_steps, &QListWidget::itemChanged, this, [this](QListWidgetItem* item) {
        const int row = m_steps->row(item);
        if (m_updatingEditors || row < 0 || row >= static_cast<int>(m_recipe.steps.size()))
            return;
        Recipe next = m_recipe;
        next.steps[static_cast<std::size_t>(row)].enabled = item->checkState() == Qt::Checked;
        setRecipe(next);
    });
}

void SlimPanel::setAnalysis(const AnalysisPtr& analysis)
{
    m_analysis = analysis;
    m_preview.reset();
    m_undo->clear();
    m_verdict->clear();
    schedulePreview();
}

void SlimPanel::setRecipe(const Recipe& recipe, bool undoable, int mergeId)
{
    if (undoable) {
        m_undo->push(new RecipeCommand(this, m_recipe, recipe, mergeId, tr("Edit recipe")));
        return; // push() calls redo(), which lands here again with undoable == false
    }
    const int row = m_steps->currentRow();
    m_recipe = recipe;
    emit recipeChanged(m_recipe);
    refreshStepList();
    m_steps->setCurrentRow(std::min(row < 0 ? 0 : row, static_cast<int>(m_recipe.steps.size()) - 1));
    showStepEditor(m_steps->currentRow());
    schedulePreview();
}

void SlimPanel::addStep(std::string_view stepName)
{
    if (const StepType* type = findStepType(stepName))
        addStep(type->defaults());
}

QSlider* SlimPanel::pruneSlider() const
{
    const auto editor = m_editorFor.find(std::string_view("prune"));
    return editor == m_editorFor.end() ? nullptr : editor->second->findChild<QSlider*>();
}

void SlimPanel::buildEditors()
{
    m_editors = new QStackedWidget(this);
    m_editors->setObjectName(QStringLiteral("stepEditors"));
    auto* start = new QLabel(tr("No steps yet. <b>Add step</b> (or the Slim menu: Ctrl+Shift+P prune, Ctrl+Shift+Q "
                                "quantize, Ctrl+Shift+C clean-up) builds a recipe step by step; <b>Plan for…</b> "
                                "chooses steps that reach a target size with the outputs checked in ONNX Runtime; "
                                "a finding's <i>Apply fix</i> adds the step that fixes it."),
        this);
    start->setWordWrap(true);
    m_editors->addWidget(start);
    for (const StepType* type : stepTypes()) {
        const StepEditorEntry* entry = findStepEditor(type->name());
        // A step registered in core without an editor says so rather than showing nothing.
        StepEditor* editor = entry ? entry->create(m_editors) : editors::missing(m_editors, type->name());
        m_editorFor.emplace(std::string(type->name()), editor);
        m_editors->addWidget(editor);
        connect(editor, &StepEditor::dragFinished, this, [this] {
            // The last preview may have sampled its errors: measure them exactly now.
            if (m_dragging) {
                m_dragging = false;
                schedulePreview();
            }
        });
        connect(editor, &StepEditor::edited, this, [this](const StepEditor::Edit& edit, int mergeId) {
            m_dragging = mergeId != -1;
            editCurrentStep([&edit](Step& step) { edit(step.params); }, mergeId);
        });
    }
    m_formatRow = new QWidget(this);
    auto* formatLayout = new QFormLayout(m_formatRow);
    formatLayout->setContentsMargins(0, 0, 0, 0);
    m_format = new QComboBox(m_formatRow);
    m_format->setObjectName(QStringLiteral("stepFormat"));
    m_format->setToolTip(tr("The format of this step; switching starts from the format's defaults"));
    formatLayout->addRow(tr("Format"), m_format);
    m_formatRow->hide();
    connect(m_format, &QComboBox::activated, this, [this](int index) {
        const StepType* chosen = findStepType(m_format->itemData(index).toString().toStdString());
        if (chosen)
            editCurrentStep([chosen](Step& step) {
                if (step.params.name() != chosen->name())
                    step.params = chosen->defaults();
            });
    });
}

void SlimPanel::addStep(const StepParams& params)
{
    Recipe next = m_recipe;
    next.steps.push_back({ params, Scope {}, true });
    setRecipe(next);
    m_steps->setCurrentRow(static_cast<int>(m_recipe.steps.size()) - 1);
}

void SlimPanel::refreshStepList()
{
    const bool wasUpdating = std::exchange(m_updatingEditors, true);
    m_steps->clear();
    for (const auto& step : m_recipe.steps) {
        // Fully set up before it joins the list, so no itemChanged reports a half-made state.
        auto* item = new QListWidgetItem(q(describeStep(step)));
        item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
        item->setCheckState(step.enabled ? Qt::Checked : Qt::Unchecked);
        m_steps->addItem(item);
    }
    m_updatingEditors = wasUpdating;
}

void SlimPanel::showStepEditor(int row)
{
    // Called from inside other updates too (the list emits currentRowChanged while it is rebuilt): restore,
    // rather than clear, the guard on the way out.
    const bool wasUpdating = std::exchange(m_updatingEditors, true);
    if (row < 0 || row >= static_cast<int>(m_recipe.steps.size())) {
        m_editors->setCurrentIndex(0);
        m_updatingEditors = wasUpdating;
        return;
    }
    const Step& step = m_recipe.steps[static_cast<std::size_t>(row)];
    const auto editor = m_editorFor.find(step.params.name());
    if (editor != m_editorFor.end()) {
        editor->second->show(step.params);
        m_editors->setCurrentWidget(editor->second);
    } else {
        m_editors->setCurrentIndex(0);
    }
    // A kind with several types (quantize) offers the switch between them above the editor.
    const auto type = stepTypeOf(step.params);
    const auto family = type ? stepTypesOfKind((*type)->kind()) : std::vector<const StepType*> {};
    m_formatRow->setVisible(family.size() > 1);
    // A step that works on the whole graph (cleanup) has no scope to edit.
    m_scopeBox->setVisible(type && (*type)->usesScope());
    m_format->clear();
    for (const StepType* member : family) {
        m_format->addItem(tr(std::string(member->title()).c_str()), q(std::string(member->name())));
        if (member == *type)
            m_format->setCurrentIndex(m_format->count() - 1);
    }
    const bool onlyListed = step.scope.onlyTensors;
    m_include->setText(step.scope.include.empty() || onlyListed ? QString() : q(step.scope.include.front()));
    m_include->setPlaceholderText(onlyListed ? tr("only the %1 ticked tensors").arg(step.scope.tensors.size())
                                             : tr("all tensors (regular expression)"));
    m_exclude->setText(step.scope.exclude.empty() ? QString() : q(step.scope.exclude.front()));
    m_updatingEditors = wasUpdating;
}

void SlimPanel::editCurrentStep(const std::function<void(Step&)>& edit, int mergeId)
{
    const int row = m_steps->currentRow();
    if (m_updatingEditors || row < 0 || row >= static_cast<int>(m_recipe.steps.size()))
        return;
    Recipe next = m_recipe;
    edit(next.steps[static_cast<std::size_t>(row)]);
    if (next == m_recipe)
        return;
    if (!validateRecipe(next)) {
        m_summary->setText(
            tr("<span style='color:#c33'>%1</span>").arg(q(validateRecipe(next).error().message).toHtmlEscaped()));
        return;
    }
    setRecipe(next, true, mergeId);
}

void SlimPanel::schedulePreview()
{
    if (!m_analysis)
        return;
    if (m_recipe.steps.empty()) {
        m_job->cancel();
        m_preview.reset();
        m_summary->setText(tr("No steps: the model is unchanged."));
        m_beforeAfter->setPreview(nullptr);
        m_figures->clear();
        m_changes->setRowCount(0);
        emit previewChanged(nullptr);
        return;
    }
    if (!m_summary->text().endsWith(tr(" <i>(updating…)</i>")))
        m_summary->setText(m_summary->text() + tr(" <i>(updating…)</i>"));
    // While a slider is dragged, the running preview finishes (it shows where the drag was) and the latest
    // position follows it; any other edit makes the running preview obsolete at once.
    if (m_job->isRunning() && m_dragging) {
        m_previewPending = true;
        return;
    }
    m_previewPending = false;
    m_job->start(m_analysis, m_recipe, m_dragging);
}

QString SlimPanel::summaryText() const
{
    return m_summary->text();
}

void SlimPanel::setTickedTensors(std::vector<std::string> tensors)
{
    m_tickedTensors = std::move(tensors);
    m_tickedScope->setText(tr("Limit to ticked layers (%1 tensors)").arg(m_tickedTensors.size()));
    m_tickedScope->setEnabled(!m_tickedTensors.empty());
}

void SlimPanel::limitCurrentStepToTicked()
{
    editCurrentStep([this](Step& step) {
        step.scope.tensors = m_tickedTensors;
        step.scope.onlyTensors = true;
    });
}

} // namespace slimscope::ui
