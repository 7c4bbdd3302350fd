// quantize:bf16 and quantize:fp16 with `keep`: the written bfloat16 bits are compared with rounding to nearest even
// computed here (float32's top 16 bits after adding 0x7FFF plus the lowest kept bit); the preview's error is the
// error of those values; a tensor in `keep` stays float32; values beyond ±65504 are counted in a warning. ONNX
// Runtime runs the results.
#include "modelbuilder.h"
#include "slim/steps/quantize.h"
#include "slimtestsupport.h"

#include <QTemporaryDir>
#include <QTest>

#include <bit>
#include <cmath>

using namespace slimtest;

namespace {

// x[2,64] -> MatMul w1 [64,32] -> Relu -> MatMul w2 [32,8] -> y; w2 holds two values beyond ±65504.
fx::ModelBuilder twoLayers(std::vector<float>& w1, std::vector<float>& w2)
{
    fx::ModelBuilder b(13, 8);
    fx::Lcg rng(101);
    b.addInput("x", onnx::TensorProto::FLOAT, { 2, 64 });
    w1 = fx::randomFloats(rng, 64 * 32, 0.3f);
    w2 = fx::randomFloats(rng, 32 * 8, 0.3f);
    w2[3] = 70000.0f;
    w2[9] = -1e5f;
    b.addFloatInitializer("w1", { 64, 32 }, w1);
    b.addFloatInitializer("w2", { 32, 8 }, w2);
    b.addNode("MatMul", { "x", "w1" }, { "h" }, "fc1");
    b.addNode("Relu", { "h" }, { "a" }, "relu");
    b.addNode("MatMul", { "a", "w2" }, { "y" }, "fc2");
    b.addOutput("y", onnx::TensorProto::FLOAT, { 2, 8 });
    return b;
}

float bfloat16Rounded(float value)
{
    const auto bits = std::bit_cast<std::uint32_t>(value);
    const std::uint32_t rounded = (bits + 0x7FFFu + ((bits >> 16) & 1u)) & 0xFFFF0000u;
    return std::bit_cast<float>(rounded);
}

} // namespace

class TestHalfFloat : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;

    fs::path path(const std::string& name) const { return fs::path(m_dir.path().toStdString()) / name; }

private slots:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void bfloat16KeepsTheRange()
    {
        std::vector<float> w1, w2;
        QVERIFY(twoLayers(w1, w2).save(path("two.onnx")).has_value());
        TRY_SLIM(s, path("two.onnx"), single(slim::QuantizeBf16Step {}, scopeWithMin(0)), path("two-bf16.onnx"));
        QCOMPARE(s->exported.fileBytes, s->result.preview.predictedFileBytes);
        const auto written = readProto(path("two-bf16.onnx"));
        QVERIFY(written);
        const onnx::TensorProto* stored = nullptr;
        for (const auto& t : written->graph().initializer())
            if (t.data_type() == onnx::TensorProto::BFLOAT16 && t.dims(0) == 32)
                stored = &t;
        QVERIFY(stored && stored->raw_data().size() == w2.size() * 2);
        double signal = 0, noise = 0;
        for (std::size_t i = 0; i < w2.size(); ++i) {
            std::uint16_t half;
            std::memcpy(&half, stored->raw_data().data() + 2 * i, 2);
            const float expected = bfloat16Rounded(w2[i]);
            QCOMPARE(std::bit_cast<float>(std::uint32_t(half) << 16), expected);
            signal += double(w2[i]) * w2[i];
            noise += (double(w2[i]) - expected) * (double(w2[i]) - expected);
        }
        const auto row = std::ranges::find(s->result.preview.tensors, std::string("w2"), &slim::TensorChange::name);
        QVERIFY(row != s->result.preview.tensors.end() && row->hasError);
        QVERIFY2(std::fabs(row->sqnrDb - 10.0 * std::log10(signal / noise)) < 0.01,
            qPrintable(QString::number(row->sqnrDb)));
        REQUIRE_RUNTIME();
        const auto compared = compareInRuntime(path("two.onnx"), path("two-bf16.onnx"));
        QVERIFY2(compared.has_value(), qPrintable(errorOf(compared)));
        QVERIFY2((*compared)[0].cosine > 0.9999, qPrintable(QString::number((*compared)[0].cosine)));
    }

    void fp16KeepsListedTensorsAndCountsSaturation()
    {
        std::vector<float> w1, w2;
        QVERIFY(twoLayers(w1, w2).save(path("two16.onnx")).has_value());
        TRY_SLIM(all, path("two16.onnx"), single(slim::QuantizeFp16Step {}, scopeWithMin(0)), path("two-fp16.onnx"));
        QString said;
        for (const auto& d : all->result.preview.diagnostics)
            said += QString::fromStdString(d.message);
        QVERIFY2(said.contains(QStringLiteral("2 value(s) beyond ±65504 saturate (w2)")), qPrintable(said));

        slim::QuantizeFp16Step keep;
        keep.keep = { "w2" };
        TRY_SLIM(s, path("two16.onnx"), single(keep, scopeWithMin(0)), path("two-fp16-keep.onnx"));
        const auto written = readProto(path("two-fp16-keep.onnx"));
        QVERIFY(written);
        const auto* w2Stored = findInitializer(written->graph(), "w2");
        QVERIFY(w2Stored && w2Stored->data_type() == onnx::TensorProto::FLOAT);
        QVERIFY(!findInitializer(written->graph(), "w1")); // now a Cast's output
        for (const auto& d : s->result.preview.diagnostics)
            QVERIFY2(!d.message.contains("saturate"), d.message.c_str());
        REQUIRE_RUNTIME();
        const auto compared = compareInRuntime(path("two16.onnx"), path("two-fp16-keep.onnx"));
        QVERIFY2(compared.has_value(), qPrintable(errorOf(compared)));
        QVERIFY2((*compared)[0].cosine > 0.9999, qPrintable(QString::number((*compared)[0].cosine)));
    }
};

QTEST_GUILESS_MAIN(TestHalfFloat)
#include "tst_halffloat.moc"
