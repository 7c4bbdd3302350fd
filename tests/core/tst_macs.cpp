// MACs of every op family that carries weights, on a model built for it; each expected figure is worked out here
// from the fixture's own sizes: recurrent layers (per time step when the sequence length is symbolic), Einsum,
// integer and QLinear forms, and ONNX Runtime's DynamicQuantizeMatMul, Attention and MultiHeadAttention, whose
// outputs must keep their shapes for the layers after them to be counted.
#include "analysis/analysis.h"
#include "lcg.h"
#include "modelbuilder.h"

#include <QTemporaryDir>
#include <QTest>

namespace an = slimscope::core::analysis;
namespace fx = slimscope::fixtures;

namespace {

constexpr auto kFloat = onnx::TensorProto::FLOAT;
constexpr auto kUint8 = onnx::TensorProto::UINT8;
constexpr auto kInt8 = onnx::TensorProto::INT8;

void addScalar(fx::ModelBuilder& b, const std::string& name, std::int32_t type)
{
    const std::byte zero[4] = {};
    b.addInitializer(name, type, {}, std::span(zero, type == kFloat ? 4 : 1));
}

fx::ModelBuilder everyFamily()
{
    fx::ModelBuilder b(13, 8);
    auto* contrib = b.model().add_opset_import();
    contrib->set_domain("com.microsoft");
    contrib->set_version(1);
    fx::Lcg rng(5);
    const auto floats = [&](std::size_t n) { return fx::randomFloats(rng, n, 0.3f); };
    // LSTM, bidirectional, sequence length symbolic: X [seq, 2, 16], hidden 8.
    b.addInput("seq_x", kFloat, { fx::kSymbolicDim, 2, 16 });
    b.addFloatInitializer("lstm.W", { 2, 32, 16 }, floats(2 * 32 * 16));
    b.addFloatInitializer("lstm.R", { 2, 32, 8 }, floats(2 * 32 * 8));
    auto& lstm = b.addNode("LSTM", { "seq_x", "lstm.W", "lstm.R" }, { "lstm_y" }, "lstm");
    fx::ModelBuilder::addAttrInt(lstm, "hidden_size", 8);
    auto* direction = lstm.add_attribute();
    direction->set_name("direction");
    direction->set_type(onnx::AttributeProto::STRING);
    direction->set_s("bidirectional");
    b.addOutput("lstm_y", kFloat, { fx::kSymbolicDim, 2, 2, 8 });
    // LSTM whose X shape inference cannot know (made by an op of an unknown domain): counted from W [1, 16, 4]
    // and hidden 4, per time step of one sequence.
    auto& mystery = b.addNode("Mystery", { "seq_x" }, { "opaque_x" }, "mystery");
    mystery.set_domain("test.unknown");
    b.addFloatInitializer("opaque.W", { 1, 16, 4 }, floats(64));
    b.addFloatInitializer("opaque.R", { 1, 16, 4 }, floats(64));
    fx::ModelBuilder::addAttrInt(
        b.addNode("LSTM", { "opaque_x", "opaque.W", "opaque.R" }, { "opaque_y" }, "opaque_lstm"), "hidden_size", 4);
    b.addOutput("opaque_y", kFloat, { fx::kSymbolicDim, 1, fx::kSymbolicDim, 4 });
    auto* unknown = b.model().add_opset_import();
    unknown->set_domain("test.unknown");
    unknown->set_version(1);
    // GRU and RNN on X [5, 1, 16], hidden 8.
    b.addInput("fixed_x", kFloat, { 5, 1, 16 });
    b.addFloatInitializer("gru.W", { 1, 24, 16 }, floats(24 * 16));
    b.addFloatInitializer("gru.R", { 1, 24, 8 }, floats(24 * 8));
    fx::ModelBuilder::addAttrInt(
        b.addNode("GRU", { "fixed_x", "gru.W", "gru.R" }, { "gru_y" }, "gru"), "hidden_size", 8);
    b.addFloatInitializer("rnn.W", { 1, 8, 16 }, floats(8 * 16));
    b.addFloatInitializer("rnn.R", { 1, 8, 8 }, floats(64));
    fx::ModelBuilder::addAttrInt(
        b.addNode("RNN", { "fixed_x", "rnn.W", "rnn.R" }, { "rnn_y" }, "rnn"), "hidden_size", 8);
    b.addOutput("gru_y", kFloat, { 5, 1, 1, 8 });
    b.addOutput("rnn_y", kFloat, { 5, 1, 1, 8 });
    // Einsum bij,bjk->bik on [2,3,4] and [2,4,5].
    b.addInput("e_a", kFloat, { 2, 3, 4 });
    b.addFloatInitializer("e_b", { 2, 4, 5 }, floats(40));
    auto& einsum = b.addNode("Einsum", { "e_a", "e_b" }, { "e_y" }, "einsum");
    auto* equation = einsum.add_attribute();
    equation->set_name("equation");
    equation->set_type(onnx::AttributeProto::STRING);
    equation->set_s("bij,bjk->bik");
    b.addOutput("e_y", kFloat, { 2, 3, 5 });
    // ConvInteger and QLinearConv: x uint8 [1,2,5,5], w [4,2,3,3] -> [1,4,3,3]; QLinearMatMul [3,4]·[4,6].
    b.addInput("q_x", kUint8, { 1, 2, 5, 5 });
    const std::vector<std::byte> w(72, std::byte { 1 });
    b.addInitializer("ci.w", kUint8, { 4, 2, 3, 3 }, w);
    b.addNode("ConvInteger", { "q_x", "ci.w" }, { "ci_y" }, "conv_integer");
    b.addInitializer("qc.w", kUint8, { 4, 2, 3, 3 }, w);
    for (const char* name : { "s_x", "s_w", "s_y" })
        addScalar(b, name, kFloat);
    for (const char* name : { "z_x", "z_w", "z_y" })
        addScalar(b, name, kUint8);
    b.addNode("QLinearConv", { "q_x", "s_x", "z_x", "qc.w", "s_w", "z_w", "s_y", "z_y" }, { "qc_y" }, "qlinear_conv");
    b.addInput("qm_a", kUint8, { 3, 4 });
    b.addInitializer("qm.b", kUint8, { 4, 6 }, std::vector<std::byte>(24, std::byte { 2 }));
    b.addNode("QLinearMatMul", { "qm_a", "s_x", "z_x", "qm.b", "s_w", "z_w", "s_y", "z_y" }, { "qm_y" }, "qlinear_mm");
    b.addOutput("ci_y", onnx::TensorProto::INT32, { 1, 4, 3, 3 });
    b.addOutput("qc_y", kUint8, { 1, 4, 3, 3 });
    b.addOutput("qm_y", kUint8, { 3, 6 });
    // DynamicQuantizeMatMul [3,4]·int8 [4,6], then Relu -> MatMul [6,2] (counted only if the shape got through).
    b.addInput("d_a", kFloat, { 3, 4 });
    b.addInitializer("d.b", kInt8, { 4, 6 }, std::vector<std::byte>(24, std::byte { 3 }));
    b.addFloatInitializer("d.scale", { 1 }, { 0.1f });
    auto& dq = b.addNode("DynamicQuantizeMatMul", { "d_a", "d.b", "d.scale" }, { "d_h" }, "dynamic_mm");
    dq.set_domain("com.microsoft");
    b.addNode("Relu", { "d_h" }, { "d_r" }, "d_relu");
    b.addFloatInitializer("d.after", { 6, 2 }, floats(12));
    b.addNode("MatMul", { "d_r", "d.after" }, { "d_y" }, "after_dynamic");
    b.addOutput("d_y", kFloat, { 3, 2 });
    // Attention: input [1,4,8], weights [8,24], 2 heads; then MatMul [8,2]. MultiHeadAttention: q [1,4,8], k/v [1,6,8].
    b.addInput("t_x", kFloat, { 1, 4, 8 });
    b.addFloatInitializer("att.w", { 8, 24 }, floats(192));
    b.addFloatInitializer("att.b", { 24 }, floats(24));
    auto& attention = b.addNode("Attention", { "t_x", "att.w", "att.b" }, { "att_h" }, "attention");
    attention.set_domain("com.microsoft");
    fx::ModelBuilder::addAttrInt(attention, "num_heads", 2);
    b.addFloatInitializer("att.after", { 8, 2 }, floats(16));
    b.addNode("MatMul", { "att_h", "att.after" }, { "att_y" }, "after_attention");
    b.addOutput("att_y", kFloat, { 1, 4, 2 });
    b.addInput("m_k", kFloat, { 1, 6, 8 });
    b.addInput("m_v", kFloat, { 1, 6, 8 });
    auto& mha = b.addNode("MultiHeadAttention", { "t_x", "m_k", "m_v" }, { "m_y" }, "mha");
    mha.set_domain("com.microsoft");
    fx::ModelBuilder::addAttrInt(mha, "num_heads", 2);
    b.addOutput("m_y", kFloat, { 1, 4, 8 });
    return b;
}

} // namespace

class TestMacs : public QObject {
    Q_OBJECT

private slots:
    void everyWeightedFamilyIsCounted()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath(QStringLiteral("families.onnx")).toStdString();
        QVERIFY(everyFamily().save(path).has_value());
        const auto analysis = an::analyzeFile(path);
        QVERIFY(analysis.has_value());
        const std::map<std::string, std::uint64_t> expected {
            { "lstm", 1 * 2 * 2 * 4 * 8 * (16 + 8) }, // steps 1 (symbolic) × batch 2 × 2 directions × 4 gates
            { "opaque_lstm", 4 * 4 * (4 + 4) }, // one step, one sequence: 4 gates × hidden 4 × (input 4 + hidden 4)
            { "gru", 5 * 1 * 3 * 8 * (16 + 8) },
            { "rnn", 5 * 1 * 8 * (16 + 8) },
            { "einsum", 2 * 3 * 4 * 5 },
            { "conv_integer", 4 * 3 * 3 * 2 * 3 * 3 },
            { "qlinear_conv", 4 * 3 * 3 * 2 * 3 * 3 },
            { "qlinear_mm", 3 * 6 * 4 },
            { "dynamic_mm", 3 * 6 * 4 },
            { "after_dynamic", 3 * 2 * 6 },
            { "attention", 4 * 8 * 24 + 2 * 4 * 4 * 8 }, // QKV projection + Q·Kᵀ and ·V
            { "after_attention", 4 * 2 * 8 },
            { "mha", 2 * 4 * 8 * 6 },
        };
        std::uint64_t total = 0;
        for (const auto& [name, macs] : expected) {
            const auto layer = std::ranges::find((*analysis)->layers, name, &an::LayerStats::name);
            QVERIFY2(layer != (*analysis)->layers.end(), name.c_str());
            QVERIFY2(layer->macs.has_value(), name.c_str());
            QCOMPARE(*layer->macs, macs);
            QCOMPARE(layer->macsPerTimeStep, name == "lstm" || name == "opaque_lstm");
            total += macs;
        }
        QCOMPARE((*analysis)->model.macs, total);
        QVERIFY((*analysis)->model.macsPerTimeStep);
    }
};

QTEST_GUILESS_MAIN(TestMacs)
#include "tst_macs.moc"
