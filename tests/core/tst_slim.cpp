// The slimming steps end to end: each step kind on fixture models saved to disk, the written file read back with
// protobuf alone and checked against numbers this test computes from the fixture's own values (zeros, scales,
// channel counts, removed elements), its size against the exact preview, and its outputs in ONNX Runtime.
#include "analysis/analysis.h"
#include "slimtestsupport.h"

namespace an = slimscope::core::analysis;
using namespace slimtest;

class TestSlim : public QObject {
    Q_OBJECT

private:
    ModelSet m_models;

private slots:
    void initTestCase()
    {
        QString error;
        QVERIFY2(m_models.setUp(error), qPrintable(error));
    }

    // The bias/normalisation rule has one home (model/weightroles.h): the analysis flags exactly the tensors the
    // default scope leaves alone. A 2-D Gemm bias counts (input 2), as do LayerNormalization's scale and bias.
    void biasOrNormRuleIsShared()
    {
        namespace fixtures = slimscope::fixtures;
        fixtures::ModelBuilder builder(17);
        builder.addInput("X", onnx::TensorProto::FLOAT, { 1, 8 });
        builder.addFloatInitializer("W", { 4, 8 }, std::vector<float>(32, 0.5f));
        builder.addFloatInitializer("C", { 1, 4 }, std::vector<float>(4, 0.25f));
        builder.addFloatInitializer("scale", { 4 }, std::vector<float>(4, 1.0f));
        builder.addFloatInitializer("shift", { 4 }, std::vector<float>(4, 0.0f));
        builder.addFloatInitializer("M", { 4, 4 }, std::vector<float>(16, 0.125f));
        auto& gemm = builder.addNode("Gemm", { "X", "W", "C" }, { "Y" }, "gemm");
        fixtures::ModelBuilder::addAttrInt(gemm, "transB", 1);
        builder.addNode("LayerNormalization", { "Y", "scale", "shift" }, { "Z" }, "norm");
        builder.addNode("MatMul", { "Z", "M" }, { "out" }, "matmul");
        builder.addOutput("out", onnx::TensorProto::FLOAT, { 1, 4 });
        const fs::path dir = m_models.outputDir(QStringLiteral("roles"));
        const fs::path path = dir / "roles.onnx";
        QVERIFY(builder.save(path.string()).has_value());

        const auto analysis = slimscope::core::analysis::analyzeFile(path.string());
        QVERIFY2(analysis.has_value(), analysis ? "" : analysis.error().message.c_str());
        std::set<std::string> flagged;
        for (const auto& tensor : (*analysis)->tensors)
            if (tensor.biasOrNorm)
                flagged.insert(tensor.name);
        QCOMPARE(flagged, (std::set<std::string> { "C", "scale", "shift" }));

        slim::Scope everything;
        everything.minElements = 0;
        const fs::path out = dir / "slim.onnx";
        TRY_SLIM(s, path, slim::Recipe { { slim::Step { slim::QuantizeInt8Step {}, everything, true } } }, out);
        std::set<std::string> untouched;
        for (const auto& change : s->result.preview.tensors)
            if (!change.changed)
                untouched.insert(change.name);
        QCOMPARE(untouched, flagged);
    }

    // Every step kind on every fixture: the file loads back, is exactly the predicted size, and its analysis
    // counts what the preview promised.
    void exportRoundTrip_data()
    {
        QTest::addColumn<QString>("model");
        QTest::addColumn<QString>("kind");
        for (const auto& [name, model] : m_models.all())
            for (const QString& kind : kKinds)
                QTest::addRow("%s %s", qPrintable(name), qPrintable(kind)) << name << kind;
    }

    void exportRoundTrip()
    {
        QFETCH(QString, model);
        QFETCH(QString, kind);
        const Model& m = m_models.at(model);
        const fs::path out = m_models.outputDir(model + u'-' + kind) / "slim.onnx";
        TRY_SLIM(s, m.path, recipeFor(kind), out);
        const slim::Preview& preview = s->result.preview;
        QCOMPARE(preview.fileBytesBefore, fs::file_size(m.path));
        QCOMPARE(preview.paramsBefore, std::uint64_t(m.params));
        QCOMPARE(fs::file_size(out), preview.predictedFileBytes);
        QCOMPARE(s->exported.fileBytes, preview.predictedFileBytes);
        QVERIFY(s->exported.externalPath.empty());
        QVERIFY2(readProto(out).has_value(), "protobuf cannot parse the written model");

        auto reloaded = model::ModelFile::load(out);
        QVERIFY2(reloaded.has_value(), qPrintable(errorOf(reloaded)));
        auto analysis = an::analyzeFile(out.string());
        QVERIFY2(analysis.has_value(), qPrintable(errorOf(analysis)));
        QCOMPARE((*analysis)->model.fileBytes, preview.predictedFileBytes);
        QCOMPARE((*analysis)->model.params, preview.paramsAfter);
        // One row per stored weight tensor in any graph: initializers, sparse initializers and Constant nodes'
        // tensor values (not value_float(s)/value_int(s)).
        std::size_t originals = 0;
        for (const auto& weight : s->input->weights())
            originals += weight.tensor != nullptr;
        QCOMPARE(preview.tensors.size(), originals);
        // The preview counts weight bytes as the analysis does (strings by their lengths, too), before and after.
        auto original = an::analyzeFile(m.path.string());
        QVERIFY2(original.has_value(), qPrintable(errorOf(original)));
        QCOMPARE((*original)->model.weightBytes, preview.weightBytesBefore);
        QCOMPARE((*analysis)->model.weightBytes, preview.weightBytesAfter);
    }

    void runtimeRuns_data()
    {
        QTest::addColumn<QString>("model");
        QTest::addColumn<QString>("kind");
        for (const char* name : { "linearChain", "convNet", "bloated", "ifSubgraphs", "initializerAsInput",
                 "externalData", "mlp", "sparse" })
            for (const QString& kind : kKinds)
                QTest::addRow("%s %s", name, qPrintable(kind)) << QString::fromLatin1(name) << kind;
        for (const char* name : { "mlpOpset11", "mlpOpset9" }) // int8 upgrades them (ONNX's converter)
            for (const char* kind : { "int8", "int8-per-tensor", "fp16" })
                QTest::addRow("%s %s", name, kind) << QString::fromLatin1(name) << QString::fromLatin1(kind);
    }

    // ONNX Runtime loads and runs every result; lossless steps give identical outputs, fp16 and int8 stay close.
    void runtimeRuns()
    {
        REQUIRE_RUNTIME();
        QFETCH(QString, model);
        QFETCH(QString, kind);
        const Model& m = m_models.at(model);
        const fs::path out = m_models.outputDir(model + u'-' + kind) / "slim.onnx";
        TRY_SLIM(s, m.path, recipeFor(kind), out);
        auto v = rt::verify(m.path, out, quickVerify());
        QVERIFY2(v.has_value(), qPrintable(errorOf(v)));
        QCOMPARE(v->outputs.size(), std::size_t(m.builder.model().graph().output_size()));
        const bool lossless = kind == u"cleanup" || kind.startsWith(u"sparse");
        const bool realistic = model == u"linearChain" || model == u"convNet" || model.startsWith(u"mlp");
        for (const auto& o : v->outputs) {
            const QString what = QStringLiteral("output %1: cosine %2, max abs %3")
                                     .arg(QString::fromStdString(o.name))
                                     .arg(o.cosine, 0, 'g', 10)
                                     .arg(o.maxAbs);
            QCOMPARE(o.nonFiniteMismatches, std::uint64_t(0));
            if (lossless)
                QVERIFY2(o.identical, qPrintable(what));
            else if (realistic && kind.startsWith(u"fp16"))
                QVERIFY2(o.cosine >= 0.9999, qPrintable(what));
            else if (realistic && (kind == u"int8" || kind == u"int8-all" || kind == u"int8-asymmetric"))
                QVERIFY2(o.cosine >= 0.99, qPrintable(what));
        }
        if (!realistic || lossless || !(kind.startsWith(u"fp16") || kind.startsWith(u"int8")))
            return;
        // This test's own comparison, on the oracle's own inputs; verify() fed the same inputs from files must agree.
        auto own = compareInRuntime(m.path, out);
        QVERIFY2(own.has_value(), qPrintable(errorOf(own)));
        const fs::path inputs = out.parent_path() / "oracle-inputs";
        const auto written = writeOracleInputs(m.path, inputs);
        QVERIFY2(written.has_value(), qPrintable(written ? QString() : written.error()));
        auto options = quickVerify();
        options.inputs.folder = inputs;
        const auto fed = rt::verify(m.path, out, options);
        QVERIFY2(fed.has_value(), qPrintable(errorOf(fed)));
        for (std::size_t o = 0; o < own->size(); ++o) {
            const auto& c = (*own)[o];
            QVERIFY2(std::fabs(c.cosine - fed->outputs[o].cosine) < 1e-9, "verify's cosine differs from this test's");
            if (kind.startsWith(u"fp16"))
                QVERIFY2(c.maxRelative <= 1e-2, qPrintable(QString::number(c.maxRelative)));
        }
    }

    // bloated(): cleanup removes 2 of the 3 byte-identical dup_* tensors, unused_weight, the dead chain and the
    // dead_scale it alone read, and nothing else.
    void cleanupBloated()
    {
        const fx::Fixture f = fx::bloated();
        const Model& m = m_models.at(QStringLiteral("bloated"));
        const fs::path out = m_models.outputDir(QStringLiteral("bloated")) / "slim.onnx";
        TRY_SLIM(s, m.path, recipeFor(QStringLiteral("cleanup")), out);
        const auto& t = f.truth;
        const auto& dup = t.duplicateGroups.at(0);
        QCOMPARE(dup.size(), std::size_t(3));
        std::set<std::string> gone { t.unusedTensors.begin(), t.unusedTensors.end() };
        gone.insert(t.deadOnlyTensors.begin(), t.deadOnlyTensors.end());
        std::int64_t removedParams = 2 * t.tensors.at(dup[0]).storedValues;
        std::int64_t removedBytes = 2 * t.tensors.at(dup[0]).bytes;
        for (const auto& name : gone) {
            removedParams += t.tensors.at(name).storedValues;
            removedBytes += t.tensors.at(name).bytes;
        }
        QCOMPARE(removedParams, 2 * 4096 + 256 + 64); // the fixture's documented sizes

        auto analysis = an::analyzeFile(out.string());
        QVERIFY2(analysis.has_value(), qPrintable(errorOf(analysis)));
        const an::Analysis& a = **analysis;
        QCOMPARE(std::int64_t(a.model.params), t.totalParams - removedParams);
        QCOMPARE(std::int64_t(a.model.weightBytes), t.totalWeightBytes - removedBytes);
        QCOMPARE(std::int64_t(s->result.preview.paramsAfter), t.totalParams - removedParams);
        QCOMPARE(std::int64_t(a.model.nodeCount), std::int64_t(t.nodeCount) - std::int64_t(t.deadNodes.size()));
        QVERIFY(std::int64_t(fs::file_size(m.path) - fs::file_size(out)) >= removedBytes);

        int dupsLeft = 0;
        for (const auto& [name, truth] : t.tensors) {
            const auto it = std::ranges::find(a.tensors, name, &an::TensorStats::name);
            if (std::ranges::find(dup, name) != dup.end()) {
                dupsLeft += it != a.tensors.end();
                continue;
            }
            if (gone.contains(name)) {
                QVERIFY2(it == a.tensors.end(), name.c_str());
                continue;
            }
            QVERIFY2(it != a.tensors.end(), name.c_str());
            QCOMPARE(std::int64_t(it->storedElements), truth.storedValues);
            QCOMPARE(std::int64_t(it->bytes), truth.bytes);
            QCOMPARE(std::int64_t(it->zeros), truth.zeros);
        }
        QCOMPARE(dupsLeft, 1);
        for (const auto& node : t.deadNodes)
            QVERIFY2(std::ranges::find(a.layers, node, &an::LayerStats::name) == a.layers.end(), node.c_str());
        for (const auto& finding : a.findings)
            QVERIFY2(finding.kind != an::FindingKind::DuplicateTensor && finding.kind != an::FindingKind::UnusedTensor
                    && finding.kind != an::FindingKind::DeadNode && finding.kind != an::FindingKind::InitializerAsInput,
                finding.message.c_str());
        // The preview marks exactly the removed ones.
        int removedRows = 0;
        for (const auto& change : s->result.preview.tensors) {
            removedRows += change.removed;
            QCOMPARE(change.changed, change.removed);
        }
        QCOMPARE(removedRows, 4);
        const auto proto = readProto(out);
        QVERIFY(proto);
        QCOMPARE(proto->graph().input_size(), 1); // input_bias no longer doubles as an input
        QCOMPARE(proto->graph().input(0).name(), std::string("x"));
    }

    void cleanupIfSubgraphsKeepsEverything()
    {
        const fx::Fixture f = fx::ifSubgraphs();
        const fs::path out = m_models.outputDir(QStringLiteral("if")) / "slim.onnx";
        TRY_SLIM(s, m_models.at(QStringLiteral("ifSubgraphs")).path, recipeFor(QStringLiteral("cleanup")), out);
        auto analysis = an::analyzeFile(out.string());
        QVERIFY(analysis.has_value());
        QCOMPARE(std::int64_t((*analysis)->model.params), f.truth.totalParams);
        QCOMPARE(std::int64_t((*analysis)->model.nodeCount), std::int64_t(f.truth.nodeCount));
        QCOMPARE(std::int64_t((*analysis)->model.graphCount), std::int64_t(f.truth.subgraphCount + 1));
    }

    void prune_data()
    {
        QTest::addColumn<QString>("model");
        QTest::addColumn<double>("sparsity");
        QTest::addColumn<bool>("global");
        QTest::addColumn<qint64>("minElements");
        for (const double target : { 0.3, 0.5, 0.9 })
            for (const bool global : { false, true }) {
                QTest::addRow("linearChain %g %s", target, global ? "global" : "layer")
                    << QStringLiteral("linearChain") << target << global << qint64(1024);
                QTest::addRow("mlp %g %s", target, global ? "global" : "layer")
                    << QStringLiteral("mlp") << target << global << qint64(1024);
            }
        QTest::newRow("convNet 0.5 layer") << QStringLiteral("convNet") << 0.5 << false << qint64(1024);
        QTest::newRow("convNet 0.05 layer (below existing zeros)")
            << QStringLiteral("convNet") << 0.05 << false << qint64(1024);
        QTest::newRow("convNet 0.7 layer all") << QStringLiteral("convNet") << 0.7 << false << qint64(0);
        QTest::newRow("convNet 0.7 global all") << QStringLiteral("convNet") << 0.7 << true << qint64(0);
        QTest::newRow("bloated 0.8 global") << QStringLiteral("bloated") << 0.8 << true << qint64(1024);
    }

    // Zeros counted in the written bytes: each in-scope tensor (layer) or all of them together (global) hit the
    // target exactly, round(sparsity x elements) or the zeros already there when those are more (docs/recipes.md);
    // the smallest magnitudes went; survivors and out-of-scope tensors are bit-identical.
    void prune()
    {
        QFETCH(QString, model);
        QFETCH(double, sparsity);
        QFETCH(bool, global);
        QFETCH(qint64, minElements);
        const Model& m = m_models.at(model);
        const fs::path out = m_models.outputDir(QTest::currentDataTag()) / "slim.onnx";
        const auto mode = global ? slim::PruneStep::Mode::Global : slim::PruneStep::Mode::Layer;
        TRY_SLIM(s, m.path, single(slim::PruneStep { sparsity, mode }, scopeWithMin(std::uint64_t(minElements))), out);
        const auto written = readProto(out);
        QVERIFY(written);
        const onnx::GraphProto& before = m.builder.model().graph();
        std::size_t zeros = 0, elements = 0, inScope = 0, zerosBefore = 0;
        float maxZeroed = 0, minKept = INFINITY;
        // Initializers and Constant-node weights alike (bloated() holds a 64 x 4160 Constant).
        for (const onnx::TensorProto* stored : storedWeights(before)) {
            const onnx::TensorProto& original = *stored;
            const onnx::TensorProto* after = findStored(written->graph(), original.name());
            QVERIFY2(after, original.name().c_str());
            if (original.data_type() != kFloat) {
                QCOMPARE(after->raw_data(), original.raw_data());
                continue;
            }
            const auto x = valuesOf<float>(original);
            const auto y = valuesOf<float>(*after);
            QCOMPARE(y.size(), x.size());
            if (!inDefaultScope(before, original, minElements)) {
                QVERIFY2(bitwiseEqual(x, y), original.name().c_str());
                continue;
            }
            ++inScope;
            const std::size_t z = zerosIn(y);
            const auto target = static_cast<std::size_t>(std::llround(sparsity * double(x.size())));
            if (!global)
                QVERIFY2(z == std::max(target, zerosIn(x)),
                    qPrintable(QStringLiteral("%1: %2 zeros of %3, wanted %4")
                                   .arg(QString::fromStdString(original.name()))
                                   .arg(z)
                                   .arg(y.size())
                                   .arg(std::max(target, zerosIn(x)))));
            zeros += z;
            zerosBefore += zerosIn(x);
            elements += y.size();
            for (std::size_t i = 0; i < x.size(); ++i) {
                if (y[i] == 0.0f && x[i] != 0.0f)
                    maxZeroed = std::max(maxZeroed, std::fabs(x[i]));
                else if (y[i] != 0.0f)
                    minKept = std::min(minKept, std::fabs(x[i]));
                QVERIFY2(y[i] == 0.0f || std::memcmp(&x[i], &y[i], 4) == 0, "a surviving value changed");
            }
            // Layer mode ranks within each tensor, so the comparison holds per tensor; global across all.
            if (!global) {
                QVERIFY2(maxZeroed <= minKept, original.name().c_str());
                maxZeroed = 0;
                minKept = INFINITY;
            }
        }
        QVERIFY(inScope > 0);
        if (global) {
            const auto target = static_cast<std::size_t>(std::llround(sparsity * double(elements)));
            QVERIFY2(zeros == std::max(target, zerosBefore),
                qPrintable(QStringLiteral("%1 zeros of %2, wanted %3").arg(zeros).arg(elements).arg(target)));
            QVERIFY2(maxZeroed <= minKept, "a larger magnitude was pruned before a smaller one");
        }
        // The analysis of the written file agrees with the bytes.
        auto analysis = an::analyzeFile(out.string());
        QVERIFY(analysis.has_value());
        for (const auto& original : before.initializer()) {
            const auto it = std::ranges::find((*analysis)->tensors, original.name(), &an::TensorStats::name);
            QVERIFY(it != (*analysis)->tensors.end());
            const onnx::TensorProto* after = findInitializer(written->graph(), original.name());
            if (after->data_type() == kFloat)
                QCOMPARE(it->zeros, std::uint64_t(zerosIn(valuesOf<float>(*after))));
        }
    }

    void int8_data()
    {
        QTest::addColumn<QString>("model");
        QTest::addColumn<bool>("perChannel");
        QTest::addColumn<bool>("symmetric");
        QTest::addColumn<qint64>("minElements");
        QTest::addColumn<bool>("upgraded"); // opset < 13 and per channel: upgraded to 13, with a diagnostic
        for (const char* name : { "linearChain", "convNet", "mlp", "mlpOpset11" })
            for (const bool perChannel : { true, false })
                for (const bool symmetric : { true, false })
                    for (const qint64 minElements : { 1024, 0 })
                        QTest::addRow("%s %s %s min %lld", name, perChannel ? "per-channel" : "per-tensor",
                            symmetric ? "symmetric" : "asymmetric", minElements)
                            << QString::fromLatin1(name) << perChannel << symmetric << minElements
                            << (perChannel && std::string_view(name) == "mlpOpset11");
    }

    // DequantizeLinear per in-scope tensor with int8 (uint8) values, scales of the right shape and value, zero
    // points, and every value within half a step of the original.
    void int8()
    {
        QFETCH(QString, model);
        QFETCH(bool, perChannel);
        QFETCH(bool, symmetric);
        QFETCH(qint64, minElements);
        QFETCH(bool, upgraded);
        const Model& m = m_models.at(model);
        const fs::path out = m_models.outputDir(QTest::currentDataTag()) / "slim.onnx";
        TRY_SLIM(s, m.path,
            single(slim::QuantizeInt8Step { perChannel, symmetric }, scopeWithMin(std::uint64_t(minElements))), out);
        const bool diagnosed = std::ranges::any_of(s->result.preview.diagnostics, [](const auto& d) {
            return d.message.find("upgraded the model from opset 11 to 13") != std::string::npos;
        });
        QCOMPARE(diagnosed, upgraded);
        const bool channels = perChannel;
        const auto written = readProto(out);
        QVERIFY(written);
        const onnx::GraphProto& g = written->graph();
        const onnx::GraphProto& before = m.builder.model().graph();
        const int32_t qtype = symmetric ? onnx::TensorProto::INT8 : onnx::TensorProto::UINT8;
        int quantized = 0;
        for (const auto& original : before.initializer()) {
            const auto x = valuesOf<float>(original);
            if (!inDefaultScope(before, original, minElements)) {
                const auto* kept = findInitializer(g, original.name());
                QVERIFY2(kept && bitwiseEqual(valuesOf<float>(*kept), x), original.name().c_str());
                continue;
            }
            ++quantized;
            QVERIFY2(!findInitializer(g, original.name()), "the float original is still stored");
            const onnx::NodeProto* dq = findProducer(g, original.name());
            QVERIFY2(dq && dq->op_type() == "DequantizeLinear" && dq->input_size() == 3, original.name().c_str());
            const auto* q = findInitializer(g, dq->input(0));
            const auto* scale = findInitializer(g, dq->input(1));
            const auto* zero = findInitializer(g, dq->input(2));
            QVERIFY(q && scale && zero);
            QCOMPARE(q->data_type(), qtype);
            QCOMPARE(zero->data_type(), qtype);
            QCOMPARE(scale->data_type(), kFloat);
            QVERIFY(std::ranges::equal(q->dims(), original.dims()));
            const int axis = channels ? expectedAxis(before, original) : -1;
            const std::int64_t count = axis >= 0 ? original.dims(axis) : 1;
            if (axis >= 0) {
                QCOMPARE(intAttribute(*dq, "axis"), std::optional<std::int64_t>(axis));
                QCOMPARE(scale->dims_size(), 1);
                QCOMPARE(scale->dims(0), count);
            } else {
                QCOMPARE(scale->dims_size(), 0); // a scalar: per tensor
            }
            QVERIFY(std::ranges::equal(zero->dims(), scale->dims()));
            // Ranges per channel from the original values, computed here.
            std::int64_t inner = 1;
            for (int d = axis + 1; axis >= 0 && d < original.dims_size(); ++d)
                inner *= original.dims(d);
            std::vector<float> low(std::size_t(count), 0.0f), high(std::size_t(count), 0.0f);
            for (std::size_t i = 0; i < x.size(); ++i) {
                const std::size_t c = std::size_t((std::int64_t(i) / inner) % count);
                low[c] = std::min(low[c], x[i]);
                high[c] = std::max(high[c], x[i]);
            }
            const auto scales = valuesOf<float>(*scale);
            const std::string zeroBytes = zero->raw_data();
            const std::string levels = q->raw_data();
            QCOMPARE(levels.size(), x.size());
            for (std::int64_t c = 0; c < count; ++c) {
                const double range = symmetric ? std::max(-low[c], high[c]) / 127.0 : (high[c] - low[c]) / 255.0;
                if (range > 0)
                    QVERIFY2(std::fabs(scales[c] - range) <= 1e-6 * range, qPrintable(QString::number(c)));
                if (symmetric)
                    QCOMPARE(int(static_cast<std::int8_t>(zeroBytes[std::size_t(c)])), 0);
            }
            for (std::size_t i = 0; i < x.size(); ++i) {
                const std::size_t c = std::size_t((std::int64_t(i) / inner) % count);
                const int level
                    = symmetric ? int(static_cast<std::int8_t>(levels[i])) : int(static_cast<std::uint8_t>(levels[i]));
                const int zp = symmetric ? 0 : int(static_cast<std::uint8_t>(zeroBytes[c]));
                const double restored = double(level - zp) * scales[c];
                QVERIFY2(std::fabs(restored - x[i]) <= scales[c] * 0.5 * (1 + 1e-5),
                    qPrintable(QStringLiteral("%1[%2]: %3 -> %4")
                                   .arg(QString::fromStdString(original.name()))
                                   .arg(i)
                                   .arg(x[i])
                                   .arg(restored)));
                if (symmetric && x[i] == 0.0f)
                    QCOMPARE(level, 0);
            }
        }
        QVERIFY(quantized > 0);
        QCOMPARE(written->opset_import(0).version(), upgraded ? 13 : m.builder.model().opset_import(0).version());
    }

    // A channel of denormal weights (~1e-40, as PaddleOCR's recognizer has) quantizes to zeros with a finite error,
    // like an all-zero channel, instead of a scale whose reciprocal overflows and turns the values into NaN.
    void int8OfDenormalChannels()
    {
        fx::ModelBuilder b(13, 8);
        fx::Lcg rng(41);
        std::vector<float> w = fx::randomFloats(rng, 4 * 64, 0.3f);
        for (int i = 64; i < 128; ++i)
            w[static_cast<std::size_t>(i)] = (i % 2 ? 1.0f : -1.0f) * 3.0e-40f; // output channel 1
        for (int i = 128; i < 192; ++i)
            w[static_cast<std::size_t>(i)] = 0.0f; // output channel 2
        b.addInput("x", onnx::TensorProto::FLOAT, { 1, 64 });
        b.addFloatInitializer("w", { 4, 64 }, w);
        fx::ModelBuilder::addAttrInt(b.addNode("Gemm", { "x", "w" }, { "y" }, "gemm"), "transB", 1);
        b.addOutput("y", onnx::TensorProto::FLOAT, { 1, 4 });
        const fs::path dir = m_models.outputDir(QStringLiteral("denormal"));
        QVERIFY(b.save(dir / "denormal.onnx").has_value());
        TRY_SLIM(s, dir / "denormal.onnx", single(slim::QuantizeInt8Step {}, scopeWithMin(0)), dir / "int8.onnx");
        const auto row = std::ranges::find(s->result.preview.tensors, std::string("w"), &slim::TensorChange::name);
        QVERIFY(row != s->result.preview.tensors.end() && row->hasError);
        QVERIFY2(std::isfinite(row->relativeL2) && row->relativeL2 > 0 && row->relativeL2 < 0.01,
            qPrintable(QString::number(row->relativeL2)));
        const auto written = readProto(dir / "int8.onnx");
        QVERIFY(written);
        const auto* quantized = findInitializer(written->graph(), "w_quantized");
        QVERIFY(quantized);
        const auto levels = valuesOf<std::int8_t>(*quantized);
        QCOMPARE(levels.size(), std::size_t(256));
        for (std::size_t i = 64; i < 192; ++i)
            QCOMPARE(int(levels[i]), 0);
        REQUIRE_RUNTIME();
        const auto compared = compareInRuntime(dir / "denormal.onnx", dir / "int8.onnx");
        QVERIFY2(compared.has_value(), qPrintable(errorOf(compared)));
        for (const auto& output : *compared)
            QVERIFY2(output.cosine >= 0.999, qPrintable(QString::number(output.cosine, 'g', 9)));
    }

    // Where ONNX's version converter cannot upgrade (here it stops at Softmax 12 -> 13: the Squeeze without axes
    // before it leaves the rank unknown), int8 stays per channel at the model's own opset: int8 values Cast to
    // float and multiplied by scales shaped to broadcast along the channel axis; predicted to the byte, close
    // in ONNX Runtime.
    void int8WhereTheConverterStops()
    {
        fx::ModelBuilder b(9, 4);
        fx::Lcg rng(43);
        b.addInput("x", onnx::TensorProto::FLOAT, { fx::kSymbolicDim, 64 });
        b.addFloatInitializer("w", { 64, 32 }, fx::randomFloats(rng, 64 * 32, 0.2f));
        b.addNode("MatMul", { "x", "w" }, { "h" }, "matmul");
        b.addNode("Squeeze", { "h" }, { "squeezed" }, "squeeze");
        fx::ModelBuilder::addAttrInt(b.addNode("Softmax", { "squeezed" }, { "y" }, "softmax"), "axis", 0);
        b.addOutput("y", onnx::TensorProto::FLOAT, { 32 });
        const fs::path dir = m_models.outputDir(QStringLiteral("no-upgrade"));
        QVERIFY(b.save(dir / "opset9.onnx").has_value());
        TRY_SLIM(s, dir / "opset9.onnx", single(slim::QuantizeInt8Step {}, scopeWithMin(0)), dir / "int8.onnx");
        QStringList diagnostics;
        for (const auto& d : s->result.preview.diagnostics)
            diagnostics << QString::fromStdString(d.message);
        const QString said = diagnostics.join(u'\n');
        QVERIFY2(said.contains(QStringLiteral("could not take the model from opset 9 to 13")), qPrintable(said));
        QVERIFY2(said.contains(QStringLiteral("Cast to float and a Mul")), qPrintable(said));
        const auto written = readProto(dir / "int8.onnx");
        QVERIFY(written);
        QCOMPARE(written->opset_import(0).version(), 9);
        const auto* scale = findInitializer(written->graph(), "w_scale");
        QVERIFY(scale);
        QCOMPARE(std::vector<std::int64_t>(scale->dims().begin(), scale->dims().end()),
            (std::vector<std::int64_t> { 1, 32 })); // MatMul: per output column
        const onnx::NodeProto* mul = findProducer(written->graph(), "w");
        QVERIFY(mul && mul->op_type() == "Mul");
        const onnx::NodeProto* cast = findProducer(written->graph(), mul->input(0));
        QVERIFY(cast && cast->op_type() == "Cast" && cast->input(0) == "w_quantized");
        const auto row = std::ranges::find(s->result.preview.tensors, std::string("w"), &slim::TensorChange::name);
        QVERIFY(row != s->result.preview.tensors.end());
        QCOMPARE(row->storageAfter, slim::StorageAfter::Quantized);
        QCOMPARE(row->bytesAfter, std::uint64_t(64 * 32 + 32 * 4));
        QCOMPARE(s->exported.fileBytes, s->result.preview.predictedFileBytes);
        REQUIRE_RUNTIME();
        const auto compared = compareInRuntime(dir / "opset9.onnx", dir / "int8.onnx");
        QVERIFY2(compared.has_value(), qPrintable(errorOf(compared)));
        for (const auto& output : *compared)
            QVERIFY2(output.cosine >= 0.9999, qPrintable(QString::number(output.cosine, 'g', 9)));
    }

    void fp16_data()
    {
        QTest::addColumn<QString>("model");
        QTest::addColumn<qint64>("minElements");
        for (const char* name : { "linearChain", "convNet", "mlp" })
            for (const qint64 minElements : { 1024, 0 })
                QTest::addRow("%s min %lld", name, minElements) << QString::fromLatin1(name) << minElements;
    }

    // float16 initializers behind Cast(to=FLOAT) nodes that keep the original names; graph inputs and outputs
    // stay float32; each value is the nearest half of the original.
    void fp16()
    {
        QFETCH(QString, model);
        QFETCH(qint64, minElements);
        const Model& m = m_models.at(model);
        const fs::path out = m_models.outputDir(QTest::currentDataTag()) / "slim.onnx";
        TRY_SLIM(s, m.path, single(slim::QuantizeFp16Step {}, scopeWithMin(std::uint64_t(minElements))), out);
        const auto written = readProto(out);
        QVERIFY(written);
        const onnx::GraphProto& g = written->graph();
        const onnx::GraphProto& before = m.builder.model().graph();
        for (const auto& value : g.input())
            QCOMPARE(value.type().tensor_type().elem_type(), kFloat);
        for (const auto& value : g.output())
            QCOMPARE(value.type().tensor_type().elem_type(), kFloat);
        int converted = 0;
        for (const auto& original : before.initializer()) {
            const auto x = valuesOf<float>(original);
            if (!inDefaultScope(before, original, minElements)) {
                const auto* kept = findInitializer(g, original.name());
                QVERIFY2(kept && bitwiseEqual(valuesOf<float>(*kept), x), original.name().c_str());
                continue;
            }
            ++converted;
            QVERIFY(!findInitializer(g, original.name()));
            const onnx::NodeProto* cast = findProducer(g, original.name());
            QVERIFY2(cast && cast->op_type() == "Cast" && cast->input_size() == 1, original.name().c_str());
            QCOMPARE(intAttribute(*cast, "to"), std::optional<std::int64_t>(kFloat));
            const auto* half = findInitializer(g, cast->input(0));
            QVERIFY(half);
            QCOMPARE(half->data_type(), int32_t(onnx::TensorProto::FLOAT16));
            QVERIFY(std::ranges::equal(half->dims(), original.dims()));
            const auto bits = valuesOf<std::uint16_t>(*half);
            QCOMPARE(bits.size(), x.size());
            for (std::size_t i = 0; i < x.size(); ++i) {
                const double h = fx::decodeFloat16(bits[i]);
                // Half precision: 11 significant bits, so within 2^-11 relative (2^-25 absolute for subnormals).
                QVERIFY2(std::fabs(h - x[i]) <= std::max(std::fabs(double(x[i])) * 0x1p-11, 0x1p-25),
                    qPrintable(QStringLiteral("%1 -> %2").arg(x[i]).arg(h)));
            }
        }
        QVERIFY(converted > 0);
    }

    void sparseStorage_data()
    {
        QTest::addColumn<QString>("policy");
        QTest::addColumn<QStringList>("expectSparse");
        QTest::newRow("auto") << QStringLiteral("auto") << QStringList { "w90" };
        QTest::newRow("always") << QStringLiteral("always") << QStringList { "w90", "w50" };
        QTest::newRow("never") << QStringLiteral("never") << QStringList {};
    }

    // 90 % zeros pays as COO (410 x (4 + 8) bytes < 16384); 50 % does not (2048 x 12 > 16384) unless forced.
    void sparseStorage()
    {
        QFETCH(QString, policy);
        QFETCH(QStringList, expectSparse);
        const Model& m = m_models.at(QStringLiteral("sparse"));
        const fs::path out = m_models.outputDir(policy) / "slim.onnx";
        using S = slim::SparseStorageStep;
        const S::Policy p = policy == u"auto" ? S::Policy::Auto
            : policy == u"always"             ? S::Policy::Always
                                              : S::Policy::Never;
        TRY_SLIM(s, m.path, single(S { p }), out);
        const auto written = readProto(out);
        QVERIFY(written);
        for (const char* name : { "w90", "w50" }) {
            const auto x = valuesOf<float>(*findInitializer(m.builder.model().graph(), name));
            const auto* sparse = findSparse(written->graph(), name);
            const auto* dense = findInitializer(written->graph(), name);
            QCOMPARE(sparse != nullptr, expectSparse.contains(QString::fromLatin1(name)));
            QCOMPARE(dense != nullptr, sparse == nullptr);
            if (!sparse) {
                QVERIFY(bitwiseEqual(valuesOf<float>(*dense), x));
                continue;
            }
            const std::size_t nnz = x.size() - zerosIn(x);
            QCOMPARE(sparse->values().dims(0), std::int64_t(nnz));
            QCOMPARE(sparse->indices().data_type(), int32_t(onnx::TensorProto::INT64));
            QVERIFY(std::ranges::equal(sparse->dims(), std::vector<std::int64_t> { 64, 64 }));
            QVERIFY2(bitwiseEqual(densify(*sparse), x), name);
        }
        const auto before = fs::file_size(m.path), after = fs::file_size(out);
        if (policy == u"auto") // saves 16384 - 4920 payload bytes, less a few for the sparse tensor's framing
            QVERIFY2(
                before - after >= 16384 - 410 * 12 - 64, qPrintable(QStringLiteral("%1 -> %2").arg(before).arg(after)));
        if (policy == u"never")
            QCOMPARE(after, before);
    }
};

QTEST_GUILESS_MAIN(TestSlim)
#include "tst_slim.moc"
