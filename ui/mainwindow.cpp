#include "mainwindow.h"
#include "views/sensitivityview.h"

#include "aboutdialog.h"
#include "slimming/recipeguard.h"

#include "charts/beforeafterchart.h"
#include "charts/dtypechart.h"
#include "charts/histogramchart.h"
#include "charts/paretochart.h"
#include "charts/sparsitychart.h"
#include "reports/reportactions.h"
#include "samplemodel.h"
#include "session/session.h"
#include "slim/findingfix.h"
#include "slimming/slimpanel.h"
#include "views/detailsview.h"
#include "views/findingsmodel.h"
#include "views/layersmodel.h"
#include "views/layersview.h"
#include "views/treemapwidget.h"
#include "views/viewregistry.h"

#include <QCheckBox>

#include "support/format.h"
#include "views/summaryview.h"
#include <unordered_map>

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QComboBox>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QHeaderView>
#include <QLabel>
#include <QListWidget>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QSortFilterProxyModel>
#include <QStackedWidget>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QTimer>
#include <QToolButton>
#include <QUndoStack>
#include <QVBoxLayout>

namespace slimscope::ui {

namespace {
constexpr int kMaxRecentFiles = 8;
const QString kRecentKey = QStringLiteral("recentFiles");
const QString kGeometryKey = QStringLiteral("window/geometry");
}

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent)
    , m_job(new AnalysisJob(this))
    , m_session(new Session(this))
{
    setWindowTitle(tr("Slimscope"));
    setAcceptDrops(true);
    resize(1100, 760);

    auto* central = new QWidget(this);
    auto* layout = new QVBoxLayout(central);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    m_banner = new QLabel(central);
    m_banner->setWordWrap(true);
    m_banner->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_banner->setStyleSheet(QStringLiteral("QLabel { background: #f8d7da; color: #721c24; padding: 8px; }"));
    m_banner->hide();
    layout->addWidget(m_banner);
    m_pages = new QStackedWidget(central);
    m_welcome = buildWelcomePage();
    m_pages->addWidget(m_welcome);
    m_pages->addWidget(buildViews());
    m_recipeGuard = new RecipeGuard(*m_slim, central);
    layout->addWidget(m_recipeGuard->recoveryBar());
    layout->addWidget(m_pages);
    setCentralWidget(central);

    m_status = new QLabel(this);
    statusBar()->addWidget(m_status, 1);
    m_progress = new QProgressBar(this);
    m_progress->setRange(0, 1000);
    m_progress->setMaximumWidth(220);
    m_progress->hide();
    statusBar()->addPermanentWidget(m_progress);
    m_cancel = new QToolButton(this);
    m_cancel->setText(tr("Cancel"));
    m_cancel->setToolTip(tr("Stop loading this model"));
    m_cancel->hide();
    statusBar()->addPermanentWidget(m_cancel);
    connect(m_cancel, &QToolButton::clicked, m_job, &AnalysisJob::cancel);

    connect(m_job, &AnalysisJob::finished, this, &MainWindow::onAnalysisFinished);
    connect(m_job, &AnalysisJob::failed, this, &MainWindow::onAnalysisFailed);
    connect(m_job, &AnalysisJob::progressChanged, this, &MainWindow::onProgress);
    connect(m_job, &AnalysisJob::modelLoaded, this, [this](const std::shared_ptr<const core::model::ModelFile>& file) {
        // Summary first: with no model open yet, show what the file says about itself right away; an open model
        // stays on screen until the new analysis is complete (or fails).
        if (!analysis()) {
            if (auto* summary = m_views->findChild<SummaryView*>()) {
                summary->showLoading(*file);
                m_pages->setCurrentWidget(m_views);
                m_views->setCurrentWidget(summary);
            }
        }
        m_status->setText(tr("%1: %2, %3 weight tensors — analysing…")
                              .arg(QString::fromStdString(file->path().filename().string()),
                                  QString::fromStdString(core::humanBytes(file->fileSize())))
                              .arg(file->weights().size()));
    });

    buildMenus();
    restoreGeometry(QSettings().value(kGeometryKey).toByteArray());
}

MainWindow::~MainWindow() = default;

AnalysisPtr MainWindow::analysis() const
{
    return m_session->analysis(); // the session holds the open model's analysis; the window keeps no copy
}

void MainWindow::buildMenus()
{
    QMenu* file = menuBar()->addMenu(tr("&File"));
    QAction* open = file->addAction(tr("&Open…"), this, &MainWindow::chooseAndOpen);
    open->setShortcut(QKeySequence::Open);
    open->setToolTip(tr("Open an ONNX model"));
    QAction* sample = file->addAction(tr("Open &Sample Model"), this, [this] { requestOpen(sampleModelPath()); });
    sample->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O));
    m_recentMenu = file->addMenu(tr("Open &Recent"));
    rebuildRecentMenu();
    file->addSeparator();
    QAction* loadRecipe = file->addAction(tr("&Load Recipe…"), this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Load recipe"), QString(), tr("Recipes (*.json)"));
        QString error;
        if (!path.isEmpty() && !m_slim->loadRecipe(path, &error))
            showBanner(error);
        else if (!path.isEmpty())
            m_recipeGuard->markSaved();
    });
    loadRecipe->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_L));
    QAction* saveRecipe = file->addAction(tr("Save &Recipe…"), this, [this] {
        const QString path = QFileDialog::getSaveFileName(
            this, tr("Save recipe"), QStringLiteral("recipe.json"), tr("Recipes (*.json)"));
        QString error;
        if (!path.isEmpty() && !m_slim->saveRecipe(path, &error))
            showBanner(error);
        else if (!path.isEmpty())
            m_recipeGuard->markSaved();
    });
    saveRecipe->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_S));
    file->addSeparator();
    QAction* exportReport = file->addAction(tr("Export Re&port…"), this, [this] {
        const ReportSources sources { analysis(), std::make_shared<const core::slim::Recipe>(m_slim->recipe()),
            m_slim->preview(), m_session->sensitivity() };
        exportReportWithDialog(
            this, sources, [this](const QString& message) { statusBar()->showMessage(message, 10000); });
    });
    exportReport->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_E));
    exportReport->setToolTip(tr("Write a review report (HTML, PDF, Markdown, JSON or CSV) of the open model"));
    QAction* compare = file->addAction(tr("&Compare With…"), this, [this] { compareWithDialog(m_views, analysis()); });
    compare->setToolTip(tr("Analyse a second model and list what differs from the open one"));
    for (QAction* action : { exportReport, compare }) {
        action->setEnabled(false);
        connect(this, &MainWindow::analysisReady, action, [action] { action->setEnabled(true); });
    }
    file->addSeparator();
    QAction* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);
    QMenu* edit = menuBar()->addMenu(tr("&Edit"));
    QAction* undo = m_slim->undoStack()->createUndoAction(this, tr("&Undo"));
    undo->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Z));
    QAction* redo = m_slim->undoStack()->createRedoAction(this, tr("&Redo"));
    redo->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Z));
    edit->addAction(undo);
    edit->addAction(redo);
    QMenu* slimMenu = menuBar()->addMenu(tr("&Slim"));
    for (const StepEditorEntry& entry : stepEditors()) {
        QAction* action = slimMenu->addAction(
            QCoreApplication::translate("SlimMenu", entry.menuText), this, [this, step = std::string(entry.step)] {
                m_slim->addStep(step);
                m_views->setCurrentWidget(m_slim);
            });
        if (entry.shortcutKey)
            action->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | entry.shortcutKey));
    }
    slimMenu->addSeparator();
    QAction* verifyAction = slimMenu->addAction(tr("&Verify in ONNX Runtime"), this, [this] { m_slim->verify(); });
    verifyAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_R));
    QAction* exportAction = slimMenu->addAction(tr("&Export Slimmed Model…"), this, [this] {
        if (!analysis())
            return;
        const QString path
            = QFileDialog::getSaveFileName(this, tr("Export slimmed model"), QString(), tr("ONNX models (*.onnx)"));
        if (!path.isEmpty())
            m_slim->exportTo(path);
    });
    exportAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
    QMenu* view = menuBar()->addMenu(tr("&View"));
    for (int i = 0; i < m_views->count(); ++i) {
        QAction* action = view->addAction(m_views->tabText(i), this, [this, i] { m_views->setCurrentIndex(i); });
        action->setShortcut(QKeySequence(Qt::ALT | static_cast<Qt::Key>(Qt::Key_1 + i)));
    }
    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About Slimscope"), this, [this] { showAboutDialog(this); });
    help->addAction(tr("About &Qt"), qApp, &QApplication::aboutQt);
}

QWidget* MainWindow::buildViews()
{
    m_views = new QTabWidget(this);
    m_views->setObjectName(QStringLiteral("views"));
    m_views->setDocumentMode(true);
    ViewContext context { *m_session, *this, m_views };
    for (const ViewEntry& entry : viewEntries())
        m_views->addTab(entry.create(context), QCoreApplication::translate("Views", entry.title));
    m_layers = m_views->findChild<LayersView*>();
    m_slim = m_views->findChild<SlimPanel*>();
    connect(m_slim, &SlimPanel::exported, this, [this](const QString& text) { statusBar()->showMessage(text, 10000); });
    connect(m_slim, &SlimPanel::exportFailed, this, [this](const QString& text) { showBanner(text); });
    connect(m_slim, &SlimPanel::planRequested, this, [this] {
        if (auto* sensitivity = m_views->findChild<SensitivityView*>()) {
            sensitivity->setAutoMeasure(false); // the planner measures what it needs
            showView(QStringLiteral("sensitivity"));
            sensitivity->planWithDialog();
            sensitivity->setAutoMeasure(true);
        }
    });

    // The Details dock: the selected layer's tensors, and its largest weight as a histogram under them.
    auto* details = new DetailsView(this);
    auto* detailsPane = new QWidget(this);
    auto* detailsLayout = new QVBoxLayout(detailsPane);
    detailsLayout->setContentsMargins(0, 0, 0, 0);
    detailsLayout->addWidget(details, 3);
    auto* detailsHistogram = new HistogramChart(detailsPane);
    detailsHistogram->setMinimumHeight(180);
    detailsLayout->addWidget(detailsHistogram, 2);
    connect(m_session, &Session::analysisChanged, details, [details](const AnalysisPtr& analysis) {
        if (analysis)
            details->setAnalysis(analysis);
    });
    connect(m_session, &Session::layerSelected, details, &DetailsView::showLayer);
    connect(m_session, &Session::layerSelected, detailsHistogram, [this, detailsHistogram] {
        if (const int tensor = m_session->selectedTensor(); tensor >= 0)
            detailsHistogram->setTensor(m_session->analysis(), tensor);
    });
    auto* dock = new QDockWidget(tr("Details"), this);
    dock->setObjectName(QStringLiteral("details"));
    dock->setWidget(detailsPane);
    dock->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable);
    addDockWidget(Qt::RightDockWidgetArea, dock);
    resizeDocks({ dock }, { 340 }, Qt::Horizontal);
    return m_views;
}

bool MainWindow::applyFix(int findingIndex)
{
    using namespace core::slim;
    if (!analysis() || findingIndex < 0 || findingIndex >= static_cast<int>(analysis()->findings.size()))
        return false;
    const auto& finding = analysis()->findings[static_cast<std::size_t>(findingIndex)];
    const auto recipe = withFix(m_slim->recipe(), finding);
    if (!recipe) {
        statusBar()->showMessage(
            tr("No automatic fix for %1 yet: %2")
                .arg(QString::fromStdString(std::string(core::analysis::findingKindName(finding.kind))),
                    QString::fromStdString(finding.fix)),
            8000);
        return false;
    }
    m_slim->setRecipe(*recipe);
    return true;
}

bool MainWindow::showView(const QString& name)
{
    const auto& entries = viewEntries();
    for (std::size_t i = 0; i < entries.size(); ++i)
        if (name == QLatin1String(entries[i].name)) {
            m_views->setCurrentIndex(static_cast<int>(i));
            return true;
        }
    return false;
}

QWidget* MainWindow::buildWelcomePage()
{
    auto* page = new QWidget(this);
    auto* layout = new QVBoxLayout(page);
    layout->addStretch(1);
    auto* title = new QLabel(tr("<h1>Slimscope</h1><p>Drop an ONNX model here to see where its bytes go.</p>"), page);
    title->setAlignment(Qt::AlignCenter);
    layout->addWidget(title);
    auto* open = new QPushButton(tr("Open…"), page);
    auto* sample = new QPushButton(tr("Open sample model"), page);
    sample->setEnabled(!sampleModelPath().isEmpty());
    connect(open, &QPushButton::clicked, this, &MainWindow::chooseAndOpen);
    connect(sample, &QPushButton::clicked, this, [this] { requestOpen(sampleModelPath()); });
    for (QPushButton* button : { open, sample }) {
        button->setMinimumWidth(220);
        layout->addWidget(button, 0, Qt::AlignHCenter);
    }
    m_welcomeRecent = new QListWidget(page);
    m_welcomeRecent->setMaximumWidth(520);
    m_welcomeRecent->setMaximumHeight(160);
    m_welcomeRecent->setToolTip(tr("Recently opened models; double-click to open"));
    connect(m_welcomeRecent, &QListWidget::itemActivated, this,
        [this](QListWidgetItem* item) { requestOpen(item->text()); });
    auto* recentTitle = new QLabel(tr("Recent models"), page);
    layout->addSpacing(16);
    layout->addWidget(recentTitle, 0, Qt::AlignHCenter);
    layout->addWidget(m_welcomeRecent, 0, Qt::AlignHCenter);
    layout->addStretch(2);
    return page;
}

void MainWindow::chooseAndOpen()
{
    const QString path = QFileDialog::getOpenFileName(
        this, tr("Open ONNX model"), QString(), tr("ONNX models (*.onnx);;All files (*)"));
    if (!path.isEmpty())
        requestOpen(path);
}

void MainWindow::openModel(const QString& path)
{
    m_loadingPath = path;
    m_banner->hide();
    m_progress->setValue(0);
    m_progress->show();
    m_cancel->show();
    m_status->setText(tr("Loading %1…").arg(path));
    m_job->start(path);
}

bool MainWindow::requestOpen(const QString& path)
{
    if (analysis() && !m_recipeGuard->confirmOpen(this, QFileInfo(path).fileName()))
        return false;
    openModel(path);
    return true;
}

void MainWindow::onProgress(const QString& stage, double fraction)
{
    m_progress->setValue(static_cast<int>(fraction * 1000.0));
    m_status->setText(tr("Loading %1: %2").arg(m_loadingPath, stage));
}

void MainWindow::onAnalysisFinished(const AnalysisPtr& analysis)
{
    m_progress->hide();
    m_cancel->hide();
    m_session->setAnalysis(analysis); // every view follows the session
    m_pages->setCurrentWidget(m_views);
    const auto& model = analysis->model;
    setWindowTitle(tr("%1 — Slimscope").arg(QFileInfo(QString::fromStdString(model.path)).fileName()));
    m_status->setText(
        tr("%1   %2   %3 params   %4 weights")
            .arg(QString::fromStdString(model.path), QString::fromStdString(core::humanBytes(model.fileBytes)),
                QString::fromStdString(core::humanCount(model.params)),
                QString::fromStdString(core::humanBytes(model.weightBytes))));
    addRecentFile(QString::fromStdString(model.path));
    emit analysisReady();
}

void MainWindow::onAnalysisFailed(const QString& message, bool cancelled)
{
    m_progress->hide();
    m_cancel->hide();
    if (!analysis()) // the first stage may have shown a model that did not finish loading
        m_pages->setCurrentWidget(m_welcome);
    if (cancelled) // the user asked for it: no error banner
        statusBar()->showMessage(tr("Loading cancelled."), 5000);
    else
        showBanner(message);
    m_status->setText(analysis() ? QString::fromStdString(analysis()->model.path) : QString());
    emit loadFailed(message);
}

void MainWindow::showBanner(const QString& message)
{
    m_banner->setText(tr("Could not open the model: %1").arg(message));
    m_banner->show();
}

QString MainWindow::bannerText() const
{
    return m_banner->isVisible() ? m_banner->text() : QString();
}

void MainWindow::addRecentFile(const QString& path)
{
    QSettings settings;
    QStringList files = settings.value(kRecentKey).toStringList();
    const QString absolute = QFileInfo(path).absoluteFilePath();
    files.removeAll(absolute);
    files.prepend(absolute);
    while (files.size() > kMaxRecentFiles)
        files.removeLast();
    settings.setValue(kRecentKey, files);
    rebuildRecentMenu();
}

void MainWindow::rebuildRecentMenu()
{
    m_recentMenu->clear();
    const QStringList files = QSettings().value(kRecentKey).toStringList();
    for (const QString& file : files)
        m_recentMenu->addAction(file, this, [this, file] { requestOpen(file); });
    m_recentMenu->setEnabled(!files.isEmpty());
    if (m_welcomeRecent) {
        m_welcomeRecent->clear();
        m_welcomeRecent->addItems(files);
        m_welcomeRecent->setVisible(!files.isEmpty());
    }
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event)
{
    if (event->mimeData()->hasUrls() && !event->mimeData()->urls().isEmpty()
        && event->mimeData()->urls().first().isLocalFile())
        event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event)
{
    const auto urls = event->mimeData()->urls();
    if (urls.isEmpty() || !urls.first().isLocalFile())
        return;
    event->acceptProposedAction();
    // After the drop has finished: the question about an unsaved recipe must not run inside the drag's event loop.
    QTimer::singleShot(0, this, [this, path = urls.first().toLocalFile()] { requestOpen(path); });
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    if (!m_recipeGuard->confirmClose(this)) {
        event->ignore();
        return;
    }
    m_recipeGuard->discardAutosave();
    QSettings().setValue(kGeometryKey, saveGeometry());
    m_job->cancel();
    QMainWindow::closeEvent(event);
}

} // namespace slimscope::ui
