// quantize:int8-static on models built for it. Checked here, independently of the step: the calibrated range of the
// graph input against min-max and percentiles computed from the sample files this test writes; the int8 weights and
// int32 biases decoded from the written tensors (weight SQNR, bias scale = input scale × weight scale); one scale
// for a Concat's inputs and output and for a MaxPool's; zero point 0 after a Relu; one pair per value however many
// read it (the residual's skip). ONNX Runtime runs every result within cosine 0.99 of the float model on the
// calibration distribution, and its optimized model shows the integer kernels (QLinearConv, QLinearMatMul, ...).
#include "runtime/calibration.h"
#include "slim/steps/quantize.h"
#include "slimtestsupport.h"

#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <fstream>

using namespace slimtest;

namespace {

// x[1,3,16,16] -> conv0 -> relu0 (r0) -> conv1 -> relu1 -> conv2 -> Add(., r0) -> relu_add (r1) -> MaxPool (m)
// -> conv3 -> Clip(0, 6) (c3) and conv4 -> Relu (c4) -> Concat (cat) -> GlobalAveragePool -> Flatten -> Gemm fc
// (transB) -> y[1,10].
fx::ModelBuilder residualNet()
{
    fx::ModelBuilder b(13, 8);
    fx::Lcg rng(97);
    b.addInput("x", onnx::TensorProto::FLOAT, { 1, 3, 16, 16 });
    const auto conv = [&](const std::string& name, const std::string& in, const std::string& out, int cin, int cout,
                          int k) {
        const float scale = std::sqrt(3.0f / float(cin * k * k));
        b.addFloatInitializer(name + ".weight", { cout, cin, k, k }, fx::randomFloats(rng, cout * cin * k * k, scale));
        b.addFloatInitializer(name + ".bias", { cout }, fx::randomFloats(rng, cout, 0.1f));
        auto& node = b.addNode("Conv", { in, name + ".weight", name + ".bias" }, { out }, name);
        fx::ModelBuilder::addAttrInts(node, "pads", { k / 2, k / 2, k / 2, k / 2 });
    };
    conv("conv0", "x", "h0", 3, 8, 3);
    b.addNode("Relu", { "h0" }, { "r0" }, "relu0");
    conv("conv1", "r0", "h1", 8, 8, 3);
    b.addNode("Relu", { "h1" }, { "a1" }, "relu1");
    conv("conv2", "a1", "h2", 8, 8, 3);
    b.addNode("Add", { "h2", "r0" }, { "sum" }, "add");
    b.addNode("Relu", { "sum" }, { "r1" }, "relu_add");
    auto& pool = b.addNode("MaxPool", { "r1" }, { "m" }, "pool");
    fx::ModelBuilder::addAttrInts(pool, "kernel_shape", { 2, 2 });
    fx::ModelBuilder::addAttrInts(pool, "strides", { 2, 2 });
    conv("conv3", "m", "h3", 8, 8, 1);
    b.addFloatInitializer("clip.min", {}, { 0.0f });
    b.addFloatInitializer("clip.max", {}, { 6.0f });
    b.addNode("Clip", { "h3", "clip.min", "clip.max" }, { "c3" }, "clip");
    conv("conv4", "m", "h4", 8, 8, 1);
    b.addNode("Relu", { "h4" }, { "c4" }, "relu4");
    fx::ModelBuilder::addAttrInt(b.addNode("Concat", { "c3", "c4" }, { "cat" }, "concat"), "axis", 1);
    b.addNode("GlobalAveragePool", { "cat" }, { "gap" }, "gap");
    fx::ModelBuilder::addAttrInt(b.addNode("Flatten", { "gap" }, { "f" }, "flatten"), "axis", 1);
    b.addFloatInitializer("fc.weight", { 10, 16 }, fx::randomFloats(rng, 160, 0.4f));
    b.addFloatInitializer("fc.bias", { 10 }, fx::randomFloats(rng, 10, 0.1f));
    fx::ModelBuilder::addAttrInt(b.addNode("Gemm", { "f", "fc.weight", "fc.bias" }, { "y" }, "fc"), "transB", 1);
    b.addOutput("y", onnx::TensorProto::FLOAT, { 1, 10 });
    return b;
}

float scalarOf(const onnx::GraphProto& g, const std::string& name)
{
    const auto* t = findInitializer(g, name);
    return t ? valuesOf<float>(*t).at(0) : NAN;
}

/// The QuantizeLinear node whose DequantizeLinear gives `value` back (or reads it, for a value kept as it is).
std::vector<const onnx::NodeProto*> quantizersOf(const onnx::GraphProto& g, const std::string& value)
{
    std::vector<const onnx::NodeProto*> found;
    for (const auto& node : g.node()) {
        if (node.op_type() != "QuantizeLinear")
            continue;
        const onnx::NodeProto* dq = nullptr;
        for (const auto& other : g.node())
            if (other.op_type() == "DequantizeLinear" && other.input(0) == node.output(0))
                dq = &other;
        if (node.input(0) == value || (dq && dq->output(0) == value))
            found.push_back(&node);
    }
    return found;
}

/// The op types of ONNX Runtime's optimized form of `model`.
std::multiset<std::string> optimizedOps(const fs::path& model, const fs::path& optimized)
{
    rt::SessionSettings settings;
    settings.threads = 1;
    settings.saveOptimizedModel = optimized;
    if (!rt::ModelSession::open(model, settings))
        return {};
    const auto proto = readProto(optimized);
    std::multiset<std::string> ops;
    if (proto)
        for (const auto& node : proto->graph().node())
            ops.insert(node.op_type());
    return ops;
}

QString opList(const std::multiset<std::string>& ops)
{
    QStringList list;
    for (const auto& op : ops)
        list << QString::fromStdString(op);
    return list.join(u' ');
}

void writeTensor(const fs::path& file, const std::vector<float>& values, const std::vector<std::int64_t>& dims)
{
    onnx::TensorProto t;
    t.set_data_type(onnx::TensorProto::FLOAT);
    for (auto d : dims)
        t.add_dims(d);
    t.set_raw_data(values.data(), values.size() * 4);
    std::ofstream(file, std::ios::binary) << t.SerializeAsString();
}

} // namespace

class TestQuantizeStatic : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;

    fs::path path(const std::string& name) const { return fs::path(m_dir.path().toStdString()) / name; }

private slots:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void residualNetRunsOnIntegerKernels()
    {
        REQUIRE_RUNTIME();
        const fs::path in = path("residual.onnx"), out = path("residual-static.onnx");
        const fx::ModelBuilder builder = residualNet();
        QVERIFY(builder.save(in).has_value());
        TRY_SLIM(s, in, single(slim::QuantizeInt8StaticStep {}), out);
        QCOMPARE(s->exported.fileBytes, s->result.preview.predictedFileBytes);
        const auto written = readProto(out);
        QVERIFY(written);
        const auto& g = written->graph();
        const auto& original = builder.model().graph();

        // Weights: int8 per output channel, decoded here; biases int32 with scale = input scale × weight scale.
        for (const std::string conv : { "conv0", "conv1", "conv2", "conv3", "conv4" }) {
            const onnx::NodeProto* node = nullptr;
            for (const auto& n : g.node())
                if (n.op_type() == "Conv" && n.name() == conv)
                    node = &n;
            QVERIFY2(node, conv.c_str());
            const auto* wdq = findProducer(g, node->input(1));
            QVERIFY(wdq && wdq->op_type() == "DequantizeLinear");
            const auto* codes = findInitializer(g, wdq->input(0));
            const auto* scales = findInitializer(g, wdq->input(1));
            QVERIFY(codes && scales && codes->data_type() == onnx::TensorProto::INT8);
            const auto weightScales = valuesOf<float>(*scales);
            const auto weights = valuesOf<float>(*findInitializer(original, conv + ".weight"));
            const std::size_t perChannel = weights.size() / weightScales.size();
            double signal = 0, noise = 0;
            for (std::size_t i = 0; i < weights.size(); ++i) {
                const double restored
                    = double(static_cast<std::int8_t>(codes->raw_data()[i])) * weightScales[i / perChannel];
                signal += double(weights[i]) * weights[i];
                noise += (weights[i] - restored) * (weights[i] - restored);
            }
            QVERIFY2(10 * std::log10(signal / noise) > 35.0, conv.c_str());

            const auto* bdq = findProducer(g, node->input(2));
            QVERIFY2(bdq && bdq->op_type() == "DequantizeLinear", conv.c_str());
            const auto* biasCodes = findInitializer(g, bdq->input(0));
            QVERIFY(biasCodes && biasCodes->data_type() == onnx::TensorProto::INT32);
            const auto biasScales = valuesOf<float>(*findInitializer(g, bdq->input(1)));
            const auto* xq = quantizersOf(g, node->input(0)).at(0);
            const float inputScale = scalarOf(g, xq->input(1));
            const auto bias = valuesOf<float>(*findInitializer(original, conv + ".bias"));
            const auto ints = valuesOf<std::int32_t>(*biasCodes);
            for (std::size_t c = 0; c < bias.size(); ++c) {
                QCOMPARE(biasScales[c], inputScale * weightScales[c]);
                QCOMPARE(ints[c], static_cast<std::int32_t>(std::nearbyint(bias[c] / double(biasScales[c]))));
            }
        }
        // One pair for the skip r0 (read by conv1 and the Add); after a Relu or Clip(0, 6) the zero point is 0;
        // a Concat's inputs and output share one scale, as do a MaxPool's.
        QCOMPARE(quantizersOf(g, "r0").size(), std::size_t(1));
        for (const std::string value : { "r0", "a1", "r1", "c3", "c4" }) {
            const auto* q = quantizersOf(g, value).at(0);
            QCOMPARE(findInitializer(g, q->input(2))->raw_data(), std::string(1, '\0'));
        }
        const auto scaleOf
            = [&](const std::string& value) { return scalarOf(g, quantizersOf(g, value).at(0)->input(1)); };
        QCOMPARE(scaleOf("c3"), scaleOf("cat"));
        QCOMPARE(scaleOf("c4"), scaleOf("cat"));
        QCOMPARE(scaleOf("r1"), scaleOf("m"));
        QVERIFY(scaleOf("c3") <= 6.0f / 255.0f + 1e-7f); // Clip at 6 bounds the range

        const auto compared = compareInRuntime(in, out);
        QVERIFY2(compared.has_value(), qPrintable(errorOf(compared)));
        QVERIFY2((*compared)[0].cosine >= 0.99, qPrintable(QString::number((*compared)[0].cosine)));
        const auto ops = optimizedOps(out, path("residual-static-ort.onnx"));
        QVERIFY2(ops.count("QLinearConv") == 5 && !ops.contains("Conv") && ops.contains("QLinearAdd")
                && ops.contains("QLinearConcat"),
            qPrintable(opList(ops)));
    }

    // The graph input's range from sample files written here (test_data_set_<k>/input_0.pb): min-max is their
    // extremes; percentile 99 clips 1 % from each tail, to within one of the 4096 histogram bins.
    void calibrationReadsTheSampleFolder()
    {
        REQUIRE_RUNTIME();
        const fs::path in = path("residual-cal.onnx"), samples = path("samples");
        QVERIFY(residualNet().save(in).has_value());
        fx::Lcg rng(5);
        std::vector<float> all;
        for (int k = 0; k < 3; ++k) {
            fs::create_directories(samples / ("test_data_set_" + std::to_string(k)));
            auto values = fx::randomFloats(rng, 3 * 16 * 16, 1.0f);
            for (float& v : values)
                v = v * v * v * 4.0f + 0.5f; // long tails, off centre
            writeTensor(samples / ("test_data_set_" + std::to_string(k)) / "input_0.pb", values, { 1, 3, 16, 16 });
            all.insert(all.end(), values.begin(), values.end());
        }
        std::ranges::sort(all);
        for (const std::string method : { "minmax", "percentile" }) {
            slim::QuantizeInt8StaticStep step;
            step.inputs = samples.string();
            step.method = method;
            step.percentile = 99.0;
            const fs::path out = path("residual-" + method + ".onnx");
            TRY_SLIM(s, in, single(step), out);
            const auto written = readProto(out);
            QVERIFY(written);
            const auto* q = quantizersOf(written->graph(), "x").at(0);
            const float scale = scalarOf(written->graph(), q->input(1));
            const int zero = static_cast<unsigned char>(findInitializer(written->graph(), q->input(2))->raw_data()[0]);
            double low = all.front(), high = all.back();
            double tolerance = 1e-6;
            if (method == "percentile") {
                low = all[static_cast<std::size_t>(0.01 * all.size())];
                high = all[static_cast<std::size_t>(0.99 * all.size())];
                tolerance = (all.back() - all.front()) / 4096 * 1.01;
            }
            low = std::min(low, 0.0);
            // scale = (high - low) / 255 and zero point = round(-low / scale), from the range this test computed.
            const double impliedLow = -zero * double(scale), impliedHigh = impliedLow + 255.0 * scale;
            QVERIFY2(std::fabs(impliedHigh - high) <= tolerance + scale,
                qPrintable(QStringLiteral("%1: high %2, expected %3").arg(method.c_str()).arg(impliedHigh).arg(high)));
            QVERIFY2(std::fabs(impliedLow - low) <= tolerance + scale,
                qPrintable(QStringLiteral("%1: low %2, expected %3").arg(method.c_str()).arg(impliedLow).arg(low)));
            QVERIFY2(s->result.preview.steps.at(0).summary.find("files in " + samples.string()) != std::string::npos,
                s->result.preview.steps.at(0).summary.c_str());
        }
    }

    // Exclusions: a node by name and an op type stay float (conv3's weight stays float32; conv3 and the Add read
    // float values, never a dequantized copy), and ONNX Runtime still runs the mix.
    void exclusionsStayFloat()
    {
        REQUIRE_RUNTIME();
        const fs::path in = path("residual-ex.onnx"), out = path("residual-ex-static.onnx");
        QVERIFY(residualNet().save(in).has_value());
        slim::QuantizeInt8StaticStep step;
        step.excludeNodes = { "conv3" };
        step.excludeOps = { "Add" };
        TRY_SLIM(s, in, single(step), out);
        const auto written = readProto(out);
        QVERIFY(written);
        const auto& g = written->graph();
        const auto* w3 = findInitializer(g, "conv3.weight");
        QVERIFY(w3 && w3->data_type() == onnx::TensorProto::FLOAT);
        QVERIFY(quantizersOf(g, "sum").empty());
        for (const auto& node : g.node())
            if (node.name() == "conv3" || node.name() == "add")
                for (const auto& input : node.input())
                    QVERIFY2(!findProducer(g, input) || findProducer(g, input)->op_type() != "DequantizeLinear"
                            || findInitializer(g, findProducer(g, input)->input(0))->data_type()
                                != onnx::TensorProto::UINT8,
                        input.c_str());
        const auto compared = compareInRuntime(in, out);
        QVERIFY2(compared.has_value(), qPrintable(errorOf(compared)));
        QVERIFY2((*compared)[0].cosine >= 0.99, qPrintable(QString::number((*compared)[0].cosine)));
        const auto ops = optimizedOps(out, path("residual-ex-ort.onnx"));
        // The float Add reads conv2's output and the skip r0 as they are: conv0 and conv2 (their outputs feed float
        // readers) and the excluded conv3 run in float; conv1 and conv4 on integers.
        QVERIFY2(ops.count("QLinearConv") == 2 && ops.count("Conv") + ops.count("FusedConv") == 3
                && !ops.contains("QLinearAdd"),
            qPrintable(opList(ops)));
    }

    // A MatMul chain (with a Gemm in the middle): QLinearMatMul in ONNX Runtime, within cosine 0.99.
    void matMulChainRunsAsQLinearMatMul()
    {
        REQUIRE_RUNTIME();
        fx::ModelBuilder b(13, 8);
        fx::Lcg rng(83);
        b.addInput("x", onnx::TensorProto::FLOAT, { 4, 256 });
        b.addFloatInitializer("w1", { 256, 96 }, fx::randomFloats(rng, 256 * 96, 0.1f));
        b.addFloatInitializer("w2", { 40, 96 }, fx::randomFloats(rng, 40 * 96, 0.15f));
        b.addFloatInitializer("b2", { 40 }, fx::randomFloats(rng, 40, 0.1f));
        b.addFloatInitializer("w3", { 40, 24 }, fx::randomFloats(rng, 40 * 24, 0.2f));
        b.addNode("MatMul", { "x", "w1" }, { "h1" }, "fc1");
        b.addNode("Relu", { "h1" }, { "a1" }, "relu1");
        fx::ModelBuilder::addAttrInt(b.addNode("Gemm", { "a1", "w2", "b2" }, { "h2" }, "fc2"), "transB", 1);
        b.addNode("Relu", { "h2" }, { "a2" }, "relu2");
        b.addNode("MatMul", { "a2", "w3" }, { "y" }, "fc3");
        b.addOutput("y", onnx::TensorProto::FLOAT, { 4, 24 });
        const fs::path in = path("chain.onnx"), out = path("chain-static.onnx");
        QVERIFY(b.save(in).has_value());
        TRY_SLIM(s, in, single(slim::QuantizeInt8StaticStep {}), out);
        QCOMPARE(s->exported.fileBytes, s->result.preview.predictedFileBytes);
        const auto compared = compareInRuntime(in, out);
        QVERIFY2(compared.has_value(), qPrintable(errorOf(compared)));
        QVERIFY2((*compared)[0].cosine >= 0.99, qPrintable(QString::number((*compared)[0].cosine)));
        const auto ops = optimizedOps(out, path("chain-ort.onnx"));
        QVERIFY2(ops.contains("QLinearMatMul") && !ops.contains("MatMul"), qPrintable(opList(ops)));
    }

    // An embedding table read by Gather: int8 codes per row and a scale per row (decoded here: SQNR as the
    // preview's, above 35 dB), gathered before they are dequantized; ONNX Runtime gathers the same rows (ids
    // over the whole table) within cosine 0.99, the MatMul after it on integers.
    void embeddingRowsAreGatheredAsInt8()
    {
        REQUIRE_RUNTIME();
        fx::ModelBuilder b(13, 8);
        fx::Lcg rng(91);
        b.addInput("ids", onnx::TensorProto::INT64, { 2, 5 });
        const std::vector<float> table = fx::randomFloats(rng, 100 * 64, 1.0f);
        b.addFloatInitializer("embedding", { 100, 64 }, table);
        b.addFloatInitializer("proj", { 64, 16 }, fx::randomFloats(rng, 64 * 16, 0.2f));
        b.addNode("Gather", { "embedding", "ids" }, { "e" }, "lookup");
        b.addNode("MatMul", { "e", "proj" }, { "y" }, "proj_mm");
        b.addOutput("y", onnx::TensorProto::FLOAT, { 2, 5, 16 });
        const fs::path in = path("embedding.onnx"), out = path("embedding-static.onnx");
        QVERIFY(b.save(in).has_value());
        TRY_SLIM(s, in, single(slim::QuantizeInt8StaticStep {}), out);
        QCOMPARE(s->exported.fileBytes, s->result.preview.predictedFileBytes);
        const auto written = readProto(out);
        QVERIFY(written);
        const auto& g = written->graph();
        QVERIFY(!findInitializer(g, "embedding"));
        const onnx::TensorProto *codes = nullptr, *scales = nullptr;
        for (const auto& t : g.initializer()) {
            if (t.data_type() == onnx::TensorProto::INT8 && elementsOf(t) == 6400)
                codes = &t;
            if (t.data_type() == onnx::TensorProto::FLOAT && t.dims_size() == 2 && t.dims(0) == 100 && t.dims(1) == 1)
                scales = &t;
        }
        QVERIFY(codes && scales);
        const auto rowScale = valuesOf<float>(*scales);
        double signal = 0, noise = 0;
        for (std::size_t i = 0; i < table.size(); ++i) {
            const double restored = double(static_cast<std::int8_t>(codes->raw_data()[i])) * rowScale[i / 64];
            signal += double(table[i]) * table[i];
            noise += (table[i] - restored) * (table[i] - restored);
        }
        const double measured = 10 * std::log10(signal / noise);
        QVERIFY2(measured > 35.0, qPrintable(QString::number(measured)));
        const auto row
            = std::ranges::find(s->result.preview.tensors, std::string("embedding"), &slim::TensorChange::name);
        QVERIFY(row != s->result.preview.tensors.end() && row->hasError);
        QVERIFY2(std::fabs(row->sqnrDb - measured) < 0.01, qPrintable(QString::number(row->sqnrDb)));

        auto original = rt::ModelSession::open(in, 1);
        auto slimmed = rt::ModelSession::open(out, 1);
        QVERIFY(original.has_value());
        QVERIFY2(slimmed.has_value(), slimmed ? "" : slimmed.error().message.c_str());
        double dot = 0, xx = 0, yy = 0;
        for (std::int64_t first = 0; first < 100; first += 10) {
            rt::HostTensor ids { "ids", model::DataType::Int64, { 2, 5 }, {} };
            for (std::int64_t id = first; id < first + 10; ++id)
                ids.data.insert(ids.data.end(), reinterpret_cast<const std::byte*>(&id),
                    reinterpret_cast<const std::byte*>(&id) + 8);
            const auto a = original->run({ ids });
            const auto c = slimmed->run({ ids });
            QVERIFY2(a && c, c ? "" : c.error().message.c_str());
            std::vector<float> x(160), y(160);
            std::memcpy(x.data(), (*a)[0].data.data(), 640);
            std::memcpy(y.data(), (*c)[0].data.data(), 640);
            for (std::size_t i = 0; i < 160; ++i) {
                dot += double(x[i]) * y[i];
                xx += double(x[i]) * x[i];
                yy += double(y[i]) * y[i];
            }
        }
        QVERIFY2(dot / std::sqrt(xx * yy) >= 0.99, qPrintable(QString::number(dot / std::sqrt(xx * yy))));
        const auto ops = optimizedOps(out, path("embedding-ort.onnx"));
        QVERIFY2(ops.contains("QLinearMatMul") || ops.contains("MatMulIntegerToFloat"), qPrintable(opList(ops)));
    }

    // Bad calibration input is an error that names it; nothing is written.
    void badCalibrationInputsAreErrors()
    {
        REQUIRE_RUNTIME();
        const fs::path in = path("residual-bad.onnx");
        QVERIFY(residualNet().save(in).has_value());
        slim::QuantizeInt8StaticStep step;
        step.inputs = path("no-such-folder").string();
        const auto slimmed = slimFile(in, single(step), path("never.onnx"));
        QVERIFY(!slimmed);
        QVERIFY2(
            slimmed.error().contains(QStringLiteral("no-such-folder' does not exist")), qPrintable(slimmed.error()));
        QVERIFY(!fs::exists(path("never.onnx")));
        step.inputs = "random:0";
        QVERIFY(!slim::validateRecipe(single(step)));
    }
};

QTEST_GUILESS_MAIN(TestQuantizeStatic)
#include "tst_quantizestatic.moc"
