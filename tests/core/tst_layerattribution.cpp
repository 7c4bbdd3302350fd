// Layer attribution that adds up: every weight byte is counted in exactly one layer, the node that really computes
// with it (through Slice, Concat, Unsqueeze, Reshape and Constant nodes on the way), and a weight several layers
// use is counted in the first and listed as shared by the others. The golden numbers come from the fixtures' own
// dims, never from the analysis.
#include "analysis/analysis.h"
#include "modelbuilder.h"
#include "report/analysiswriters.h"
#include "slimtestsupport.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include <sstream>

using namespace slimtest;
namespace an = slimscope::core::analysis;

namespace {

constexpr std::int64_t kHidden = 16;
constexpr std::int64_t kInput = 8;
constexpr std::int64_t kFloatBytes = 4;

// An LSTM as silero VAD stores it: W [4H, I], R [4H, H] and B [8H] in Constant nodes, the gates reordered by three
// Slices and a Concat on axis 0, Unsqueeze adds the direction axis; both branches of an If run an LSTM on the same
// outer-scope weights (one with an initial state, one without).
fx::ModelBuilder gateReorderedLstm()
{
    fx::ModelBuilder b(13, 8);
    fx::Lcg rng(17);
    b.addInput("x", onnx::TensorProto::FLOAT, { 4, 1, kInput });
    b.addInput("h0", onnx::TensorProto::FLOAT, { 1, 1, kHidden });
    const auto constant = [&](const std::string& name, std::vector<std::int64_t> dims, float scale) {
        std::int64_t count = 1;
        for (const auto d : dims)
            count *= d;
        b.addConstantNode(b.graph(), name,
            fx::ModelBuilder::makeFloatTensor(
                name, std::move(dims), fx::randomFloats(rng, static_cast<std::size_t>(count), scale)));
    };
    constant("weight_ih", { 4 * kHidden, kInput }, 0.3f);
    constant("weight_hh", { 4 * kHidden, kHidden }, 0.2f);
    constant("bias", { 8 * kHidden }, 0.1f);
    b.addConstantIntsNode(b.graph(), "axis0", { 0 });
    // Gates i, f, g, o cut as [0, H), [3H, 4H), [H, 3H): the order ONNX's LSTM wants (i, o, f, c).
    const std::pair<std::int64_t, std::int64_t> cuts[]
        = { { 0, kHidden }, { 3 * kHidden, 4 * kHidden }, { kHidden, 3 * kHidden } };
    for (const std::string weight : { "weight_ih", "weight_hh" }) {
        std::vector<std::string> pieces;
        for (int k = 0; k < 3; ++k) {
            const std::string piece = weight + "_gate" + std::to_string(k);
            b.addConstantIntsNode(b.graph(), piece + "_start", { cuts[k].first });
            b.addConstantIntsNode(b.graph(), piece + "_end", { cuts[k].second });
            b.addNode("Slice", { weight, piece + "_start", piece + "_end", "axis0" }, { piece }, "rnn/slice_" + piece);
            pieces.push_back(piece);
        }
        fx::ModelBuilder::addAttrInt(
            b.addNode("Concat", pieces, { weight + "_gates" }, "rnn/concat_" + weight), "axis", 0);
        b.addNode("Unsqueeze", { weight + "_gates", "axis0" }, { weight + "_lstm" }, "rnn/unsqueeze_" + weight);
    }
    b.addNode("Unsqueeze", { "bias", "axis0" }, { "bias_lstm" }, "rnn/unsqueeze_bias");
    const std::vector<std::uint8_t> yes { 1 };
    b.addConstantNode(b.graph(), "cond",
        fx::ModelBuilder::makeTensor("cond", onnx::TensorProto::BOOL, {}, std::as_bytes(std::span(yes))));
    auto& branch = b.addNode("If", { "cond" }, { "y" }, "rnn/if");
    for (const std::string side : { "then", "else" }) {
        onnx::GraphProto& g = fx::ModelBuilder::addAttrGraph(branch, side + "_branch", side);
        std::vector<std::string> inputs { "x", "weight_ih_lstm", "weight_hh_lstm", "bias_lstm" };
        if (side == "then")
            inputs.insert(inputs.end(), { "", "h0" });
        fx::ModelBuilder::addAttrInt(
            b.addNode(g, "LSTM", inputs, { "y_" + side }, "rnn/lstm_" + side), "hidden_size", kHidden);
        b.addOutput(g, "y_" + side, onnx::TensorProto::FLOAT, { 4, 1, 1, kHidden });
    }
    b.addOutput("y", onnx::TensorProto::FLOAT, { 4, 1, 1, kHidden });
    return b;
}

// One weight read by three MatMuls (tied weights), a Conv weight stored flat in a Constant and reshaped, an
// initializer nothing reads and a Constant nothing reads.
fx::ModelBuilder sharedWeights()
{
    fx::ModelBuilder b(13, 8);
    fx::Lcg rng(23);
    b.addInput("x", onnx::TensorProto::FLOAT, { 1, 16 });
    b.addInput("image", onnx::TensorProto::FLOAT, { 1, 1, 8, 8 });
    b.addFloatInitializer("tied", { 16, 16 }, fx::randomFloats(rng, 256, 0.25f));
    b.addNode("MatMul", { "x", "tied" }, { "h1" }, "mm_1");
    b.addNode("MatMul", { "h1", "tied" }, { "h2" }, "mm_2");
    b.addNode("MatMul", { "h2", "tied" }, { "y" }, "mm_3");
    b.addConstantNode(b.graph(), "conv_flat",
        fx::ModelBuilder::makeFloatTensor("conv_flat", { 4, 9 }, fx::randomFloats(rng, 36, 0.3f)));
    b.addConstantIntsNode(b.graph(), "conv_shape", { 4, 1, 3, 3 });
    b.addNode("Reshape", { "conv_flat", "conv_shape" }, { "conv_weight" }, "reshape_conv");
    b.addNode("Conv", { "image", "conv_weight" }, { "features" }, "conv");
    b.addFloatInitializer("old_weight", { 4, 4 }, fx::randomFloats(rng, 16, 0.25f));
    b.addConstantNode(b.graph(), "dead_table",
        fx::ModelBuilder::makeFloatTensor("dead_table", { 10, 3 }, fx::randomFloats(rng, 30, 1.f)));
    b.addOutput("y", onnx::TensorProto::FLOAT, { 1, 16 });
    b.addOutput("features", onnx::TensorProto::FLOAT, { 1, 4, 6, 6 });
    return b;
}

// An opset 9 conv net with its kernels in Constant nodes inside an If: the then branch cuts four of eight output
// channels out of one Constant with Slice (opset 9: attributes) for its Conv, the else branch reads its own.
fx::ModelBuilder slicedConvInIf()
{
    fx::ModelBuilder b(9, 4);
    fx::Lcg rng(29);
    b.addInput("x", onnx::TensorProto::FLOAT, { 1, 2, 8, 8 });
    const std::vector<std::uint8_t> yes { 1 };
    b.addConstantNode(b.graph(), "cond",
        fx::ModelBuilder::makeTensor("cond", onnx::TensorProto::BOOL, {}, std::as_bytes(std::span(yes))));
    auto& branch = b.addNode("If", { "cond" }, { "y" }, "branch");
    onnx::GraphProto& then = fx::ModelBuilder::addAttrGraph(branch, "then_branch", "then");
    b.addConstantNode(
        then, "k_all", fx::ModelBuilder::makeFloatTensor("k_all", { 8, 2, 3, 3 }, fx::randomFloats(rng, 144, 0.3f)));
    auto& slice = b.addNode(then, "Slice", { "k_all" }, { "k_then" }, "slice_kernel");
    fx::ModelBuilder::addAttrInts(slice, "axes", { 0 });
    fx::ModelBuilder::addAttrInts(slice, "starts", { 0 });
    fx::ModelBuilder::addAttrInts(slice, "ends", { 4 });
    b.addNode(then, "Conv", { "x", "k_then" }, { "y_then" }, "conv_then");
    b.addOutput(then, "y_then", onnx::TensorProto::FLOAT, { 1, 4, 6, 6 });
    onnx::GraphProto& otherwise = fx::ModelBuilder::addAttrGraph(branch, "else_branch", "else");
    b.addConstantNode(otherwise, "k_else",
        fx::ModelBuilder::makeFloatTensor("k_else", { 4, 2, 3, 3 }, fx::randomFloats(rng, 72, 0.3f)));
    b.addNode(otherwise, "Conv", { "x", "k_else" }, { "y_else" }, "conv_else");
    b.addOutput(otherwise, "y_else", onnx::TensorProto::FLOAT, { 1, 4, 6, 6 });
    b.addOutput("y", onnx::TensorProto::FLOAT, { 1, 4, 6, 6 });
    return b;
}

const an::TensorStats* tensorNamed(const an::Analysis& a, const std::string& name)
{
    const auto found = std::ranges::find(a.tensors, name, &an::TensorStats::name);
    return found == a.tensors.end() ? nullptr : &*found;
}

const an::LayerStats* layerNamed(const an::Analysis& a, const std::string& name)
{
    const auto found = std::ranges::find(a.layers, name, &an::LayerStats::name);
    return found == a.layers.end() ? nullptr : &*found;
}

std::vector<std::string> namesOf(const an::Analysis& a, const std::vector<an::TensorIndex>& tensors)
{
    std::vector<std::string> names;
    for (const auto t : tensors)
        names.push_back(a.tensor(t).name);
    return names;
}

std::vector<std::string> namesOf(const an::Analysis& a, const std::vector<an::LayerIndex>& layers)
{
    std::vector<std::string> names;
    for (const auto l : layers)
        names.push_back(a.layer(l).name);
    return names;
}

using Names = std::vector<std::string>;

} // namespace

class TestLayerAttribution : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;

    std::shared_ptr<const an::Analysis> analyzed(const fx::ModelBuilder& builder, const std::string& file)
    {
        const fs::path path = fs::path(m_dir.path().toStdString()) / file;
        if (!builder.save(path).has_value())
            return nullptr;
        auto analysis = an::analyzeFile(path.string());
        return analysis ? *analysis : nullptr;
    }

    // The layers' bytes plus the unattributed tensors' bytes are the weight bytes, and the scope tree agrees.
    static void checkAddsUp(const an::Analysis& a, std::uint64_t expectedWeightBytes)
    {
        QCOMPARE(a.model.weightBytes, expectedWeightBytes);
        std::uint64_t layers = 0, unattributed = 0, params = 0;
        for (const auto& layer : a.layers) {
            layers += layer.bytes;
            params += layer.params;
        }
        for (const auto& tensor : a.tensors)
            if (!tensor.owner.valid()) {
                unattributed += tensor.bytes;
                params += tensor.storedElements;
            }
        QCOMPARE(layers + unattributed, expectedWeightBytes);
        QCOMPARE(params, a.model.params);
        QCOMPARE(a.scopes.front().bytes, expectedWeightBytes);
    }

private slots:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    // The silero layout: the LSTM of the first branch holds W, R and B; the second branch's LSTM shares them;
    // the Constant, Slice, Concat and Unsqueeze nodes on the way hold nothing.
    void slicedAndConcatenatedWeightsGoToTheLstm()
    {
        const auto a = analyzed(gateReorderedLstm(), "lstm.onnx");
        QVERIFY(a);
        const std::uint64_t expected
            = static_cast<std::uint64_t>(4 * kHidden * kInput + 4 * kHidden * kHidden + 8 * kHidden) * kFloatBytes
            + (1 + 2 * 3 * 2) * 8 // the int64 axis, starts and ends (value_ints Constants are weights too)
            + 1; // the bool condition
        checkAddsUp(*a, expected);

        for (const std::string name : { "weight_ih", "weight_hh", "bias" }) {
            const auto* tensor = tensorNamed(*a, name);
            QVERIFY2(tensor, name.c_str());
            QVERIFY(tensor->owner.valid());
            QCOMPARE(a->layer(tensor->owner).name, std::string("rnn/lstm_then"));
            QCOMPARE(namesOf(*a, tensor->users), (Names { "rnn/lstm_then", "rnn/lstm_else" }));
            QVERIFY(tensor->shared());
            QVERIFY(!tensor->consumers.empty()); // the direct readers (Slice, Unsqueeze) stay what they are
            QVERIFY(std::ranges::none_of(tensor->consumers, [](const std::string& c) { return c.contains("lstm"); }));
        }
        QVERIFY(tensorNamed(*a, "bias")->biasOrNorm);
        QVERIFY(!tensorNamed(*a, "weight_ih")->biasOrNorm);

        const auto* lstm = layerNamed(*a, "rnn/lstm_then");
        QVERIFY(lstm);
        QCOMPARE(namesOf(*a, lstm->tensors), (Names { "weight_ih", "weight_hh", "bias" })); // in input order
        QCOMPARE(lstm->bytes,
            static_cast<std::uint64_t>(4 * kHidden * kInput + 4 * kHidden * kHidden + 8 * kHidden) * kFloatBytes);
        QCOMPARE(lstm->params, static_cast<std::uint64_t>(4 * kHidden * kInput + 4 * kHidden * kHidden + 8 * kHidden));
        const auto* second = layerNamed(*a, "rnn/lstm_else");
        QVERIFY(second);
        QCOMPARE(second->bytes, 0u);
        QVERIFY(second->tensors.empty());
        QCOMPARE(namesOf(*a, second->sharedTensors), (Names { "weight_ih", "weight_hh", "bias" }));
        QCOMPARE(a->largestTensor(*second), a->largestTensor(*lstm)); // views show the shared weight

        // The nodes on the way hold at most their own int64 starts, ends and axes.
        for (const auto& layer : a->layers)
            if (layer.opType == "Slice" || layer.opType == "Concat" || layer.opType == "Unsqueeze")
                for (const auto t : layer.tensors)
                    QVERIFY2(a->tensor(t).dtype == slimscope::core::model::DataType::Int64, layer.name.c_str());
        const auto* holder = layerNamed(*a, "weight_ih"); // the Constant node, named after its output
        QVERIFY(holder);
        QCOMPARE(holder->bytes, 0u);
        QCOMPARE(namesOf(*a, holder->sharedTensors), (Names { "weight_ih" }));
    }

    // Per-channel int8 follows the same trace: the gates' axis 0 survives the Slices and the Concat, and ONNX
    // Runtime runs the result close to the original.
    void quantizesPerGateThroughTheConcat()
    {
        const fs::path dir(m_dir.path().toStdString());
        QVERIFY(gateReorderedLstm().save(dir / "lstm-q.onnx").has_value());
        TRY_SLIM(s, dir / "lstm-q.onnx", single(slim::QuantizeInt8Step {}, scopeWithMin(0)), dir / "lstm-int8.onnx");
        const auto written = readProto(dir / "lstm-int8.onnx");
        QVERIFY(written);
        for (const char* name : { "weight_ih", "weight_hh" }) {
            const auto* producer = findProducer(written->graph(), name);
            QVERIFY2(producer && producer->op_type() == "DequantizeLinear", name);
            QCOMPARE(intAttribute(*producer, "axis"), std::optional<std::int64_t>(0));
        }
        REQUIRE_RUNTIME();
        const auto compared = compareInRuntime(dir / "lstm-q.onnx", dir / "lstm-int8.onnx");
        QVERIFY2(compared.has_value(), qPrintable(errorOf(compared)));
        for (const auto& output : *compared)
            QVERIFY2(output.cosine >= 0.999, qPrintable(QString::number(output.cosine, 'g', 9)));
    }

    // Kernels in Constant nodes of an If, one cut by Slice: counted in their Conv; int8 upgrades the opset 9
    // model to 13 and quantizes per output channel in the branch's own graph; ONNX Runtime agrees.
    void slicedConstantKernelsInAnOpset9If()
    {
        const auto a = analyzed(slicedConvInIf(), "conv-if.onnx");
        QVERIFY(a);
        checkAddsUp(*a, (144 + 72) * kFloatBytes + 1);
        QCOMPARE(a->layer(tensorNamed(*a, "k_all")->owner).name, std::string("conv_then"));
        QCOMPARE(layerNamed(*a, "conv_then")->bytes, std::uint64_t(144 * kFloatBytes));
        QCOMPARE(layerNamed(*a, "slice_kernel")->bytes, 0u);

        const fs::path dir(m_dir.path().toStdString());
        TRY_SLIM(
            s, dir / "conv-if.onnx", single(slim::QuantizeInt8Step {}, scopeWithMin(0)), dir / "conv-if-int8.onnx");
        const auto written = readProto(dir / "conv-if-int8.onnx");
        QVERIFY(written);
        QCOMPARE(written->opset_import(0).version(), 13);
        const std::pair<const char*, const char*> kernels[]
            = { { "then_branch", "k_all" }, { "else_branch", "k_else" } };
        for (const auto& [branch, name] : kernels) {
            const onnx::GraphProto* graph = branchGraph(written->graph(), branch);
            QVERIFY(graph);
            const onnx::NodeProto* producer = findProducer(*graph, name);
            QVERIFY2(producer && producer->op_type() == "DequantizeLinear", name);
            QCOMPARE(intAttribute(*producer, "axis"), std::optional<std::int64_t>(0));
        }
        REQUIRE_RUNTIME();
        const auto compared = compareInRuntime(dir / "conv-if.onnx", dir / "conv-if-int8.onnx");
        QVERIFY2(compared.has_value(), qPrintable(errorOf(compared)));
        for (const auto& output : *compared)
            QVERIFY2(output.cosine >= 0.999, qPrintable(QString::number(output.cosine, 'g', 9)));
    }

    // A weight read by three layers is counted once; a reshaped Constant goes to its Conv; a Constant nothing
    // reads stays with its node; an initializer nothing reads is counted in no layer.
    void sharedWeightIsCountedOnce()
    {
        const auto a = analyzed(sharedWeights(), "shared.onnx");
        QVERIFY(a);
        const std::uint64_t tied = 16 * 16 * kFloatBytes, conv = 36 * kFloatBytes, old = 16 * kFloatBytes,
                            dead = 30 * kFloatBytes, shape = 4 * 8;
        checkAddsUp(*a, tied + conv + old + dead + shape);

        const auto* weight = tensorNamed(*a, "tied");
        QVERIFY(weight && weight->owner.valid());
        QCOMPARE(a->layer(weight->owner).name, std::string("mm_1"));
        QCOMPARE(namesOf(*a, weight->users), (Names { "mm_1", "mm_2", "mm_3" }));
        QCOMPARE(layerNamed(*a, "mm_1")->bytes, tied);
        for (const char* reader : { "mm_2", "mm_3" }) {
            QCOMPARE(layerNamed(*a, reader)->bytes, 0u);
            QCOMPARE(namesOf(*a, layerNamed(*a, reader)->sharedTensors), (Names { "tied" }));
        }

        QCOMPARE(a->layer(tensorNamed(*a, "conv_flat")->owner).name, std::string("conv"));
        QCOMPARE(layerNamed(*a, "conv")->bytes, conv);
        QCOMPARE(layerNamed(*a, "reshape_conv")->bytes, shape); // its own shape input, not the weight
        QVERIFY(!tensorNamed(*a, "old_weight")->owner.valid());
        const auto* deadTable = tensorNamed(*a, "dead_table");
        QVERIFY(deadTable && deadTable->owner.valid());
        QCOMPARE(a->layer(deadTable->owner).opType, std::string("Constant"));

        // The top of the table is the Conv and the first MatMul, never the Constant or the Reshape.
        std::vector<const an::LayerStats*> byBytes;
        for (const auto& layer : a->layers)
            byBytes.push_back(&layer);
        std::ranges::stable_sort(byBytes, std::greater {}, &an::LayerStats::bytes);
        QCOMPARE(byBytes[0]->name, std::string("mm_1"));
        QCOMPARE(byBytes[1]->name, std::string("conv"));

        // The JSON says the same.
        std::ostringstream json;
        slimscope::core::report::writeAnalysisJson(json, *a);
        const auto root = QJsonDocument::fromJson(QByteArray::fromStdString(json.str())).object();
        for (const auto& value : root.value(u"tensors").toArray()) {
            const auto t = value.toObject();
            if (t.value(u"name").toString() == u"tied") {
                QCOMPARE(t.value(u"attributed_to").toString(), QStringLiteral("mm_1"));
                QCOMPARE(t.value(u"used_by").toArray().size(), 3);
            }
            if (t.value(u"name").toString() == u"old_weight")
                QVERIFY(t.value(u"attributed_to").isNull());
        }
        for (const auto& value : root.value(u"layers").toArray()) {
            const auto l = value.toObject();
            if (l.value(u"name").toString() == u"mm_3")
                QCOMPARE(l.value(u"shared_tensors").toArray(), QJsonArray { QStringLiteral("tied") });
        }
    }
};

QTEST_GUILESS_MAIN(TestLayerAttribution)
#include "tst_layerattribution.moc"
