// Slimming as a user relies on it: the same recipe gives the same bytes, exports never damage the input or leave
// debris, external data round-trips, scopes select exactly what they say, and the reference models slim as promised.
#include "analysis/analysis.h"
#include "slimtestsupport.h"

namespace an = slimscope::core::analysis;
using namespace slimtest;

Q_DECLARE_METATYPE(slim::Scope)

class TestSlimExport : public QObject {
    Q_OBJECT

private:
    ModelSet m_models;

private slots:
    void initTestCase()
    {
        QString error;
        QVERIFY2(m_models.setUp(error), qPrintable(error));
    }

    void deterministic_data()
    {
        QTest::addColumn<QString>("model");
        QTest::addColumn<QString>("kind");
        for (const char* name : { "linearChain", "convNet", "bloated", "ifSubgraphs" })
            for (const QString& kind : kKinds)
                QTest::addRow("%s %s", name, qPrintable(kind)) << QString::fromLatin1(name) << kind;
    }

    // The same recipe twice, each on a fresh load, gives byte-identical files; and serializeToString gives the
    // same bytes as the file.
    void deterministic()
    {
        QFETCH(QString, model);
        QFETCH(QString, kind);
        const Model& m = m_models.at(model);
        const fs::path folder = m_models.outputDir(model + u'-' + kind);
        TRY_SLIM(a, m.path, recipeFor(kind), folder / "a.onnx");
        TRY_SLIM(b, m.path, recipeFor(kind), folder / "b.onnx");
        const std::string bytes = readAll(folder / "a.onnx");
        QVERIFY(bytes == readAll(folder / "b.onnx"));
        auto text = slim::serializeToString(*b->result.model);
        QVERIFY(text.has_value());
        QVERIFY(*text == bytes);
    }

    // A recipe that changes nothing writes the input's own bytes, even where protobuf would serialize the same
    // model differently (here: a doc_string stored after the graph, which protobuf writes before it), and the
    // preview predicts exactly that size. A recipe that changes something does not.
    void noOpRecipesWriteTheInput()
    {
        const fs::path folder = m_models.outputDir(QStringLiteral("noop"));
        std::string bytes = readAll(m_models.at(QStringLiteral("mlp")).path);
        const std::string note = "stored last";
        bytes += char((6 << 3) | 2); // ModelProto.doc_string, length-delimited
        bytes += char(note.size());
        bytes += note;
        const fs::path input = folder / "reordered.onnx";
        std::ofstream(input, std::ios::binary) << bytes;
        slim::Scope nothing;
        nothing.exclude = { ".*" };
        for (const auto& recipe : { single(slim::PruneStep { 0.0 }), single(slim::QuantizeInt8Step {}, nothing),
                 single(slim::SparseStorageStep { slim::SparseStorageStep::Policy::Never }),
                 single(slim::PruneStep { 0.0, slim::PruneStep::Mode::Global }) }) {
            TRY_SLIM(s, input, recipe, folder / "out.onnx");
            QVERIFY(readAll(folder / "out.onnx") == bytes);
            QCOMPARE(s->result.preview.predictedFileBytes, std::uint64_t(bytes.size()));
            QVERIFY(std::ranges::any_of(s->result.preview.diagnostics,
                [](const auto& d) { return d.message.find("no step changed the model") != std::string::npos; }));
            auto text = slim::serializeToString(*s->result.model);
            QVERIFY(text && *text == bytes);
        }
        TRY_SLIM(changed, input, single(slim::PruneStep { 0.5 }), folder / "out.onnx");
        QVERIFY(readAll(folder / "out.onnx") != bytes);
        QCOMPARE(changed->result.preview.predictedFileBytes, std::uint64_t(fs::file_size(folder / "out.onnx")));
    }

    void refusesToOverwriteInput_data()
    {
        QTest::addColumn<QString>("how");
        QTest::newRow("same path") << QStringLiteral("same");
        QTest::newRow("dot segment") << QStringLiteral("dot");
        QTest::newRow("symlink") << QStringLiteral("symlink");
        QTest::newRow("hard link") << QStringLiteral("hardlink");
        QTest::newRow("external data of the input") << QStringLiteral("external");
    }

    void refusesToOverwriteInput()
    {
        QFETCH(QString, how);
        const fs::path folder = m_models.outputDir(how);
        const bool external = how == u"external";
        const Model& source = m_models.at(external ? QStringLiteral("externalData") : QStringLiteral("linearChain"));
        fs::copy(source.path.parent_path(), folder, fs::copy_options::recursive);
        const fs::path input = folder / source.path.filename();
        fs::path target = input;
        if (how == u"dot")
            target = folder / "." / input.filename();
        else if (how == u"symlink")
            fs::create_symlink(input, target = folder / "link.onnx");
        else if (how == u"hardlink")
            fs::create_hard_link(input, target = folder / "hard.onnx");
        else if (external)
            target = folder / "weights_b.bin";
        const std::string bytesBefore = readAll(target);
        const auto timeBefore = fs::last_write_time(target);
        const auto listBefore = listing(folder);

        auto file = model::ModelFile::load(input);
        QVERIFY(file.has_value());
        auto result = slim::applyRecipe(*file, recipeFor(QStringLiteral("fp16-all")));
        QVERIFY(result.has_value());
        for (const bool externalOption : { false, true }) {
            slim::ExportOptions options;
            options.externalData = externalOption;
            auto exported = slim::exportModel(*result->model, target, options);
            QVERIFY2(!exported.has_value(), "wrote over the input");
            const QString message = QString::fromStdString(exported.error().message);
            QVERIFY2(message.contains(QStringLiteral("refusing to overwrite")), qPrintable(message));
            QVERIFY2(message.contains(QString::fromStdString(target.string())), qPrintable(message));
        }
        QVERIFY(readAll(target) == bytesBefore);
        QVERIFY(fs::last_write_time(target) == timeBefore);
        QVERIFY(listing(folder) == listBefore);
    }

    void missingFolderLeavesNothing_data()
    {
        QTest::addColumn<bool>("externalData");
        QTest::newRow("single file") << false;
        QTest::newRow("external data") << true;
    }

    void missingFolderLeavesNothing()
    {
        QFETCH(bool, externalData);
        const fs::path folder = m_models.outputDir(QString::fromLatin1(QTest::currentDataTag()));
        auto file = model::ModelFile::load(m_models.at(QStringLiteral("linearChain")).path);
        QVERIFY(file.has_value());
        auto result = slim::applyRecipe(*file, recipeFor(QStringLiteral("int8")));
        QVERIFY(result.has_value());
        slim::ExportOptions options;
        options.externalData = externalData;
        const fs::path target = folder / "missing" / "out.onnx";
        auto exported = slim::exportModel(*result->model, target, options);
        QVERIFY(!exported.has_value());
        QVERIFY2(exported.error().message.find("missing") != std::string::npos, exported.error().message.c_str());
        QVERIFY(listing(folder).empty());

        // Cancelled before writing: nothing either, and the working model still exports afterwards.
        slimscope::core::CancelToken cancel;
        cancel.cancel();
        auto cancelled = slim::exportModel(*result->model, folder / "out.onnx", options, &cancel);
        QVERIFY(!cancelled.has_value());
        QCOMPARE(cancelled.error().code, slimscope::core::ErrorCode::Cancelled);
        QVERIFY(listing(folder).empty());
        auto again = slim::exportModel(*result->model, folder / "out.onnx", options);
        QVERIFY2(again.has_value(), qPrintable(errorOf(again)));
        QCOMPARE(fs::file_size(folder / "out.onnx"), again->fileBytes);
    }

    // OUT + OUT.data: loads back, the external bytes are the single-file export's payloads, and ONNX Runtime gives
    // the same outputs for both.
    void externalDataExport()
    {
        const fs::path folder = m_models.outputDir(QStringLiteral("external"));
        auto file = model::ModelFile::load(m_models.at(QStringLiteral("mlp")).path);
        QVERIFY(file.has_value());
        auto result = slim::applyRecipe(*file, recipeFor(QStringLiteral("prune-layer")));
        QVERIFY(result.has_value());
        auto single = slim::exportModel(*result->model, folder / "single.onnx");
        QVERIFY(single.has_value());
        slim::ExportOptions options;
        options.externalData = true;
        auto split = slim::exportModel(*result->model, folder / "split.onnx", options);
        QVERIFY2(split.has_value(), qPrintable(errorOf(split)));
        QCOMPARE(split->externalPath, folder / "split.onnx.data");
        QCOMPARE(fs::file_size(folder / "split.onnx"), split->fileBytes);
        QCOMPARE(fs::file_size(folder / "split.onnx.data"), split->externalBytes);
        QVERIFY(listing(folder) == (std::vector<std::string> { "single.onnx", "split.onnx", "split.onnx.data" }));
        // The working model is unchanged by either export.
        auto text = slim::serializeToString(*result->model);
        QVERIFY(text && *text == readAll(folder / "single.onnx"));

        const auto whole = readProto(folder / "single.onnx");
        const auto parts = readProto(folder / "split.onnx");
        QVERIFY(whole && parts);
        const std::string data = readAll(folder / "split.onnx.data");
        int externalTensors = 0;
        for (const auto& tensor : parts->graph().initializer()) {
            const auto* reference = findInitializer(whole->graph(), tensor.name());
            QVERIFY(reference);
            if (tensor.data_location() != onnx::TensorProto::EXTERNAL) {
                QVERIFY(tensor.raw_data() == reference->raw_data());
                continue;
            }
            ++externalTensors;
            std::map<std::string, std::string> keys;
            for (const auto& entry : tensor.external_data())
                keys[entry.key()] = entry.value();
            QCOMPARE(keys["location"], std::string("split.onnx.data"));
            const auto offset = std::stoull(keys["offset"]), length = std::stoull(keys["length"]);
            QVERIFY(offset + length <= data.size());
            QVERIFY2(data.compare(offset, length, reference->raw_data()) == 0, tensor.name().c_str());
        }
        QCOMPARE(externalTensors, 4); // three weight matrices and fc1.bias (1024 bytes, the threshold)

        auto loaded = model::ModelFile::load(folder / "split.onnx");
        QVERIFY2(loaded.has_value(), qPrintable(errorOf(loaded)));
        QCOMPARE((*loaded)->externalFiles().size(), std::size_t(1));
        auto a = an::analyzeFile((folder / "single.onnx").string());
        auto b = an::analyzeFile((folder / "split.onnx").string());
        QVERIFY(a && b);
        QCOMPARE((*b)->model.params, (*a)->model.params);
        QCOMPARE((*b)->model.zeros, (*a)->model.zeros);
        QCOMPARE((*b)->model.externalBytes, (*a)->model.weightBytes - 64 * 4 - 10 * 4);

        REQUIRE_RUNTIME();
        auto v = rt::verify(folder / "single.onnx", folder / "split.onnx", quickVerify());
        QVERIFY2(v.has_value(), qPrintable(errorOf(v)));
        QVERIFY(!v->outputs.empty());
        for (const auto& o : v->outputs)
            QVERIFY(o.identical);
    }

    void scope_data()
    {
        QTest::addColumn<QString>("model");
        QTest::addColumn<slim::Scope>("scope");
        QTest::addColumn<QStringList>("changed");
        const auto scope
            = [](std::vector<std::string> include, std::vector<std::string> exclude, std::vector<std::string> ops,
                  std::vector<std::string> excludeOps, std::uint64_t min = 1024) {
                  slim::Scope s;
                  s.include = std::move(include);
                  s.exclude = std::move(exclude);
                  s.opTypes = std::move(ops);
                  s.excludeOpTypes = std::move(excludeOps);
                  s.minElements = min;
                  return s;
              };
        const QString lc = QStringLiteral("linearChain");
        QTest::newRow("default") << lc << slim::Scope {} << QStringList { "W1", "W2" };
        QTest::newRow("include W1") << lc << scope({ "W1" }, {}, {}, {}) << QStringList { "W1" };
        QTest::newRow("include anchored") << lc << scope({ "^W" }, {}, {}, {}) << QStringList { "W1", "W2" };
        QTest::newRow("exclude W1") << lc << scope({}, { "W1" }, {}, {}) << QStringList { "W2" };
        QTest::newRow("include by consumer name") << lc << scope({ "^matmul$" }, {}, {}, {}) << QStringList { "W2" };
        QTest::newRow("exclude by consumer name") << lc << scope({}, { "gem+" }, {}, {}) << QStringList { "W2" };
        QTest::newRow("include and exclude") << lc << scope({ "W" }, { "2$" }, {}, {}) << QStringList { "W1" };
        QTest::newRow("op_types Gemm") << lc << scope({}, {}, { "Gemm" }, {}) << QStringList { "W1" };
        QTest::newRow("op_types MatMul") << lc << scope({}, {}, { "MatMul" }, {}) << QStringList { "W2" };
        QTest::newRow("exclude_op_types Gemm") << lc << scope({}, {}, {}, { "Gemm" }) << QStringList { "W2" };
        QTest::newRow("min_elements 5000") << lc << scope({}, {}, {}, {}, 5000) << QStringList { "W1" };
        slim::Scope withBiases = scope({}, {}, {}, {}, 0);
        withBiases.skipBiasAndNorm = false;
        QTest::newRow("biases too") << lc << withBiases << QStringList { "W1", "b1", "W2", "b2" };
        slim::Scope named = scope({ "^nothing$" }, {}, {}, {});
        named.tensors = { "b1" };
        QTest::newRow("explicit tensor") << lc << named << QStringList { "b1" };
        const QString cn = QStringLiteral("convNet");
        QTest::newRow("convNet Conv") << cn << scope({}, {}, { "Conv" }, {}, 0)
                                      << QStringList { "conv1.weight", "conv2.weight", "dwconv.weight" };
        QTest::newRow("convNet not Conv") << cn << scope({}, {}, {}, { "Conv" }, 0) << QStringList { "fc.weight" };
        QTest::newRow("convNet regex") << cn << scope({ "conv[12]\\." }, { "1" }, {}, {}, 0)
                                       << QStringList { "conv2.weight" };
    }

    // Prune 50 % changes exactly the tensors the scope selects: in the preview and in the written bytes.
    void scope()
    {
        QFETCH(QString, model);
        QFETCH(slim::Scope, scope);
        QFETCH(QStringList, changed);
        const Model& m = m_models.at(model);
        const fs::path out = m_models.outputDir(QTest::currentDataTag()) / "slim.onnx";
        TRY_SLIM(s, m.path, single(slim::PruneStep { 0.5, slim::PruneStep::Mode::Layer }, scope), out);
        QStringList previewChanged;
        for (const auto& change : s->result.preview.tensors)
            if (change.changed)
                previewChanged << QString::fromStdString(change.name);
        QStringList expected = changed;
        expected.sort();
        previewChanged.sort();
        QCOMPARE(previewChanged, expected);
        const auto written = readProto(out);
        QVERIFY(written);
        QStringList bytesChanged;
        for (const auto& original : m.builder.model().graph().initializer())
            if (!bitwiseEqual(
                    valuesOf<float>(original), valuesOf<float>(*findInitializer(written->graph(), original.name()))))
                bytesChanged << QString::fromStdString(original.name());
        bytesChanged.sort();
        QCOMPARE(bytesChanged, expected);
    }

    void sharedSileroCleanup()
    {
        const QString shared = slimscope::testing::sharedModel(QStringLiteral("silero_vad_legacy.onnx"));
        SLIMSCOPE_REQUIRE_SHARED(shared);
        const fs::path model = shared.toStdString();
        const fs::path folder = m_models.outputDir(QStringLiteral("silero"));
        TRY_SLIM(s, model, recipeFor(QStringLiteral("cleanup")), folder / "slim.onnx");
        QCOMPARE(fs::file_size(folder / "slim.onnx"), s->result.preview.predictedFileBytes);
        qInfo("silero cleanup: %llu -> %llu bytes", static_cast<unsigned long long>(fs::file_size(model)),
            static_cast<unsigned long long>(fs::file_size(folder / "slim.onnx")));
        // ../shared/models/README.md: 13 groups of byte-identical initializers, about 778 KB.
        QVERIFY(fs::file_size(model) - fs::file_size(folder / "slim.onnx") >= 740000);
        REQUIRE_RUNTIME();
        const fs::path inputs = folder / "inputs";
        fs::create_directories(inputs);
        std::vector<float> audio(512);
        fx::Lcg rng(11);
        for (float& v : audio)
            v = rng.nextSigned() * 0.3f;
        const std::vector<float> state(2 * 64, 0.0f);
        const std::int64_t rate = 16000;
        std::ofstream(inputs / "input.npy", std::ios::binary)
            << slimscope::fixtures::npyBytes("<f4", { 1, 512 }, audio.data(), audio.size() * 4);
        std::ofstream(inputs / "sr.npy", std::ios::binary) << slimscope::fixtures::npyBytes("<i8", {}, &rate, 8);
        std::ofstream(inputs / "h.npy", std::ios::binary)
            << slimscope::fixtures::npyBytes("<f4", { 2, 1, 64 }, state.data(), state.size() * 4);
        std::ofstream(inputs / "c.npy", std::ios::binary)
            << slimscope::fixtures::npyBytes("<f4", { 2, 1, 64 }, state.data(), state.size() * 4);
        rt::VerifyOptions options = quickVerify();
        options.inputs.folder = inputs;
        auto v = rt::verify(model, folder / "slim.onnx", options);
        QVERIFY2(v.has_value(), qPrintable(errorOf(v)));
        QVERIFY2(v->inputSource.find("files") != std::string::npos, v->inputSource.c_str());
        QVERIFY(!v->outputs.empty());
        for (const auto& o : v->outputs)
            QVERIFY2(o.identical, o.name.c_str());
    }

    void sharedQuantize_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("kind");
        QTest::addColumn<double>("minRatio");
        QTest::addColumn<double>("minCosine");
        QTest::newRow("mobilenet_v2 int8")
            << QStringLiteral("mobilenet_v2.onnx") << QStringLiteral("int8") << 3.7 << 0.99;
        QTest::newRow("squeezenet1_1 fp16")
            << QStringLiteral("squeezenet1_1.onnx") << QStringLiteral("fp16") << 1.95 << 0.9999;
    }

    void sharedQuantize()
    {
        QFETCH(QString, file);
        QFETCH(QString, kind);
        QFETCH(double, minRatio);
        QFETCH(double, minCosine);
        const QString shared = slimscope::testing::sharedModel(file);
        SLIMSCOPE_REQUIRE_SHARED(shared);
        const fs::path model = shared.toStdString();
        const fs::path out = m_models.outputDir(kind) / "slim.onnx";
        TRY_SLIM(s, model, recipeFor(kind), out);
        QCOMPARE(fs::file_size(out), s->result.preview.predictedFileBytes);
        const double ratio = double(fs::file_size(model)) / double(fs::file_size(out));
        qInfo("%s: %llu -> %llu bytes, ratio %.3f", qPrintable(file),
            static_cast<unsigned long long>(fs::file_size(model)), static_cast<unsigned long long>(fs::file_size(out)),
            ratio);
        QVERIFY2(ratio >= minRatio, qPrintable(QStringLiteral("ratio %1").arg(ratio)));
        REQUIRE_RUNTIME();
        auto v = rt::verify(model, out, quickVerify());
        QVERIFY2(v.has_value(), qPrintable(errorOf(v)));
        QVERIFY(!v->outputs.empty());
        for (const auto& o : v->outputs) {
            qInfo("%s: cosine %.7f, top-1 agreement %.3f", o.name.c_str(), o.cosine, o.top1Agreement.value_or(-1));
            QVERIFY2(o.cosine >= minCosine,
                qPrintable(
                    QStringLiteral("%1: cosine %2").arg(QString::fromStdString(o.name)).arg(o.cosine, 0, 'g', 8)));
        }
    }
};

QTEST_GUILESS_MAIN(TestSlimExport)
#include "tst_slimexport.moc"
