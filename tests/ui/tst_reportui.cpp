// Report rendering in the UI layer, in process and offscreen: the charts as PNG, every report format through
// writeReportFile, the PDF with a slimming preview, the "Compare" tab and the File menu's report actions.
#include "fixtures.h"
#include "mainwindow.h"
#include "reports/reportactions.h"
#include "reports/reportcharts.h"
#include "reports/reportpdf.h"
#include "testenv.h"

#include "analysis/analysis.h"
#include "slim/exporter.h"
#include "slim/slimmer.h"
#include "slim/steps/quantize.h"

#include <QAction>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QMenuBar>
#include <QSet>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTextBrowser>
#include <QtTest>

#include <sys/stat.h>

using namespace slimscope;

namespace {

bool hasSeveralColours(const QImage& image)
{
    QSet<QRgb> colours;
    for (int y = 0; y < image.height() && colours.size() < 3; y += 3)
        for (int x = 0; x < image.width() && colours.size() < 3; x += 3)
            colours.insert(image.pixel(x, y));
    return colours.size() >= 3;
}

} // namespace

class TestReportUi : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString m_model;
    QString m_slimmed;
    ui::AnalysisPtr m_analysis;
    core::slim::Recipe m_recipe;
    std::optional<core::slim::SlimResult> m_preview;

    core::report::ReportInput input(bool withPreview = false) const
    {
        core::report::ReportInput input;
        input.analysis = m_analysis;
        input.generatedAt = "2026-11-27T12:00:00Z";
        if (withPreview) {
            input.recipe = &m_recipe;
            input.preview = &m_preview->preview;
        }
        return input;
    }

private slots:
    void initTestCase()
    {
        QCoreApplication::setOrganizationName(QStringLiteral("SlimscopeTests"));
        QVERIFY(m_dir.isValid());
        m_model = m_dir.filePath(QStringLiteral("convnet.onnx"));
        QVERIFY(fixtures::convNet().builder.save(m_model.toStdString()).has_value());
        auto analysis = core::analysis::analyzeFile(m_model.toStdString());
        QVERIFY(analysis.has_value());
        m_analysis = *analysis;

        core::slim::QuantizeInt8Step quantize;
        core::slim::Scope scope;
        scope.minElements = 1;
        m_recipe.steps.push_back({ quantize, scope, true });
        auto slimmed = core::slim::applyRecipe(m_analysis->modelFile, m_recipe, {}, nullptr, m_analysis.get());
        QVERIFY(slimmed.has_value());
        m_preview = std::move(*slimmed);
        m_slimmed = m_dir.filePath(QStringLiteral("convnet_int8.onnx"));
        QVERIFY(core::slim::exportModel(*m_preview->model, m_slimmed.toStdString(), {}).has_value());
    }

    void chartsAsPng()
    {
        if (QStandardPaths::findExecutable(QStringLiteral("dot")).isEmpty())
            SLIMSCOPE_SKIP("Graphviz's dot is not installed (scripts/install-deps.sh installs graphviz)");
        // Three charts and the graph's outline; with a preview, the before/after chart before the graph.
        auto charts = ui::renderReportCharts(input(), { 800, 400 }, "net");
        QCOMPARE(charts.size(), std::size_t { 4 });
        QCOMPARE(charts.front().fileName, std::string("net_pareto.png"));
        QCOMPARE(charts.back().fileName, std::string("net_graph.png"));
        charts = ui::renderReportCharts(input(true), { 800, 400 }, "net");
        QCOMPARE(charts.size(), std::size_t { 5 });
        QCOMPARE(charts[3].id, std::string("before_after"));
        for (const auto& chart : charts) {
            const QImage image = QImage::fromData(QByteArray::fromStdString(chart.png), "PNG");
            if (chart.id != "graph")
                QCOMPARE(image.size(), QSize(800, 400));
            else // a top-to-bottom chain of nine nodes (each at least 36 points tall, drawn at 1.5 pixels a point)
                QVERIFY(image.height() > 9 * 36 * 1.5);
            QVERIFY2(hasSeveralColours(image), chart.id.c_str());
        }
    }

    void everyFormat_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QByteArray>("start");
        QTest::newRow("html") << QStringLiteral("r.html") << QByteArray("<!DOCTYPE html>");
        QTest::newRow("pdf") << QStringLiteral("r.pdf") << QByteArray("%PDF-");
        QTest::newRow("md") << QStringLiteral("r.md") << QByteArray("#");
        QTest::newRow("json") << QStringLiteral("r.json") << QByteArray("{");
        QTest::newRow("csv") << QStringLiteral("r.csv") << QByteArray();
    }

    void everyFormat()
    {
        QFETCH(QString, name);
        QFETCH(QByteArray, start);
        const QString path = m_dir.filePath(name);
        const auto written = ui::writeReportFile(path.toStdString(), input(true));
        QVERIFY2(written.has_value(), written ? "" : written.error().message.c_str());
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray bytes = file.readAll();
        QVERIFY(bytes.size() > 100);
        QVERIFY(bytes.startsWith(start));
        if (name.endsWith(QLatin1String(".md"))) {
            QVERIFY(QFileInfo::exists(m_dir.filePath(QStringLiteral("r_before_after.png"))));
            QVERIFY(QFileInfo::exists(m_dir.filePath(QStringLiteral("r_graph.png"))));
        }
        if (name.endsWith(QLatin1String(".html")))
            QVERIFY(bytes.contains("id=\"chart-graph\""));
    }

    void unknownFormat()
    {
        const auto written = ui::writeReportFile(m_dir.filePath(QStringLiteral("r.docx")).toStdString(), input());
        QVERIFY(!written.has_value());
        QVERIFY(written.error().message.find("unknown report format") != std::string::npos);
        QVERIFY(!QFileInfo::exists(m_dir.filePath(QStringLiteral("r.docx"))));
    }

    void pdfIntoMissingFolder()
    {
        const auto written = ui::writeReportPdf(m_dir.filePath(QStringLiteral("none/r.pdf")), input());
        QVERIFY(!written.has_value());
        QVERIFY(written.error().message.find("none/r.pdf") != std::string::npos);
    }

    // The GUI's report action writes through the one output module: a device is written through, and the model
    // the report is about is never overwritten.
    void reportOutputsAreSafe()
    {
        struct stat before { };
        QCOMPARE(::stat("/dev/null", &before), 0);
        for (const char* format : { "pdf", "html", "md" }) {
            const auto written = ui::writeReportFile("/dev/null", input(true), format);
            QVERIFY2(written.has_value(), written ? format : written.error().message.c_str());
        }
        struct stat after { };
        QCOMPARE(::stat("/dev/null", &after), 0);
        QVERIFY(S_ISCHR(after.st_mode));
        QCOMPARE(after.st_rdev, before.st_rdev);

        QFile model(m_model);
        QVERIFY(model.open(QIODevice::ReadOnly));
        const QByteArray bytes = model.readAll();
        model.close();
        const auto refused
            = ui::writeReportFile(m_model.toStdString(), input(), "html", m_analysis->modelFile->inputFiles());
        QVERIFY(!refused.has_value());
        QCOMPARE(refused.error().code, core::ErrorCode::Refused);
        QVERIFY(model.open(QIODevice::ReadOnly));
        QCOMPARE(model.readAll(), bytes);
    }

    void compareTab()
    {
        QTabWidget views;
        views.addTab(new QWidget, QStringLiteral("Summary"));
        QTextBrowser* browser = ui::compareWith(&views, m_analysis, m_slimmed);
        QVERIFY(browser);
        QCOMPARE(views.count(), 2);
        QCOMPARE(views.currentWidget(), browser);
        QTRY_VERIFY_WITH_TIMEOUT(browser->toPlainText().contains(QStringLiteral("conv1.weight")), 20000);
        QVERIFY(browser->toPlainText().contains(QStringLiteral("int8")));
        views.resize(1000, 700);
        views.show();
        QVERIFY(views.grab().save(QCoreApplication::applicationDirPath() + QStringLiteral("/compare_tab.png")));

        // A second comparison reuses the tab; a missing model shows its error there.
        QCOMPARE(ui::compareWith(&views, m_analysis, m_dir.filePath(QStringLiteral("none.onnx"))), browser);
        QCOMPARE(views.count(), 2);
        QTRY_VERIFY_WITH_TIMEOUT(browser->toPlainText().contains(QStringLiteral("Could not compare")), 20000);
        QVERIFY(browser->toPlainText().contains(QStringLiteral("none.onnx")));
    }

    void fileMenuActions()
    {
        ui::MainWindow window;
        QAction* exportReport = nullptr;
        QAction* compare = nullptr;
        for (QAction* action : window.menuBar()->actions().front()->menu()->actions()) {
            if (action->text() == QStringLiteral("Export Re&port…"))
                exportReport = action;
            if (action->text() == QStringLiteral("&Compare With…"))
                compare = action;
        }
        QVERIFY(exportReport && compare);
        QCOMPARE(exportReport->shortcut(), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_E));
        QVERIFY(!exportReport->isEnabled());
        QVERIFY(!compare->isEnabled());
        QSignalSpy ready(&window, &ui::MainWindow::analysisReady);
        window.openModel(m_model);
        QVERIFY(ready.wait(10000));
        QVERIFY(exportReport->isEnabled());
        QVERIFY(compare->isEnabled());
    }
};

QTEST_MAIN(TestReportUi)
#include "tst_reportui.moc"
