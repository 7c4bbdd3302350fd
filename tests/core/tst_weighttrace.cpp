// The weight tracer (core/model/weighttrace.h) on graphs built here the way exporters store weights: a Constant
// node in an If branch cut by Slice into LSTM gates, a flat weight reshaped into a Conv kernel, a transposed
// MatMul weight, a weight shared by three readers, a Gather of constant rows, Unsqueeze with axes as an input
// (opset 13), Split into two Gemms, and readers that disagree. The expected consumers and axes are written
// here from the ONNX operator definitions.
#include "model/weighttrace.h"
#include "modelbuilder.h"
#include "slimtestsupport.h"

#include <QTemporaryDir>
#include <QTest>

namespace fx = slimscope::fixtures;
using namespace slimscope::core::model;

namespace {

std::vector<TraceGraph> graphsOf(const onnx::ModelProto& model)
{
    std::vector<TraceGraph> graphs { { &model.graph(), -1 } };
    for (std::size_t g = 0; g < graphs.size(); ++g)
        for (const auto& node : graphs[g].graph->node())
            for (const auto& attribute : node.attribute())
                if (attribute.has_g())
                    graphs.push_back({ &attribute.g(), static_cast<int>(g) });
    return graphs;
}

std::vector<float> zeros(std::size_t count)
{
    return std::vector<float>(count, 0.5f);
}

QString describe(const std::vector<TracedUse>& uses)
{
    QStringList parts;
    for (const auto& use : uses)
        parts << QStringLiteral("%1[%2] axis %3%4")
                     .arg(QString::fromStdString(use.node->op_type()))
                     .arg(use.input)
                     .arg(use.weightAxis ? QString::number(*use.weightAxis) : QStringLiteral("-"))
                     .arg(use.whole ? QString() : QStringLiteral(" (part)"));
    return parts.join(QStringLiteral(", "));
}

} // namespace

class TestWeightTrace : public QObject {
    Q_OBJECT

private slots:
    // silero-style: W [1, 4*16, 8] held by a Constant node inside an If branch, Slice'd, read by LSTM input 1.
    void constantInIfBranchThroughSliceIntoLstm()
    {
        fx::ModelBuilder b(13, 8);
        b.addInput("x", onnx::TensorProto::FLOAT, { 2, 1, 8 });
        b.addInput("cond", onnx::TensorProto::BOOL, {});
        auto& branch = b.addNode("If", { "cond" }, { "y" }, "if");
        onnx::GraphProto& then = fx::ModelBuilder::addAttrGraph(branch, "then_branch", "then");
        b.addConstantNode(then, "W", fx::ModelBuilder::makeFloatTensor("W", { 1, 64, 8 }, zeros(64 * 8)));
        b.addConstantIntsNode(then, "starts", { 0 });
        b.addConstantIntsNode(then, "ends", { 32 });
        b.addConstantIntsNode(then, "axes", { 1 });
        b.addNode(then, "Slice", { "W", "starts", "ends", "axes" }, { "W_gates" }, "slice");
        b.addNode(then, "LSTM", { "x", "W_gates", "R" }, { "y_then" }, "lstm");
        const WeightTracer tracer(graphsOf(b.model()));
        const auto uses = tracer.trace("W", { 1, 64, 8 });
        QCOMPARE(uses.size(), std::size_t { 1 });
        QCOMPARE(uses[0].node->op_type(), std::string("LSTM"));
        QCOMPARE(uses[0].input, 1);
        QCOMPARE(uses[0].graph, 1);
        QCOMPARE(uses[0].weightAxis, std::optional<int>(1)); // LSTM W: [num_directions, 4*hidden, input]
        QVERIFY(!uses[0].whole);
        QCOMPARE(uses[0].path.size(), std::size_t { 1 });
        QCOMPARE(tracer.agreedChannelAxis("W", { 1, 64, 8 }), 1);
    }

    // paddle2onnx style: a flat [64, 27] weight reshaped to [64, 3, 3, 3] for a Conv (axis 0 survives), and
    // one reshaped to [27, 64] for nothing with channels (the axis does not survive the merge).
    void reshapeKeepsOrLosesTheAxis()
    {
        fx::ModelBuilder b(13, 8);
        b.addInput("image", onnx::TensorProto::FLOAT, { 1, 3, 8, 8 });
        b.addFloatInitializer("flat", { 64, 27 }, zeros(64 * 27));
        b.addConstantIntsNode(b.graph(), "kernel_shape", { 64, 3, 3, 3 });
        b.addNode("Reshape", { "flat", "kernel_shape" }, { "kernel" }, "reshape");
        b.addNode("Conv", { "image", "kernel" }, { "features" }, "conv");
        b.addFloatInitializer("merged", { 8, 4, 2 }, zeros(64));
        b.addConstantIntsNode(b.graph(), "to_2d", { 4, -1 });
        b.addNode("Reshape", { "merged", "to_2d" }, { "merged_2d" }, "reshape2");
        b.addNode("MatMul", { "features", "merged_2d" }, { "out" }, "matmul");
        const WeightTracer tracer(graphsOf(b.model()));
        const auto conv = tracer.trace("flat", { 64, 27 });
        QVERIFY2(conv.size() == 1 && conv[0].node->op_type() == "Conv", qPrintable(describe(conv)));
        QCOMPARE(conv[0].weightAxis, std::optional<int>(0));
        QVERIFY(conv[0].whole);
        // [8, 4, 2] -> [4, 16]: MatMul's channel axis is the last (16 = 8 * 2 merged): no single weight axis.
        const auto matmul = tracer.trace("merged", { 8, 4, 2 });
        QVERIFY2(matmul.size() == 1 && matmul[0].node->op_type() == "MatMul", qPrintable(describe(matmul)));
        QCOMPARE(matmul[0].weightAxis, std::optional<int>());
    }

    // A MatMul weight stored transposed: [out, in] -> Transpose -> [in, out]; MatMul's channels (last axis)
    // are the stored axis 0.
    void transposeMapsTheAxis()
    {
        fx::ModelBuilder b(13, 8);
        b.addInput("x", onnx::TensorProto::FLOAT, { 1, 16 });
        b.addFloatInitializer("w", { 32, 16 }, zeros(32 * 16));
        fx::ModelBuilder::addAttrInts(b.addNode("Transpose", { "w" }, { "w_t" }, "t"), "perm", { 1, 0 });
        b.addNode("MatMul", { "x", "w_t" }, { "y" }, "mm");
        const WeightTracer tracer(graphsOf(b.model()));
        QCOMPARE(tracer.agreedChannelAxis("w", { 32, 16 }), 0);
    }

    // One Conv weight read directly, through Identity and through Cast: three consumers that agree.
    void sharedByThreeReaders()
    {
        fx::ModelBuilder b(13, 8);
        b.addInput("image", onnx::TensorProto::FLOAT, { 1, 3, 8, 8 });
        b.addFloatInitializer("k", { 8, 3, 3, 3 }, zeros(8 * 27));
        b.addNode("Conv", { "image", "k" }, { "a" }, "conv_a");
        b.addNode("Identity", { "k" }, { "k_alias" }, "alias");
        b.addNode("Conv", { "image", "k_alias" }, { "b" }, "conv_b");
        fx::ModelBuilder::addAttrInt(b.addNode("Cast", { "k" }, { "k_cast" }, "cast"), "to", onnx::TensorProto::FLOAT);
        b.addNode("Conv", { "image", "k_cast" }, { "c" }, "conv_c");
        const WeightTracer tracer(graphsOf(b.model()));
        const auto uses = tracer.trace("k", { 8, 3, 3, 3 });
        QCOMPARE(uses.size(), std::size_t { 3 });
        for (const auto& use : uses) {
            QCOMPARE(use.node->op_type(), std::string("Conv"));
            QCOMPARE(use.weightAxis, std::optional<int>(0));
        }
        QCOMPARE(tracer.agreedChannelAxis("k", { 8, 3, 3, 3 }), 0);
    }

    // Gather with constant indices only moves rows: [10, 4, 6] gathered on axis 1 with indices [2] (rank 1)
    // keeps rank 3; a later MatMul's last axis is the stored axis 2. Gather with indices from the graph is an
    // embedding lookup: a consumer itself (axis 0).
    void gatherOfConstantIndicesPassesThrough()
    {
        fx::ModelBuilder b(13, 8);
        b.addInput("x", onnx::TensorProto::FLOAT, { 10, 3, 2 });
        b.addInput("ids", onnx::TensorProto::INT64, { 5 });
        b.addFloatInitializer("table", { 10, 4, 6 }, zeros(240));
        b.addConstantIntsNode(b.graph(), "rows", { 0, 3 });
        fx::ModelBuilder::addAttrInt(b.addNode("Gather", { "table", "rows" }, { "picked" }, "pick"), "axis", 1);
        b.addNode("MatMul", { "x", "picked" }, { "y" }, "mm");
        b.addNode("Gather", { "table", "ids" }, { "embedded" }, "embed");
        const WeightTracer tracer(graphsOf(b.model()));
        const auto uses = tracer.trace("table", { 10, 4, 6 });
        QVERIFY2(uses.size() == 2, qPrintable(describe(uses)));
        const auto& matmul = uses[0].node->op_type() == "MatMul" ? uses[0] : uses[1];
        const auto& embed = uses[0].node->op_type() == "MatMul" ? uses[1] : uses[0];
        QCOMPARE(matmul.weightAxis, std::optional<int>(2));
        QVERIFY(!matmul.whole);
        QCOMPARE(embed.node->op_type(), std::string("Gather"));
        QCOMPARE(embed.weightAxis, std::optional<int>(0));
        QCOMPARE(tracer.agreedChannelAxis("table", { 10, 4, 6 }), -1); // axis 2 and axis 0 disagree
    }

    // Opset 13 Unsqueeze takes its axes as an input; Squeeze without axes drops the dims of size 1.
    void unsqueezeAndSqueezeShiftAxes()
    {
        fx::ModelBuilder b(13, 8);
        b.addInput("image", onnx::TensorProto::FLOAT, { 1, 3, 8, 8 });
        b.addFloatInitializer("k3", { 8, 3, 3 }, zeros(72));
        b.addConstantIntsNode(b.graph(), "axis3", { 3 });
        b.addNode("Unsqueeze", { "k3", "axis3" }, { "k4" }, "unsq");
        b.addNode("Conv", { "image", "k4" }, { "a" }, "conv");
        b.addFloatInitializer("w", { 1, 16, 32 }, zeros(512));
        b.addNode("Squeeze", { "w" }, { "w2" }, "sq");
        fx::ModelBuilder::addAttrInt(b.addNode("Gemm", { "x", "w2" }, { "g" }, "gemm"), "transB", 1);
        const WeightTracer tracer(graphsOf(b.model()));
        QCOMPARE(tracer.agreedChannelAxis("k3", { 8, 3, 3 }), 0);
        QCOMPARE(tracer.agreedChannelAxis("w", { 1, 16, 32 }), 1); // Gemm transB: axis 0 of [16, 32]
    }

    // Split along the input axis into two Gemm weights (transB: channels are axis 0 of each part).
    void splitFeedsTwoConsumers()
    {
        fx::ModelBuilder b(13, 8);
        b.addFloatInitializer("both", { 16, 64 }, zeros(1024));
        b.addConstantIntsNode(b.graph(), "halves", { 32, 32 });
        fx::ModelBuilder::addAttrInt(b.addNode("Split", { "both", "halves" }, { "left", "right" }, "split"), "axis", 1);
        fx::ModelBuilder::addAttrInt(b.addNode("Gemm", { "x", "left" }, { "a" }, "ga"), "transB", 1);
        fx::ModelBuilder::addAttrInt(b.addNode("Gemm", { "x", "right" }, { "b" }, "gb"), "transB", 1);
        const WeightTracer tracer(graphsOf(b.model()));
        const auto uses = tracer.trace("both", { 16, 64 });
        QCOMPARE(uses.size(), std::size_t { 2 });
        QVERIFY(!uses[0].whole && !uses[1].whole);
        QCOMPARE(tracer.agreedChannelAxis("both", { 16, 64 }), 0);
    }

    // int8 per channel quantizes along the traced axis (a transposed MatMul weight, a Conv kernel stored flat)
    // and ONNX Runtime runs the result close to the original.
    void int8FollowsTheTrace()
    {
        fx::ModelBuilder b(13, 8);
        fx::Lcg rng(11);
        b.addInput("x", onnx::TensorProto::FLOAT, { 1, 16 });
        b.addInput("image", onnx::TensorProto::FLOAT, { 1, 3, 8, 8 });
        b.addFloatInitializer("w", { 32, 16 }, fx::randomFloats(rng, 32 * 16, 0.25f));
        fx::ModelBuilder::addAttrInts(b.addNode("Transpose", { "w" }, { "w_t" }, "t"), "perm", { 1, 0 });
        b.addNode("MatMul", { "x", "w_t" }, { "y" }, "mm");
        b.addFloatInitializer("flat", { 8, 27 }, fx::randomFloats(rng, 8 * 27, 0.25f));
        const std::vector<std::int64_t> kernelShape { 8, 3, 3, 3 };
        b.addInitializer("kernel_shape", onnx::TensorProto::INT64, { 4 }, std::as_bytes(std::span(kernelShape)));
        b.addNode("Reshape", { "flat", "kernel_shape" }, { "kernel" }, "reshape");
        b.addNode("Conv", { "image", "kernel" }, { "z" }, "conv");
        b.addOutput("y", onnx::TensorProto::FLOAT, { 1, 32 });
        b.addOutput("z", onnx::TensorProto::FLOAT, { 1, 8, 6, 6 });
        using namespace slimtest;
        QTemporaryDir dir;
        const slimtest::fs::path in = slimtest::fs::path(dir.path().toStdString()) / "traced.onnx";
        const slimtest::fs::path out = slimtest::fs::path(dir.path().toStdString()) / "int8.onnx";
        QVERIFY(b.save(in).has_value());
        TRY_SLIM(s, in,
            slimtest::single(slimscope::core::slim::QuantizeInt8Step { true, true }, slimtest::scopeWithMin(0)), out);
        const auto written = slimtest::readProto(out);
        QVERIFY(written);
        for (const auto& [weight, channels] : { std::pair { "w", 32 }, std::pair { "flat", 8 } }) {
            const auto* dq = slimtest::findProducer(written->graph(), weight);
            QVERIFY2(dq && dq->op_type() == "DequantizeLinear", weight);
            QVERIFY2(slimtest::intAttribute(*dq, "axis") == std::optional<std::int64_t>(0), weight);
            QCOMPARE(slimtest::findInitializer(written->graph(), dq->input(1))->dims(0), std::int64_t(channels));
        }
        REQUIRE_RUNTIME();
        const auto compared = slimtest::compareInRuntime(in, out);
        QVERIFY2(compared.has_value(), qPrintable(slimtest::errorOf(compared)));
        for (const auto& output : *compared)
            QVERIFY2(output.cosine >= 0.999, qPrintable(QString::number(output.cosine, 'g', 9)));
    }

    // The tracer asks its reader only for int64 and int32 tensors (shapes, axes, indices): a float weight's payload
    // is never read for it, which on a model whose weights are all outside the skeleton was a copy of every one.
    // Payload ints are decoded in raw_data layout (little-endian), int32 widened; a payload whose size does not
    // match the dims gives nothing.
    void readsOnlyIntegerTensors()
    {
        fx::ModelBuilder b(13, 8);
        b.addInput("image", onnx::TensorProto::FLOAT, { 1, 3, 8, 8 });
        b.addFloatInitializer("flat", { 64, 27 }, zeros(64 * 27));
        const std::vector<std::int32_t> shape32 { 64, 3, 3, 3 };
        b.addInitializer("kernel_shape", onnx::TensorProto::INT32, { 4 }, std::as_bytes(std::span(shape32)));
        b.addNode("Reshape", { "flat", "kernel_shape" }, { "kernel" }, "reshape");
        b.addNode("Conv", { "image", "kernel" }, { "features" }, "conv");
        std::vector<std::string> asked;
        const WeightTracer tracer(graphsOf(b.model()), [&](const onnx::TensorProto& tensor) {
            asked.push_back(tensor.name());
            return WeightTracer::intsInProto(tensor);
        });
        QCOMPARE(asked, std::vector<std::string> { "kernel_shape" });
        QCOMPARE(tracer.constantInts("kernel_shape"), (std::optional<std::vector<std::int64_t>> { { 64, 3, 3, 3 } }));
        QCOMPARE(tracer.trace("flat", { 64, 27 }).at(0).weightAxis, std::optional<int>(0));

        onnx::TensorProto skeleton; // what a skeleton keeps of a tensor: type and dims, no payload
        skeleton.set_data_type(onnx::TensorProto::INT32);
        skeleton.add_dims(2);
        const std::vector<std::int32_t> negative { -1, 7 };
        QCOMPARE(WeightTracer::intsInPayload(skeleton, std::as_bytes(std::span(negative))),
            (std::optional<std::vector<std::int64_t>> { { -1, 7 } }));
        QCOMPARE(WeightTracer::intsInPayload(skeleton, std::as_bytes(std::span(negative)).first(6)),
            std::optional<std::vector<std::int64_t>>());
        skeleton.set_data_type(onnx::TensorProto::FLOAT);
        QCOMPARE(WeightTracer::intsInPayload(skeleton, std::as_bytes(std::span(negative))),
            std::optional<std::vector<std::int64_t>>());
    }

    // A weight that leaves the graph or feeds only an Add has no channel axis.
    void noChannels()
    {
        fx::ModelBuilder b(13, 8);
        b.addFloatInitializer("bias", { 16 }, zeros(16));
        b.addNode("Add", { "x", "bias" }, { "y" }, "add");
        const WeightTracer tracer(graphsOf(b.model()));
        const auto uses = tracer.trace("bias", { 16 });
        QCOMPARE(uses.size(), std::size_t { 1 });
        QCOMPARE(uses[0].weightAxis, std::optional<int>());
        QCOMPARE(tracer.agreedChannelAxis("bias", { 16 }), -1);
        QCOMPARE(tracer.trace("unknown", {}).size(), std::size_t { 0 });
    }
};

QTEST_GUILESS_MAIN(TestWeightTrace)
#include "tst_weighttrace.moc"
