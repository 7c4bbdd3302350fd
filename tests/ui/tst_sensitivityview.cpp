// The Sensitivity view in a real window, offscreen: showing it measures int8 on random inputs in the background,
// the chart draws one bar per measured layer, and one click keeps the most sensitive layers out of the recipe's
// int8 step (their tensors then stay float in the preview). The screenshot mode waits for the measurement.
#include "charts/frontierchart.h"
#include "charts/qcp.h"
#include "charts/sensitivitychart.h"
#include "fixtures.h"
#include "mainwindow.h"
#include "modelbuilder.h"
#include "session/session.h"
#include "slim/stepregistry.h"
#include "slimming/slimpanel.h"
#include "testenv.h"
#include "views/plandialog.h"
#include "views/sensitivityview.h"

#include <QCheckBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QLabel>
#include <QLineEdit>
#include <QProcess>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

using namespace slimscope;

namespace {

// x[1,96] -> MatMul a (w_a [96,64]) -> Relu -> MatMul b (w_b [64,48]) -> Relu -> MatMul c (w_c [48,32]) -> y.
fixtures::ModelBuilder threeLayers()
{
    fixtures::ModelBuilder b(13, 8);
    fixtures::Lcg rng(17);
    b.addInput("x", onnx::TensorProto::FLOAT, { 1, 96 });
    b.addFloatInitializer("w_a", { 96, 64 }, fixtures::randomFloats(rng, 96 * 64, 0.2f));
    b.addFloatInitializer("w_b", { 64, 48 }, fixtures::randomFloats(rng, 64 * 48, 0.2f));
    b.addFloatInitializer("w_c", { 48, 32 }, fixtures::randomFloats(rng, 48 * 32, 0.2f));
    b.addNode("MatMul", { "x", "w_a" }, { "ha" }, "a");
    b.addNode("Relu", { "ha" }, { "ra" }, "relu_a");
    b.addNode("MatMul", { "ra", "w_b" }, { "hb" }, "b");
    b.addNode("Relu", { "hb" }, { "rb" }, "relu_b");
    b.addNode("MatMul", { "rb", "w_c" }, { "y" }, "c");
    b.addOutput("y", onnx::TensorProto::FLOAT, { 1, 32 });
    return b;
}

} // namespace

class TestSensitivityView : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    QString m_model;

private slots:
    void initTestCase()
    {
        QCoreApplication::setOrganizationName(QStringLiteral("SlimscopeTests"));
        QVERIFY(m_dir.isValid());
        m_model = m_dir.filePath(QStringLiteral("three.onnx"));
        QVERIFY(threeLayers().save(m_model.toStdString()).has_value());
    }

    void showingTheViewMeasuresAndExcludesTheWorst()
    {
        ui::MainWindow window;
        QSignalSpy ready(&window, &ui::MainWindow::analysisReady);
        window.show();
        window.openModel(m_model);
        QVERIFY(ready.wait(20000));
        auto* view = window.findChild<ui::SensitivityView*>();
        QVERIFY(view);
        QSignalSpy finished(view, &ui::SensitivityView::finished);
        QVERIFY(window.showView(QStringLiteral("sensitivity")));
        QVERIFY(finished.wait(60000));
        if (!view->result())
            SLIMSCOPE_SKIP("built without ONNX Runtime");
        const auto& layers = view->result()->layers;
        QCOMPARE(layers.size(), std::size_t(3));
        QCOMPARE(view->chart()->outputBars()->data()->size(), 3);
        QCOMPARE(view->chart()->savedBars()->data()->size(), 3);
        QCOMPARE(view->chart()->proxyDots()->data()->size(), 3);
        // Most sensitive first: the cosines never rise along the bars.
        for (std::size_t i = 1; i < layers.size(); ++i)
            QVERIFY(layers[i - 1].cosine <= layers[i].cosine);

        QVERIFY(view->excludeMostSensitive(2));
        const core::slim::Recipe recipe = window.slimPanel()->recipe();
        QCOMPARE(recipe.steps.size(), std::size_t(1));
        const auto type = core::slim::stepTypeOf(recipe.steps[0].params);
        QVERIFY(type && (*type)->name() == "quantize:int8");
        QCOMPARE(recipe.steps[0].scope.exclude.size(), std::size_t(2));
        QTRY_VERIFY_WITH_TIMEOUT(window.session()->preview() != nullptr, 20000);
        const auto& rows = window.session()->preview()->preview.tensors;
        for (std::size_t i = 0; i < layers.size(); ++i) {
            const auto row = std::ranges::find(rows, layers[i].tensors.front(), &core::slim::TensorChange::name);
            QVERIFY(row != rows.end());
            QCOMPARE(row->changed, i >= 2); // the two most sensitive stay float, the third is int8
        }
        // Excluding again adds nothing twice.
        QVERIFY(view->excludeMostSensitive(2));
        QCOMPARE(window.slimPanel()->recipe().steps[0].scope.exclude.size(), std::size_t(2));
    }

    // Plan for…: the planner runs in the background, its best recipe lands in the Slim panel, every recipe it
    // verified is a point of the frontier chart, and clicking another point adopts that recipe.
    void planPutsTheBestRecipeInTheSlimPanel()
    {
        ui::MainWindow window;
        QSignalSpy ready(&window, &ui::MainWindow::analysisReady);
        window.show();
        window.openModel(m_model);
        QVERIFY(ready.wait(20000));
        auto* view = window.findChild<ui::SensitivityView*>();
        QVERIFY(view);
        QSignalSpy planned(view, &ui::SensitivityView::planFinished);
        view->setAutoMeasure(false);
        QVERIFY(window.showView(QStringLiteral("sensitivity")));
        core::plan::PlanOptions options;
        options.steps = { "int8", "fp16" };
        options.targetBytes = window.analysis()->modelFile->fileSize() / 2;
        options.sensitivity.inputs.randomSamples = 2;
        view->plan(options);
        QVERIFY(planned.wait(120000));
        if (!view->planResult())
            SLIMSCOPE_SKIP("built without ONNX Runtime");
        const core::plan::Plan& plan = *view->planResult();
        QVERIFY(plan.met);
        QCOMPARE(window.slimPanel()->recipe(), plan.best.recipe);
        QCOMPARE(view->frontier()->points()->data()->size(), static_cast<int>(plan.evaluated.size()));
        QCOMPARE(view->frontier()->current(), static_cast<int>(plan.evaluated.size()) - 1);
        if (const QByteArray shots = qgetenv("SLIMSCOPE_TEST_SHOTS");
            !shots.isEmpty() && QTest::qWaitFor([] { return false; }, 300) == false)
            window.grab().save(QString::fromLocal8Bit(shots) + QStringLiteral("/frontier.png"));
        QVERIFY(view->adoptPoint(0));
        QCOMPARE(window.slimPanel()->recipe(), plan.evaluated.front().recipe);
        QVERIFY(!view->adoptPoint(static_cast<int>(plan.evaluated.size())));
    }

    // The Slim panel's Plan for… opens the dialog (a ratio typed as 1.8x, only fp16 ticked), the planner runs and
    // its recipe lands in the Slim panel. A bad target keeps the dialog open with the reason.
    void planForButtonAsksAndPlans()
    {
        ui::MainWindow window;
        QSignalSpy ready(&window, &ui::MainWindow::analysisReady);
        window.show();
        window.openModel(m_model);
        QVERIFY(ready.wait(20000));
        auto* view = window.findChild<ui::SensitivityView*>();
        QVERIFY(view);
        QSignalSpy planned(view, &ui::SensitivityView::planFinished);
        QString badTargetMessage;
        QTimer::singleShot(200, this, [&badTargetMessage] {
            auto* dialog = qobject_cast<QDialog*>(QApplication::activeModalWidget());
            if (!dialog)
                return;
            auto* target = dialog->findChild<QLineEdit*>(QStringLiteral("planTarget"));
            auto* buttons = dialog->findChild<QDialogButtonBox*>();
            target->setText(QStringLiteral("lots"));
            buttons->button(QDialogButtonBox::Ok)->click();
            for (auto* label : dialog->findChildren<QLabel*>())
                if (label->text().contains(QStringLiteral("lots")))
                    badTargetMessage = label->text();
            target->setText(QStringLiteral("1.8x"));
            for (auto* box : dialog->findChildren<QCheckBox*>())
                box->setChecked(box->text() == QStringLiteral("fp16"));
            buttons->button(QDialogButtonBox::Ok)->click();
        });
        auto* planButton = window.slimPanel()->findChild<QPushButton*>(QStringLiteral("planButton"));
        QVERIFY(planButton);
        planButton->click();
        QVERIFY(planned.wait(120000));
        if (!view->planResult())
            SLIMSCOPE_SKIP("built without ONNX Runtime");
        QVERIFY2(badTargetMessage.contains(QStringLiteral("KiB/MiB/GiB")), qPrintable(badTargetMessage));
        const auto& plan = *view->planResult();
        QCOMPARE(plan.sweeps.size(), std::size_t(1));
        QCOMPARE(plan.targetBytes, static_cast<std::uint64_t>(window.analysis()->modelFile->fileSize() / 1.8));
        QVERIFY(plan.met); // fp16 halves every weight, the graph and its Casts stay
        QCOMPARE(window.slimPanel()->recipe(), plan.best.recipe);
    }

    void planTargetsParse()
    {
        QCOMPARE(*ui::parsePlanTarget(QStringLiteral("4x"), 1000), std::uint64_t(250));
        QCOMPARE(*ui::parsePlanTarget(QStringLiteral(" 2.5 X "), 1000), std::uint64_t(400));
        QCOMPARE(*ui::parsePlanTarget(QStringLiteral("25MB"), 1000), std::uint64_t(25000000));
        QCOMPARE(*ui::parsePlanTarget(QStringLiteral("1KiB"), 1000), std::uint64_t(1024));
        QVERIFY(!ui::parsePlanTarget(QStringLiteral("0.5x"), 1000));
        QVERIFY(!ui::parsePlanTarget(QStringLiteral("small"), 1000));
    }

    void screenshotWaitsForTheMeasurement()
    {
        const QString png = m_dir.filePath(QStringLiteral("sensitivity.png"));
        QProcess gui;
        gui.start(QStringLiteral(SLIMSCOPE_GUI),
            { m_model, QStringLiteral("--view"), QStringLiteral("sensitivity"), QStringLiteral("--screenshot"), png });
        QVERIFY(gui.waitForFinished(120000));
        QCOMPARE(gui.exitCode(), 0);
        QImage image(png);
        QVERIFY(!image.isNull());
        QVERIFY(image.width() > 600 && image.height() > 400);
    }
};

QTEST_MAIN(TestSensitivityView)
#include "tst_sensitivityview.moc"
