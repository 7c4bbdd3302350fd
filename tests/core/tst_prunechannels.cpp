// prune_channels on models built for it: the dims every member ends with and the params they add up to are
// computed here from the fixtures' own sizes; ONNX Runtime runs every result with the outputs' shapes kept; a
// group that reaches an op it cannot follow is left alone and says why; channels with all-zero weights after a
// Relu are removed without changing the outputs; a Concat keeps each group's channels at their offsets.
#include "analysis/analysis.h"
#include "modelbuilder.h"
#include "slim/stepregistry.h"
#include "slim/steps/prunechannels.h"
#include "slimtestsupport.h"

#include <QTemporaryDir>
#include <QTest>

using namespace slimtest;

namespace {

// Conv `name` with weight [out, in / group, k, k] and bias [out], pads k / 2.
void addConv(fx::ModelBuilder& b, fx::Lcg& rng, const std::string& name, const std::string& input,
    const std::string& output, std::int64_t in, std::int64_t out, std::int64_t k, std::int64_t group = 1,
    std::vector<float> weights = {})
{
    const auto count = static_cast<std::size_t>(out * (in / group) * k * k);
    if (weights.empty())
        weights = fx::randomFloats(rng, count, 0.3f);
    b.addFloatInitializer(name + ".weight", { out, in / group, k, k }, weights);
    b.addFloatInitializer(name + ".bias", { out }, fx::randomFloats(rng, static_cast<std::size_t>(out), 0.1f));
    auto& conv = b.addNode("Conv", { input, name + ".weight", name + ".bias" }, { output }, name);
    fx::ModelBuilder::addAttrInts(conv, "kernel_shape", { k, k });
    fx::ModelBuilder::addAttrInts(conv, "pads", { k / 2, k / 2, k / 2, k / 2 });
    if (group > 1)
        fx::ModelBuilder::addAttrInt(conv, "group", group);
}

void addBatchNorm(fx::ModelBuilder& b, fx::Lcg& rng, const std::string& name, const std::string& input,
    const std::string& output, std::int64_t channels)
{
    const auto n = static_cast<std::size_t>(channels);
    std::vector<float> var = fx::randomFloats(rng, n, 0.2f);
    for (float& v : var)
        v = 1.0f + std::fabs(v);
    b.addFloatInitializer(name + ".scale", { channels }, fx::randomFloats(rng, n, 0.5f));
    b.addFloatInitializer(name + ".shift", { channels }, fx::randomFloats(rng, n, 0.1f));
    b.addFloatInitializer(name + ".mean", { channels }, fx::randomFloats(rng, n, 0.1f));
    b.addFloatInitializer(name + ".var", { channels }, var);
    b.addNode("BatchNormalization", { input, name + ".scale", name + ".shift", name + ".mean", name + ".var" },
        { output }, name);
}

// x[1,3,16,16] -> stem (Conv 3->16, BN, Relu) -> dw (depthwise 16, Relu) -> block: a (Conv 16->16, Relu) and
// b (Conv 16->16), Add(a, stem path) residual -> se: GAP -> reduce (Conv 16->4, Relu) -> expand (Conv 4->16,
// Sigmoid) -> Mul with the block -> MaxPool -> head (Conv 16->24, Relu) -> GAP -> Flatten -> fc (Gemm 24->10,
// transB) -> y[1,10].
fx::ModelBuilder channelNet()
{
    fx::ModelBuilder b(13, 8);
    fx::Lcg rng(61);
    b.addInput("x", onnx::TensorProto::FLOAT, { 1, 3, 16, 16 });
    addConv(b, rng, "stem", "x", "stem_conv", 3, 16, 3);
    addBatchNorm(b, rng, "stem_bn", "stem_conv", "stem_norm", 16);
    b.addNode("Relu", { "stem_norm" }, { "stem_out" }, "stem_relu");
    addConv(b, rng, "dw", "stem_out", "dw_conv", 16, 16, 3, 16);
    b.addNode("Relu", { "dw_conv" }, { "dw_out" }, "dw_relu");
    addConv(b, rng, "a", "dw_out", "a_conv", 16, 16, 3);
    b.addNode("Relu", { "a_conv" }, { "a_out" }, "a_relu");
    addConv(b, rng, "b", "a_out", "b_conv", 16, 16, 1);
    b.addNode("Add", { "b_conv", "dw_out" }, { "block_out" }, "residual");
    b.addNode("GlobalAveragePool", { "block_out" }, { "se_pool" }, "se_gap");
    addConv(b, rng, "reduce", "se_pool", "reduce_conv", 16, 4, 1);
    b.addNode("Relu", { "reduce_conv" }, { "reduce_out" }, "reduce_relu");
    addConv(b, rng, "expand", "reduce_out", "expand_conv", 4, 16, 1);
    b.addNode("Sigmoid", { "expand_conv" }, { "gate" }, "se_sigmoid");
    b.addNode("Mul", { "block_out", "gate" }, { "se_out" }, "se_mul");
    auto& pool = b.addNode("MaxPool", { "se_out" }, { "pooled" }, "pool");
    fx::ModelBuilder::addAttrInts(pool, "kernel_shape", { 2, 2 });
    fx::ModelBuilder::addAttrInts(pool, "strides", { 2, 2 });
    addConv(b, rng, "head", "pooled", "head_conv", 16, 24, 3);
    b.addNode("Relu", { "head_conv" }, { "head_out" }, "head_relu");
    b.addNode("GlobalAveragePool", { "head_out" }, { "gap" }, "gap");
    fx::ModelBuilder::addAttrInt(b.addNode("Flatten", { "gap" }, { "features" }, "flatten"), "axis", 1);
    b.addFloatInitializer("fc.weight", { 10, 24 }, fx::randomFloats(rng, 240, 0.3f));
    b.addFloatInitializer("fc.bias", { 10 }, fx::randomFloats(rng, 10, 0.1f));
    fx::ModelBuilder::addAttrInt(b.addNode("Gemm", { "features", "fc.weight", "fc.bias" }, { "y" }, "fc"), "transB", 1);
    b.addOutput("y", onnx::TensorProto::FLOAT, { 1, 10 });
    return b;
}

std::vector<std::int64_t> dimsOf(const onnx::GraphProto& graph, const std::string& name)
{
    const auto* tensor = findInitializer(graph, name);
    return tensor ? std::vector<std::int64_t>(tensor->dims().begin(), tensor->dims().end())
                  : std::vector<std::int64_t> {};
}

void addInts(fx::ModelBuilder& b, const std::string& name, const std::vector<std::int64_t>& values)
{
    b.addInitializer(
        name, onnx::TensorProto::INT64, { static_cast<std::int64_t>(values.size()) }, std::as_bytes(std::span(values)));
}

using Dims = std::vector<std::int64_t>;

} // namespace

class TestPruneChannels : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;

    fs::path path(const std::string& name) const { return fs::path(m_dir.path().toStdString()) / name; }

private slots:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    // Half of every group's channels go: the stem with its BN, the depthwise conv and the residual block are one
    // group (the Add couples b with the stem path, the SE gate's Mul couples expand with them); a, reduce and
    // head are groups of their own; fc's outputs reach the graph output and stay.
    void everyMemberLosesTheSameChannels()
    {
        QVERIFY(channelNet().save(path("net.onnx")).has_value());
        slim::PruneChannelsStep step;
        step.fraction = 0.5;
        TRY_SLIM(s, path("net.onnx"), single(step, scopeWithMin(0)), path("net-half.onnx"));
        const auto written = readProto(path("net-half.onnx"));
        QVERIFY(written);
        const auto& g = written->graph();
        // The coupled group: 16 -> 8 everywhere it lives.
        QCOMPARE(dimsOf(g, "stem.weight"), (Dims { 8, 3, 3, 3 }));
        QCOMPARE(dimsOf(g, "stem.bias"), (Dims { 8 }));
        for (const char* norm : { "stem_bn.scale", "stem_bn.shift", "stem_bn.mean", "stem_bn.var" })
            QCOMPARE(dimsOf(g, norm), (Dims { 8 }));
        QCOMPARE(dimsOf(g, "dw.weight"), (Dims { 8, 1, 3, 3 }));
        QCOMPARE(dimsOf(g, "b.weight"), (Dims { 8, 8, 1, 1 })); // out: the coupled group; in: a's group
        QCOMPARE(dimsOf(g, "expand.weight"), (Dims { 8, 2, 1, 1 })); // out: coupled; in: reduce's group
        QCOMPARE(dimsOf(g, "reduce.weight"), (Dims { 2, 8, 1, 1 }));
        QCOMPARE(dimsOf(g, "a.weight"), (Dims { 8, 8, 3, 3 }));
        QCOMPARE(dimsOf(g, "head.weight"), (Dims { 12, 8, 3, 3 }));
        QCOMPARE(dimsOf(g, "fc.weight"), (Dims { 10, 12 }));
        QCOMPARE(dimsOf(g, "fc.bias"), (Dims { 10 }));
        for (const auto& node : g.node())
            if (node.name() == "dw")
                QCOMPARE(intAttribute(node, "group"), std::optional<std::int64_t>(8));
        // Params after, from the dims above: weights + biases (+ 4 BN vectors).
        const std::uint64_t params = (8 * 27 + 8) + 4 * 8 + (8 * 9 + 8) + (8 * 8 * 9 + 8) + (8 * 8 + 8) + (2 * 8 + 2)
            + (8 * 2 + 8) + (12 * 8 * 9 + 12) + (10 * 12 + 10);
        QCOMPARE(s->result.preview.paramsAfter, params);
        // MACs after, from the same dims and the 16×16 input (8×8 after the pool): out × in/group × k² × H × W.
        const std::uint64_t macs = 8 * 3 * 9 * 256 + 8 * 1 * 9 * 256 + 8 * 8 * 9 * 256 + 8 * 8 * 256 + 2 * 8 + 8 * 2
            + 12 * 8 * 9 * 64 + 12 * 10;
        QCOMPARE(s->result.preview.macsAfter, macs);
        QCOMPARE(s->result.preview.macsBefore,
            std::uint64_t(16 * 3 * 9 * 256 + 16 * 9 * 256 + 16 * 16 * 9 * 256 + 16 * 16 * 256 + 4 * 16 + 16 * 4
                + 24 * 16 * 9 * 64 + 24 * 10));
        const auto stemRow
            = std::ranges::find(s->result.preview.tensors, std::string("stem.weight"), &slim::TensorChange::name);
        QVERIFY(stemRow != s->result.preview.tensors.end() && stemRow->channelGroup >= 0);
        QCOMPARE(stemRow->channelsBefore, std::int64_t(16));
        QCOMPARE(stemRow->channelsAfter, std::int64_t(8));
        const auto& group = s->result.preview.channelGroups.at(static_cast<std::size_t>(stemRow->channelGroup));
        QCOMPARE(group.producers.size(), std::size_t(3)); // stem, b and expand: one group
        QVERIFY(group.frozenReason.empty());
        QCOMPARE(s->exported.fileBytes, s->result.preview.predictedFileBytes);
        const auto analysis = slimscope::core::analysis::analyzeFile(path("net-half.onnx").string());
        QVERIFY(analysis.has_value());
        QCOMPARE((*analysis)->model.params, params);
        QVERIFY2((*analysis)->diagnostics.empty()
                || std::ranges::none_of(
                    (*analysis)->diagnostics, [](const auto& d) { return d.message.contains("shape inference"); }),
            "shape inference disagrees with the pruned model");
        REQUIRE_RUNTIME();
        const auto compared = compareInRuntime(path("net.onnx"), path("net-half.onnx"));
        QVERIFY2(compared.has_value(), qPrintable(errorOf(compared)));
        QCOMPARE(compared->size(), std::size_t(1));
    }

    // Channels whose weights and bias are all zero feed zeros through the Relu: removing exactly those keeps
    // every output (ranked last by their norm, they are the half that goes).
    void zeroChannelsGoWithoutChangingTheOutputs()
    {
        fx::ModelBuilder b(13, 8);
        fx::Lcg rng(67);
        b.addInput("x", onnx::TensorProto::FLOAT, { 1, 2, 8, 8 });
        std::vector<float> w = fx::randomFloats(rng, 8 * 2 * 9, 0.3f);
        for (const int dead : { 1, 2, 5, 6 })
            std::fill(w.begin() + dead * 18, w.begin() + (dead + 1) * 18, 0.0f);
        addConv(b, rng, "c1", "x", "c1_out", 2, 8, 3, 1, w);
        auto* bias = const_cast<onnx::TensorProto*>(findInitializer(b.graph(), "c1.bias"));
        QVERIFY(bias);
        std::vector<float> biases = fx::randomFloats(rng, 8, 0.1f);
        for (const int dead : { 1, 2, 5, 6 })
            biases[static_cast<std::size_t>(dead)] = 0.0f;
        bias->set_raw_data(biases.data(), biases.size() * 4);
        b.addNode("Relu", { "c1_out" }, { "r1" }, "relu1");
        addConv(b, rng, "c2", "r1", "y", 8, 4, 3);
        b.addOutput("y", onnx::TensorProto::FLOAT, { 1, 4, 8, 8 });
        QVERIFY(b.save(path("zeros.onnx")).has_value());
        slim::PruneChannelsStep step;
        step.fraction = 0.5;
        TRY_SLIM(s, path("zeros.onnx"), single(step, scopeWithMin(0)), path("zeros-pruned.onnx"));
        const auto written = readProto(path("zeros-pruned.onnx"));
        QVERIFY(written);
        QCOMPARE(dimsOf(written->graph(), "c2.weight"), (Dims { 4, 4, 3, 3 }));
        REQUIRE_RUNTIME();
        const auto compared = compareInRuntime(path("zeros.onnx"), path("zeros-pruned.onnx"));
        QVERIFY2(compared.has_value(), qPrintable(errorOf(compared)));
        QVERIFY2((*compared)[0].maxRelative < 1e-6, qPrintable(QString::number((*compared)[0].maxRelative)));
    }

    // Zero mode removes exactly the channels whose output is zero whatever the input: all-zero weights and bias,
    // through a BatchNorm that maps 0 to 0 on those channels. A zero-weight channel whose BN shift makes it a
    // non-zero constant stays, and the preview says why. Outputs are the same in ONNX Runtime.
    void zeroModeRemovesOnlyChannelsThatStayZero()
    {
        fx::ModelBuilder b(13, 8);
        fx::Lcg rng(79);
        b.addInput("x", onnx::TensorProto::FLOAT, { 1, 2, 8, 8 });
        std::vector<float> w = fx::randomFloats(rng, 8 * 2 * 9, 0.3f);
        for (const int dead : { 1, 3, 6 })
            std::fill(w.begin() + dead * 18, w.begin() + (dead + 1) * 18, 0.0f);
        addConv(b, rng, "c1", "x", "c1_out", 2, 8, 3, 1, w);
        std::vector<float> biases = fx::randomFloats(rng, 8, 0.1f);
        for (const int dead : { 1, 3, 6 })
            biases[static_cast<std::size_t>(dead)] = 0.0f;
        const_cast<onnx::TensorProto*>(findInitializer(b.graph(), "c1.bias"))->set_raw_data(biases.data(), 32);
        addBatchNorm(b, rng, "bn", "c1_out", "bn_out", 8);
        // BN(0) = shift - scale * mean / sqrt(var + eps): zero for channels 1 and 6 (mean 0, shift 0), not for 3.
        for (const char* name : { "bn.mean", "bn.shift" }) {
            auto* t = const_cast<onnx::TensorProto*>(findInitializer(b.graph(), name));
            std::vector<float> values = valuesOf<float>(*t);
            values[1] = values[6] = 0.0f;
            values[3] = 0.25f;
            t->set_raw_data(values.data(), values.size() * 4);
        }
        b.addNode("Relu", { "bn_out" }, { "r" }, "relu");
        addConv(b, rng, "c2", "r", "y", 8, 4, 3);
        b.addOutput("y", onnx::TensorProto::FLOAT, { 1, 4, 8, 8 });
        QVERIFY(b.save(path("zero-mode.onnx")).has_value());
        const auto parsed = slim::parseStepSpec("prune_channels:zero");
        QVERIFY(parsed.has_value());
        TRY_SLIM(s, path("zero-mode.onnx"), single(*parsed, scopeWithMin(0)), path("zero-mode-pruned.onnx"));
        const auto written = readProto(path("zero-mode-pruned.onnx"));
        QVERIFY(written);
        QCOMPARE(dimsOf(written->graph(), "c1.weight"), (Dims { 6, 2, 3, 3 }));
        QCOMPARE(dimsOf(written->graph(), "bn.mean"), (Dims { 6 }));
        QCOMPARE(dimsOf(written->graph(), "c2.weight"), (Dims { 4, 6, 3, 3 }));
        QString said;
        for (const auto& d : s->result.preview.diagnostics)
            said += QString::fromStdString(d.message);
        QVERIFY2(said.contains(QStringLiteral("1 channel(s) with all-zero weights stay")), qPrintable(said));
        REQUIRE_RUNTIME();
        const auto compared = compareInRuntime(path("zero-mode.onnx"), path("zero-mode-pruned.onnx"));
        QVERIFY2(compared.has_value(), qPrintable(errorOf(compared)));
        QVERIFY2((*compared)[0].maxRelative < 1e-6, qPrintable(QString::number((*compared)[0].maxRelative)));
    }

    // A transformer FFN, MatMul -> Add bias -> Relu -> MatMul on [batch, tokens, features]: the hidden width is
    // the group, the bias and the second weight's rows go with it.
    void feedForwardHiddenWidth()
    {
        fx::ModelBuilder b(13, 8);
        fx::Lcg rng(89);
        b.addInput("x", onnx::TensorProto::FLOAT, { 1, 4, 16 });
        b.addFloatInitializer("w1", { 16, 64 }, fx::randomFloats(rng, 16 * 64, 0.3f));
        b.addFloatInitializer("b1", { 64 }, fx::randomFloats(rng, 64, 0.1f));
        b.addFloatInitializer("w2", { 64, 16 }, fx::randomFloats(rng, 64 * 16, 0.3f));
        b.addNode("MatMul", { "x", "w1" }, { "h" }, "up");
        b.addNode("Add", { "h", "b1" }, { "hb" }, "up_bias");
        b.addNode("Relu", { "hb" }, { "a" }, "act");
        b.addNode("MatMul", { "a", "w2" }, { "y" }, "down");
        b.addOutput("y", onnx::TensorProto::FLOAT, { 1, 4, 16 });
        QVERIFY(b.save(path("ffn.onnx")).has_value());
        slim::PruneChannelsStep step;
        step.fraction = 0.5;
        TRY_SLIM(s, path("ffn.onnx"), single(step, scopeWithMin(0)), path("ffn-pruned.onnx"));
        const auto written = readProto(path("ffn-pruned.onnx"));
        QVERIFY(written);
        QCOMPARE(dimsOf(written->graph(), "w1"), (Dims { 16, 32 }));
        QCOMPARE(dimsOf(written->graph(), "b1"), (Dims { 32 }));
        QCOMPARE(dimsOf(written->graph(), "w2"), (Dims { 32, 16 }));
        QCOMPARE(s->result.preview.macsAfter, std::uint64_t(4 * 16 * 32 + 4 * 32 * 16));
        REQUIRE_RUNTIME();
        const auto compared = compareInRuntime(path("ffn.onnx"), path("ffn-pruned.onnx"));
        QVERIFY2(compared.has_value(), qPrintable(errorOf(compared)));
    }

    // x -> c1 (Conv 3->16, Relu) -> Pad (spatial) -> Split 6 | 10 along the channels: part 0 -> a (Conv 6->8)
    // -> Resize ×2.5 (spatial) -> head (Conv 8->5) -> y1; part 1 -> t (ConvTranspose 10->4, stride 2, Relu) ->
    // GlobalAveragePool -> Reshape [1, -1] -> fc (Gemm 4->3) -> y2. c1's group reaches a and t through the Split;
    // the channels kept are the strongest 8 by the L2 norm computed here, and the Split's sizes follow them.
    void splitPadResizeConvTransposeAndReshape()
    {
        fx::ModelBuilder b(13, 8);
        fx::Lcg rng(97);
        b.addInput("x", onnx::TensorProto::FLOAT, { 1, 3, 8, 8 });
        const std::vector<float> c1 = fx::randomFloats(rng, 16 * 27, 0.3f);
        addConv(b, rng, "c1", "x", "c1_conv", 3, 16, 3, 1, c1);
        b.addNode("Relu", { "c1_conv" }, { "c1_out" }, "c1_relu");
        addInts(b, "pads", { 0, 0, 1, 1, 0, 0, 1, 1 });
        b.addNode("Pad", { "c1_out", "pads" }, { "padded" }, "pad");
        addInts(b, "split_sizes", { 6, 10 });
        fx::ModelBuilder::addAttrInt(
            b.addNode("Split", { "padded", "split_sizes" }, { "s0", "s1" }, "split"), "axis", 1);
        b.addFloatInitializer("a.weight", { 8, 6, 3, 3 }, fx::randomFloats(rng, 8 * 6 * 9, 0.3f));
        b.addNode("Conv", { "s0", "a.weight" }, { "a_out" }, "a"); // no padding: 10x10 -> 8x8
        b.addFloatInitializer("scales", { 4 }, { 1.0f, 1.0f, 2.5f, 2.5f });
        b.addNode("Resize", { "a_out", "", "scales" }, { "up" }, "resize");
        addConv(b, rng, "head", "up", "y1", 8, 5, 1);
        b.addFloatInitializer("t.weight", { 10, 4, 2, 2 }, fx::randomFloats(rng, 10 * 4 * 4, 0.3f));
        b.addFloatInitializer("t.bias", { 4 }, fx::randomFloats(rng, 4, 0.1f));
        auto& t = b.addNode("ConvTranspose", { "s1", "t.weight", "t.bias" }, { "t_conv" }, "t");
        fx::ModelBuilder::addAttrInts(t, "kernel_shape", { 2, 2 });
        fx::ModelBuilder::addAttrInts(t, "strides", { 2, 2 });
        b.addNode("Relu", { "t_conv" }, { "t_out" }, "t_relu");
        b.addNode("GlobalAveragePool", { "t_out" }, { "gap" }, "gap");
        addInts(b, "flat", { 1, -1 });
        b.addNode("Reshape", { "gap", "flat" }, { "features" }, "reshape");
        b.addFloatInitializer("fc.weight", { 3, 4 }, fx::randomFloats(rng, 12, 0.3f));
        fx::ModelBuilder::addAttrInt(b.addNode("Gemm", { "features", "fc.weight" }, { "y2" }, "fc"), "transB", 1);
        b.addOutput("y1", onnx::TensorProto::FLOAT, { 1, 5, 20, 20 });
        b.addOutput("y2", onnx::TensorProto::FLOAT, { 1, 3 });
        QVERIFY(b.save(path("split.onnx")).has_value());

        // The oracle's ranking: c1's 16 output channels by the L2 norm of their 27 weights; the top 8 stay.
        std::vector<std::pair<double, int>> norms;
        for (int ch = 0; ch < 16; ++ch) {
            double sum = 0;
            for (int i = 0; i < 27; ++i)
                sum += double(c1[static_cast<std::size_t>(ch * 27 + i)]) * c1[static_cast<std::size_t>(ch * 27 + i)];
            norms.emplace_back(sum, ch);
        }
        std::ranges::sort(norms, std::greater {});
        std::int64_t part0 = 0;
        for (int i = 0; i < 8; ++i)
            part0 += norms[static_cast<std::size_t>(i)].second < 6 ? 1 : 0;
        QVERIFY2(part0 > 0 && part0 < 8, "the fixture's seed should leave channels in both parts");

        slim::PruneChannelsStep step;
        step.fraction = 0.5;
        TRY_SLIM(s, path("split.onnx"), single(step, scopeWithMin(0)), path("split-half.onnx"));
        const auto written = readProto(path("split-half.onnx"));
        QVERIFY(written);
        const auto& g = written->graph();
        QCOMPARE(dimsOf(g, "c1.weight"), (Dims { 8, 3, 3, 3 }));
        QCOMPARE(dimsOf(g, "a.weight"), (Dims { 4, part0, 3, 3 }));
        QCOMPARE(dimsOf(g, "t.weight"), (Dims { 8 - part0, 2, 2, 2 }));
        QCOMPARE(dimsOf(g, "t.bias"), (Dims { 2 }));
        QCOMPARE(dimsOf(g, "head.weight"), (Dims { 5, 4, 1, 1 }));
        QCOMPARE(dimsOf(g, "fc.weight"), (Dims { 3, 2 }));
        for (const auto& node : g.node())
            if (node.op_type() == "Split") {
                const auto* sizes = findInitializer(g, node.input(1));
                QVERIFY(sizes && sizes->raw_data().size() == 16);
                std::int64_t got[2];
                std::memcpy(got, sizes->raw_data().data(), 16);
                QCOMPARE(got[0], part0);
                QCOMPARE(got[1], 8 - part0);
            }
        // Weights and biases from the dims above, plus the constants the analysis counts too (pads 8, split
        // sizes 2, scales 4, the Reshape's shape 2).
        const std::uint64_t params
            = (8 * 27 + 8) + (4 * part0 * 9) + (5 * 4 + 5) + ((8 - part0) * 2 * 4 + 2) + 3 * 2 + 8 + 2 + 4 + 2;
        QCOMPARE(s->result.preview.paramsAfter, params);
        // MACs from the same dims: c1 on 8×8, a on 8×8 (10×10 padded, no padding of its own), head on 20×20, t's
        // input 10×10 spread over 2 outputs × 2×2, fc 2 -> 3. The Split's sizes and the Reshape's shape are
        // constants shape inference must read to get there.
        const std::uint64_t macs = 8 * 27 * 64 + 4 * part0 * 9 * 64 + 5 * 4 * 400 + (8 - part0) * 100 * 2 * 4 + 2 * 3;
        QCOMPARE(s->result.preview.macsAfter, macs);
        REQUIRE_RUNTIME();
        const auto compared = compareInRuntime(path("split.onnx"), path("split-half.onnx"));
        QVERIFY2(compared.has_value(), qPrintable(errorOf(compared)));
        QCOMPARE(compared->size(), std::size_t(2));
    }

    // A zero-weight channel with a non-zero bias is a constant after BN and HardSwish: a 1×1 Conv after it takes
    // that constant into its bias, so the channel goes and the outputs stay (to float rounding).
    void constantChannelsFoldIntoTheNextBias()
    {
        fx::ModelBuilder b(14, 8); // HardSwish is opset 14
        fx::Lcg rng(97);
        b.addInput("x", onnx::TensorProto::FLOAT, { 1, 2, 8, 8 });
        std::vector<float> w = fx::randomFloats(rng, 8 * 2 * 9, 0.3f);
        for (const int dead : { 2, 7 })
            std::fill(w.begin() + dead * 18, w.begin() + (dead + 1) * 18, 0.0f);
        addConv(b, rng, "c1", "x", "c1_out", 2, 8, 3, 1, w);
        addBatchNorm(b, rng, "bn", "c1_out", "bn_out", 8);
        b.addNode("HardSwish", { "bn_out" }, { "a" }, "act");
        addConv(b, rng, "c2", "a", "y", 8, 4, 1);
        b.addOutput("y", onnx::TensorProto::FLOAT, { 1, 4, 8, 8 });
        QVERIFY(b.save(path("fold.onnx")).has_value());
        slim::PruneChannelsStep step;
        step.zeroOnly = true;
        TRY_SLIM(s, path("fold.onnx"), single(step, scopeWithMin(0)), path("fold-pruned.onnx"));
        const auto written = readProto(path("fold-pruned.onnx"));
        QVERIFY(written);
        QCOMPARE(dimsOf(written->graph(), "c1.weight"), (Dims { 6, 2, 3, 3 }));
        QCOMPARE(dimsOf(written->graph(), "c2.weight"), (Dims { 4, 6, 1, 1 }));
        QString said;
        for (const auto& d : s->result.preview.diagnostics)
            said += QString::fromStdString(d.message);
        QVERIFY2(said.contains(QStringLiteral("2 channel(s) with all-zero weights and a constant output went")),
            qPrintable(said));
        REQUIRE_RUNTIME();
        const auto compared = compareInRuntime(path("fold.onnx"), path("fold-pruned.onnx"));
        QVERIFY2(compared.has_value(), qPrintable(errorOf(compared)));
        QVERIFY2((*compared)[0].maxRelative < 1e-5, qPrintable(QString::number((*compared)[0].maxRelative)));
    }

    // A ReduceMean over the spatial axes (keepdims 0) keeps the channels apart, as global pooling and Flatten do:
    // the Gemm after it loses the same input features.
    void spatialReduceMeanFeedsAGemm()
    {
        fx::ModelBuilder b(13, 8);
        fx::Lcg rng(101);
        b.addInput("x", onnx::TensorProto::FLOAT, { 1, 4, 8, 8 });
        addConv(b, rng, "c1", "x", "c1_out", 4, 8, 3);
        b.addNode("Relu", { "c1_out" }, { "r" }, "relu");
        auto& mean = b.addNode("ReduceMean", { "r" }, { "pooled" }, "mean");
        fx::ModelBuilder::addAttrInts(mean, "axes", { 2, 3 });
        fx::ModelBuilder::addAttrInt(mean, "keepdims", 0);
        b.addFloatInitializer("fc.weight", { 10, 8 }, fx::randomFloats(rng, 80, 0.3f));
        fx::ModelBuilder::addAttrInt(b.addNode("Gemm", { "pooled", "fc.weight" }, { "y" }, "fc"), "transB", 1);
        b.addOutput("y", onnx::TensorProto::FLOAT, { 1, 10 });
        QVERIFY(b.save(path("reduce.onnx")).has_value());
        slim::PruneChannelsStep step;
        step.fraction = 0.5;
        TRY_SLIM(s, path("reduce.onnx"), single(step, scopeWithMin(0)), path("reduce-pruned.onnx"));
        const auto written = readProto(path("reduce-pruned.onnx"));
        QVERIFY(written);
        QCOMPARE(dimsOf(written->graph(), "c1.weight"), (Dims { 4, 4, 3, 3 }));
        QCOMPARE(dimsOf(written->graph(), "fc.weight"), (Dims { 10, 4 }));
        REQUIRE_RUNTIME();
        const auto compared = compareInRuntime(path("reduce.onnx"), path("reduce-pruned.onnx"));
        QVERIFY2(compared.has_value(), qPrintable(errorOf(compared)));
    }

    // Two groups concatenated along the channels: each loses its weakest half, and the Conv after the Concat
    // keeps exactly the input channels at the kept offsets (a's strongest are its last four, b's its first four).
    void concatKeepsEachGroupsOffsets()
    {
        fx::ModelBuilder b(13, 8);
        fx::Lcg rng(73);
        b.addInput("x", onnx::TensorProto::FLOAT, { 1, 4, 8, 8 });
        const auto graded = [&](bool rising) {
            std::vector<float> w = fx::randomFloats(rng, 8 * 4 * 9, 0.3f);
            for (std::size_t i = 0; i < w.size(); ++i) {
                const auto channel = static_cast<float>(i / 36);
                w[i] = (w[i] >= 0 ? 1.0f : -1.0f) * (rising ? channel + 1.0f : 8.0f - channel);
            }
            return w;
        };
        addConv(b, rng, "a", "x", "a_out", 4, 8, 3, 1, graded(true));
        addConv(b, rng, "b", "x", "b_out", 4, 8, 3, 1, graded(false));
        fx::ModelBuilder::addAttrInt(b.addNode("Concat", { "a_out", "b_out" }, { "joined" }, "concat"), "axis", 1);
        b.addNode("Relu", { "joined" }, { "r" }, "relu");
        const std::vector<float> c3 = fx::randomFloats(rng, 4 * 16 * 9, 0.3f);
        addConv(b, rng, "c3", "r", "y", 16, 4, 3, 1, c3);
        b.addOutput("y", onnx::TensorProto::FLOAT, { 1, 4, 8, 8 });
        QVERIFY(b.save(path("concat.onnx")).has_value());
        slim::PruneChannelsStep step;
        step.fraction = 0.5;
        TRY_SLIM(s, path("concat.onnx"), single(step, scopeWithMin(0)), path("concat-pruned.onnx"));
        const auto written = readProto(path("concat-pruned.onnx"));
        QVERIFY(written);
        QCOMPARE(dimsOf(written->graph(), "a.weight"), (Dims { 4, 4, 3, 3 }));
        QCOMPARE(dimsOf(written->graph(), "b.weight"), (Dims { 4, 4, 3, 3 }));
        QCOMPARE(dimsOf(written->graph(), "c3.weight"), (Dims { 4, 8, 3, 3 }));
        const auto after = valuesOf<float>(*findInitializer(written->graph(), "c3.weight"));
        const std::int64_t keptInputs[] = { 4, 5, 6, 7, 8, 9, 10, 11 };
        for (std::size_t out = 0; out < 4; ++out)
            for (std::size_t in = 0; in < 8; ++in)
                for (std::size_t k = 0; k < 9; ++k)
                    QCOMPARE(after[(out * 8 + in) * 9 + k],
                        c3[(out * 16 + static_cast<std::size_t>(keptInputs[in])) * 9 + k]);
        REQUIRE_RUNTIME();
        const auto compared = compareInRuntime(path("concat.onnx"), path("concat-pruned.onnx"));
        QVERIFY2(compared.has_value(), qPrintable(errorOf(compared)));
    }

    // A group that reaches an op it cannot follow (Reshape) is left alone, says so, and keeps its tensors;
    // a bias the exporter shares between two convs through Identity is copied for the one that is cut.
    void unknownPathsFreezeAndSharedBiasesAreCopied()
    {
        fx::ModelBuilder b(13, 8);
        fx::Lcg rng(71);
        b.addInput("x", onnx::TensorProto::FLOAT, { 1, 4, 8, 8 });
        addConv(b, rng, "c1", "x", "c1_out", 4, 8, 3);
        b.addNode("Relu", { "c1_out" }, { "r1" }, "relu1");
        addConv(b, rng, "c2", "r1", "c2_out", 8, 8, 3);
        b.addNode("Identity", { "c1.bias" }, { "c3.bias_alias" }, "alias");
        b.addFloatInitializer("c3.weight", { 8, 8, 3, 3 }, fx::randomFloats(rng, 576, 0.3f));
        auto& c3 = b.addNode("Conv", { "c2_out", "c3.weight", "c3.bias_alias" }, { "c3_out" }, "c3");
        fx::ModelBuilder::addAttrInts(c3, "pads", { 1, 1, 1, 1 });
        const std::vector<std::int64_t> shape { 1, 512 };
        b.addInitializer("shape", onnx::TensorProto::INT64, { 2 }, std::as_bytes(std::span(shape)));
        b.addNode("Reshape", { "c3_out", "shape" }, { "y" }, "reshape");
        b.addOutput("y", onnx::TensorProto::FLOAT, { 1, 512 });
        QVERIFY(b.save(path("frozen.onnx")).has_value());
        slim::PruneChannelsStep step;
        step.fraction = 0.5;
        TRY_SLIM(s, path("frozen.onnx"), single(step, scopeWithMin(0)), path("frozen-pruned.onnx"));
        const auto written = readProto(path("frozen-pruned.onnx"));
        QVERIFY(written);
        const auto& g = written->graph();
        QCOMPARE(dimsOf(g, "c3.weight"), (Dims { 8, 4, 3, 3 })); // its input channels (c2's group) only
        QCOMPARE(dimsOf(g, "c1.weight"), (Dims { 4, 4, 3, 3 }));
        QCOMPARE(dimsOf(g, "c2.weight"), (Dims { 4, 4, 3, 3 }));
        QString said;
        for (const auto& d : s->result.preview.diagnostics)
            said += QString::fromStdString(d.message);
        QVERIFY2(said.contains(QStringLiteral("Reshape 'reshape' is not a flatten")), qPrintable(said));
        // c1 reads a copy of its bias cut to 4; c3 still reads all 8 values, through the alias.
        const onnx::NodeProto* c1 = nullptr;
        for (const auto& node : g.node())
            if (node.name() == "c1")
                c1 = &node;
        QVERIFY(c1 && c1->input(2) != "c1.bias");
        QCOMPARE(dimsOf(g, c1->input(2)), (Dims { 4 }));
        QCOMPARE(dimsOf(g, "c1.bias"), (Dims { 8 }));
        REQUIRE_RUNTIME();
        const auto compared = compareInRuntime(path("frozen.onnx"), path("frozen-pruned.onnx"));
        QVERIFY2(compared.has_value(), qPrintable(errorOf(compared)));
    }
};

QTEST_GUILESS_MAIN(TestPruneChannels)
#include "tst_prunechannels.moc"
