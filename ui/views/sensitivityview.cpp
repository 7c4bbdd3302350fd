#include "sensitivityview.h"

#include "charts/frontierchart.h"
#include "charts/sensitivitychart.h"
#include "jobs/jobrunner.h"
#include "mainwindow.h"
#include "pages.h"
#include "plandialog.h"
#include "session/session.h"
#include "slim/stepregistry.h"
#include "slimming/slimpanel.h"
#include "support/format.h"
#include "viewregistry.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QTabWidget>
#include <QVBoxLayout>

namespace slimscope::ui {

namespace {

QString q(const std::string& text)
{
    return QString::fromStdString(text);
}

/// `name` as a regular expression that matches only itself (recipe scopes are ECMAScript patterns).
std::string exactPattern(const std::string& name)
{
    std::string pattern = "^";
    for (const char c : name) {
        if (std::string_view("\\^$.|?*+()[]{}").find(c) != std::string_view::npos)
            pattern += '\\';
        pattern += c;
    }
    return pattern + "$";
}

} // namespace

SensitivityView::SensitivityView(Session& session, MainWindow& window, QWidget* parent)
    : QWidget(parent)
    , m_session(session)
    , m_window(window)
    , m_job(new JobRunner(this))
{
    setObjectName(QStringLiteral("sensitivityView"));
    auto* layout = new QVBoxLayout(this);
    auto* controls = new QHBoxLayout;
    m_step = new QComboBox(this);
    m_step->setObjectName(QStringLiteral("sensitivityStep"));
    for (const char* spec : { "int8", "int4", "fp16", "bf16", "prune:0.5", "prune_channels:0.3", "low_rank:0.95" })
        m_step->addItem(QString::fromLatin1(spec));
    m_inputs = new QLineEdit(QStringLiteral("random:8"), this);
    m_inputs->setToolTip(tr("random:N seeded samples, or a folder of <input name>.npy|.pb files or "
                            "test_data_set_<k>/ sub-folders"));
    m_run = new QPushButton(tr("Measure"), this);
    m_cancel = new QPushButton(tr("Cancel"), this);
    m_cancel->setEnabled(false);
    controls->addWidget(new QLabel(tr("Step"), this));
    controls->addWidget(m_step);
    controls->addWidget(new QLabel(tr("Samples"), this));
    controls->addWidget(m_inputs, 1);
    controls->addWidget(m_run);
    controls->addWidget(m_cancel);
    layout->addLayout(controls);
    m_status = new QLabel(this);
    m_status->setWordWrap(true);
    layout->addWidget(m_status);
    m_tabs = new QTabWidget(this);
    m_tabs->setTabPosition(QTabWidget::South);
    m_chart = new SensitivityChart(m_tabs);
    m_frontier = new FrontierChart(m_tabs);
    m_tabs->addTab(m_chart, tr("Layers"));
    m_tabs->addTab(m_frontier, tr("Size / fidelity"));
    m_tabs->setTabToolTip(1, tr("The recipes Plan for… verified: click one to adopt it"));
    layout->addWidget(m_tabs, 1);
    m_planJob = new JobRunner(this);
    auto* exclude = new QHBoxLayout;
    m_excludeCount = new QSpinBox(this);
    m_excludeCount->setRange(1, 1);
    m_exclude = new QPushButton(tr("Keep the most sensitive out of the step"), this);
    m_exclude->setEnabled(false);
    exclude->addWidget(new QLabel(tr("Layers"), this));
    exclude->addWidget(m_excludeCount);
    exclude->addWidget(m_exclude);
    exclude->addStretch(1);
    auto* planButton = new QPushButton(tr("Plan for…"), this);
    planButton->setToolTip(tr("Choose per-layer steps that reach a target size with every output above a cosine "
                              "floor, verified in ONNX Runtime"));
    exclude->addWidget(planButton);
    connect(planButton, &QPushButton::clicked, this, &SensitivityView::planWithDialog);
    connect(m_frontier, &FrontierChart::pointClicked, this, &SensitivityView::adoptPoint);
    connect(m_planJob, &JobRunner::progressChanged, this, [this](const QString& stage, double fraction) {
        m_status->setText(tr("Planning: %1 (%2 %)").arg(stage).arg(static_cast<int>(fraction * 100)));
    });
    layout->addLayout(exclude);

    connect(m_run, &QPushButton::clicked, this, &SensitivityView::run);
    connect(m_cancel, &QPushButton::clicked, m_job, &JobRunner::cancel);
    connect(m_exclude, &QPushButton::clicked, this, [this] { excludeMostSensitive(m_excludeCount->value()); });
    connect(m_job, &JobRunner::progressChanged, this, [this](const QString& stage, double fraction) {
        m_status->setText(tr("%1 (%2 %)").arg(stage).arg(static_cast<int>(fraction * 100)));
    });
    connect(m_chart, &SensitivityChart::layerClicked, this, [this](const QString& node) {
        if (!m_session.analysis())
            return;
        const auto& layers = m_session.analysis()->layers;
        for (std::size_t i = 0; i < layers.size(); ++i)
            if (q(layers[i].name) == node)
                m_session.selectLayer(static_cast<int>(i));
    });
    connect(&m_session, &Session::analysisChanged, this, &SensitivityView::onAnalysis);
}

SensitivityView::~SensitivityView() = default;

void SensitivityView::onAnalysis(const AnalysisPtr& analysis)
{
    if (analysis == m_measured)
        return;
    m_job->cancel();
    m_planJob->cancel();
    m_plan.reset();
    m_frontier->setPlan(nullptr);
    m_result.reset();
    m_measured.reset();
    m_chart->setSensitivity(nullptr);
    m_exclude->setEnabled(false);
    m_status->setText(analysis ? tr("Measure runs the model in ONNX Runtime once per layer with weights.") : QString());
    if (analysis && isVisible())
        run();
}

void SensitivityView::showEvent(QShowEvent* event)
{
    QWidget::showEvent(event);
    // Opening the view measures the default (int8 on random:8) once, as the screenshot mode expects.
    if (m_autoMeasure && !m_result && m_session.analysis() && m_job->state() != JobState::Running
        && m_planJob->state() != JobState::Running)
        run();
}

void SensitivityView::run()
{
    const AnalysisPtr analysis = m_session.analysis();
    if (!analysis)
        return;
    auto step = core::slim::parseStepSpec(m_step->currentText().toStdString());
    auto inputs = core::runtime::parseInputSetSpec(m_inputs->text().trimmed().toStdString());
    if (!step || !inputs) {
        m_status->setText(tr("<span style='color:#c33'>%1</span>")
                              .arg(q(!step ? step.error().message : inputs.error().message).toHtmlEscaped()));
        emit finished();
        return;
    }
    core::plan::SensitivityOptions options;
    options.inputs = *inputs;
    const core::slim::StepParams params = *step;
    m_run->setEnabled(false);
    m_cancel->setEnabled(true);
    m_job->start<core::plan::Sensitivity>(
        tr("Measuring sensitivity"),
        [analysis, params, options](const JobContext& job) {
            return core::plan::sensitivity(
                analysis->modelFile, *analysis, params, options, job.progress(), job.cancel());
        },
        [this, analysis](core::Result<core::plan::Sensitivity> result) {
            m_run->setEnabled(true);
            m_cancel->setEnabled(false);
            if (!result) {
                const bool cancelled = result.error().code == core::ErrorCode::Cancelled;
                m_status->setText(cancelled
                        ? tr("Cancelled.")
                        : tr("<span style='color:#c33'>%1</span>").arg(q(result.error().message).toHtmlEscaped()));
                emit finished();
                return;
            }
            m_result = std::make_shared<const core::plan::Sensitivity>(std::move(*result));
            m_measured = analysis;
            if (m_session.analysis() == analysis)
                m_session.setSensitivity(m_result); // the Graph view colours by it
            m_chart->setSensitivity(m_result.get());
            const int layers = static_cast<int>(m_result->layers.size());
            m_excludeCount->setRange(1, std::max(1, layers));
            m_excludeCount->setValue(std::min(3, std::max(1, layers)));
            m_exclude->setEnabled(layers > 0);
            QString text = tr("%1 layers measured in %2 s on %3.")
                               .arg(layers)
                               .arg(m_result->seconds, 0, 'f', 1)
                               .arg(q(m_result->inputSource));
            if (!m_result->layers.empty()) {
                const auto& worst = m_result->layers.front();
                text += tr(" Most sensitive: <b>%1</b> (outputs' cosine %2; its weights' own SQNR %3 dB).")
                            .arg(q(worst.node).toHtmlEscaped())
                            .arg(worst.cosine, 0, 'f', 6)
                            .arg(worst.proxySqnrDb, 0, 'f', 1);
            }
            for (const auto& note : m_result->diagnostics)
                text += QStringLiteral("<br/>") + q(note.subject + ": " + note.message).toHtmlEscaped();
            m_status->setText(text);
            emit finished();
        });
}

bool SensitivityView::excludeMostSensitive(int count)
{
    if (!m_result || m_result->layers.empty())
        return false;
    auto measuredType = core::slim::parseStepSpec(m_result->step);
    if (!measuredType)
        return false;
    const auto type = core::slim::stepTypeOf(*measuredType);
    if (!type)
        return false;
    core::slim::Recipe recipe = m_window.slimPanel()->recipe();
    auto step = std::ranges::find_if(recipe.steps, [&](const core::slim::Step& s) {
        const auto other = core::slim::stepTypeOf(s.params);
        return other && (*other)->name() == (*type)->name();
    });
    if (step == recipe.steps.end()) {
        recipe.steps.push_back({ *measuredType, core::slim::Scope {}, true });
        step = recipe.steps.end() - 1;
    }
    std::size_t tensors = 0;
    const auto shown = std::min<std::size_t>(static_cast<std::size_t>(std::max(count, 0)), m_result->layers.size());
    for (std::size_t i = 0; i < shown; ++i)
        for (const std::string& tensor : m_result->layers[i].tensors) {
            const std::string pattern = exactPattern(tensor);
            if (std::ranges::find(step->scope.exclude, pattern) == step->scope.exclude.end()) {
                step->scope.exclude.push_back(pattern);
                ++tensors;
            }
        }
    m_window.slimPanel()->setRecipe(recipe);
    m_status->setText(tr("The %n most sensitive layer(s) stay out of '%1' (%2 tensor pattern(s) added to its "
                         "exclusions); see the Slim view.",
        nullptr, static_cast<int>(shown))
                          .arg(q((*type)->describe(step->params)))
                          .arg(tensors));
    return true;
}

void SensitivityView::planWithDialog()
{
    const AnalysisPtr analysis = m_session.analysis();
    if (!analysis)
        return;
    if (const auto options = askPlanOptions(this, analysis->modelFile->fileSize()))
        plan(*options);
}

void SensitivityView::plan(const core::plan::PlanOptions& options)
{
    const AnalysisPtr analysis = m_session.analysis();
    if (!analysis)
        return;
    m_tabs->setCurrentWidget(m_frontier);
    m_planJob->start<core::plan::Plan>(
        tr("Planning"),
        [analysis, options](const JobContext& job) {
            return core::plan::planToTarget(analysis->modelFile, *analysis, options, job.progress(), job.cancel());
        },
        [this](core::Result<core::plan::Plan> result) {
            if (!result) {
                m_status->setText(result.error().code == core::ErrorCode::Cancelled
                        ? tr("Planning cancelled.")
                        : tr("<span style='color:#c33'>Planning failed: %1</span>")
                              .arg(q(result.error().message).toHtmlEscaped()));
                emit planFinished();
                return;
            }
            m_plan = std::make_shared<const core::plan::Plan>(std::move(*result));
            m_frontier->setPlan(m_plan.get());
            const auto& best = m_plan->best;
            const int index = static_cast<int>(
                std::ranges::find(m_plan->evaluated, best.predictedBytes, &core::plan::PlanPoint::predictedBytes)
                - m_plan->evaluated.begin());
            adoptPoint(index);
            m_status->setText((m_plan->met ? tr("<b>Target met</b>: ")
                                           : tr("<b style='color:#c33'>Target not met</b>; the best recipe found: "))
                + tr("%1 (%2× smaller), lowest output cosine %3, %4 layers changed, %5 recipes verified in %6 s. "
                     "The recipe is in the Slim view.")
                      .arg(q(core::humanBytes(best.predictedBytes)))
                      .arg(static_cast<double>(m_plan->fileBytes)
                              / static_cast<double>(std::max<std::uint64_t>(best.predictedBytes, 1)),
                          0, 'f', 2)
                      .arg(best.minCosine, 0, 'f', 6)
                      .arg(best.layers)
                      .arg(m_plan->evaluated.size())
                      .arg(m_plan->seconds, 0, 'f', 1));
            emit planFinished();
        });
}

bool SensitivityView::adoptPoint(int index)
{
    if (!m_plan || index < 0 || index >= static_cast<int>(m_plan->evaluated.size()))
        return false;
    m_window.slimPanel()->setRecipe(m_plan->evaluated[static_cast<std::size_t>(index)].recipe);
    m_frontier->setCurrent(index);
    return true;
}

namespace views {

QWidget* sensitivity(ViewContext& context)
{
    return new SensitivityView(context.session, context.window, context.parent);
}

} // namespace views

} // namespace slimscope::ui
