// Inputs for verification without a session: .npy and TensorProto readers, float16 conversion, and errors that
// name the file. These run whether or not ONNX Runtime is built in.
#include "model/elementdecode.h"
#include "runtime/inputset.h"
#include "runtimetestsupport.h"

#include <bit>
#include <limits>

class TestRuntimeInputs : public QObject {
    Q_OBJECT

private slots:
    void floatToHalfRoundsToNearestEven();
    void readsNpyFiles();
    void readsTensorProtoFiles();
    void badInputFilesNameTheFile();
    void float16InputsAreConverted();
    void inputSetsReadTestDataSetFolders();
    void inputSetSpecsAreParsed();
};

// The one float16/bfloat16 encoder (model/elementdecode.h) that slimming, random inputs and input conversion share:
// IEEE round to nearest even inside the range, saturation to ±65504 beyond it (where IEEE gives infinity).
void TestRuntimeInputs::floatToHalfRoundsToNearestEven()
{
    using slimscope::core::model::beyondHalfRange;
    using slimscope::core::model::floatToBfloat16;
    using slimscope::core::model::floatToHalf;
    QCOMPARE(floatToHalf(1.0f), uint16_t { 0x3c00 });
    QCOMPARE(floatToHalf(-2.0f), uint16_t { 0xc000 });
    QCOMPARE(floatToHalf(65504.0f), uint16_t { 0x7bff });
    QCOMPARE(floatToHalf(-65504.0f), uint16_t { 0xfbff });
    QCOMPARE(floatToHalf(65519.0f), uint16_t { 0x7bff }); // IEEE: rounds down to 65504 as well
    QCOMPARE(floatToHalf(65520.0f), uint16_t { 0x7bff }); // IEEE: infinity; saturated here
    QCOMPARE(floatToHalf(-1e9f), uint16_t { 0xfbff });
    QCOMPARE(floatToHalf(INFINITY), uint16_t { 0x7bff });
    QCOMPARE(floatToHalf(-INFINITY), uint16_t { 0xfbff });
    QVERIFY(beyondHalfRange(65504.5f) && beyondHalfRange(-70000.0f) && !beyondHalfRange(65504.0f));
    QVERIFY(!beyondHalfRange(NAN));
    QCOMPARE(floatToHalf(1.0f + 1.0f / 2048), uint16_t { 0x3c00 }); // tie: to even (down)
    QCOMPARE(floatToHalf(1.0f + 3.0f / 2048), uint16_t { 0x3c02 }); // tie: to even (up)
    QCOMPARE(floatToHalf(std::ldexp(1.0f, -24)), uint16_t { 0x0001 }); // smallest subnormal
    QCOMPARE(floatToHalf(1e-7f), uint16_t { 0x0002 }); // 1e-7 / 2^-24 = 1.68 -> 2
    QCOMPARE(floatToHalf(NAN) & 0x7e00, 0x7e00);
    // bfloat16: the upper half of the float, rounded to nearest even; saturated only past the largest finite.
    QCOMPARE(floatToBfloat16(1.0f), uint16_t { 0x3f80 });
    QCOMPARE(floatToBfloat16(std::bit_cast<float>(0x3f808000u)), uint16_t { 0x3f80 }); // tie: to even (down)
    QCOMPARE(floatToBfloat16(std::bit_cast<float>(0x3f818000u)), uint16_t { 0x3f82 }); // tie: to even (up)
    QCOMPARE(floatToBfloat16(std::numeric_limits<float>::max()), uint16_t { 0x7f7f }); // IEEE: infinity
    QCOMPARE(floatToBfloat16(-std::numeric_limits<float>::max()), uint16_t { 0xff7f });
    QCOMPARE(floatToBfloat16(INFINITY), uint16_t { 0x7f80 });
    QCOMPARE(floatToBfloat16(NAN) & 0x7fc0, 0x7fc0);
}

void TestRuntimeInputs::readsNpyFiles()
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
    // An empty array (shape (0, 4)) reads as no data: found by fuzzing, it copied from a null pointer (undefined,
    // reported by the sanitizer build).
    writeBytes(path(dir, "empty.npy"), npyBytes("<f4", { 0, 4 }, nullptr, 0));
    t = rt::readNpy(path(dir, "empty.npy"));
    QVERIFY2(t, t ? "" : t.error().message.c_str());
    QVERIFY(t->shape == (std::vector<int64_t> { 0, 4 }) && t->elementCount() == 0 && t->data.empty());
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

void TestRuntimeInputs::readsTensorProtoFiles()
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

    // A few bytes declaring 2 GiB of float64 with one value: refused before the data is allocated (found by
    // fuzzing; the reader used to zero the whole 2 GiB first).
    onnx::TensorProto huge;
    huge.set_data_type(onnx::TensorProto::DOUBLE);
    huge.add_dims(1LL << 28);
    huge.add_double_data(1.0);
    writeBytes(path(dir, "huge.pb"), huge.SerializeAsString());
    const auto refused = rt::readTensorProto(path(dir, "huge.pb"));
    QVERIFY(!refused);
    QVERIFY2(
        errorText(refused.error()).contains(QLatin1String("holds 1 typed values, shape [268435456] needs 268435456")),
        qPrintable(errorText(refused.error())));
}

void TestRuntimeInputs::badInputFilesNameTheFile()
{
    REQUIRE_RUNTIME();
    QTemporaryDir dir;
    const auto model = path(dir, "model.onnx");
    save(fx::linearChain().builder, model);
    const auto inputs = path(dir, "inputs");
    std::filesystem::create_directory(inputs);
    rt::VerifyOptions options;
    options.inputs.folder = inputs;

    auto result = rt::verify(model, model, options);
    QVERIFY(!result);
    QCOMPARE(result.error().code, ErrorCode::NotFound);
    QVERIFY2(
        errorText(result.error()).contains(QLatin1String("no file for input 'x' (expected x.npy, x.pb or input_0.pb)")),
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

    options.inputs.folder = path(dir, "nowhere");
    result = rt::verify(model, model, options);
    QVERIFY(!result && errorText(result.error()).contains(QLatin1String("nowhere' does not exist")));
}

void TestRuntimeInputs::float16InputsAreConverted()
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

// ONNX's backend test data: test_data_set_<k>/input_<i>.pb, by position, ordered by k as a number (10 after 2);
// a folder without such sub-folders is one sample; random:N gives N different seeded samples.
void TestRuntimeInputs::inputSetsReadTestDataSetFolders()
{
    QTemporaryDir dir;
    const std::filesystem::path root = dir.path().toStdString();
    const std::vector<rt::TensorInfo> inputs { { "a", DataType::Float, { 1, 2 }, {} },
        { "b", DataType::Int64, { -1 }, { "n" } } };
    for (int k : { 10, 2, 0 }) {
        const auto set = root / ("test_data_set_" + std::to_string(k));
        std::filesystem::create_directories(set);
        onnx::TensorProto a;
        a.set_data_type(onnx::TensorProto::FLOAT);
        a.add_dims(1);
        a.add_dims(2);
        a.add_float_data(static_cast<float>(k));
        a.add_float_data(0.5f);
        writeBytes(set / "input_0.pb", a.SerializeAsString());
        const std::vector<int64_t> b(static_cast<std::size_t>(k + 1), 7); // a symbolic size per sample
        writeBytes(set / "b.npy", npyBytes("<i8", { static_cast<int64_t>(k + 1) }, b.data(), b.size() * 8, 1));
    }
    std::filesystem::create_directories(root / "test_data_set_x"); // not a set: ignored
    rt::InputSetSpec spec;
    spec.folder = root;
    auto samples = rt::loadInputSet(inputs, spec);
    QVERIFY2(samples, samples ? "" : samples.error().message.c_str());
    QCOMPARE(samples->size(), std::size_t { 3 });
    const int expected[] = { 0, 2, 10 };
    for (std::size_t i = 0; i < 3; ++i) {
        const auto& sample = (*samples)[i];
        QCOMPARE(sample.size(), std::size_t { 2 });
        QCOMPARE(sample[0].name, std::string("a"));
        float first = 0;
        std::memcpy(&first, sample[0].data.data(), 4);
        QCOMPARE(first, static_cast<float>(expected[i]));
        QCOMPARE(sample[1].shape, std::vector<int64_t> { expected[i] + 1 });
    }

    // One set missing a file: the error names the set's folder and the files it looked for.
    std::filesystem::remove(root / "test_data_set_2" / "b.npy");
    samples = rt::loadInputSet(inputs, spec);
    QVERIFY(!samples);
    QVERIFY2(
        errorText(samples.error())
            .contains(QLatin1String("test_data_set_2': no file for input 'b' (expected b.npy, b.pb or input_1.pb)")),
        qPrintable(errorText(samples.error())));

    rt::InputSetSpec random;
    random.randomSamples = 3;
    random.dims["n"] = 4;
    samples = rt::loadInputSet(inputs, random);
    QVERIFY(samples && samples->size() == 3);
    QCOMPARE((*samples)[2][1].shape, std::vector<int64_t> { 4 });
    QVERIFY((*samples)[0][0].data != (*samples)[1][0].data);
    // Sample 0 is the single random sample verify fed before sets existed (the oracle's generator, seed 12345).
    const auto single = rt::randomInputs(inputs, rt::kDefaultInputSeed, random.dims);
    QVERIFY(single && (*single)[0].data == (*samples)[0][0].data);
    QCOMPARE(random.describe(), std::string("random (3 samples, seed 12345)"));
}

void TestRuntimeInputs::inputSetSpecsAreParsed()
{
    auto spec = rt::parseInputSetSpec("random:8");
    QVERIFY(spec && spec->isRandom() && spec->randomSamples == 8);
    QCOMPARE(spec->toText(), std::string("random:8"));
    spec = rt::parseInputSetSpec("random");
    QVERIFY(spec && spec->isRandom() && spec->randomSamples == 1);
    spec = rt::parseInputSetSpec("calib/set");
    QVERIFY(spec && !spec->isRandom() && spec->folder == std::filesystem::path("calib/set"));
    for (const char* bad : { "random:0", "random:x", "random:-2", "random:100001", "" }) {
        spec = rt::parseInputSetSpec(bad);
        QVERIFY2(!spec && spec.error().code == ErrorCode::InvalidArgument, bad);
    }
    QVERIFY(rt::parseDimAssignment("batch=4") == std::pair(std::string("batch"), int64_t { 4 }));
    for (const char* bad : { "batch", "=4", "batch=", "batch=x", "batch=-1", "batch=4x" })
        QVERIFY2(!rt::parseDimAssignment(bad), bad);
}
QTEST_GUILESS_MAIN(TestRuntimeInputs)
#include "tst_runtimeinputs.moc"
