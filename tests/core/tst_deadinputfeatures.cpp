// Dead input features: prune_channels with `inputs` removes the features of a graph input that every reader
// multiplies by zero, narrows the input, records the positions in the model's metadata, and verification leaves
// them out of the slimmed model's feed. The positions expected are the ones the fixture zeroes; the outputs are
// checked against the original in ONNX Runtime on inputs this test narrows itself.
#include "analysis/analysis.h"
#include "model/removedfeatures.h"
#include "modelbuilder.h"
#include "report/compare.h"
#include "runtime/verify.h"
#include "slim/steps/prunechannels.h"
#include "slimtestsupport.h"

#include <QTemporaryDir>
#include <QTest>

using namespace slimtest;

namespace {

using Positions = std::vector<std::int64_t>;
namespace m = slimscope::core::model;

// x[2,10] read by a Gemm (transB, weight [6,10]: columns 3, 7 and 8 zero, column 5 at 1e-9 of the rest) and a
// MatMul (weight [10,4]: rows 3, 5 and 7 zero, row 8 not). Features 3, 5 and 7 are dead in both readers; 8 is
// read by the MatMul.
fx::ModelBuilder twoReaders()
{
    fx::ModelBuilder b(13, 8);
    fx::Lcg rng(71);
    b.addInput("x", onnx::TensorProto::FLOAT, { 2, 10 });
    std::vector<float> gemm = fx::randomFloats(rng, 60, 0.5f);
    for (std::size_t row = 0; row < 6; ++row) {
        for (const std::size_t col : { 3, 7, 8 })
            gemm[row * 10 + col] = 0.0f;
        gemm[row * 10 + 5] = 1e-10f;
    }
    std::vector<float> matmul = fx::randomFloats(rng, 40, 0.5f);
    for (const std::size_t row : { 3, 5, 7 })
        std::fill_n(matmul.begin() + static_cast<std::ptrdiff_t>(row * 4), 4, 0.0f);
    b.addFloatInitializer("fc.weight", { 6, 10 }, gemm);
    b.addFloatInitializer("fc.bias", { 6 }, fx::randomFloats(rng, 6, 0.1f));
    b.addFloatInitializer("side.weight", { 10, 4 }, matmul);
    fx::ModelBuilder::addAttrInt(b.addNode("Gemm", { "x", "fc.weight", "fc.bias" }, { "h" }, "fc"), "transB", 1);
    b.addNode("Relu", { "h" }, { "y" }, "relu");
    b.addNode("MatMul", { "x", "side.weight" }, { "z" }, "side");
    b.addOutput("y", onnx::TensorProto::FLOAT, { 2, 6 });
    b.addOutput("z", onnx::TensorProto::FLOAT, { 2, 4 });
    return b;
}

std::vector<std::int64_t> dimsOf(const onnx::GraphProto& graph, const std::string& name)
{
    for (const auto& t : graph.initializer())
        if (t.name() == name)
            return { t.dims().begin(), t.dims().end() };
    return {};
}

} // namespace

class TestDeadInputFeatures : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;

    fs::path path(const std::string& name) const { return fs::path(m_dir.path().toStdString()) / name; }

private slots:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void deadFeaturesLeaveTheModelAndTheFeed()
    {
        QVERIFY(twoReaders().save(path("mlp.onnx")).has_value());
        slim::PruneChannelsStep step;
        step.zeroOnly = true;
        step.inputs = true;
        TRY_SLIM(s, path("mlp.onnx"), single(step, scopeWithMin(0)), path("mlp-narrow.onnx"));
        const auto& removed = s->result.preview.removedInputFeatures;
        QCOMPARE(removed.size(), std::size_t(1));
        QCOMPARE(removed[0].input, std::string("x"));
        QCOMPARE(removed[0].featuresBefore, std::int64_t(10));
        QCOMPARE(removed[0].indices, (Positions { 3, 5, 7 }));
        QCOMPARE(s->result.preview.paramsAfter, std::uint64_t(6 * 7 + 6 + 7 * 4));

        const auto written = readProto(path("mlp-narrow.onnx"));
        QVERIFY(written);
        const auto& g = written->graph();
        QCOMPARE(dimsOf(g, "fc.weight"), (Positions { 6, 7 }));
        QCOMPARE(dimsOf(g, "side.weight"), (Positions { 7, 4 }));
        QCOMPARE(g.input(0).type().tensor_type().shape().dim(1).dim_value(), std::int64_t(7));
        std::string recorded;
        for (const auto& entry : written->metadata_props())
            if (entry.key() == "slimscope.removed_input_features")
                recorded = entry.value();
        const auto parsed = m::readRemovedInputFeatures(recorded);
        QVERIFY2(parsed && parsed->size() == 1, recorded.c_str());
        QCOMPARE(parsed->front().indices, (Positions { 3, 5, 7 }));
        // compare reads the same metadata: B no longer reads A's features 3, 5 and 7.
        const auto a = slimscope::core::analysis::analyzeFile(path("mlp.onnx").string());
        const auto b = slimscope::core::analysis::analyzeFile(path("mlp-narrow.onnx").string());
        QVERIFY(a && b);
        const auto comparison = slimscope::core::report::compareModels(**a, **b);
        QVERIFY(comparison);
        QCOMPARE(comparison->removedInputFeatures.size(), std::size_t(1));
        QCOMPARE(comparison->removedInputFeatures[0].indices, (Positions { 3, 5, 7 }));
        QCOMPARE(comparison->removedInputFeatures[0].featuresBefore, std::int64_t(10));

        REQUIRE_RUNTIME();
        // The oracle: the original on its inputs, the slimmed model on the same inputs without columns 3, 5, 7.
        auto original = rt::ModelSession::open(path("mlp.onnx"), 1);
        auto narrow = rt::ModelSession::open(path("mlp-narrow.onnx"), 1);
        QVERIFY(original && narrow);
        auto feeds = oracleInputs(original->inputs());
        QVERIFY(feeds);
        rt::HostTensor cut { "x", m::DataType::Float, { 2, 7 }, {} };
        for (std::size_t row = 0; row < 2; ++row)
            for (std::size_t col = 0; col < 10; ++col)
                if (col != 3 && col != 5 && col != 7)
                    cut.data.insert(cut.data.end(),
                        (*feeds)[0].data.begin() + static_cast<std::ptrdiff_t>(4 * (row * 10 + col)),
                        (*feeds)[0].data.begin() + static_cast<std::ptrdiff_t>(4 * (row * 10 + col + 1)));
        const auto refs = original->run(*feeds);
        const auto outs = narrow->run({ cut });
        QVERIFY(refs && outs);
        for (std::size_t o = 0; o < 2; ++o) {
            std::vector<float> a((*refs)[o].data.size() / 4), b(a.size());
            std::memcpy(a.data(), (*refs)[o].data.data(), (*refs)[o].data.size());
            std::memcpy(b.data(), (*outs)[o].data.data(), (*outs)[o].data.size());
            for (std::size_t i = 0; i < a.size(); ++i)
                QVERIFY2(std::fabs(a[i] - b[i]) <= 1e-6f * (1.0f + std::fabs(a[i])),
                    qPrintable(QStringLiteral("output %1 value %2: %3 vs %4").arg(o).arg(i).arg(a[i]).arg(b[i])));
        }
        // verify() reads the metadata and narrows its own feed the same way.
        const auto verified = rt::verify(path("mlp.onnx"), path("mlp-narrow.onnx"), quickVerify());
        QVERIFY2(verified, qPrintable(errorOf(verified)));
        for (const auto& output : verified->outputs)
            QVERIFY2(output.cosine > 0.999999, output.name.c_str());
        QVERIFY(std::ranges::any_of(verified->diagnostics,
            [](const slimscope::core::Diagnostic& d) { return d.message.contains("reads 7 of the 10 features"); }));
    }

    // Without `inputs` the input keeps its shape; a model whose input is also read by another op keeps it too.
    void inputsStayUnlessAskedOrUnprovable()
    {
        QVERIFY(twoReaders().save(path("mlp2.onnx")).has_value());
        slim::PruneChannelsStep step;
        step.zeroOnly = true;
        TRY_SLIM(s, path("mlp2.onnx"), single(step, scopeWithMin(0)), path("mlp2-same.onnx"));
        QVERIFY(s->result.preview.removedInputFeatures.empty());

        auto b = twoReaders();
        b.addNode("ReduceSum", { "x" }, { "total" }, "sum");
        b.addOutput("total", onnx::TensorProto::FLOAT, { 1, 1 });
        QVERIFY(b.save(path("mlp3.onnx")).has_value());
        step.inputs = true;
        TRY_SLIM(t, path("mlp3.onnx"), single(step, scopeWithMin(0)), path("mlp3-same.onnx"));
        QVERIFY(t->result.preview.removedInputFeatures.empty());
    }

    // Positions stay those of the original input when a slimmed model is slimmed again; a feed for a model that
    // already lost some features loses only the rest.
    void positionsComposeAcrossRuns()
    {
        const std::vector<m::RemovedInputFeatures> first { { "x", 10, { 3, 5 } } };
        const std::vector<m::RemovedInputFeatures> second { { "x", 10, { 1, 3, 5, 9 } } };
        QCOMPARE(m::featuresToDrop({}, first, "x"), std::optional<Positions>(Positions { 3, 5 }));
        // The once-slimmed feed holds original positions 0,1,2,4,6,7,8,9: 1 and 9 are its positions 1 and 7.
        QCOMPARE(m::featuresToDrop(first, second, "x"), std::optional<Positions>(Positions { 1, 7 }));
        QCOMPARE(m::featuresToDrop(second, first, "x"), std::nullopt); // not slimmed from it
        QCOMPARE(m::featuresToDrop(first, second, "other"), std::optional<Positions>(Positions {}));
        QCOMPARE(m::readRemovedInputFeatures(m::writeRemovedInputFeatures(second))->front().indices,
            (Positions { 1, 3, 5, 9 }));
        QVERIFY(!m::readRemovedInputFeatures(R"([{"input":"x","features_before":4,"indices":[4]}])"));
        QVERIFY(!m::readRemovedInputFeatures("not json"));
    }
};

QTEST_GUILESS_MAIN(TestDeadInputFeatures)
#include "tst_deadinputfeatures.moc"
