// The GUI stays responsive on large inputs: no event-loop stall while a ~400 MB model loads, cancel stops a
// load, every item model survives QAbstractItemModelTester across resets, and 10,000 layers sort and filter.
// Timings are printed with qInfo() for docs/performance.md; only the stall limit is asserted (CI is noisy).
#include "fixtures.h"
#include "mainwindow.h"
#include "reports/reportactions.h"
#include "slim/steps/prune.h"
#include "slim/steps/quantize.h"
#include "slimming/slimpanel.h"
#include "testenv.h"
#include "views/findingsmodel.h"
#include "views/graphview.h"
#include "views/layersmodel.h"
#include "views/layersview.h"

#include <QAbstractItemModelTester>
#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QHeaderView>
#include <QLineEdit>
#include <QListWidget>
#include <QSignalSpy>
#include <QSlider>
#include <QSortFilterProxyModel>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QTimer>
#include <QToolButton>
#include <QtTest>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>

using namespace slimscope;

namespace {

// ~537 MB, the size the issue names: eight 4096 x 4096 float32 Gemm weights (64 MiB each), as
// bench/make_large_model writes them.
constexpr std::int64_t kLargeWidth = 4096;
constexpr int kLargeLayers = 8;
constexpr qint64 kStallLimitMs = 100; // the requirement

/// Writes the large model. The weights are generated straight into each initializer's raw_data and the model
/// is serialized to the file stream, so the bytes exist once in memory (no toBytes() vector, no serialized copy).
fixtures::Status writeLargeModel(const std::filesystem::path& path)
{
    fixtures::ModelBuilder builder(13, 8);
    builder.addInput("x", 1, { 1, kLargeWidth });
    fixtures::Lcg random(20261127);
    std::string previous = "x";
    const auto count = static_cast<std::size_t>(kLargeWidth * kLargeWidth);
    for (int layer = 0; layer < kLargeLayers; ++layer) {
        const std::string name = "layer" + std::to_string(layer);
        auto& weight = builder.addInitializer(name + ".weight", 1, { kLargeWidth, kLargeWidth }, {});
        std::string& raw = *weight.mutable_raw_data();
        raw.resize(count * sizeof(float));
        char* out = raw.data();
        for (std::size_t i = 0; i < count; ++i, out += sizeof(float)) {
            // One LCG step per value: its top 16 bits pick ~30 % zeros, bits 24..46 the value (never zero).
            const std::uint64_t r = random.next();
            float value = 0.0f;
            if ((r >> 48) >= 19661) {
                const auto k = static_cast<std::int64_t>((r >> 24) & 0x7FFFFF);
                value
                    = static_cast<float>(2 * k + 1 - (std::int64_t { 1 } << 23)) / static_cast<float>(1 << 23) * 0.05f;
            }
            std::memcpy(out, &value, sizeof value);
        }
        builder.addFloatInitializer(name + ".bias", { kLargeWidth }, std::vector<float>(kLargeWidth, 0.01f));
        auto& gemm = builder.addNode(
            "Gemm", { previous, name + ".weight", name + ".bias" }, { name + ".out" }, name + "/Gemm");
        fixtures::ModelBuilder::addAttrInt(gemm, "transB", 1);
        previous = name + ".out";
    }
    builder.addOutput(previous, 1, { 1, kLargeWidth });
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out || !builder.model().SerializeToOstream(&out) || !out.flush())
        return std::unexpected("cannot write '" + path.string() + "'");
    return {};
}

/// 10,000 Add nodes in a chain, each with its own 8-float initializer, and a MatMul (8 x 8 weight) after every
/// 50th; names are scoped ("block7/add712") so the treemap's scope tree is deep as well as wide.
fixtures::Status writeManyLayersModel(const std::filesystem::path& path, int adds)
{
    fixtures::ModelBuilder builder(13, 8);
    builder.addInput("x", 1, { 1, 8 });
    fixtures::Lcg random(7);
    std::string previous = "x";
    for (int i = 0; i < adds; ++i) {
        const std::string block = "block" + std::to_string(i / 100) + "/";
        const std::string add = block + "add" + std::to_string(i);
        builder.addFloatInitializer(add + ".c", { 1, 8 }, fixtures::randomFloats(random, 8, 1.0f));
        builder.addNode("Add", { previous, add + ".c" }, { add + ".out" }, add);
        previous = add + ".out";
        if (i % 50 == 49) {
            const std::string matmul = block + "matmul" + std::to_string(i);
            builder.addFloatInitializer(matmul + ".w", { 8, 8 }, fixtures::randomFloats(random, 64, 0.5f));
            builder.addNode("MatMul", { previous, matmul + ".w" }, { matmul + ".out" }, matmul);
            previous = matmul + ".out";
        }
    }
    builder.addOutput(previous, 1, { 1, 8 });
    return builder.save(path);
}

/// Longest interval between ticks of a 5 ms timer on the GUI thread: how long the event loop was blocked.
class StallMeter {
public:
    StallMeter()
    {
        m_ticker.setInterval(5);
        m_ticker.setTimerType(Qt::PreciseTimer);
        QObject::connect(&m_ticker, &QTimer::timeout, [this] { tick(); });
    }
    void start()
    {
        m_clock.start();
        m_last = 0;
        m_longest = 0;
        m_longestEnd = 0;
        m_ticks = 0;
        m_ticker.start();
    }
    /// Counts the time since the last tick too: a stall just before the end would otherwise be missed.
    void stop()
    {
        tick();
        m_ticker.stop();
    }
    double longestMs() const { return static_cast<double>(m_longest) / 1e6; }
    double longestEndMs() const { return static_cast<double>(m_longestEnd) / 1e6; }
    double elapsedMs() const { return static_cast<double>(m_last) / 1e6; }
    int ticks() const { return m_ticks; }

private:
    void tick()
    {
        const qint64 now = m_clock.nsecsElapsed();
        if (now - m_last > m_longest) {
            m_longest = now - m_last;
            m_longestEnd = now;
        }
        m_last = now;
        ++m_ticks;
    }
    QTimer m_ticker;
    QElapsedTimer m_clock;
    qint64 m_last = 0;
    qint64 m_longest = 0;
    qint64 m_longestEnd = 0;
    int m_ticks = 0;
};

double msSince(const QElapsedTimer& timer)
{
    return static_cast<double>(timer.nsecsElapsed()) / 1e6;
}

QToolButton* cancelButton(ui::MainWindow& window)
{
    for (auto* button : window.findChildren<QToolButton*>())
        if (button->text() == QStringLiteral("Cancel"))
            return button;
    return nullptr;
}

/// The proxy the findings table shows (MainWindow keeps it private).
QSortFilterProxyModel* findingsProxy(ui::MainWindow& window)
{
    for (auto* proxy : window.findChildren<QSortFilterProxyModel*>())
        if (qobject_cast<ui::FindingsModel*>(proxy->sourceModel()))
            return proxy;
    return nullptr;
}

} // namespace

class TestResponsiveness : public QObject {
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("SlimscopeTests"));
        QVERIFY(m_dir.isValid());
        QElapsedTimer timer;
        timer.start();
        m_large = m_dir.filePath(QStringLiteral("large.onnx"));
        const auto large = writeLargeModel(m_large.toStdString());
        QVERIFY2(large.has_value(), large ? "" : large.error().c_str());
        qInfo("generated %s (%.0f MB) in %.0f ms", qPrintable(m_large),
            static_cast<double>(QFileInfo(m_large).size()) / 1e6, msSince(timer));
        timer.restart();
        m_many = m_dir.filePath(QStringLiteral("many.onnx"));
        const auto many = writeManyLayersModel(m_many.toStdString(), kManyAdds);
        QVERIFY2(many.has_value(), many ? "" : many.error().c_str());
        qInfo("generated %s (%d Add + %d MatMul nodes) in %.0f ms", qPrintable(m_many), kManyAdds, kManyAdds / 50,
            msSince(timer));
        auto convNet = fixtures::convNet();
        m_convNet = m_dir.filePath(QStringLiteral("convnet.onnx"));
        QVERIFY(convNet.builder.save(m_convNet.toStdString()).has_value());
        m_convNetParams = convNet.truth.totalParams;
        m_bloated = m_dir.filePath(QStringLiteral("bloated.onnx"));
        QVERIFY(fixtures::bloated().builder.save(m_bloated.toStdString()).has_value());
    }

    void noEventLoopStallWhileLoadingLargeModel()
    {
        ui::MainWindow window;
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QSignalSpy ready(&window, &ui::MainWindow::analysisReady);
        QSignalSpy failed(&window, &ui::MainWindow::loadFailed);
        // Stop measuring inside the emission, so a stall in MainWindow::onAnalysisFinished counts.
        StallMeter meter;
        connect(&window, &ui::MainWindow::analysisReady, this, [&meter] { meter.stop(); });
        connect(&window, &ui::MainWindow::loadFailed, this, [&meter] { meter.stop(); });
        meter.start();
        window.openModel(m_large);
        QVERIFY(ready.wait(45000));
        QVERIFY2(failed.isEmpty(), failed.isEmpty() ? "" : qPrintable(failed.first().first().toString()));
        QVERIFY(window.analysis());
        QCOMPARE(window.analysis()->tensors.size(), static_cast<std::size_t>(2 * kLargeLayers));
        qInfo("large model: longest event-loop gap %.1f ms (ending %.0f ms after openModel), load %.0f ms, %d ticks",
            meter.longestMs(), meter.longestEndMs(), meter.elapsedMs(), meter.ticks());

        // The first paint of the filled views comes after analysisReady; report it, the limit is on the load.
        StallMeter paint;
        paint.start();
        QTest::qWait(300);
        paint.stop();
        qInfo("large model: longest gap in the 300 ms after analysisReady (first paint) %.1f ms", paint.longestMs());

        QVERIFY2(meter.longestMs() < static_cast<double>(kStallLimitMs),
            qPrintable(QStringLiteral("event loop blocked for %1 ms").arg(meter.longestMs(), 0, 'f', 1)));
    }

    // A prune slider dragged in front of an int8 step on the 537 MB model: the event loop keeps turning, the
    // previews follow (with sampled errors while the handle is held), and letting go gives exact numbers for the
    // final position. The times are printed (docs/performance.md), only the stall limit is asserted.
    void sliderFollowsOnLargeModel()
    {
        ui::MainWindow window;
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QSignalSpy ready(&window, &ui::MainWindow::analysisReady);
        window.openModel(m_large);
        QVERIFY(ready.wait(45000));
        ui::SlimPanel* panel = window.slimPanel();
        QSignalSpy previews(panel, &ui::SlimPanel::previewChanged);
        panel->addStep(core::slim::PruneStep {});
        panel->addStep(core::slim::QuantizeInt8Step {});
        QTRY_VERIFY_WITH_TIMEOUT(panel->preview() && panel->recipe().steps.size() == 2
                && !panel->summaryText().contains(QStringLiteral("updating")),
            45000);
        auto* steps = panel->findChild<QListWidget*>();
        QVERIFY(steps);
        steps->setCurrentRow(0);
        const auto sparsityShown = [panel] { return panel->preview()->preview.steps.front().description; };
        StallMeter meter;
        meter.start();
        QElapsedTimer timer;
        timer.start();
        panel->pruneSlider()->setSliderDown(true);
        std::vector<double> latencies;
        for (const int value : { 55, 60, 65, 70 }) {
            timer.restart();
            panel->pruneSlider()->setValue(value);
            const std::string wanted = std::to_string(value) + ".0 %";
            QTRY_VERIFY_WITH_TIMEOUT(sparsityShown().find(wanted) != std::string::npos
                    && !panel->summaryText().contains(QStringLiteral("updating")),
                20000);
            latencies.push_back(msSince(timer));
        }
        timer.restart();
        panel->pruneSlider()->setSliderDown(false);
        QTRY_VERIFY_WITH_TIMEOUT(std::ranges::none_of(panel->preview()->preview.tensors,
                                     [](const core::slim::TensorChange& t) { return t.errorSampled; })
                && !panel->summaryText().contains(QStringLiteral("updating")),
            20000);
        const double exactMs = msSince(timer);
        meter.stop();
        QVERIFY(sparsityShown().find("70.0 %") != std::string::npos);
        qInfo("large model, prune slider in front of int8: %.0f / %.0f / %.0f / %.0f ms from a move to its preview, "
              "%.0f ms from release to exact errors; longest event-loop gap %.1f ms",
            latencies[0], latencies[1], latencies[2], latencies[3], exactMs, meter.longestMs());
        QVERIFY2(meter.longestMs() < static_cast<double>(kStallLimitMs),
            qPrintable(QStringLiteral("event loop blocked for %1 ms").arg(meter.longestMs(), 0, 'f', 1)));
    }

    // Export and report run in the background: the event loop keeps turning while 268 MB are written, and a
    // cancelled export leaves nothing behind.
    void exportAndReportDoNotBlockAndExportCancels()
    {
        ui::MainWindow window;
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QSignalSpy ready(&window, &ui::MainWindow::analysisReady);
        window.openModel(m_large);
        QVERIFY(ready.wait(45000));
        ui::SlimPanel* panel = window.slimPanel();
        panel->addStep("quantize:fp16");
        QSignalSpy exported(panel, &ui::SlimPanel::exported);
        QSignalSpy exportFailed(panel, &ui::SlimPanel::exportFailed);
        const QString folder = m_dir.filePath(QStringLiteral("exports"));
        QVERIFY(QDir().mkpath(folder));
        const QString out = folder + QStringLiteral("/large_fp16.onnx");

        panel->exportTo(out);
        QVERIFY(panel->exportJob()->isRunning());
        panel->cancelWork();
        QVERIFY(exportFailed.wait(30000));
        QVERIFY2(exportFailed.first().first().toString().contains(QStringLiteral("cancelled")),
            qPrintable(exportFailed.first().first().toString()));
        QCOMPARE(panel->exportJob()->state(), ui::JobState::Cancelled);
        QVERIFY(exported.isEmpty());
        QCOMPARE(QDir(folder).entryList(QDir::Files | QDir::Hidden | QDir::System), QStringList {});

        StallMeter meter;
        meter.start();
        panel->exportTo(out);
        QVERIFY(exported.wait(60000));
        meter.stop();
        qInfo("export of the fp16 large model: %.0f ms, longest event-loop gap %.1f ms", meter.elapsedMs(),
            meter.longestMs());
        QVERIFY(QFileInfo(out).size() > 250'000'000);
        QVERIFY2(meter.longestMs() < static_cast<double>(kStallLimitMs),
            qPrintable(QStringLiteral("export blocked the event loop for %1 ms").arg(meter.longestMs(), 0, 'f', 1)));

        const QString report = folder + QStringLiteral("/large_report.html");
        QString message;
        StallMeter reportMeter;
        reportMeter.start();
        const ui::ReportSources sources { window.analysis(),
            std::make_shared<const core::slim::Recipe>(panel->recipe()), panel->preview(), nullptr };
        ui::writeReportInBackground(&window, sources, report, [&message](const QString& text) { message = text; });
        QTRY_VERIFY_WITH_TIMEOUT(!message.isEmpty(), 30000);
        reportMeter.stop();
        qInfo("report of the large model: %.0f ms, longest event-loop gap %.1f ms", reportMeter.elapsedMs(),
            reportMeter.longestMs());
        QVERIFY2(message.contains(QStringLiteral("Report written")), qPrintable(message));
        QVERIFY(QFileInfo(report).size() > 0);
    }

    void cancelStopsALoad()
    {
        ui::MainWindow window;
        window.show();
        QSignalSpy ready(&window, &ui::MainWindow::analysisReady);
        QSignalSpy failed(&window, &ui::MainWindow::loadFailed);
        window.openModel(m_convNet);
        QVERIFY(ready.wait(10000));
        ready.clear();

        window.openModel(m_large);
        QToolButton* cancel = cancelButton(window);
        QVERIFY(cancel);
        QVERIFY(cancel->isVisible());
        QElapsedTimer timer;
        timer.start();
        QTest::mouseClick(cancel, Qt::LeftButton);
        QVERIFY(failed.wait(10000));
        const double latency = msSince(timer);
        qInfo("cancel: loadFailed %.0f ms after the click", latency);
        QCOMPARE(failed.size(), 1);
        const QString message = failed.first().first().toString();
        QVERIFY2(message.contains(QStringLiteral("ancel")), qPrintable(message));
        QVERIFY(!cancel->isVisible());
        // Nothing of the cancelled load arrives later, and the model open before stays.
        QTest::qWait(200);
        QCOMPARE(ready.size(), 0);
        QVERIFY(window.analysis());
        QCOMPARE(static_cast<qint64>(window.analysis()->model.params), m_convNetParams);
        QCOMPARE(window.layersView()->model()->rowCount(), static_cast<int>(window.analysis()->layers.size()));
        QVERIFY2(latency < 2000.0, qPrintable(QStringLiteral("cancel took %1 ms").arg(latency, 0, 'f', 0)));
    }

    void cancelLateInTheLoadStillCancels()
    {
        ui::MainWindow window;
        QSignalSpy ready(&window, &ui::MainWindow::analysisReady);
        QSignalSpy failed(&window, &ui::MainWindow::loadFailed);
        window.openModel(m_convNet);
        QVERIFY(ready.wait(10000));
        ready.clear();
        // Click Cancel when the statistics are done and shapes, hash and findings still run on the worker.
        auto* job = window.findChild<ui::AnalysisJob*>();
        QToolButton* cancel = cancelButton(window);
        QVERIFY(job && cancel);
        auto clicked = std::make_shared<bool>(false);
        connect(job, &ui::AnalysisJob::progressChanged, cancel, [cancel, clicked](const QString& stage) {
            if (stage == QStringLiteral("shapes") && !*clicked) {
                *clicked = true;
                cancel->click(); // works on the hidden window too: the button's slot runs all the same
            }
        });
        window.openModel(m_large);
        QTRY_VERIFY_WITH_TIMEOUT(!ready.isEmpty() || !failed.isEmpty(), 30000);
        QVERIFY(*clicked);
        QCOMPARE(failed.size(), 1);
        QCOMPARE(ready.size(), 0);
        QCOMPARE(static_cast<qint64>(window.analysis()->model.params), m_convNetParams);
    }

    void everyModelPassesTheTester()
    {
        ui::MainWindow window;
        ui::LayersView* view = window.layersView();
        auto* findings = window.findChild<ui::FindingsModel*>();
        QSortFilterProxyModel* findingsSorted = findingsProxy(window);
        QVERIFY(findings);
        QVERIFY(findingsSorted);
        std::vector<std::unique_ptr<QAbstractItemModelTester>> testers;
        for (QAbstractItemModel* model :
            std::initializer_list<QAbstractItemModel*> { view->model(), view->proxy(), findings, findingsSorted })
            testers.push_back(std::make_unique<QAbstractItemModelTester>(
                model, QAbstractItemModelTester::FailureReportingMode::QtTest));

        QSignalSpy ready(&window, &ui::MainWindow::analysisReady);
        window.openModel(m_bloated);
        QVERIFY(ready.wait(10000));
        QVERIFY(findings->rowCount() > 0);
        QCOMPARE(view->model()->rowCount(), static_cast<int>(window.analysis()->layers.size()));
        // Sort and filter with the testers watching, then a second analysis resets every model.
        view->table()->sortByColumn(ui::LayersModel::Name, Qt::AscendingOrder);
        view->searchBox()->setText(QStringLiteral("mm_"));
        view->flushSearch();
        QVERIFY(view->proxy()->rowCount() > 0);
        view->searchBox()->clear();
        view->flushSearch();
        findingsSorted->sort(ui::FindingsModel::Recoverable, Qt::DescendingOrder);
        window.openModel(m_convNet);
        QVERIFY(ready.wait(10000));
        QCOMPARE(view->model()->rowCount(), static_cast<int>(window.analysis()->layers.size()));
        QCOMPARE(findings->rowCount(), static_cast<int>(window.analysis()->findings.size()));
        window.openModel(m_bloated);
        QVERIFY(ready.wait(10000));

        // The same directly on fresh models, with an analysis built outside the window.
        const auto bloated = core::analysis::analyzeFile(m_bloated.toStdString());
        const auto convNet = core::analysis::analyzeFile(m_convNet.toStdString());
        QVERIFY(bloated && convNet);
        ui::FindingsModel findingsModel;
        ui::LayersModel layersModel;
        QAbstractItemModelTester findingsTester(&findingsModel, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester layersTester(&layersModel, QAbstractItemModelTester::FailureReportingMode::QtTest);
        for (const auto& analysis : { *bloated, *convNet, *bloated, ui::AnalysisPtr {} }) {
            findingsModel.setAnalysis(analysis);
            layersModel.setAnalysis(analysis);
            QCOMPARE(findingsModel.rowCount(), analysis ? static_cast<int>(analysis->findings.size()) : 0);
            QCOMPARE(layersModel.rowCount(), analysis ? static_cast<int>(analysis->layers.size()) : 0);
        }
    }

    void tenThousandLayers()
    {
        ui::MainWindow window;
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QVERIFY(window.showView(QStringLiteral("layers")));
        QSignalSpy ready(&window, &ui::MainWindow::analysisReady);
        StallMeter meter;
        connect(&window, &ui::MainWindow::analysisReady, this, [&meter] { meter.stop(); });
        meter.start();
        window.openModel(m_many);
        QVERIFY(ready.wait(30000));
        qInfo("10,000 layers: load %.0f ms, longest event-loop gap %.1f ms (ending %.0f ms after openModel)",
            meter.elapsedMs(), meter.longestMs(), meter.longestEndMs());

        ui::LayersView* view = window.layersView();
        QSortFilterProxyModel* proxy = view->proxy();
        QTableView* table = view->table();
        const int layers = static_cast<int>(window.analysis()->layers.size());
        QVERIFY2(layers >= kManyAdds, qPrintable(QString::number(layers)));
        QCOMPARE(proxy->rowCount(), layers);
        QElapsedTimer timer;
        timer.start();
        table->viewport()->repaint();
        qInfo("10,000 layers: paint the table %.1f ms", msSince(timer));

        for (int column = 0; column < ui::LayersModel::ColumnCount; ++column) {
            const QString title = proxy->headerData(column, Qt::Horizontal).toString();
            for (const Qt::SortOrder order : { Qt::AscendingOrder, Qt::DescendingOrder }) {
                timer.restart();
                table->sortByColumn(column, order);
                table->viewport()->repaint();
                qInfo("10,000 layers: sort by %-14s %-4s %6.1f ms", qPrintable(title),
                    order == Qt::AscendingOrder ? "asc" : "desc", msSince(timer));
                QCOMPARE(table->horizontalHeader()->sortIndicatorSection(), column);
            }
        }
        // The last sort is Output shape, descending: check it really is sorted by the raw value.
        for (int row = 1; row < proxy->rowCount(); ++row)
            QVERIFY(proxy->index(row - 1, ui::LayersModel::OutputShape).data(ui::LayersModel::SortRole).toString()
                >= proxy->index(row, ui::LayersModel::OutputShape).data(ui::LayersModel::SortRole).toString());

        // Typing a search one key at a time, as a user would; the filter runs once typing pauses (flushSearch).
        QLineEdit* search = view->searchBox();
        double slowestKey = 0.0;
        timer.restart();
        for (const QChar key : QStringLiteral("block42/add421")) {
            QElapsedTimer keyTimer;
            keyTimer.start();
            QTest::keyClick(search, key.toLatin1());
            slowestKey = std::max(slowestKey, msSince(keyTimer));
        }
        view->flushSearch();
        table->viewport()->repaint();
        qInfo("10,000 layers: typing \"block42/add421\" %.1f ms in all, slowest keystroke %.1f ms, %d rows left",
            msSince(timer), slowestKey, proxy->rowCount());
        QCOMPARE(proxy->rowCount(), 10); // add4210..add4219
        for (int row = 0; row < proxy->rowCount(); ++row)
            QVERIFY(
                proxy->index(row, ui::LayersModel::Name).data().toString().contains(QStringLiteral("block42/add421")));
        timer.restart();
        search->clear();
        view->flushSearch();
        table->viewport()->repaint();
        qInfo("10,000 layers: clearing the search %.1f ms", msSince(timer));
        QCOMPARE(proxy->rowCount(), layers);
        timer.restart();
        search->setText(QStringLiteral("MatMul"));
        view->flushSearch();
        qInfo("10,000 layers: filter \"MatMul\" %.1f ms, %d rows", msSince(timer), proxy->rowCount());
        QCOMPARE(proxy->rowCount(), kManyAdds / 50);
    }

    // The Graph view on the 10,200-node model opens as its outline, grouped and laid out in the background: the
    // window never stalls, and the outline holds at most GraphView::kOutlineNodes nodes.
    void tenThousandNodeGraph()
    {
        if (QStandardPaths::findExecutable(QStringLiteral("dot")).isEmpty())
            SLIMSCOPE_SKIP("Graphviz's dot is not installed (scripts/install-deps.sh installs graphviz)");
        ui::MainWindow window;
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QSignalSpy ready(&window, &ui::MainWindow::analysisReady);
        window.openModel(m_many);
        QVERIFY(ready.wait(30000));
        StallMeter meter;
        meter.start();
        QVERIFY(window.showView(QStringLiteral("graph")));
        auto* graph = window.findChild<ui::GraphView*>();
        QVERIFY(graph);
        QTRY_VERIFY_WITH_TIMEOUT(graph->layout() != nullptr, 60000);
        meter.stop();
        const std::size_t nodes = graph->visibleGraph()->nodes.size();
        qInfo("10,000 layers: the Graph view's outline (%zu nodes) shown %.0f ms after the tab, longest event-loop "
              "gap %.1f ms",
            nodes, meter.elapsedMs(), meter.longestMs());
        QVERIFY2(nodes <= ui::GraphView::kOutlineNodes + 2, qPrintable(QString::number(nodes))); // + input, output
        QVERIFY2(meter.longestMs() < static_cast<double>(kStallLimitMs),
            qPrintable(QStringLiteral("the window stalled %1 ms").arg(meter.longestMs())));

        // Expand all: every node laid out (dot takes its time in the background) and drawn.
        const auto outline = graph->layoutPtr();
        meter.start();
        graph->expandAll();
        QTRY_VERIFY_WITH_TIMEOUT(graph->layoutPtr() != outline, 180000);
        meter.stop();
        qInfo("10,000 layers: Expand all (%zu nodes) shown after %.0f ms, longest event-loop gap %.1f ms",
            graph->visibleGraph()->nodes.size(), meter.elapsedMs(), meter.longestMs());
    }

private:
    static constexpr int kManyAdds = 10000;
    QTemporaryDir m_dir;
    QString m_large;
    QString m_many;
    QString m_convNet;
    QString m_bloated;
    qint64 m_convNetParams = 0;
};

QTEST_MAIN(TestResponsiveness)
#include "tst_responsiveness.moc"
