#pragma once

#include "jobs/analysisjob.h"
#include "slim/slimmer.h"

#include <QMainWindow>

class QCheckBox;
class QLabel;
class QListWidget;
class QMenu;
class QProgressBar;
class QPushButton;
class QStackedWidget;
class QTabWidget;
class QTableView;
class QToolButton;

namespace slimscope::ui {

class DetailsView;
class Session;
class SlimPanel;
class TreemapWidget;
class ParetoChart;
class DtypeChart;
class SparsityChart;
class HistogramChart;
class BeforeAfterChart;
class FindingsModel;
class LayersView;
class SummaryView;

/// The Slimscope window: a welcome page until a model is open, then the views of its analysis. Loading runs
/// in the background; errors show in a banner and the previous model stays open.
class RecipeGuard;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    /// Starts loading `path`; the result arrives through analysisReady() or loadFailed().
    void openModel(const QString& path);
    /// A user's open (Open…, the sample, recent files, a drop): asks first when an unsaved recipe would be left
    /// behind (RecipeGuard::confirmOpen), then openModel(). False when the user cancelled.
    bool requestOpen(const QString& path);
    AnalysisPtr analysis() const;
    QString bannerText() const;
    /// Shows a view by its registered name (ui/views/viewregistry.cpp). False for an unknown name.
    bool showView(const QString& name);
    LayersView* layersView() const { return m_layers; }
    SlimPanel* slimPanel() const { return m_slim; }
    Session* session() const { return m_session; }
    /// Autosave, the question before closing with an unsaved recipe, and the offer of a recipe left by a crash.
    RecipeGuard* recipeGuard() const { return m_recipeGuard; }
    /// Adds the recipe step that fixes a finding (by index into Analysis::findings); false when none applies.
    bool applyFix(int findingIndex);

signals:
    void analysisReady();
    void loadFailed(const QString& message);

protected:
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;
    void closeEvent(QCloseEvent* event) override;

private:
    void buildMenus();
    QWidget* buildWelcomePage();
    void showBanner(const QString& message);
    void onAnalysisFinished(const AnalysisPtr& analysis);
    void onAnalysisFailed(const QString& message, bool cancelled);
    void onProgress(const QString& stage, double fraction);
    void chooseAndOpen();
    void addRecentFile(const QString& path);
    void rebuildRecentMenu();
    QWidget* buildViews();

    AnalysisJob* m_job = nullptr;
    Session* m_session = nullptr;
    RecipeGuard* m_recipeGuard = nullptr;
    QString m_loadingPath;
    QStackedWidget* m_pages = nullptr;
    QWidget* m_welcome = nullptr;
    QTabWidget* m_views = nullptr;
    LayersView* m_layers = nullptr;
    SlimPanel* m_slim = nullptr;
    QLabel* m_banner = nullptr;
    QProgressBar* m_progress = nullptr;
    QToolButton* m_cancel = nullptr;
    QLabel* m_status = nullptr;
    QMenu* m_recentMenu = nullptr;
    QListWidget* m_welcomeRecent = nullptr;
};

} // namespace slimscope::ui
