// Hostile inputs, each refused (or flagged) with the message that says what is wrong: repeated fields abused to
// multiply memory (hundreds of thousands of empty initializers, a node with over a million inputs), a 2^40-element
// tensor declared without data, sparse indices out of range, unsorted or duplicated, DequantizeLinear with scales
// that do not fit its input, recipes that name what the model does not have, and JSON numbers beyond a double's range
// (found by fuzzing: they escaped the JSON reader as an exception), and window attributes (strides) of 0 that would
// make ONNX's shape inference divide by zero (found by fuzzing too).
#include "analysis/analysis.h"
#include "check/budget.h"
#include "fixtures.h"
#include "model/modelfile.h"
#include "modelbuilder.h"
#include "slim/exporter.h"
#include "slim/recipe.h"
#include "slim/slimmer.h"
#include "slim/stepregistry.h"
#include "slim/steps/prune.h"
#include "slim/steps/quantize.h"

#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <cstring>
#include <limits>

namespace an = slimscope::core::analysis;
namespace md = slimscope::core::model;
namespace slim = slimscope::core::slim;
namespace fx = slimscope::fixtures;

class TestHostile : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;

    /// Saves and loads `builder`; the load error's message, or "" when it loaded.
    std::string loadError(const fx::ModelBuilder& builder, const char* name)
    {
        const auto path = m_dir.filePath(QString::fromLatin1(name)).toStdString();
        if (!builder.save(path))
            return "could not save";
        const auto loaded = md::ModelFile::load(path);
        return loaded ? std::string() : loaded.error().message;
    }

    /// linearChain with W2[0,0] = NaN and W2[0,1] = +inf (channels 0 and 1 of the MatMul's output), saved and loaded.
    slimscope::core::Result<std::shared_ptr<const md::ModelFile>> nonFiniteModel()
    {
        fx::Fixture fixture = fx::linearChain();
        for (auto& tensor : *fixture.builder.graph().mutable_initializer())
            if (tensor.name() == "W2") {
                std::string bytes = tensor.raw_data();
                const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
                std::memcpy(bytes.data(), &nan, 4);
                std::memcpy(bytes.data() + 4, &inf, 4);
                tensor.set_raw_data(bytes);
            }
        const auto path = m_dir.filePath(QStringLiteral("nonfinite.onnx")).toStdString();
        if (!fixture.builder.save(path))
            return std::unexpected(slimscope::core::Error { slimscope::core::ErrorCode::IoError, "not saved" });
        return md::ModelFile::load(path);
    }

    static fx::ModelBuilder matmulModel()
    {
        fx::ModelBuilder b(13, 8);
        b.addInput("x", onnx::TensorProto::FLOAT, { 1, 4 });
        b.addOutput("y", onnx::TensorProto::FLOAT, { 1, 4 });
        return b;
    }

private slots:
    void manyEmptyInitializers()
    {
        fx::ModelBuilder b = matmulModel();
        b.addNode("Relu", { "x" }, { "y" }, "relu");
        for (int i = 0; i < 300'000; ++i)
            b.graph().add_initializer()->set_data_type(onnx::TensorProto::FLOAT);
        const std::string error = loadError(b, "empty_initializers.onnx");
        QVERIFY2(error.find("300,000 weight tensors") != std::string::npos, error.c_str());
        QVERIFY2(error.find("refused as broken or hostile") != std::string::npos, error.c_str());
    }

    void nodeWithMillionsOfInputs()
    {
        fx::ModelBuilder b = matmulModel();
        auto& concat = b.addNode("Concat", { "x" }, { "y" }, "concat");
        for (int i = 0; i < 1'300'000; ++i)
            concat.add_input();
        const std::string error = loadError(b, "many_inputs.onnx");
        QVERIFY2(error.find("1,300,002 node inputs and outputs") != std::string::npos, error.c_str());
    }

    // A node with no outputs (found by fuzz_slim: int8-dynamic read its output 0): refused at load, as ONNX's checker
    // and ONNX Runtime refuse it.
    void nodeWithoutOutputs()
    {
        fx::Fixture fixture = fx::linearChain();
        fixture.builder.graph().mutable_node(2)->clear_output(); // the MatMul
        const std::string error = loadError(fixture.builder, "no_outputs.onnx");
        QVERIFY2(error.ends_with("no_outputs.onnx: node 'matmul' (MatMul) in graph 'main' has no outputs; every ONNX "
                                 "node computes at least one"),
            error.c_str());
    }

    void hugeTensorWithoutData()
    {
        fx::ModelBuilder b = matmulModel();
        auto* huge = b.graph().add_initializer();
        huge->set_name("huge");
        huge->set_data_type(onnx::TensorProto::FLOAT);
        huge->add_dims(1 << 20);
        huge->add_dims(1 << 20);
        b.addNode("Add", { "x", "huge" }, { "y" }, "add");
        const std::string error = loadError(b, "huge.onnx");
        QVERIFY2(error.find("tensor 'huge'") != std::string::npos && error.find("has no data") != std::string::npos,
            error.c_str());
        QVERIFY2(error.find("1099511627776") != std::string::npos, error.c_str());
    }

    void sparseIndices_data()
    {
        QTest::addColumn<QList<qint64>>("indices");
        QTest::addColumn<QString>("message");
        QTest::newRow("out of range") << QList<qint64> { 1, 2, 99 } << "index 99 is outside its 16 elements";
        QTest::newRow("unsorted") << QList<qint64> { 5, 2, 9 } << "indices are not in increasing order (2 follows 5)";
        QTest::newRow("duplicated") << QList<qint64> { 3, 3, 7 } << "index 3 appears twice";
        QTest::newRow("negative") << QList<qint64> { -1, 2, 3 } << "index -1 is outside its 16 elements";
    }

    void sparseIndices()
    {
        QFETCH(QList<qint64>, indices);
        QFETCH(QString, message);
        fx::ModelBuilder b = matmulModel();
        b.addSparseInitializer(
            b.graph(), "w", { 4, 4 }, { 1.0f, 2.0f, 3.0f }, std::vector<std::int64_t>(indices.begin(), indices.end()));
        b.addNode("MatMul", { "x", "w" }, { "y" }, "matmul");
        const std::string error = loadError(b, "sparse.onnx");
        QVERIFY2(error.find("sparse tensor 'w'") != std::string::npos, error.c_str());
        QVERIFY2(error.find(message.toStdString()) != std::string::npos, error.c_str());
    }

    void dequantizeLinearWithMismatchedScales()
    {
        fx::ModelBuilder b = matmulModel();
        b.addTypedInitializer("q", onnx::TensorProto::INT8, { 4, 4 }, std::vector<int32_t>(16, 1));
        b.addFloatInitializer("scale", { 3 }, { 0.1f, 0.1f, 0.1f });
        b.addTypedInitializer("zero", onnx::TensorProto::INT8, { 5 }, std::vector<int32_t>(5, 0));
        auto& dq = b.addNode("DequantizeLinear", { "q", "scale", "zero" }, { "w" }, "dq");
        fx::ModelBuilder::addAttrInt(dq, "axis", 0);
        b.addNode("MatMul", { "x", "w" }, { "y" }, "matmul");
        const auto path = m_dir.filePath(QStringLiteral("dq.onnx")).toStdString();
        QVERIFY(b.save(path).has_value());
        const auto analysis = an::analyzeFile(path);
        QVERIFY(analysis.has_value());
        const auto& diagnostics = (*analysis)->diagnostics;
        const auto flagged = std::ranges::find_if(diagnostics, [](const auto& d) {
            return d.message.find("3 scales for axis 0 of 'q', which has 4 elements") != std::string::npos;
        });
        QVERIFY(flagged != diagnostics.end());
        QCOMPARE(flagged->subject, std::string("dq"));
        // Scales that fit but zero points that do not.
        b.graph().mutable_initializer(1)->clear_raw_data();
        b.graph().mutable_initializer(1)->clear_dims();
        b.graph().mutable_initializer(1)->add_dims(4);
        std::vector<float> four(4, 0.1f);
        b.graph().mutable_initializer(1)->set_raw_data(four.data(), four.size() * sizeof(float));
        QVERIFY(b.save(path).has_value());
        const auto again = an::analyzeFile(path);
        QVERIFY(again.has_value());
        QVERIFY(std::ranges::any_of((*again)->diagnostics,
            [](const auto& d) { return d.message.find("5 zero points for 4 scales") != std::string::npos; }));
    }

    // ONNX's shape inference divides by a Conv's or a pool's strides without checking them (python3-onnx's
    // infer_shapes dies of SIGFPE on the same model): the node is set aside with an error that says why.
    void windowAttributesBelowOne()
    {
        fx::Fixture fixture = fx::convNet();
        for (auto& node : *fixture.builder.graph().mutable_node())
            for (auto& attribute : *node.mutable_attribute())
                if (node.name() == "conv2" && attribute.name() == "strides")
                    attribute.set_ints(0, 0);
        const auto path = m_dir.filePath(QStringLiteral("strides0.onnx")).toStdString();
        QVERIFY(fixture.builder.save(path).has_value());
        const auto analysis = an::analyzeFile(path);
        QVERIFY2(analysis, analysis ? "" : analysis.error().message.c_str());
        const auto& diagnostics = (*analysis)->diagnostics;
        const auto set = std::ranges::find_if(diagnostics, [](const auto& d) { return d.subject == "conv2"; });
        QVERIFY(set != diagnostics.end());
        QCOMPARE(set->severity, slimscope::core::Diagnostic::Severity::Error);
        QVERIFY2(set->message.starts_with("Conv: strides [0,2] must be at least 1"), set->message.c_str());
        // The nodes before it keep their shapes: conv1's output is still [1,8,32,32].
        const auto conv1 = std::ranges::find_if((*analysis)->layers, [](const auto& l) { return l.name == "conv1"; });
        QVERIFY(conv1 != (*analysis)->layers.end());
        QCOMPARE(conv1->outputShapes, std::vector<std::string> { "[1,8,32,32]" });
        const auto conv2 = std::ranges::find_if((*analysis)->layers, [](const auto& l) { return l.name == "conv2"; });
        QVERIFY(conv2 != (*analysis)->layers.end());
        QVERIFY2(conv2->shapeError.starts_with("Conv: strides [0,2]"), conv2->shapeError.c_str());
        QVERIFY(!conv2->macs.has_value());
        // Inference went on past it: the Gemm after the pooling still has its output shape.
        const auto fc = std::ranges::find_if((*analysis)->layers, [](const auto& l) { return l.name == "fc"; });
        QVERIFY(fc != (*analysis)->layers.end());
        QCOMPARE(fc->outputShapes, std::vector<std::string> { "[1,10]" });
        QVERIFY(std::ranges::none_of(
            diagnostics, [](const auto& d) { return d.message.find("shape inference stopped") != std::string::npos; }));
    }

    // Weights holding NaN and infinities (found by fuzz_slim: int8 cast NaN to an integer, which is undefined): the
    // ranges come from the finite values, NaN is stored as the zero point, an infinity as the extreme level, the
    // step says so and the error stays a number.
    // The analysis names them: a high finding, first, with the count the model was built with.
    void nonFiniteWeightsAreAFinding()
    {
        const auto file = nonFiniteModel();
        QVERIFY(file.has_value());
        const auto analysis = an::analyze(*file);
        QVERIFY(analysis.has_value());
        const auto& findings = (*analysis)->findings;
        QVERIFY(!findings.empty());
        QCOMPARE(findings.front().kind, an::FindingKind::NonFiniteWeights);
        QCOMPARE(findings.front().severity, an::Severity::High);
        QCOMPARE(findings.front().tensors, std::vector<std::string> { "W2" });
        QVERIFY2(findings.front().message.starts_with("2 values in 1 weight tensor(s) are NaN or infinite"),
            findings.front().message.c_str());
        QCOMPARE(an::findingKindName(findings.front().kind), std::string_view("non_finite_weights"));
    }

    void nonFiniteWeightsQuantizeToInt8()
    {
        const auto file = nonFiniteModel();
        QVERIFY(file.has_value());
        slim::Step step { slim::QuantizeInt8Step {}, {}, true };
        const auto applied = slim::applyRecipe(*file, slim::Recipe { { step } });
        QVERIFY2(applied, applied ? "" : applied.error().message.c_str());
        QVERIFY(std::ranges::any_of(applied->preview.diagnostics,
            [](const auto& d) { return d.subject == "W2" && d.message.starts_with("2 values are NaN or infinite"); }));
        for (const auto& change : applied->preview.tensors)
            if (change.name == "W2")
                QVERIFY2(std::isfinite(change.sqnrDb) && change.sqnrDb > 30.0, std::to_string(change.sqnrDb).c_str());
        const auto bytes = slim::serializeToString(*applied->model);
        QVERIFY(bytes.has_value());
        onnx::ModelProto written;
        QVERIFY(written.ParseFromString(*bytes));
        bool found = false;
        for (const auto& tensor : written.graph().initializer())
            if (tensor.name() == "W2_quantized") {
                found = true;
                QCOMPARE(tensor.data_type(), static_cast<int>(onnx::TensorProto::INT8));
                QCOMPARE(static_cast<int>(static_cast<std::int8_t>(tensor.raw_data()[0])), 0); // NaN: zero point
                QCOMPARE(static_cast<int>(static_cast<std::int8_t>(tensor.raw_data()[1])), 127); // +inf: highest
            }
        QVERIFY(found);
    }

    // Every step type on the model with NaN and an infinity: it applies (or refuses with a message; int8-static
    // needs ONNX Runtime's calibration), and no error it measures is NaN (found by fuzz_slim: NaN reached integer
    // conversions and sorts).
    void nonFiniteWeightsEveryStep_data()
    {
        QTest::addColumn<QString>("type");
        for (const slim::StepType* type : slim::stepTypes())
            QTest::newRow(std::string(type->name()).c_str()) << QString::fromUtf8(type->name());
    }

    void nonFiniteWeightsEveryStep()
    {
        QFETCH(QString, type);
        const auto file = nonFiniteModel();
        QVERIFY(file.has_value());
        slim::Step step { slim::findStepType(type.toStdString())->defaults(), {}, true };
        step.scope.minElements = 16;
        const auto applied = slim::applyRecipe(*file, slim::Recipe { { step } });
        if (!applied) {
            QVERIFY2(
                !applied.error().message.empty() && type == u"quantize:int8-static", applied.error().message.c_str());
            return;
        }
        if (type == u"low_rank") // Eigen's SVD reads out of bounds on NaN: the weight is left as it is
            QVERIFY(std::ranges::any_of(applied->preview.diagnostics, [](const auto& d) {
                return d.subject == "W2" && d.message.starts_with("holds NaN or infinite values: not factored");
            }));
        for (const auto& change : applied->preview.tensors) {
            QVERIFY2(!std::isnan(change.sqnrDb), change.name.c_str());
            QVERIFY2(!std::isnan(change.relativeL2), change.name.c_str());
        }
        QVERIFY(slim::serializeToString(*applied->model).has_value());
    }

    // int8 on an opset-9 model whose graph output no node computes: ONNX's version converter dies of SIGSEGV on such a
    // model (python3-onnx's convert_version too; found by fuzz_slim), so the upgrade is refused with the reason and the
    // values are stored through a Cast instead.
    void opsetUpgradeOfAGraphWithAnUndefinedOutput()
    {
        fx::ModelBuilder builder = fx::opset9MatMul();
        for (auto& node : *builder.graph().mutable_node())
            node.set_output(0, "computed_by_matmul"); // the graph output y is now computed by nothing
        const auto path = m_dir.filePath(QStringLiteral("undefined_output.onnx")).toStdString();
        QVERIFY(builder.save(path).has_value());
        const auto file = md::ModelFile::load(path);
        QVERIFY(file.has_value());
        slim::Step step { slim::QuantizeInt8Step {}, {}, true };
        step.scope.minElements = 16;
        const auto applied = slim::applyRecipe(*file, slim::Recipe { { step } });
        QVERIFY2(applied, applied ? "" : applied.error().message.c_str());
        QVERIFY(std::ranges::any_of(applied->preview.diagnostics, [](const auto& d) {
            return d.message.find("cannot take the model to opset 13: graph output 'y' is computed by no node")
                != std::string::npos;
        }));
    }

    void jsonNumbersBeyondADouble()
    {
        const auto recipe
            = slim::parseRecipe(R"({"schema": "slimscope.recipe/1", "steps": [{"kind": "prune", "sparsity": 1e999}]})");
        QVERIFY(!recipe);
        QVERIFY2(recipe.error().message.find("number overflow parsing '1e999'") != std::string::npos,
            recipe.error().message.c_str());
        const auto budget = slimscope::core::check::parseBudget(
            R"({"schema": "slimscope.budget/1", "max_params": -6e616})", "b.json");
        QVERIFY(!budget);
        QVERIFY2(budget.error().message.starts_with("b.json: number overflow parsing '-6e616'"),
            budget.error().message.c_str());
    }

    void recipesNameWhatTheModelHas_data()
    {
        QTest::addColumn<int>("kind");
        QTest::addColumn<QString>("message");
        QTest::newRow("include") << 0 << "include pattern '^no_such$' matches no weight or node name";
        QTest::newRow("tensors") << 1 << "scope: tensors 'W9', 'W8' are not weights of the model";
        QTest::newRow("fp16 keep") << 2 << "keep names 'nope', which are not weights of the model";
        QTest::newRow("int8-static exclude_nodes") << 3 << "exclude_nodes names 'ghost', which are not nodes";
    }

    void recipesNameWhatTheModelHas()
    {
        QFETCH(int, kind);
        QFETCH(QString, message);
        const auto path = m_dir.filePath(QStringLiteral("chain.onnx")).toStdString();
        QVERIFY(fx::linearChain().builder.save(path).has_value());
        const auto file = md::ModelFile::load(path);
        QVERIFY(file.has_value());
        slim::Step step { slim::PruneStep { 0.5, slim::PruneStep::Mode::Layer }, {}, true };
        if (kind == 0)
            step.scope.include = { "^no_such$" };
        else if (kind == 1)
            step.scope.tensors = { "W1", "W9", "W8" };
        else if (kind == 2)
            step.params = slim::QuantizeFp16Step { { "W1", "nope" } };
        else {
            slim::QuantizeInt8StaticStep statics;
            statics.excludeNodes = { "gemm", "ghost" };
            step.params = statics;
        }
        const auto applied = slim::applyRecipe(*file, slim::Recipe { { step } });
        QVERIFY(!applied);
        QVERIFY2(
            applied.error().message.find(message.toStdString()) != std::string::npos, applied.error().message.c_str());
        QVERIFY2(applied.error().message.find("step 1") != std::string::npos, applied.error().message.c_str());
        // The same recipe with names the model has is fine.
        if (kind == 1) {
            step.scope.tensors = { "W1" };
            QVERIFY(slim::applyRecipe(*file, slim::Recipe { { step } }).has_value());
        }
    }
};

QTEST_GUILESS_MAIN(TestHostile)
#include "tst_hostile.moc"
