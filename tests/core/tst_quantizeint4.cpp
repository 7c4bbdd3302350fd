// quantize:int4 on models built for it: the written MatMulNBits inputs are decoded here from the contrib op's
// definition (codes packed low nibble first along K, blocks of block_size, value = (code − zero point) · scale, zero
// point 8 when absent, packed the same way when present), independently of the step, and compared with the
// original weights: the SQNR of Gaussian weights in blocks of 32 is at least 18 dB and equals the preview's. The
// file size is the preview's, ONNX Runtime runs every result, Conv weights get int8.
#include "analysis/analysis.h"
#include "modelbuilder.h"
#include "slim/steps/quantize.h"
#include "slimtestsupport.h"

#include <QTemporaryDir>
#include <QTest>

#include <cmath>

using namespace slimtest;

namespace {

// Gaussian values (Box–Muller on the fixture generator), standard deviation `sigma`.
std::vector<float> gaussian(fx::Lcg& rng, std::size_t count, float sigma)
{
    const std::vector<float> u = fx::randomFloats(rng, 2 * count, 0.5f);
    std::vector<float> out(count);
    for (std::size_t i = 0; i < count; ++i) {
        const double a = std::max(1e-9, double(u[2 * i]) + 0.5), b = double(u[2 * i + 1]) + 0.5;
        out[i] = static_cast<float>(sigma * std::sqrt(-2.0 * std::log(a)) * std::cos(2.0 * M_PI * b));
    }
    return out;
}

// x[4,256] -> MatMul w1 [256,96] -> Relu -> Gemm (transB) w2 [40,96] + b2 -> Relu -> MatMul w3 [40,24] -> y.
// K = 256, 96 and 40: whole blocks of 32, three blocks, and a last block padded past K.
struct Chain {
    fx::ModelBuilder builder { 13, 8 };
    std::vector<float> w1, w2, w3;
};

Chain matMulChain()
{
    Chain c;
    fx::Lcg rng(83);
    auto& b = c.builder;
    b.addInput("x", onnx::TensorProto::FLOAT, { 4, 256 });
    c.w1 = gaussian(rng, 256 * 96, 0.05f);
    c.w2 = gaussian(rng, 40 * 96, 0.1f);
    c.w3 = gaussian(rng, 40 * 24, 0.2f);
    b.addFloatInitializer("w1", { 256, 96 }, c.w1);
    b.addFloatInitializer("w2", { 40, 96 }, c.w2);
    b.addFloatInitializer("b2", { 40 }, fx::randomFloats(rng, 40, 0.1f));
    b.addFloatInitializer("w3", { 40, 24 }, c.w3);
    b.addNode("MatMul", { "x", "w1" }, { "h1" }, "fc1");
    b.addNode("Relu", { "h1" }, { "a1" }, "relu1");
    fx::ModelBuilder::addAttrInt(b.addNode("Gemm", { "a1", "w2", "b2" }, { "h2" }, "fc2"), "transB", 1);
    b.addNode("Relu", { "h2" }, { "a2" }, "relu2");
    b.addNode("MatMul", { "a2", "w3" }, { "y" }, "fc3");
    b.addOutput("y", onnx::TensorProto::FLOAT, { 4, 24 });
    return c;
}

std::int64_t attribute(const onnx::NodeProto& node, const std::string& name)
{
    for (const auto& a : node.attribute())
        if (a.name() == name)
            return a.i();
    return -1;
}

// The weight as [K, N] (what MatMul reads) from a MatMulNBits node's inputs, by the op's definition.
std::vector<double> decode(const onnx::GraphProto& g, const onnx::NodeProto& node)
{
    const auto k = static_cast<std::size_t>(attribute(node, "K")), n = static_cast<std::size_t>(attribute(node, "N"));
    const auto block = static_cast<std::size_t>(attribute(node, "block_size"));
    const std::size_t blocks = (k + block - 1) / block;
    const auto* codes = findInitializer(g, node.input(1));
    const auto* scales = findInitializer(g, node.input(2));
    const auto* zeros = node.input_size() > 3 ? findInitializer(g, node.input(3)) : nullptr;
    if (!codes || !scales || codes->raw_data().size() != n * blocks * block / 2)
        return {};
    std::vector<float> scale(n * blocks);
    std::memcpy(scale.data(), scales->raw_data().data(), scale.size() * 4);
    std::vector<double> w(k * n);
    for (std::size_t col = 0; col < n; ++col)
        for (std::size_t row = 0; row < k; ++row) {
            const std::size_t b = row / block, within = row % block;
            const auto byte
                = static_cast<unsigned char>(codes->raw_data()[(col * blocks + b) * block / 2 + within / 2]);
            const int code = within % 2 == 0 ? byte & 0x0F : byte >> 4;
            int zero = 8;
            if (zeros) {
                const auto z = static_cast<unsigned char>(zeros->raw_data()[col * ((blocks + 1) / 2) + b / 2]);
                zero = b % 2 == 0 ? z & 0x0F : z >> 4;
            }
            w[row * n + col] = double(code - zero) * scale[col * blocks + b];
        }
    return w;
}

double sqnr(const std::vector<float>& original, const std::vector<double>& restored)
{
    double signal = 0, noise = 0;
    for (std::size_t i = 0; i < original.size(); ++i) {
        signal += double(original[i]) * original[i];
        noise += (original[i] - restored[i]) * (original[i] - restored[i]);
    }
    return 10.0 * std::log10(signal / noise);
}

// w2 is stored [N, K] (Gemm transB): as [K, N] for the comparison.
std::vector<float> transposed(const std::vector<float>& w, std::size_t rows, std::size_t cols)
{
    std::vector<float> t(w.size());
    for (std::size_t r = 0; r < rows; ++r)
        for (std::size_t c = 0; c < cols; ++c)
            t[c * rows + r] = w[r * cols + c];
    return t;
}

} // namespace

class TestQuantizeInt4 : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;

    fs::path path(const std::string& name) const { return fs::path(m_dir.path().toStdString()) / name; }

private slots:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void matMulChainBecomesMatMulNBits_data()
    {
        QTest::addColumn<bool>("symmetric");
        QTest::newRow("symmetric") << true;
        QTest::newRow("zero points") << false;
    }

    void matMulChainBecomesMatMulNBits()
    {
        QFETCH(bool, symmetric);
        Chain chain = matMulChain();
        const fs::path in = path("chain.onnx"), out = path(symmetric ? "chain-int4.onnx" : "chain-int4-zp.onnx");
        QVERIFY(chain.builder.save(in).has_value());
        slim::QuantizeInt4Step step;
        step.symmetric = symmetric;
        TRY_SLIM(s, in, single(step, scopeWithMin(0)), out);
        QCOMPARE(s->exported.fileBytes, s->result.preview.predictedFileBytes);
        const auto written = readProto(out);
        QVERIFY(written);
        const auto& g = written->graph();
        QVERIFY(std::ranges::any_of(
            written->opset_import(), [](const auto& o) { return o.domain() == "com.microsoft" && o.version() == 1; }));
        std::map<std::string, const onnx::NodeProto*> byName;
        for (const auto& node : g.node())
            if (node.op_type() == "MatMulNBits")
                byName[node.input(0)] = &node;
        QCOMPARE(byName.size(), std::size_t(3));
        QVERIFY(std::ranges::any_of(g.node(), [](const auto& n) { return n.op_type() == "Add"; })); // fc2's bias
        const std::map<std::string, std::pair<std::vector<float>, std::string>> expected { { "x", { chain.w1, "w1" } },
            { "a1", { transposed(chain.w2, 40, 96), "w2" } }, { "a2", { chain.w3, "w3" } } };
        for (const auto& [input, weight] : expected) {
            const auto* node = byName.at(input);
            QCOMPARE(node->domain(), std::string("com.microsoft"));
            QCOMPARE(attribute(*node, "bits"), std::int64_t(4));
            QCOMPARE(node->input_size(), symmetric ? 3 : 4);
            const auto restored = decode(g, *node);
            QCOMPARE(restored.size(), weight.first.size());
            const double measured = sqnr(weight.first, restored);
            QVERIFY2(measured >= 18.0, qPrintable(QString::number(measured)));
            const auto row = std::ranges::find(s->result.preview.tensors, weight.second, &slim::TensorChange::name);
            QVERIFY(row != s->result.preview.tensors.end() && row->hasError);
            QVERIFY2(std::fabs(row->sqnrDb - measured) < 0.01,
                qPrintable(
                    QStringLiteral("%1: preview %2, decoded %3").arg(input.c_str()).arg(row->sqnrDb).arg(measured)));
            QCOMPARE(std::string(slim::storageAfterName(row->storageAfter)), std::string("int4_blocks"));
        }
        // The analysis counts what the codes hold: K · N weights of 4 bits; fc1's layer costs 4 bits per weight
        // plus a float32 scale per 32 (and, with zero points, 4 bits more per 32): 5 or 5.125 bits.
        const auto analysis = slimscope::core::analysis::analyzeFile(out.string());
        QVERIFY(analysis.has_value());
        QCOMPARE((*analysis)->model.weights, std::uint64_t(256 * 96 + 40 * 96 + 40 + 40 * 24));
        const auto fc1 = std::ranges::find_if(
            (*analysis)->layers, [](const auto& l) { return l.opType == "MatMulNBits" && l.name.starts_with("fc1"); });
        QVERIFY(fc1 != (*analysis)->layers.end());
        QCOMPARE(fc1->weights, std::uint64_t(256 * 96));
        QCOMPARE(fc1->bitsPerWeight, symmetric ? 5.0 : 5.125);
        const auto uint4 = std::ranges::find((*analysis)->byDtype, slimscope::core::model::DataType::Uint4,
            &slimscope::core::analysis::DtypeTotal::dtype);
        QVERIFY(uint4 != (*analysis)->byDtype.end());
        QCOMPARE(uint4->elements, std::uint64_t(256 * 96 + 40 * 96 + 40 * 24));
        REQUIRE_RUNTIME();
        const auto compared = compareInRuntime(in, out);
        QVERIFY2(compared.has_value(), qPrintable(errorOf(compared)));
        QVERIFY2((*compared)[0].cosine > 0.99, qPrintable(QString::number((*compared)[0].cosine)));
    }

    // int8-dynamic: the same chain read by DynamicQuantizeMatMul; the int8 codes [K, N] times the per-column scales
    // (decoded here) give the preview's SQNR, well above int4's; ONNX Runtime's output stays within cosine 0.99.
    void matMulChainBecomesDynamicQuantizeMatMul()
    {
        Chain chain = matMulChain();
        const fs::path in = path("chain-d.onnx"), out = path("chain-dynamic.onnx");
        QVERIFY(chain.builder.save(in).has_value());
        TRY_SLIM(s, in, single(slim::QuantizeInt8DynamicStep {}, scopeWithMin(0)), out);
        QCOMPARE(s->exported.fileBytes, s->result.preview.predictedFileBytes);
        const auto written = readProto(out);
        QVERIFY(written);
        const auto& g = written->graph();
        std::map<std::string, const onnx::NodeProto*> byInput;
        for (const auto& node : g.node())
            if (node.op_type() == "DynamicQuantizeMatMul" && node.domain() == "com.microsoft")
                byInput[node.input(0)] = &node;
        QCOMPARE(byInput.size(), std::size_t(3));
        const std::map<std::string, std::tuple<std::vector<float>, std::string, std::size_t>> expected {
            { "x", { chain.w1, "w1", 96 } }, { "a1", { transposed(chain.w2, 40, 96), "w2", 40 } },
            { "a2", { chain.w3, "w3", 24 } }
        };
        for (const auto& [input, weight] : expected) {
            const auto& [values, name, n] = weight;
            const auto* codes = findInitializer(g, byInput.at(input)->input(1));
            const auto* scales = findInitializer(g, byInput.at(input)->input(2));
            QVERIFY(codes && scales && codes->data_type() == onnx::TensorProto::INT8);
            QCOMPARE(codes->raw_data().size(), values.size());
            std::vector<float> scale(n);
            QCOMPARE(scales->raw_data().size(), n * 4);
            std::memcpy(scale.data(), scales->raw_data().data(), n * 4);
            std::vector<double> restored(values.size());
            for (std::size_t i = 0; i < values.size(); ++i)
                restored[i] = double(static_cast<std::int8_t>(codes->raw_data()[i])) * scale[i % n];
            const double measured = sqnr(values, restored);
            QVERIFY2(measured >= 35.0, qPrintable(QString::number(measured)));
            const auto row = std::ranges::find(s->result.preview.tensors, name, &slim::TensorChange::name);
            QVERIFY(row != s->result.preview.tensors.end() && row->hasError);
            QVERIFY2(std::fabs(row->sqnrDb - measured) < 0.01, qPrintable(QString::number(row->sqnrDb)));
        }
        REQUIRE_RUNTIME();
        const auto compared = compareInRuntime(in, out);
        QVERIFY2(compared.has_value(), qPrintable(errorOf(compared)));
        QVERIFY2((*compared)[0].cosine > 0.99, qPrintable(QString::number((*compared)[0].cosine)));
    }

    // An embedding table [100, 64] read by Gather becomes GatherBlockQuantized: codes [100, 32] and scales [100, 2]
    // decoded here ((code − 8) · scale, low nibble first) match the preview's SQNR; ONNX Runtime gathers the same
    // rows (ids fed here, cosine against the float model's output above 0.98 with the MatMul after it int4 too).
    void embeddingBecomesGatherBlockQuantized()
    {
        fx::ModelBuilder b(13, 8);
        fx::Lcg rng(91);
        b.addInput("ids", onnx::TensorProto::INT64, { 2, 5 });
        const std::vector<float> table = gaussian(rng, 100 * 64, 1.0f);
        b.addFloatInitializer("embedding", { 100, 64 }, table);
        b.addFloatInitializer("proj", { 64, 16 }, gaussian(rng, 64 * 16, 0.1f));
        b.addNode("Gather", { "embedding", "ids" }, { "e" }, "lookup");
        b.addNode("MatMul", { "e", "proj" }, { "y" }, "proj_mm");
        b.addOutput("y", onnx::TensorProto::FLOAT, { 2, 5, 16 });
        const fs::path in = path("embedding.onnx"), out = path("embedding-int4.onnx");
        QVERIFY(b.save(in).has_value());
        TRY_SLIM(s, in, single(slim::QuantizeInt4Step {}, scopeWithMin(0)), out);
        QCOMPARE(s->exported.fileBytes, s->result.preview.predictedFileBytes);
        const auto written = readProto(out);
        QVERIFY(written);
        const onnx::NodeProto* gather = nullptr;
        for (const auto& node : written->graph().node())
            if (node.op_type() == "GatherBlockQuantized" && node.domain() == "com.microsoft")
                gather = &node;
        QVERIFY(gather);
        const auto* codes = findInitializer(written->graph(), gather->input(0));
        const auto* scales = findInitializer(written->graph(), gather->input(2));
        QVERIFY(codes && scales);
        QCOMPARE(codes->raw_data().size(), std::size_t(100 * 32));
        QCOMPARE(scales->raw_data().size(), std::size_t(100 * 2 * 4));
        std::vector<float> scale(200);
        std::memcpy(scale.data(), scales->raw_data().data(), 800);
        std::vector<double> restored(table.size());
        for (std::size_t r = 0; r < 100; ++r)
            for (std::size_t c = 0; c < 64; ++c) {
                const auto byte = static_cast<unsigned char>(codes->raw_data()[r * 32 + c / 2]);
                const int code = c % 2 == 0 ? byte & 0x0F : byte >> 4;
                restored[r * 64 + c] = double(code - 8) * scale[r * 2 + c / 32];
            }
        const double measured = sqnr(table, restored);
        QVERIFY2(measured >= 18.0, qPrintable(QString::number(measured)));
        const auto row
            = std::ranges::find(s->result.preview.tensors, std::string("embedding"), &slim::TensorChange::name);
        QVERIFY(row != s->result.preview.tensors.end() && row->hasError);
        QVERIFY2(std::fabs(row->sqnrDb - measured) < 0.01, qPrintable(QString::number(row->sqnrDb)));
        REQUIRE_RUNTIME();
        auto original = rt::ModelSession::open(in, 1);
        auto slimmed = rt::ModelSession::open(out, 1);
        QVERIFY(original.has_value());
        QVERIFY2(slimmed.has_value(), slimmed ? "" : slimmed.error().message.c_str());
        rt::HostTensor ids { "ids", slimscope::core::model::DataType::Int64, { 2, 5 }, {} };
        for (const std::int64_t id : { 0, 7, 99, 42, 13, 56, 3, 88, 21, 64 })
            ids.data.insert(
                ids.data.end(), reinterpret_cast<const std::byte*>(&id), reinterpret_cast<const std::byte*>(&id) + 8);
        const auto a = original->run({ ids });
        const auto c = slimmed->run({ ids });
        QVERIFY(a && c);
        std::vector<float> x(160), y(160);
        std::memcpy(x.data(), (*a)[0].data.data(), 640);
        std::memcpy(y.data(), (*c)[0].data.data(), 640);
        double dot = 0, xx = 0, yy = 0;
        for (std::size_t i = 0; i < 160; ++i) {
            dot += double(x[i]) * y[i];
            xx += double(x[i]) * x[i];
            yy += double(y[i]) * y[i];
        }
        QVERIFY2(dot / std::sqrt(xx * yy) > 0.98, qPrintable(QString::number(dot / std::sqrt(xx * yy))));
    }

    // A Conv net with a Gemm head: the head becomes MatMulNBits, the Conv kernel int8 per channel
    // (DequantizeLinear), and the summary says why.
    void convWeightsGetInt8()
    {
        fx::ModelBuilder b(13, 8);
        fx::Lcg rng(89);
        b.addInput("x", onnx::TensorProto::FLOAT, { 1, 3, 8, 8 });
        b.addFloatInitializer("conv.weight", { 16, 3, 3, 3 }, fx::randomFloats(rng, 16 * 27, 0.3f));
        auto& conv = b.addNode("Conv", { "x", "conv.weight" }, { "c" }, "conv");
        fx::ModelBuilder::addAttrInts(conv, "pads", { 1, 1, 1, 1 });
        b.addNode("GlobalAveragePool", { "c" }, { "gap" }, "gap");
        fx::ModelBuilder::addAttrInt(b.addNode("Flatten", { "gap" }, { "f" }, "flatten"), "axis", 1);
        b.addFloatInitializer("fc.weight", { 10, 16 }, fx::randomFloats(rng, 160, 0.3f));
        b.addFloatInitializer("fc.bias", { 10 }, fx::randomFloats(rng, 10, 0.1f));
        fx::ModelBuilder::addAttrInt(b.addNode("Gemm", { "f", "fc.weight", "fc.bias" }, { "y" }, "fc"), "transB", 1);
        b.addOutput("y", onnx::TensorProto::FLOAT, { 1, 10 });
        QVERIFY(b.save(path("convnet.onnx")).has_value());
        TRY_SLIM(
            s, path("convnet.onnx"), single(slim::QuantizeInt4Step {}, scopeWithMin(0)), path("convnet-int4.onnx"));
        const auto written = readProto(path("convnet-int4.onnx"));
        QVERIFY(written);
        int nbits = 0, dequantize = 0;
        for (const auto& node : written->graph().node()) {
            nbits += node.op_type() == "MatMulNBits" ? 1 : 0;
            dequantize += node.op_type() == "DequantizeLinear" ? 1 : 0;
        }
        QCOMPARE(nbits, 1);
        QCOMPARE(dequantize, 1);
        QVERIFY2(s->result.preview.steps.front().summary.contains("MatMulNBits reads only MatMul weights"),
            s->result.preview.steps.front().summary.c_str());
        QCOMPARE(s->exported.fileBytes, s->result.preview.predictedFileBytes);
        REQUIRE_RUNTIME();
        const auto compared = compareInRuntime(path("convnet.onnx"), path("convnet-int4.onnx"));
        QVERIFY2(compared.has_value(), qPrintable(errorOf(compared)));
        QVERIFY2((*compared)[0].cosine > 0.99, qPrintable(QString::number((*compared)[0].cosine)));
    }
};

QTEST_GUILESS_MAIN(TestQuantizeInt4)
#include "tst_quantizeint4.moc"
