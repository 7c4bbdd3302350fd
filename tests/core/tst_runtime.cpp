// Verification in ONNX Runtime against numbers this test computes itself: a double-precision forward pass of
// small Gemm models built with the fixture builder, .npy files written byte by byte here, and (when present)
// ../shared/tools/ort_compare.mjs, which runs the same models through onnxruntime-node.
#include "fixtures.h"
#include "runtime/inputs.h"
#include "runtime/verify.h"

#include "testenv.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace fx = slimscope::fixtures;
namespace rt = slimscope::core::runtime;
using slimscope::core::Diagnostic;
using slimscope::core::ErrorCode;
using slimscope::core::model::DataType;

#define REQUIRE_RUNTIME()                                                                                              \
    do {                                                                                                               \
        if (!rt::runtimeAvailable())                                                                                   \
            SLIMSCOPE_SKIP("built without ONNX Runtime (scripts/fetch-onnxruntime.sh)");                               \
    } while (false)

#if defined(__SANITIZE_ADDRESS__)
// ONNX Runtime 1.30 leaks 14 bytes once per process when its first environment is created (seen with a
// five-line program that creates and deletes an Ort::Env); not ours to fix, so not ours to report.
extern "C" const char* __lsan_default_suppressions()
{
    return "leak:libonnxruntime.so\n";
}
#endif

namespace {

constexpr int32_t kFloat = onnx::TensorProto::FLOAT;

std::filesystem::path path(const QTemporaryDir& dir, const char* name)
{
    return std::filesystem::path(dir.path().toStdString()) / name;
}

void writeBytes(const std::filesystem::path& file, const std::string& bytes)
{
    std::ofstream(file, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

/// A .npy file as numpy writes it: magic, version, little-endian header length, a dict padded with spaces to a
/// multiple of 64 bytes and ended by '\n', then the data.
std::string npyBytes(
    const std::string& descr, const std::vector<int64_t>& shape, const void* data, size_t size, int version = 1)
{
    std::string shapeText = "(";
    for (size_t i = 0; i < shape.size(); ++i)
        shapeText += std::to_string(shape[i]) + (shape.size() == 1 || i + 1 < shape.size() ? "," : "");
    shapeText += ")";
    std::string header = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shapeText + ", }";
    const size_t prefix = version == 1 ? 10 : 12;
    while ((prefix + header.size() + 1) % 64 != 0)
        header += ' ';
    header += '\n';
    std::string bytes = "\x93NUMPY";
    bytes += static_cast<char>(version);
    bytes += '\0';
    const auto length = static_cast<uint32_t>(header.size());
    for (size_t i = 0; i < prefix - 8; ++i)
        bytes += static_cast<char>((length >> (8 * i)) & 0xff);
    bytes += header;
    bytes.append(static_cast<const char*>(data), size);
    return bytes;
}

template <class T>
std::string npyOf(const std::string& descr, const std::vector<int64_t>& shape, const std::vector<T>& v)
{
    return npyBytes(descr, shape, v.data(), v.size() * sizeof(T));
}

/// x[rows, k] -> Gemm(W[c, k], b[c], transB=1) -> y[rows, c]. A rows of fx::kSymbolicDim makes it "N".
fx::ModelBuilder gemmModel(const std::vector<float>& w, const std::vector<float>& b, int64_t rows, int64_t k, int64_t c)
{
    fx::ModelBuilder builder(13, 8);
    builder.addFloatInitializer("W", { c, k }, w);
    builder.addFloatInitializer("b", { c }, b);
    builder.addInput("x", kFloat, { rows, k });
    fx::ModelBuilder::addAttrInt(builder.addNode("Gemm", { "x", "W", "b" }, { "y" }, "gemm"), "transB", 1);
    builder.addOutput("y", kFloat, { rows, c });
    return builder;
}

/// The same Gemm in double precision.
std::vector<double> gemmForward(const std::vector<float>& x, const std::vector<float>& w, const std::vector<float>& b,
    size_t rows, size_t k, size_t c)
{
    std::vector<double> y(rows * c);
    for (size_t r = 0; r < rows; ++r)
        for (size_t j = 0; j < c; ++j) {
            double sum = b[j];
            for (size_t i = 0; i < k; ++i)
                sum += static_cast<double>(x[r * k + i]) * static_cast<double>(w[j * k + i]);
            y[r * c + j] = sum;
        }
    return y;
}

void save(const fx::ModelBuilder& builder, const std::filesystem::path& file)
{
    const auto saved = builder.save(file);
    QVERIFY2(saved, saved ? "" : saved.error().c_str());
}

QString errorText(const slimscope::core::Error& error)
{
    return QString::fromStdString(error.message);
}

} // namespace

class TestRuntime : public QObject {
    Q_OBJECT

private slots:
    void withoutRuntimeVerifyIsUnsupported();
    void floatToHalfRoundsToNearestEven();
    void compareOutputsByHand();
    void modelAgainstItself_data();
    void modelAgainstItself();
    void perturbedWeightsWithinComputedRange();
    void randomInputsMatchTheOracle();
    void top1AgreementOnGemmClassifier();
    void readsNpyFiles();
    void readsTensorProtoFiles();
    void badInputFilesNameTheFile();
    void symbolicDimensions();
    void float16InputsAreConverted();
    void errorsNameTheModel();
    void cancelAndProgress();
    void mobilenetAgainstItself();
};

// The path without ONNX Runtime, taken in this build through the run-time switch (a build without it takes it
// anyway): verify() is an error that says why, never a crash or a silent pass.
void TestRuntime::withoutRuntimeVerifyIsUnsupported()
{
    qputenv("SLIMSCOPE_NO_ONNXRUNTIME", "1");
    const bool available = rt::runtimeAvailable();
    const auto result = rt::verify("a.onnx", "b.onnx", {});
    qunsetenv("SLIMSCOPE_NO_ONNXRUNTIME");
    QVERIFY(!available);
    QVERIFY(!result);
    QCOMPARE(result.error().code, ErrorCode::Unsupported);
    QVERIFY2(result.error().message.find("ONNX Runtime") != std::string::npos, result.error().message.c_str());
    QCOMPARE(rt::runtimeAvailable(), SLIMSCOPE_HAVE_ONNXRUNTIME == 1);
}

void TestRuntime::floatToHalfRoundsToNearestEven()
{
    QCOMPARE(rt::floatToHalf(1.0f), uint16_t { 0x3c00 });
    QCOMPARE(rt::floatToHalf(-2.0f), uint16_t { 0xc000 });
    QCOMPARE(rt::floatToHalf(65504.0f), uint16_t { 0x7bff });
    QCOMPARE(rt::floatToHalf(65520.0f), uint16_t { 0x7c00 }); // halfway to the next binade rounds to infinity
    QCOMPARE(rt::floatToHalf(1.0f + 1.0f / 2048), uint16_t { 0x3c00 }); // tie: to even (down)
    QCOMPARE(rt::floatToHalf(1.0f + 3.0f / 2048), uint16_t { 0x3c02 }); // tie: to even (up)
    QCOMPARE(rt::floatToHalf(std::ldexp(1.0f, -24)), uint16_t { 0x0001 }); // smallest subnormal
    QCOMPARE(rt::floatToHalf(1e-7f), uint16_t { 0x0002 }); // 1e-7 / 2^-24 = 1.68 -> 2
    QCOMPARE(rt::floatToHalf(NAN) & 0x7e00, 0x7e00);
}

void TestRuntime::compareOutputsByHand()
{
    const auto tensor = [](std::vector<float> v, std::vector<int64_t> shape) {
        rt::HostTensor t { "y", DataType::Float, std::move(shape), {} };
        t.data.resize(v.size() * sizeof(float));
        std::memcpy(t.data.data(), v.data(), t.data.size());
        return t;
    };
    // ref [[1, 2], [3, 4]], out [[1, 2], [3, 5]]: one difference of 1, argmax of both rows unchanged.
    auto c = rt::compareOutputs(tensor({ 1, 2, 3, 4 }, { 2, 2 }), tensor({ 1, 2, 3, 5 }, { 2, 2 }));
    QVERIFY(c);
    QCOMPARE(c->maxAbs, 1.0);
    QCOMPARE(c->meanAbs, 0.25);
    QVERIFY(std::abs(c->cosine - 34.0 / std::sqrt(30.0 * 39.0)) < 1e-15);
    QVERIFY(std::abs(c->sqnrDb - 10 * std::log10(30.0)) < 1e-12);
    QVERIFY(!c->identical);
    QCOMPARE(c->top1Agreement.value(), 1.0);

    // Rank 3: rows are the leading dimensions; the second row's argmax moves.
    c = rt::compareOutputs(tensor({ 0, 1, 1, 0 }, { 1, 2, 2 }), tensor({ 0, 1, 0, 1 }, { 1, 2, 2 }));
    QVERIFY(c);
    QCOMPARE(c->top1Agreement.value(), 0.5);
    QCOMPARE(c->cosine, 0.5);

    // A vector has no classes; zeros against zeros are identical.
    c = rt::compareOutputs(tensor({ 0, 0, 0 }, { 3 }), tensor({ 0, 0, 0 }, { 3 }));
    QVERIFY(c && c->identical && !c->top1Agreement && c->cosine == 1 && c->sqnrDb == rt::kSqnrCapDb);

    // A zero reference against a non-zero output: cosine 0, SQNR at the negative cap.
    c = rt::compareOutputs(tensor({ 0, 0 }, { 2 }), tensor({ 0, 1 }, { 2 }));
    QVERIFY(c && c->cosine == 0 && c->sqnrDb == -rt::kSqnrCapDb);

    // NaN in one output only is counted, not averaged in; NaN in both is equal.
    c = rt::compareOutputs(tensor({ NAN, 1, NAN }, { 3 }), tensor({ NAN, 1, 2 }, { 3 }));
    QVERIFY(c);
    QCOMPARE(c->nonFiniteMismatches, uint64_t { 1 });
    QCOMPARE(c->maxAbs, 0.0);
    QVERIFY(!c->identical);

    const auto mismatch = rt::compareOutputs(tensor({ 1, 2 }, { 2 }), tensor({ 1, 2 }, { 1, 2 }));
    QVERIFY(!mismatch);
    QVERIFY2(errorText(mismatch.error()).contains(QLatin1String("shape [1,2] in the slimmed model")),
        qPrintable(errorText(mismatch.error())));
}

void TestRuntime::modelAgainstItself_data()
{
    QTest::addColumn<QString>("fixture");
    QTest::newRow("linearChain") << QStringLiteral("linearChain");
    QTest::newRow("convNet") << QStringLiteral("convNet");
}

void TestRuntime::modelAgainstItself()
{
    REQUIRE_RUNTIME();
    QFETCH(QString, fixture);
    QTemporaryDir dir;
    const auto file = path(dir, "model.onnx");
    save((fixture == QLatin1String("convNet") ? fx::convNet() : fx::linearChain()).builder, file);

    rt::VerifyOptions options;
    options.runs = 5;
    const auto result = rt::verify(file, file, options);
    QVERIFY2(result, result ? "" : result.error().message.c_str());
    QCOMPARE(result->outputs.size(), size_t { 1 });
    const rt::OutputComparison& out = result->outputs.front();
    QCOMPARE(out.name, std::string(fixture == QLatin1String("convNet") ? "logits" : "y"));
    QCOMPARE(out.dtype, DataType::Float);
    QVERIFY(out.identical);
    QCOMPARE(out.cosine, 1.0);
    QCOMPARE(out.maxAbs, 0.0);
    QCOMPARE(out.meanAbs, 0.0);
    QCOMPARE(out.sqnrDb, rt::kSqnrCapDb);
    QCOMPARE(out.top1Agreement.value(), 1.0); // [1, 10] and [1, 32] both look like class scores
    QCOMPARE(result->runs, 5);
    QVERIFY(result->originalLatencyMs > 0);
    QVERIFY(result->slimmedLatencyMs > 0);
    QCOMPARE(result->inputSource, std::string("random (seed 12345)"));
    QCOMPARE(result->inputs.size(), size_t { 1 });
    QVERIFY(!result->runtimeVersion.empty());
    QVERIFY(result->diagnostics.empty());
}

void TestRuntime::perturbedWeightsWithinComputedRange()
{
    REQUIRE_RUNTIME();
    constexpr size_t rows = 4, k = 64, c = 16;
    constexpr float epsilon = 1e-3f;
    fx::Lcg rng(7);
    const auto w = fx::randomFloats(rng, c * k, 0.5f);
    const auto b = fx::randomFloats(rng, c, 0.1f);
    auto w2 = w;
    for (float& v : w2)
        v += (rng.below(2) ? epsilon : -epsilon);
    const auto x = fx::randomFloats(rng, rows * k, 1.0f);

    QTemporaryDir dir;
    save(gemmModel(w, b, rows, k, c), path(dir, "a.onnx"));
    save(gemmModel(w2, b, rows, k, c), path(dir, "b.onnx"));
    std::filesystem::create_directory(path(dir, "inputs"));
    writeBytes(path(dir, "inputs") / "x.npy", npyOf("<f4", { rows, k }, x));

    // Independently: the difference is x · (W2 - W)ᵀ, each entry bounded by epsilon · Σ|x| of its row.
    const auto ya = gemmForward(x, w, b, rows, k, c);
    const auto yb = gemmForward(x, w2, b, rows, k, c);
    double maxDiff = 0, sumDiff = 0, refSquares = 0, diffSquares = 0, dot = 0, outSquares = 0, bound = 0;
    for (size_t i = 0; i < ya.size(); ++i) {
        const double diff = std::abs(ya[i] - yb[i]);
        maxDiff = std::max(maxDiff, diff);
        sumDiff += diff;
        refSquares += ya[i] * ya[i];
        outSquares += yb[i] * yb[i];
        diffSquares += (ya[i] - yb[i]) * (ya[i] - yb[i]);
        dot += ya[i] * yb[i];
    }
    for (size_t r = 0; r < rows; ++r) {
        double rowSum = 0;
        for (size_t i = 0; i < k; ++i)
            rowSum += std::abs(x[r * k + i]);
        bound = std::max(bound, rowSum * epsilon * 1.0001); // float rounding of W2 moves epsilon a little
    }

    rt::VerifyOptions options;
    options.inputsDir = path(dir, "inputs");
    const auto result = rt::verify(path(dir, "a.onnx"), path(dir, "b.onnx"), options);
    QVERIFY2(result, result ? "" : result.error().message.c_str());
    const rt::OutputComparison& out = result->outputs.at(0);
    qInfo("max abs %.9g (computed %.9g, bound %.9g), mean abs %.9g, SQNR %.4f dB (computed %.4f)", out.maxAbs, maxDiff,
        bound, out.meanAbs, out.sqnrDb, 10 * std::log10(refSquares / diffSquares));
    QVERIFY(!out.identical);
    QVERIFY(out.maxAbs > 0 && out.maxAbs <= bound);
    // float32 accumulation over 64 products of |x|, |w| < 1 is good to a few 1e-6.
    QVERIFY(std::abs(out.maxAbs - maxDiff) < 2e-5);
    QVERIFY(std::abs(out.meanAbs - sumDiff / static_cast<double>(ya.size())) < 2e-5);
    QVERIFY(std::abs(out.sqnrDb - 10 * std::log10(refSquares / diffSquares)) < 0.05);
    QVERIFY(std::abs(out.cosine - dot / std::sqrt(refSquares * outSquares)) < 1e-7);
    QCOMPARE(result->inputSource, "files in " + options.inputsDir.string());
}

void TestRuntime::randomInputsMatchTheOracle()
{
    REQUIRE_RUNTIME();
    const QString script = slimscope::testing::sharedToolsDir() + QStringLiteral("/ort_compare.mjs");
    SLIMSCOPE_REQUIRE_SHARED(script);
    const QString ortDir = QStringLiteral(SLIMSCOPE_ORT_NODE_DIR);
    const QString node = QStandardPaths::findExecutable(QStringLiteral("node"));
    if (node.isEmpty() || !QFile::exists(ortDir + QLatin1String("/node_modules/onnxruntime-node")))
        SLIMSCOPE_SKIP("node or onnxruntime-node (scripts/fetch-onnxruntime.sh) not available");

    // The oracle feeds both models the same seeded values; our random inputs use its generator, so the
    // numbers must agree although they are computed by different programs.
    fx::Lcg rng(11);
    const auto w = fx::randomFloats(rng, 10 * 32, 0.5f);
    const auto b = fx::randomFloats(rng, 10, 0.1f);
    auto w2 = w;
    for (size_t i = 0; i < w2.size(); i += 3)
        w2[i] *= 0.9f;
    QTemporaryDir dir;
    save(gemmModel(w, b, 2, 32, 10), path(dir, "a.onnx"));
    save(gemmModel(w2, b, 2, 32, 10), path(dir, "b.onnx"));

    QProcess oracle;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("ORT_DIR"), ortDir);
    oracle.setProcessEnvironment(env);
    oracle.start(node,
        { script, QString::fromStdString(path(dir, "a.onnx").string()),
            QString::fromStdString(path(dir, "b.onnx").string()) });
    QVERIFY(oracle.waitForFinished(60000));
    const QJsonObject json = QJsonDocument::fromJson(oracle.readAllStandardOutput()).object();
    const QJsonObject expected = json.value(QLatin1String("outputs")).toArray().at(0).toObject();
    QVERIFY2(expected.contains(QLatin1String("maxabs")), qPrintable(QJsonDocument(json).toJson()));

    const auto result = rt::verify(path(dir, "a.onnx"), path(dir, "b.onnx"), {});
    QVERIFY2(result, result ? "" : result.error().message.c_str());
    const rt::OutputComparison& out = result->outputs.at(0);
    qInfo("oracle max abs %.12g cosine %.15g; ours %.12g %.15g", expected.value(QLatin1String("maxabs")).toDouble(),
        expected.value(QLatin1String("cosine")).toDouble(), out.maxAbs, out.cosine);
    QVERIFY(out.maxAbs > 0);
    QVERIFY(std::abs(out.maxAbs - expected.value(QLatin1String("maxabs")).toDouble()) <= 1e-9 * out.maxAbs);
    QVERIFY(std::abs(out.cosine - expected.value(QLatin1String("cosine")).toDouble()) < 1e-12);
}

void TestRuntime::top1AgreementOnGemmClassifier()
{
    REQUIRE_RUNTIME();
    constexpr size_t rows = 64, k = 8, c = 5;
    fx::Lcg rng(3);
    const auto w = fx::randomFloats(rng, c * k, 1.0f);
    const auto b = fx::randomFloats(rng, c, 0.1f);
    const auto x = fx::randomFloats(rng, rows * k, 1.0f);
    // The slimmed classifier swaps classes 0 and 1: a row keeps its top-1 only when it was neither.
    auto w2 = w;
    auto b2 = b;
    std::swap_ranges(w2.begin(), w2.begin() + k, w2.begin() + k);
    std::swap(b2[0], b2[1]);

    const auto logits = gemmForward(x, w, b, rows, k, c);
    size_t keep = 0;
    for (size_t r = 0; r < rows; ++r) {
        const auto row = logits.begin() + static_cast<std::ptrdiff_t>(r * c);
        keep += std::max_element(row, row + c) - row >= 2;
    }
    const double expected = static_cast<double>(keep) / rows;
    QVERIFY2(expected > 0.2 && expected < 0.9, "the fixture should change some rows and keep others");

    QTemporaryDir dir;
    save(gemmModel(w, b, rows, k, c), path(dir, "a.onnx"));
    save(gemmModel(w2, b2, rows, k, c), path(dir, "b.onnx"));
    // Inputs as a TensorProto with float_data (the typed field), as onnx.numpy_helper does not write but others do.
    std::filesystem::create_directory(path(dir, "inputs"));
    onnx::TensorProto proto;
    proto.set_name("x");
    proto.set_data_type(kFloat);
    proto.add_dims(rows);
    proto.add_dims(k);
    for (float v : x)
        proto.add_float_data(v);
    writeBytes(path(dir, "inputs") / "x.pb", proto.SerializeAsString());

    rt::VerifyOptions options;
    options.inputsDir = path(dir, "inputs");
    options.runs = 3;
    const auto result = rt::verify(path(dir, "a.onnx"), path(dir, "b.onnx"), options);
    QVERIFY2(result, result ? "" : result.error().message.c_str());
    const rt::OutputComparison& out = result->outputs.at(0);
    QVERIFY(out.top1Agreement.has_value());
    QCOMPARE(*out.top1Agreement, expected);
    QVERIFY(out.cosine < 1);
}

void TestRuntime::readsNpyFiles()
{
    QTemporaryDir dir;
    // Version 2 header, int64.
    const std::vector<int64_t> ints { -3, 0, 7, 1LL << 40, 5, 6 };
    writeBytes(path(dir, "i8.npy"), npyBytes("<i8", { 2, 3 }, ints.data(), ints.size() * 8, 2));
    auto t = rt::readNpy(path(dir, "i8.npy"));
    QVERIFY2(t, t ? "" : t.error().message.c_str());
    QCOMPARE(t->dtype, DataType::Int64);
    QCOMPARE(t->shape, (std::vector<int64_t> { 2, 3 }));
    QCOMPARE(t->data.size(), size_t { 48 });
    QVERIFY(std::memcmp(t->data.data(), ints.data(), 48) == 0);

    // bool ('|b1'), a scalar (shape ()), float16 and single-byte types with '|'.
    const std::vector<uint8_t> flags { 1, 0, 1 };
    writeBytes(path(dir, "b1.npy"), npyOf("|b1", { 3 }, flags));
    t = rt::readNpy(path(dir, "b1.npy"));
    QVERIFY(t && t->dtype == DataType::Bool && t->shape == std::vector<int64_t> { 3 });
    const std::vector<double> scalar { 2.5 };
    writeBytes(path(dir, "f8.npy"), npyOf("<f8", {}, scalar));
    t = rt::readNpy(path(dir, "f8.npy"));
    QVERIFY(t && t->dtype == DataType::Double && t->shape.empty() && t->elementCount() == 1);
    const std::vector<uint16_t> halves { 0x3c00, 0xc000 };
    writeBytes(path(dir, "f2.npy"), npyOf("<f2", { 1, 2 }, halves));
    t = rt::readNpy(path(dir, "f2.npy"));
    QVERIFY(t && t->dtype == DataType::Float16 && t->data.size() == 4);
    const std::vector<int8_t> small { -1, 2 };
    writeBytes(path(dir, "i1.npy"), npyOf("|i1", { 2 }, small));
    QVERIFY(rt::readNpy(path(dir, "i1.npy")).value().dtype == DataType::Int8);

    // What is refused, with the reason.
    const std::vector<float> floats { 1, 2 };
    writeBytes(path(dir, "be.npy"), npyOf(">f4", { 2 }, floats));
    auto bad = rt::readNpy(path(dir, "be.npy"));
    QVERIFY(!bad && errorText(bad.error()).contains(QLatin1String("big-endian")));
    writeBytes(path(dir, "c8.npy"), npyOf("<c8", { 1 }, floats));
    bad = rt::readNpy(path(dir, "c8.npy"));
    QVERIFY(!bad && errorText(bad.error()).contains(QLatin1String("unsupported dtype '<c8'")));
    writeBytes(path(dir, "short.npy"), npyOf("<f4", { 3 }, floats));
    bad = rt::readNpy(path(dir, "short.npy"));
    QVERIFY(!bad);
    QVERIFY2(errorText(bad.error()).contains(QLatin1String("short.npy': holds 8 data bytes")),
        qPrintable(errorText(bad.error())));
    std::string fortran = npyOf("<f4", { 2 }, floats);
    fortran.replace(fortran.find("False"), 5, "True ");
    writeBytes(path(dir, "fortran.npy"), fortran);
    bad = rt::readNpy(path(dir, "fortran.npy"));
    QVERIFY(!bad && errorText(bad.error()).contains(QLatin1String("Fortran")));
    writeBytes(path(dir, "text.npy"), "hello");
    bad = rt::readNpy(path(dir, "text.npy"));
    QVERIFY(!bad && errorText(bad.error()).contains(QLatin1String("not a .npy file")));
}

void TestRuntime::readsTensorProtoFiles()
{
    QTemporaryDir dir;
    onnx::TensorProto raw;
    raw.set_data_type(onnx::TensorProto::INT32);
    raw.add_dims(3);
    const std::vector<int32_t> ints { 4, -5, 6 };
    raw.set_raw_data(ints.data(), 12);
    writeBytes(path(dir, "raw.pb"), raw.SerializeAsString());
    auto t = rt::readTensorProto(path(dir, "raw.pb"));
    QVERIFY2(t, t ? "" : t.error().message.c_str());
    QVERIFY(t->dtype == DataType::Int32 && std::memcmp(t->data.data(), ints.data(), 12) == 0);

    onnx::TensorProto typed;
    typed.set_data_type(onnx::TensorProto::INT64);
    typed.add_dims(2);
    typed.add_int64_data(-9);
    typed.add_int64_data(1LL << 50);
    writeBytes(path(dir, "typed.pb"), typed.SerializeAsString());
    t = rt::readTensorProto(path(dir, "typed.pb"));
    QVERIFY(t && t->dtype == DataType::Int64);
    int64_t second = 0;
    std::memcpy(&second, t->data.data() + 8, 8);
    QCOMPARE(second, int64_t { 1LL << 50 });

    typed.add_int64_data(3); // three values for two elements
    writeBytes(path(dir, "typed3.pb"), typed.SerializeAsString());
    const auto bad = rt::readTensorProto(path(dir, "typed3.pb"));
    QVERIFY(!bad && errorText(bad.error()).contains(QLatin1String("typed3.pb': holds 3 typed values")));
}

void TestRuntime::badInputFilesNameTheFile()
{
    REQUIRE_RUNTIME();
    QTemporaryDir dir;
    const auto model = path(dir, "model.onnx");
    save(fx::linearChain().builder, model);
    const auto inputs = path(dir, "inputs");
    std::filesystem::create_directory(inputs);
    rt::VerifyOptions options;
    options.inputsDir = inputs;

    auto result = rt::verify(model, model, options);
    QVERIFY(!result);
    QCOMPARE(result.error().code, ErrorCode::NotFound);
    QVERIFY2(errorText(result.error()).contains(QLatin1String("no file for input 'x' (expected x.npy or x.pb)")),
        qPrintable(errorText(result.error())));

    const std::vector<float> values(63, 0.5f); // x is [1, 64]
    writeBytes(inputs / "x.npy", npyOf("<f4", { 1, 63 }, values));
    result = rt::verify(model, model, options);
    QVERIFY(!result);
    QCOMPARE(result.error().code, ErrorCode::InvalidArgument);
    const QString expected = QStringLiteral("input file '%1': shape [1,63] does not match input 'x', which is [1,64]")
                                 .arg(QString::fromStdString((inputs / "x.npy").string()));
    QVERIFY2(errorText(result.error()).contains(expected), qPrintable(errorText(result.error())));

    const std::vector<double> doubles(64, 0.5);
    writeBytes(inputs / "x.npy", npyOf("<f8", { 1, 64 }, doubles));
    result = rt::verify(model, model, options);
    QVERIFY(!result);
    QVERIFY2(errorText(result.error())
                 .contains(QLatin1String("x.npy': element type float64 does not match input 'x', which is float32")),
        qPrintable(errorText(result.error())));

    options.inputsDir = path(dir, "nowhere");
    result = rt::verify(model, model, options);
    QVERIFY(!result && errorText(result.error()).contains(QLatin1String("nowhere' does not exist")));
}

void TestRuntime::symbolicDimensions()
{
    REQUIRE_RUNTIME();
    fx::Lcg rng(5);
    QTemporaryDir dir;
    const auto model = path(dir, "model.onnx");
    save(gemmModel(fx::randomFloats(rng, 3 * 4, 1.0f), fx::randomFloats(rng, 3, 1.0f), fx::kSymbolicDim, 4, 3), model);

    auto session = rt::ModelSession::open(model);
    QVERIFY2(session, session ? "" : session.error().message.c_str());
    QCOMPARE(session->inputs().at(0).shape, (std::vector<int64_t> { -1, 4 }));
    QCOMPARE(session->inputs().at(0).dimNames.at(0), std::string("N"));
    QCOMPARE(session->outputs().at(0).name, std::string("y"));

    rt::VerifyOptions options;
    options.runs = 1;
    auto result = rt::verify(model, model, options);
    QVERIFY(result);
    QCOMPARE(result->inputs.at(0).shape, (std::vector<int64_t> { 1, 4 }));
    QCOMPARE(result->outputs.at(0).shape, (std::vector<int64_t> { 1, 3 }));
    options.dims["N"] = 6;
    result = rt::verify(model, model, options);
    QVERIFY(result);
    QCOMPARE(result->inputs.at(0).shape, (std::vector<int64_t> { 6, 4 }));
    QCOMPARE(result->outputs.at(0).shape, (std::vector<int64_t> { 6, 3 }));
    QCOMPARE(result->outputs.at(0).top1Agreement.value(), 1.0);

    // A model that cannot run with N = 1 (Reshape of N x 4 values to 8): the error says which dimension was
    // defaulted, and giving it a size fixes it.
    fx::ModelBuilder reshape;
    reshape.addInput("x", kFloat, { fx::kSymbolicDim, 4 });
    reshape.addInitializer("shape", onnx::TensorProto::INT64, { 1 }, fx::toBytes(std::vector<int64_t> { 8 }));
    reshape.addNode("Reshape", { "x", "shape" }, { "y" });
    reshape.addOutput("y", kFloat, { 8 });
    save(reshape, path(dir, "reshape.onnx"));
    options.dims.clear();
    result = rt::verify(path(dir, "reshape.onnx"), path(dir, "reshape.onnx"), options);
    QVERIFY(!result);
    QVERIFY2(errorText(result.error())
                 .endsWith(
                     QLatin1String("(the random inputs had symbolic dimensions set to 1: N; give them sizes by name)")),
        qPrintable(errorText(result.error())));
    options.dims["N"] = 2;
    result = rt::verify(path(dir, "reshape.onnx"), path(dir, "reshape.onnx"), options);
    QVERIFY2(result, result ? "" : result.error().message.c_str());
}

void TestRuntime::float16InputsAreConverted()
{
    REQUIRE_RUNTIME();
    // Original: y = Identity(x) in float32. "Slimmed": x arrives as float16 and is cast back. The difference is
    // float16's rounding of values in [-1, 1): at most half a unit in the last place, 2^-12.
    QTemporaryDir dir;
    fx::ModelBuilder a;
    a.addInput("x", kFloat, { 1, 256 });
    a.addNode("Identity", { "x" }, { "y" });
    a.addOutput("y", kFloat, { 1, 256 });
    save(a, path(dir, "a.onnx"));
    fx::ModelBuilder b;
    b.addInput("x", onnx::TensorProto::FLOAT16, { 1, 256 });
    fx::ModelBuilder::addAttrInt(b.addNode("Cast", { "x" }, { "y" }), "to", kFloat);
    b.addOutput("y", kFloat, { 1, 256 });
    save(b, path(dir, "b.onnx"));

    rt::VerifyOptions options;
    options.runs = 1;
    const auto result = rt::verify(path(dir, "a.onnx"), path(dir, "b.onnx"), options);
    QVERIFY2(result, result ? "" : result.error().message.c_str());
    const rt::OutputComparison& out = result->outputs.at(0);
    QVERIFY(out.maxAbs > 0 && out.maxAbs <= std::ldexp(1.0, -12));
    QVERIFY(out.sqnrDb > 60);
    QCOMPARE(result->diagnostics.size(), size_t { 1 });
    QCOMPARE(result->diagnostics[0].severity, Diagnostic::Severity::Info);
    QCOMPARE(
        result->diagnostics[0].message, std::string("input converted from float32 to float16 for the slimmed model"));
}

void TestRuntime::errorsNameTheModel()
{
    REQUIRE_RUNTIME();
    QTemporaryDir dir;
    const auto missing = path(dir, "missing.onnx");
    auto result = rt::verify(missing, missing, {});
    QVERIFY(!result);
    QCOMPARE(result.error().code, ErrorCode::NotFound);
    QVERIFY(errorText(result.error()).contains(QString::fromStdString(missing.string())));

    // Garbage: ONNX Runtime throws inside; the error comes back as a value naming the file.
    const auto garbage = path(dir, "garbage.onnx");
    writeBytes(garbage, "this is not a protobuf \x01\x02\x03");
    result = rt::verify(garbage, garbage, {});
    QVERIFY(!result);
    QCOMPARE(result.error().code, ErrorCode::InvalidModel);
    QVERIFY2(errorText(result.error())
                 .startsWith(QStringLiteral("model '%1': ONNX Runtime cannot load it")
                                 .arg(QString::fromStdString(garbage.string()))),
        qPrintable(errorText(result.error())));

    // A slimmed model with an input the original lacks cannot be fed.
    fx::ModelBuilder other;
    other.addInput("z", kFloat, { 1, 64 });
    other.addNode("Identity", { "z" }, { "y" });
    other.addOutput("y", kFloat, { 1, 64 });
    save(other, path(dir, "other.onnx"));
    save(fx::linearChain().builder, path(dir, "chain.onnx"));
    result = rt::verify(path(dir, "chain.onnx"), path(dir, "other.onnx"), {});
    QVERIFY(!result);
    QVERIFY2(
        errorText(result.error()).contains(QLatin1String("other.onnx': input 'z' is not an input of the original")),
        qPrintable(errorText(result.error())));

    rt::VerifyOptions options;
    options.runs = 0;
    result = rt::verify(path(dir, "chain.onnx"), path(dir, "chain.onnx"), options);
    QVERIFY(!result && result.error().code == ErrorCode::InvalidArgument);
}

void TestRuntime::cancelAndProgress()
{
    REQUIRE_RUNTIME();
    QTemporaryDir dir;
    save(fx::linearChain().builder, path(dir, "m.onnx"));
    slimscope::core::CancelToken cancel;
    cancel.cancel();
    auto result = rt::verify(path(dir, "m.onnx"), path(dir, "m.onnx"), {}, {}, &cancel);
    QVERIFY(!result);
    QCOMPARE(result.error().code, ErrorCode::Cancelled);

    std::vector<double> fractions;
    const slimscope::core::Progress progress([&](std::string_view, double f) { fractions.push_back(f); });
    result = rt::verify(path(dir, "m.onnx"), path(dir, "m.onnx"), {}, progress);
    QVERIFY(result);
    QVERIFY(fractions.size() >= 3);
    QVERIFY(std::is_sorted(fractions.begin(), fractions.end()));
    QCOMPARE(fractions.back(), 1.0);
}

void TestRuntime::mobilenetAgainstItself()
{
    REQUIRE_RUNTIME();
    const QString shared = slimscope::testing::sharedModel(QStringLiteral("mobilenet_v2.onnx"));
    SLIMSCOPE_REQUIRE_SHARED(shared);
    const std::filesystem::path model = shared.toStdString();
    QElapsedTimer timer;
    timer.start();
    const auto result = rt::verify(model, model, {});
    const auto elapsed = timer.elapsed();
    QVERIFY2(result, result ? "" : result.error().message.c_str());
    QCOMPARE(result->outputs.size(), size_t { 1 });
    const rt::OutputComparison& out = result->outputs.front();
    QCOMPARE(out.name, std::string("logits"));
    QCOMPARE(out.shape, (std::vector<int64_t> { 1, 1000 }));
    QVERIFY(out.identical);
    QCOMPARE(out.cosine, 1.0);
    QCOMPARE(out.maxAbs, 0.0);
    QCOMPARE(out.top1Agreement.value(), 1.0);
    QCOMPARE(result->inputs.at(0).shape, (std::vector<int64_t> { 1, 3, 224, 224 }));
    qInfo("mobilenet_v2 vs itself: %lld ms in all (2 loads, 2 warm-ups, 2 x %d runs); median %.2f ms / %.2f ms; "
          "ONNX Runtime %s",
        static_cast<long long>(elapsed), result->runs, result->originalLatencyMs, result->slimmedLatencyMs,
        result->runtimeVersion.c_str());
}

QTEST_GUILESS_MAIN(TestRuntime)
#include "tst_runtime.moc"
