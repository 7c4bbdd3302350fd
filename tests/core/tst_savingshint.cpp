// Why a recipe saves nothing: an unstructured prune leaves the file as large as before and the preview says so,
// with sparse storage's break-even (two thirds zeros for float32, 8-byte indices) and what to do; the hint goes once
// sparse storage pays. The non-zero count drops by exactly the weights the prune zeroed (the fixture's own sizes).
#include "slim/savingshint.h"
#include "slim/steps/prune.h"
#include "slim/steps/sparsestorage.h"
#include "slimtestsupport.h"

#include <QTemporaryDir>
#include <QTest>

using namespace slimtest;

class TestSavingsHint : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    fs::path m_model;

    slim::SlimResult apply(const slim::Recipe& recipe)
    {
        auto file = slimscope::core::model::ModelFile::load(m_model);
        if (!file)
            qFatal("%s", file.error().message.c_str());
        auto result = slim::applyRecipe(*file, recipe);
        if (!result)
            qFatal("%s", result.error().message.c_str());
        return std::move(*result);
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_model = fs::path(m_dir.path().toStdString()) / "mlp.onnx";
        QVERIFY(realisticMlp().save(m_model).has_value());
    }

    void breakEvenOfEachWidth()
    {
        QCOMPARE(slim::sparseBreakEven(4), 8.0 / 12.0); // float32: values + int64 indices
        QCOMPARE(slim::sparseBreakEven(2), 0.8); // float16
        QCOMPARE(slim::sparseBreakEven(1), 8.0 / 9.0); // int8
    }

    void unstructuredPruneSaysWhyAndWhatWould()
    {
        // fc1 (256 x 128) and fc2 (64 x 256) are in the default scope (fc3 has 640 < 1024 elements).
        const slim::Recipe half = single(slim::PruneStep { 0.5, slim::PruneStep::Mode::Layer });
        const auto pruned = apply(half);
        const auto hint = slim::noSavingsHint(half, pruned.preview);
        QVERIFY(hint.has_value());
        QVERIFY2(hint->find("dense storage keeps every zero") != std::string::npos, hint->c_str());
        QVERIFY2(hint->find("pays past 66.7 % zeros") != std::string::npos, hint->c_str());
        QVERIFY2(hint->find("these reach 50.0 %, so prune further first") != std::string::npos, hint->c_str());
        QVERIFY2(hint->find("Prune channels") != std::string::npos, hint->c_str());
        const auto counts = slim::nonZeroWeights(pruned.preview);
        QCOMPARE(counts.before - counts.after, std::uint64_t(256 * 128 / 2 + 64 * 256 / 2));
        QCOMPARE(pruned.preview.paramsAfter, pruned.preview.paramsBefore); // the dense count does not move

        // Past the break-even, the hint says to add sparse storage; with it the file shrinks and the hint goes.
        const slim::Recipe deep = single(slim::PruneStep { 0.8, slim::PruneStep::Mode::Layer });
        const auto deeper = apply(deep);
        const auto next = slim::noSavingsHint(deep, deeper.preview);
        QVERIFY(next.has_value());
        QVERIFY2(
            next->find("2 of them are past it now; add a Sparse storage step") != std::string::npos, next->c_str());
        slim::Recipe stored = deep;
        stored.steps.push_back({ slim::SparseStorageStep {}, slim::Scope {}, true });
        const auto sparse = apply(stored);
        QVERIFY(sparse.preview.predictedFileBytes < sparse.preview.fileBytesBefore);
        QVERIFY(!slim::noSavingsHint(stored, sparse.preview).has_value());
    }

    void aStepThatTouchesNothingSaysToCheckTheScope()
    {
        slim::Scope none;
        none.minElements = std::uint64_t { 1 } << 40; // every tensor is smaller: the step selects nothing
        const slim::Recipe recipe = single(slim::QuantizeInt8Step {}, none);
        const auto result = apply(recipe);
        const auto hint = slim::noSavingsHint(recipe, result.preview);
        QVERIFY(hint.has_value());
        QVERIFY2(hint->find("check the scope") != std::string::npos, hint->c_str());
    }
};

QTEST_GUILESS_MAIN(TestSavingsHint)
#include "tst_savingshint.moc"
