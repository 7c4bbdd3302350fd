// Verification in ONNX Runtime against numbers this test computes itself: a double-precision forward pass of
// small Gemm models built with the fixture builder, .npy files written byte by byte here, and (when present)
// ../shared/tools/ort_compare.mjs, which runs the same models through onnxruntime-node.
#include "runtimetestsupport.h"

class TestRuntime : public QObject {
    Q_OBJECT

private slots:
    void withoutRuntimeVerifyIsUnsupported();
    void compareOutputsByHand();
    void verdictAtTheFloors();
    void modelAgainstItself_data();
    void modelAgainstItself();
    void perturbedWeightsWithinComputedRange();
    void randomInputsMatchTheOracle();
    void top1AgreementOnGemmClassifier();
    void symbolicDimensions();
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
    QCOMPARE(result->inputSource, std::string("random (1 sample, seed 12345)"));
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
    options.inputs.folder = path(dir, "inputs");
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
    QCOMPARE(result->inputSource, "files in " + options.inputs.folder.string());
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
    options.inputs.folder = path(dir, "inputs");
    options.runs = 3;
    const auto result = rt::verify(path(dir, "a.onnx"), path(dir, "b.onnx"), options);
    QVERIFY2(result, result ? "" : result.error().message.c_str());
    const rt::OutputComparison& out = result->outputs.at(0);
    QVERIFY(out.top1Agreement.has_value());
    QCOMPARE(*out.top1Agreement, expected);
    QVERIFY(out.cosine < 1);
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
    options.inputs.dims["N"] = 6;
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
    options.inputs.dims.clear();
    result = rt::verify(path(dir, "reshape.onnx"), path(dir, "reshape.onnx"), options);
    QVERIFY(!result);
    QVERIFY2(errorText(result.error())
                 .endsWith(
                     QLatin1String("(the random inputs had symbolic dimensions set to 1: N; give them sizes by name)")),
        qPrintable(errorText(result.error())));
    options.inputs.dims["N"] = 2;
    result = rt::verify(path(dir, "reshape.onnx"), path(dir, "reshape.onnx"), options);
    QVERIFY2(result, result ? "" : result.error().message.c_str());
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

// The verdict at, just above and just below each floor: below the cosine or top-1 floor is fail, within 0.005 above
// the cosine floor warn, beyond it pass; identical outputs pass, NaN in one model only fails, nothing compared fails.
void TestRuntime::verdictAtTheFloors()
{
    using rt::Verdict;
    const rt::FidelityThresholds floors; // 0.99 and 0.99
    const auto output = [](double cosine, std::optional<double> top1 = std::nullopt) {
        rt::OutputComparison o;
        o.cosine = cosine;
        o.top1Agreement = top1;
        return o;
    };
    QCOMPARE(rt::outputVerdict(output(0.99), floors), Verdict::Warn); // at the floor
    QCOMPARE(rt::outputVerdict(output(0.9899999), floors), Verdict::Fail); // just below
    QCOMPARE(rt::outputVerdict(output(0.9949999), floors), Verdict::Warn); // within 0.005
    QCOMPARE(rt::outputVerdict(output(0.995), floors), Verdict::Pass); // 0.005 above
    QCOMPARE(rt::outputVerdict(output(0.999, 0.99), floors), Verdict::Pass); // top-1 at its floor
    QCOMPARE(rt::outputVerdict(output(0.999, 0.9899), floors), Verdict::Fail); // just below it
    rt::OutputComparison identical = output(0.5, 0.0);
    identical.identical = true;
    QCOMPARE(rt::outputVerdict(identical, floors), Verdict::Pass);
    rt::OutputComparison nan = output(1.0);
    nan.nonFiniteMismatches = 1;
    QCOMPARE(rt::outputVerdict(nan, floors), Verdict::Fail);
    rt::Verification v;
    QCOMPARE(rt::verdictOf(v, floors), Verdict::Fail); // nothing compared
    v.outputs = { output(0.999), output(0.992) };
    QCOMPARE(rt::verdictOf(v, floors), Verdict::Warn); // the worst output decides
    v.outputs.push_back(output(0.5));
    QCOMPARE(rt::verdictOf(v, floors), Verdict::Fail);
    QCOMPARE(rt::verdictName(Verdict::Fail), std::string_view("fail"));
    rt::FidelityThresholds strict { 0.9995, 1.0 };
    QCOMPARE(rt::outputVerdict(output(0.9999, 1.0), strict), Verdict::Warn);
}

QTEST_GUILESS_MAIN(TestRuntime)
#include "tst_runtime.moc"
