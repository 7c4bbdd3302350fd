// The Slim panel as a user meets it, offscreen: the before → after picture (weight bytes by dtype as two stacked
// bars) holds the preview's own numbers and follows each edit; the figures beside it show params, non-zero weights,
// MACs and, once verified, the latency; a prune that saves nothing says why until sparse storage pays.
#include "charts/dtypestackchart.h"
#include "fixtures.h"
#include "mainwindow.h"
#include "modelbuilder.h"
#include "session/session.h"
#include "slim/steps/prune.h"
#include "slim/steps/quantize.h"
#include "slim/steps/sparsestorage.h"
#include "slimming/slimpanel.h"
#include "testenv.h"

#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

using namespace slimscope;

namespace {

// x[1,128] -> MatMul (w1 [128,96]) -> Relu -> MatMul (w2 [96,32]) -> y.
fixtures::ModelBuilder mlp()
{
    fixtures::ModelBuilder b(13, 8);
    fixtures::Lcg rng(23);
    b.addInput("x", onnx::TensorProto::FLOAT, { 1, 128 });
    b.addFloatInitializer("w1", { 128, 96 }, fixtures::randomFloats(rng, 128 * 96, 0.2f));
    b.addFloatInitializer("w2", { 96, 32 }, fixtures::randomFloats(rng, 96 * 32, 0.2f));
    b.addNode("MatMul", { "x", "w1" }, { "h" }, "fc1");
    b.addNode("Relu", { "h" }, { "r" }, "relu");
    b.addNode("MatMul", { "r", "w2" }, { "y" }, "fc2");
    b.addOutput("y", onnx::TensorProto::FLOAT, { 1, 32 });
    return b;
}

double previewBytes(const std::vector<core::slim::DtypeBytes>& list, const std::string& dtype)
{
    double bytes = 0;
    for (const auto& entry : list)
        if (entry.dtype == dtype)
            bytes += static_cast<double>(entry.bytes);
    return bytes;
}

} // namespace

class TestSlimPanel : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    QString m_model;

private slots:
    void initTestCase()
    {
        QCoreApplication::setOrganizationName(QStringLiteral("SlimscopeTests"));
        QVERIFY(m_dir.isValid());
        m_model = m_dir.filePath(QStringLiteral("mlp.onnx"));
        QVERIFY(mlp().save(m_model.toStdString()).has_value());
    }

    void pictureHoldsThePreviewsNumbers()
    {
        ui::MainWindow window;
        QSignalSpy ready(&window, &ui::MainWindow::analysisReady);
        window.show();
        window.openModel(m_model);
        QVERIFY(ready.wait(20000));
        ui::SlimPanel* panel = window.slimPanel();
        ui::DtypeStackChart* chart = panel->beforeAfterChart();
        QVERIFY(chart);
        QVERIFY(chart->layers().isEmpty()); // no steps: the empty state

        // int8: the after bar is int8 (codes) plus float32 (scales), the before bar float32 alone.
        core::slim::Recipe recipe;
        core::slim::Scope all;
        all.minElements = 1;
        recipe.steps.push_back({ core::slim::QuantizeInt8Step {}, all, true });
        QSignalSpy previewed(panel, &ui::SlimPanel::previewChanged);
        panel->setRecipe(recipe);
        QTRY_VERIFY_WITH_TIMEOUT(panel->preview() != nullptr, 20000);
        const auto& p = panel->preview()->preview;
        for (const std::string dtype : { "float32", "int8" }) {
            QCOMPARE(
                chart->bytesOf(QString::fromStdString(dtype), true), previewBytes(p.weightBytesByDtypeBefore, dtype));
            QCOMPARE(
                chart->bytesOf(QString::fromStdString(dtype), false), previewBytes(p.weightBytesByDtypeAfter, dtype));
        }
        QCOMPARE(chart->bytesOf(QStringLiteral("float32"), true), double((128 * 96 + 96 * 32) * 4));
        QVERIFY(chart->bytesOf(QStringLiteral("int8"), false) >= double(128 * 96 + 96 * 32));
        QVERIFY(panel->figuresText().contains(QStringLiteral("Verify measures it")));

        // A prune: the picture follows (the same bytes before and after) and the hint says why.
        core::slim::Recipe prune;
        prune.steps.push_back({ core::slim::PruneStep { 0.5, core::slim::PruneStep::Mode::Layer }, all, true });
        panel->setRecipe(prune);
        QTRY_VERIFY_WITH_TIMEOUT(
            panel->preview() && panel->summaryText().contains(QStringLiteral("dense storage")), 20000);
        QCOMPARE(chart->bytesOf(QStringLiteral("float32"), false), chart->bytesOf(QStringLiteral("float32"), true));
        QVERIFY2(panel->summaryText().contains(QStringLiteral("non-zero 15.4 k → 7.68 k")),
            qPrintable(panel->summaryText()));

        // Pruned past the break-even with sparse storage: the file shrinks, the hint goes.
        core::slim::Recipe sparse;
        sparse.steps.push_back({ core::slim::PruneStep { 0.9, core::slim::PruneStep::Mode::Layer }, all, true });
        sparse.steps.push_back({ core::slim::SparseStorageStep {}, all, true });
        panel->setRecipe(sparse);
        QTRY_VERIFY_WITH_TIMEOUT(panel->preview() && panel->preview()->preview.steps.size() == 2
                && !panel->summaryText().contains(QStringLiteral("updating")),
            20000);
        QVERIFY(!panel->summaryText().contains(QStringLiteral("dense storage")));
        QVERIFY(chart->bytesOf(QStringLiteral("float32"), false) < chart->bytesOf(QStringLiteral("float32"), true));

        // Verified: the latency joins the figures.
        QSignalSpy verified(panel, &ui::SlimPanel::verified);
        panel->verify();
        QVERIFY(verified.wait(60000));
        if (verified.first().at(0).toString().contains(QStringLiteral("built without ONNX Runtime")))
            SLIMSCOPE_SKIP("built without ONNX Runtime");
        QVERIFY2(panel->figuresText().contains(QStringLiteral(" ms")), qPrintable(panel->figuresText()));
    }
};

QTEST_MAIN(TestSlimPanel)
#include "tst_slimpanel.moc"
