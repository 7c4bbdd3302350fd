// Weights held by Constant nodes, in the main graph and inside If branches (as paddle2onnx and silero VAD store
// them), are slimmed like initializers: quantized (a DequantizeLinear or Cast in the same graph replaces the
// Constant; names the branch reads stay resolvable), pruned in place, listed in the preview, and ONNX Runtime
// runs the result close to the original.
#include "analysis/analysis.h"
#include "modelbuilder.h"
#include "slimtestsupport.h"

#include <QTemporaryDir>
#include <QTest>

using namespace slimtest;

namespace {

// x[1,16] -> Gemm(w_main: Constant [32,16], transB) -> h -> If(cond: Constant true)
//   then: Gemm(h, w_then: Constant [8,32], transB) -> y_then;  else: Gemm(h, w_else: Constant [8,32], transB)
fx::ModelBuilder constantWeights()
{
    fx::ModelBuilder b(13, 8);
    fx::Lcg rng(5);
    const auto weight = [&](const std::string& name, std::vector<std::int64_t> dims, std::size_t count) {
        return fx::ModelBuilder::makeFloatTensor(name, std::move(dims), fx::randomFloats(rng, count, 0.3f));
    };
    b.addInput("x", onnx::TensorProto::FLOAT, { 1, 16 });
    b.addConstantNode(b.graph(), "w_main", weight("w_main", { 32, 16 }, 512));
    fx::ModelBuilder::addAttrInt(b.addNode("Gemm", { "x", "w_main" }, { "h" }, "gemm_main"), "transB", 1);
    const std::vector<std::uint8_t> yes { 1 };
    b.addConstantNode(b.graph(), "cond",
        fx::ModelBuilder::makeTensor("cond", onnx::TensorProto::BOOL, {}, std::as_bytes(std::span(yes))));
    auto& branch = b.addNode("If", { "cond" }, { "y" }, "branch");
    for (const char* side : { "then", "else" }) {
        onnx::GraphProto& g = fx::ModelBuilder::addAttrGraph(branch, std::string(side) + "_branch", side);
        const std::string w = std::string("w_") + side;
        b.addConstantNode(g, w, weight(w, { 8, 32 }, 256));
        fx::ModelBuilder::addAttrInt(
            b.addNode(g, "Gemm", { "h", w }, { "y_" + std::string(side) }, "gemm_" + std::string(side)), "transB", 1);
        b.addOutput(g, "y_" + std::string(side), onnx::TensorProto::FLOAT, { 1, 8 });
    }
    b.addOutput("y", onnx::TensorProto::FLOAT, { 1, 8 });
    return b;
}

// An LSTM as silero VAD stores it: W cut by Slice out of a larger Constant, R a Constant, B (rank 2) read through
// Identity. hidden 256, input 8: W [1,1024,8], R [1,1024,256], B [1,2048].
fx::ModelBuilder slicedLstm()
{
    fx::ModelBuilder b(13, 8);
    fx::Lcg rng(9);
    b.addInput("x", onnx::TensorProto::FLOAT, { 4, 1, 8 });
    b.addConstantNode(b.graph(), "w_all",
        fx::ModelBuilder::makeFloatTensor("w_all", { 1, 2048, 8 }, fx::randomFloats(rng, 2048 * 8, 0.1f)));
    b.addConstantIntsNode(b.graph(), "starts", { 0 });
    b.addConstantIntsNode(b.graph(), "ends", { 1024 });
    b.addConstantIntsNode(b.graph(), "axes", { 1 });
    b.addNode("Slice", { "w_all", "starts", "ends", "axes" }, { "w" }, "slice_w");
    b.addConstantNode(b.graph(), "r",
        fx::ModelBuilder::makeFloatTensor("r", { 1, 1024, 256 }, fx::randomFloats(rng, 1024 * 256, 0.05f)));
    b.addConstantNode(b.graph(), "b_stored",
        fx::ModelBuilder::makeFloatTensor("b_stored", { 1, 2048 }, fx::randomFloats(rng, 2048, 0.1f)));
    b.addNode("Identity", { "b_stored" }, { "b" }, "bias_alias");
    fx::ModelBuilder::addAttrInt(b.addNode("LSTM", { "x", "w", "r", "b" }, { "y" }, "lstm"), "hidden_size", 256);
    b.addOutput("y", onnx::TensorProto::FLOAT, { 4, 1, 1, 256 });
    return b;
}

// One [16,16] weight stored four times: an initializer and a Constant in the main graph, a Constant in each branch
// of an If; and one [16] bias stored as a Constant in each branch only.
// x[1,16] -> MatMul(w_init) -> MatMul(w_const) -> If: then MatMul(w_then) + b_then; else MatMul(w_else) + b_else.
fx::ModelBuilder duplicatedWeights()
{
    fx::ModelBuilder b(13, 8);
    fx::Lcg rng(31);
    const auto w = fx::randomFloats(rng, 256, 0.25f);
    const auto bias = fx::randomFloats(rng, 16, 0.1f);
    b.addInput("x", onnx::TensorProto::FLOAT, { 1, 16 });
    b.addFloatInitializer("w_init", { 16, 16 }, w);
    b.addNode("MatMul", { "x", "w_init" }, { "h1" }, "mm_init");
    b.addConstantNode(b.graph(), "w_const", fx::ModelBuilder::makeFloatTensor("w_const", { 16, 16 }, w));
    b.addNode("MatMul", { "h1", "w_const" }, { "h2" }, "mm_const");
    const std::vector<std::uint8_t> yes { 1 };
    b.addConstantNode(b.graph(), "cond",
        fx::ModelBuilder::makeTensor("cond", onnx::TensorProto::BOOL, {}, std::as_bytes(std::span(yes))));
    auto& branch = b.addNode("If", { "cond" }, { "y" }, "branch");
    for (const std::string side : { "then", "else" }) {
        onnx::GraphProto& g = fx::ModelBuilder::addAttrGraph(branch, side + "_branch", side);
        b.addConstantNode(g, "w_" + side, fx::ModelBuilder::makeFloatTensor("w_" + side, { 16, 16 }, w));
        b.addConstantNode(g, "b_" + side, fx::ModelBuilder::makeFloatTensor("b_" + side, { 16 }, bias));
        b.addNode(g, "MatMul", { "h2", "w_" + side }, { "p_" + side }, "mm_" + side);
        b.addNode(g, "Add", { "p_" + side, "b_" + side }, { "y_" + side }, "add_" + side);
        b.addOutput(g, "y_" + side, onnx::TensorProto::FLOAT, { 1, 16 });
    }
    b.addOutput("y", onnx::TensorProto::FLOAT, { 1, 16 });
    return b;
}

} // namespace

class TestConstantWeights : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    fs::path m_model;

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_model = fs::path(m_dir.path().toStdString()) / "constants.onnx";
        QVERIFY(constantWeights().save(m_model).has_value());
    }

    void quantizeReplacesTheConstants_data()
    {
        QTest::addColumn<bool>("int8");
        QTest::addRow("int8") << true;
        QTest::addRow("fp16") << false;
    }

    void quantizeReplacesTheConstants()
    {
        QFETCH(bool, int8);
        const fs::path out = fs::path(m_dir.path().toStdString()) / (int8 ? "int8.onnx" : "fp16.onnx");
        const slim::StepParams step = int8 ? slim::StepParams { slim::QuantizeInt8Step { true, true } }
                                           : slim::StepParams { slim::QuantizeFp16Step {} };
        TRY_SLIM(s, m_model, single(step, scopeWithMin(0)), out);
        const auto written = readProto(out);
        QVERIFY(written);
        const std::string op = int8 ? "DequantizeLinear" : "Cast";
        const std::pair<const onnx::GraphProto*, std::string> weights[]
            = { { &written->graph(), "w_main" }, { branchGraph(written->graph(), "then_branch"), "w_then" },
                  { branchGraph(written->graph(), "else_branch"), "w_else" } };
        for (const auto& [graph, name] : weights) {
            QVERIFY(graph);
            const onnx::NodeProto* producer = findProducer(*graph, name);
            QVERIFY2(producer && producer->op_type() == op, name.c_str()); // in the weight's own graph
            for (const auto& node : graph->node())
                QVERIFY2(!(node.op_type() == "Constant" && node.output(0) == name), "the Constant is still there");
            if (int8)
                QCOMPARE(intAttribute(*producer, "axis"), std::optional<std::int64_t>(0)); // Gemm transB
            const auto row = std::ranges::find(s->result.preview.tensors, name, &slim::TensorChange::name);
            QVERIFY2(row != s->result.preview.tensors.end() && row->changed && row->hasError, name.c_str());
            QCOMPARE(row->storageAfter, int8 ? slim::StorageAfter::Quantized : slim::StorageAfter::Float16);
            QVERIFY(row->relativeL2 > 0 && row->relativeL2 < (int8 ? 0.02 : 0.001));
        }
        QVERIFY(s->exported.fileBytes < fs::file_size(m_model));
        REQUIRE_RUNTIME();
        const auto compared = compareInRuntime(m_model, out);
        QVERIFY2(compared.has_value(), qPrintable(errorOf(compared)));
        for (const auto& output : *compared)
            QVERIFY2(output.cosine >= 0.999, qPrintable(QString::number(output.cosine, 'g', 9)));
    }

    // The default scope decides by the op that really consumes a weight: W (through Slice) and R are quantized,
    // the LSTM bias B (through Identity, rank 2) is not, and the analysis marks it a bias too.
    void scopeFollowsTheTrace()
    {
        const fs::path dir(m_dir.path().toStdString());
        QVERIFY(slicedLstm().save(dir / "lstm.onnx").has_value());
        TRY_SLIM(s, dir / "lstm.onnx", single(slim::QuantizeInt8Step {}), dir / "lstm-int8.onnx");
        const auto written = readProto(dir / "lstm-int8.onnx");
        QVERIFY(written);
        for (const char* name : { "w_all", "r" }) {
            const auto* producer = findProducer(written->graph(), name);
            QVERIFY2(producer && producer->op_type() == "DequantizeLinear", name);
            QCOMPARE(intAttribute(*producer, "axis"), std::optional<std::int64_t>(1)); // LSTM gates
        }
        const auto* bias = findProducer(written->graph(), "b_stored");
        QVERIFY2(bias && bias->op_type() == "Constant", "the LSTM bias left the default scope");
        const auto analysis = slimscope::core::analysis::analyzeFile((dir / "lstm.onnx").string());
        QVERIFY(analysis.has_value());
        for (const auto& tensor : (*analysis)->tensors)
            if (tensor.shape.size() >= 2) // (rank 0 and 1 are biases whatever reads them: starts, ends, axes)
                QVERIFY2(tensor.biasOrNorm == (tensor.name == "b_stored"), tensor.name.c_str());
        REQUIRE_RUNTIME();
        const auto compared = compareInRuntime(dir / "lstm.onnx", dir / "lstm-int8.onnx");
        QVERIFY2(compared.has_value(), qPrintable(errorOf(compared)));
        for (const auto& output : *compared)
            QVERIFY2(output.cosine >= 0.999, qPrintable(QString::number(output.cosine, 'g', 9)));
    }

    // Cleanup merges copies whatever holds them: the main graph's initializer stays and every Constant copy
    // goes; the bias, copied in both branches only, becomes one initializer of the main graph that the branches
    // read from the outer scope. ONNX Runtime gives bit-identical outputs.
    void cleanupMergesConstantsAndInitializers()
    {
        const fs::path dir(m_dir.path().toStdString());
        QVERIFY(duplicatedWeights().save(dir / "dups.onnx").has_value());
        TRY_SLIM(s, dir / "dups.onnx", recipeFor(QStringLiteral("cleanup")), dir / "dups-clean.onnx");
        const auto written = readProto(dir / "dups-clean.onnx");
        QVERIFY(written);
        const auto* then = branchGraph(written->graph(), "then_branch");
        const auto* otherwise = branchGraph(written->graph(), "else_branch");
        QVERIFY(then && otherwise);
        for (const auto* graph : { then, otherwise })
            QVERIFY(storedWeights(*graph).empty()); // no Constant left in a branch
        std::vector<std::string> mainWeights;
        for (const auto* tensor : storedWeights(written->graph()))
            mainWeights.push_back(tensor->name());
        std::ranges::sort(mainWeights);
        QCOMPARE(mainWeights.size(), std::size_t(3)); // w_init, the cond and the hoisted bias
        QCOMPARE(mainWeights[2], std::string("w_init"));
        QVERIFY(mainWeights[0].starts_with("b_") && findInitializer(written->graph(), mainWeights[0]));
        for (const auto& node : then->node())
            if (node.op_type() == "MatMul")
                QCOMPARE(node.input(1), std::string("w_init"));
        QCOMPARE(s->result.preview.weightBytesAfter, s->result.preview.weightBytesBefore - 3 * 256 * 4 - 16 * 4);
        QCOMPARE(s->exported.fileBytes, s->result.preview.predictedFileBytes);

        const auto analysis = slimscope::core::analysis::analyzeFile((dir / "dups-clean.onnx").string());
        QVERIFY(analysis.has_value());
        QCOMPARE((*analysis)->model.weightBytes, std::uint64_t(256 * 4 + 16 * 4 + 1));
        for (const auto& finding : (*analysis)->findings)
            QVERIFY2(finding.kind != slimscope::core::analysis::FindingKind::DuplicateTensor, finding.message.c_str());
        REQUIRE_RUNTIME();
        const auto compared = compareInRuntime(dir / "dups.onnx", dir / "dups-clean.onnx");
        QVERIFY2(compared.has_value(), qPrintable(errorOf(compared)));
        for (const auto& output : *compared)
            QCOMPARE(output.maxRelative, 0.0);
    }

    // Sparse storage turns a mostly-zero Constant into a Constant with a sparse_value (main graph and If branch),
    // predicted to the byte; ONNX Runtime gives exactly the outputs of the dense pruned model.
    void sparseStorageKeepsConstantsInPlace()
    {
        const fs::path dir(m_dir.path().toStdString());
        const slim::Step prune { slim::PruneStep { 0.85 }, scopeWithMin(0), true };
        const slim::Step sparse { slim::SparseStorageStep { slim::SparseStorageStep::Policy::Auto }, scopeWithMin(0),
            true };
        TRY_SLIM(dense, m_model, slim::Recipe { { prune } }, dir / "pruned85.onnx");
        TRY_SLIM(s, m_model, (slim::Recipe { { prune, sparse } }), dir / "sparse.onnx");
        const auto written = readProto(dir / "sparse.onnx");
        QVERIFY(written);
        const auto* then = branchGraph(written->graph(), "then_branch");
        QVERIFY(then);
        for (const auto& [graph, name] :
            { std::pair { &written->graph(), std::string("w_main") }, std::pair { then, std::string("w_then") } }) {
            const onnx::NodeProto* producer = findProducer(*graph, name);
            QVERIFY2(producer && producer->op_type() == "Constant", name.c_str());
            QCOMPARE(producer->attribute_size(), 1);
            QCOMPARE(producer->attribute(0).name(), std::string("sparse_value"));
            const auto& stored = producer->attribute(0).sparse_tensor();
            const std::int64_t elements = name == "w_main" ? 512 : 256;
            QCOMPARE(stored.values().dims(0), elements - static_cast<std::int64_t>(std::llround(0.85 * elements)));
            const auto row = std::ranges::find(s->result.preview.tensors, name, &slim::TensorChange::name);
            QVERIFY(row != s->result.preview.tensors.end());
            QCOMPARE(row->storageAfter, slim::StorageAfter::SparseConstant);
            QCOMPARE(row->bytesAfter, static_cast<std::uint64_t>(stored.values().dims(0)) * (4 + 8));
        }
        QCOMPARE(s->exported.fileBytes, s->result.preview.predictedFileBytes);
        QVERIFY(s->exported.fileBytes < dense->exported.fileBytes);
        REQUIRE_RUNTIME();
        const auto compared = compareInRuntime(dir / "pruned85.onnx", dir / "sparse.onnx");
        QVERIFY2(compared.has_value(), qPrintable(errorOf(compared)));
        for (const auto& output : *compared)
            QCOMPARE(output.maxRelative, 0.0);
    }

    // Pruning keeps a Constant a Constant, with the zeros in its value.
    void pruneKeepsTheConstants()
    {
        const fs::path out = fs::path(m_dir.path().toStdString()) / "pruned.onnx";
        TRY_SLIM(s, m_model, single(slim::PruneStep { 0.5 }, scopeWithMin(0)), out);
        const auto written = readProto(out);
        QVERIFY(written);
        const auto* then = branchGraph(written->graph(), "then_branch");
        QVERIFY(then);
        for (const auto& [graph, name] :
            { std::pair { &written->graph(), std::string("w_main") }, std::pair { then, std::string("w_then") } }) {
            const onnx::TensorProto* value = findStored(*graph, name);
            QVERIFY2(value, name.c_str());
            const auto values = valuesOf<float>(*value);
            QCOMPARE(zerosIn(values), values.size() / 2);
        }
        REQUIRE_RUNTIME();
        const auto compared = compareInRuntime(m_model, out);
        QVERIFY2(compared.has_value(), qPrintable(errorOf(compared)));
    }
};

QTEST_GUILESS_MAIN(TestConstantWeights)
#include "tst_constantweights.moc"
