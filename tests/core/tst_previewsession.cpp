// The incremental preview (slim::PreviewSession) and the errors steps measure without writing their result:
// - every error a preview reports equals the error computed here, in double precision, from the model the same
//   recipe exports (dequantized, cast back, densified by this test's own code);
// - a session gives what applyRecipe gives, edit after edit, and reuses the earlier steps only when they are
//   unchanged;
// - a prune read by the next step through a cut view (deferred) writes the same bytes as a prune written out
//   and read back;
// - sampled previews keep sizes exact and say which errors are sampled.
#include "modelbuilder.h"
#include "slim/errorsums.h"
#include "slimtestsupport.h"

#include <QTest>

Q_DECLARE_METATYPE(slimscope::core::slim::Recipe)

using namespace slimtest;

namespace {

// A model whose weights have many equal magnitudes (multiples of 1/64), so that prune thresholds have ties,
// and one weight large enough for sampled errors (512 x 256 > 65536 values).
fx::ModelBuilder tiedWeights()
{
    fx::ModelBuilder b(13, 8);
    fx::Lcg rng(7);
    const auto levels = [&](std::size_t count) {
        std::vector<float> values(count);
        for (float& v : values)
            v = static_cast<float>(static_cast<int>(rng.below(41)) - 20) / 64.0f;
        return values;
    };
    b.addFloatInitializer("big.weight", { 512, 256 }, levels(512 * 256));
    b.addFloatInitializer("small.weight", { 64, 512 }, levels(64 * 512));
    b.addFloatInitializer("conv.weight", { 8, 4, 3, 3 }, levels(8 * 4 * 9));
    b.addInput("x", onnx::TensorProto::FLOAT, { 1, 256 });
    b.addInput("image", onnx::TensorProto::FLOAT, { 1, 4, 8, 8 });
    fx::ModelBuilder::addAttrInt(b.addNode("Gemm", { "x", "big.weight" }, { "h" }, "big"), "transB", 1);
    fx::ModelBuilder::addAttrInt(b.addNode("Gemm", { "h", "small.weight" }, { "y" }, "small"), "transB", 1);
    b.addNode("Conv", { "image", "conv.weight" }, { "z" }, "conv");
    b.addOutput("y", onnx::TensorProto::FLOAT, { 1, 64 });
    b.addOutput("z", onnx::TensorProto::FLOAT, { 1, 8, 6, 6 });
    return b;
}

// The float values consumers of `name` see in a written graph: an initializer, a sparse initializer, or the
// output of a DequantizeLinear or of a Cast from float16 over initializers. Decoded here, not by Slimscope.
std::optional<std::vector<double>> effectiveValues(const onnx::GraphProto& g, const std::string& name)
{
    const auto asDoubles
        = [](const std::vector<float>& values) { return std::vector<double>(values.begin(), values.end()); };
    if (const auto* tensor = findInitializer(g, name)) {
        if (tensor->data_type() == onnx::TensorProto::FLOAT)
            return asDoubles(valuesOf<float>(*tensor));
        if (tensor->data_type() == onnx::TensorProto::FLOAT16) {
            std::vector<double> out;
            for (const std::uint16_t bits : valuesOf<std::uint16_t>(*tensor)) {
                // float16 by hand: sign, 5 exponent bits, 10 mantissa bits
                const int exponent = (bits >> 10) & 0x1F, mantissa = bits & 0x3FF;
                const double magnitude
                    = exponent == 0 ? std::ldexp(mantissa, -24) : std::ldexp(1024 + mantissa, exponent - 25);
                out.push_back((bits & 0x8000) ? -magnitude : magnitude);
            }
            return out;
        }
        return std::nullopt;
    }
    if (const auto* sparse = findSparse(g, name))
        return asDoubles(densify(*sparse));
    const auto* node = findProducer(g, name);
    if (!node)
        return std::nullopt;
    if (node->op_type() == "Cast")
        return effectiveValues(g, node->input(0));
    if (node->op_type() != "DequantizeLinear")
        return std::nullopt;
    const auto* q = findInitializer(g, node->input(0));
    const auto* scale = findInitializer(g, node->input(1));
    const auto* zero = findInitializer(g, node->input(2));
    if (!q || !scale || !zero)
        return std::nullopt;
    const auto scales = valuesOf<float>(*scale);
    const std::string levels = q->raw_data(), zeros = zero->raw_data();
    const bool isSigned = q->data_type() == onnx::TensorProto::INT8;
    const auto axis = intAttribute(*node, "axis").value_or(1);
    std::int64_t inner = 1;
    for (int d = static_cast<int>(axis) + 1; scales.size() > 1 && d < q->dims_size(); ++d)
        inner *= q->dims(d);
    std::vector<double> out(levels.size());
    for (std::size_t i = 0; i < levels.size(); ++i) {
        const std::size_t c = scales.size() > 1 ? static_cast<std::size_t>(std::int64_t(i) / inner) % scales.size() : 0;
        const int level
            = isSigned ? int(static_cast<std::int8_t>(levels[i])) : int(static_cast<std::uint8_t>(levels[i]));
        const int zp = isSigned ? int(static_cast<std::int8_t>(zeros[c])) : int(static_cast<std::uint8_t>(zeros[c]));
        out[i] = double(level - zp) * double(scales[c]);
    }
    return out;
}

slim::StepParams prune(double sparsity, slim::PruneStep::Mode mode = slim::PruneStep::Mode::Layer)
{
    return slim::PruneStep { sparsity, mode };
}

slim::Recipe recipeOf(std::vector<slim::StepParams> steps, slim::Scope scope = {})
{
    slim::Recipe recipe;
    for (auto& step : steps)
        recipe.steps.push_back({ std::move(step), scope, true });
    return recipe;
}

// Every field of two previews, exactly (the session and applyRecipe run the same code on the same values).
QString previewDifference(const slim::Preview& a, const slim::Preview& b)
{
    if (a.predictedFileBytes != b.predictedFileBytes || a.paramsAfter != b.paramsAfter
        || a.weightBytesAfter != b.weightBytesAfter || a.tensors.size() != b.tensors.size())
        return QStringLiteral("totals differ: %1 vs %2 bytes").arg(a.predictedFileBytes).arg(b.predictedFileBytes);
    for (std::size_t i = 0; i < a.tensors.size(); ++i) {
        const auto& x = a.tensors[i];
        const auto& y = b.tensors[i];
        if (x.name != y.name || x.bytesAfter != y.bytesAfter || x.dtypeAfter != y.dtypeAfter
            || x.storageAfter != y.storageAfter || x.changed != y.changed || x.hasError != y.hasError
            || x.sparsityAfter != y.sparsityAfter || x.errorSampled != y.errorSampled
            || (x.hasError && (x.relativeL2 != y.relativeL2 || x.maxAbs != y.maxAbs)))
            return QStringLiteral("row %1 differs").arg(QString::fromStdString(x.name));
    }
    return {};
}

} // namespace

class TestPreviewSession : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    fs::path m_model;
    fx::ModelBuilder m_builder = tiedWeights();

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_model = fs::path(m_dir.path().toStdString()) / "tied.onnx";
        QVERIFY(m_builder.save(m_model).has_value());
    }

    void errorsMatchTheExport_data()
    {
        QTest::addColumn<slim::Recipe>("recipe");
        QTest::addRow("prune per layer") << recipeOf({ prune(0.5) });
        QTest::addRow("prune global") << recipeOf({ prune(0.6, slim::PruneStep::Mode::Global) });
        QTest::addRow("int8 per channel") << recipeOf({ slim::QuantizeInt8Step { true, true } });
        QTest::addRow("int8 per tensor asymmetric") << recipeOf({ slim::QuantizeInt8Step { false, false } });
        QTest::addRow("fp16") << recipeOf({ slim::QuantizeFp16Step {} });
        QTest::addRow("prune then int8") << recipeOf({ prune(0.55), slim::QuantizeInt8Step { true, false } });
        QTest::addRow("global prune then fp16")
            << recipeOf({ prune(0.4, slim::PruneStep::Mode::Global), slim::QuantizeFp16Step {} });
        QTest::addRow("prune then sparse storage")
            << recipeOf({ prune(0.9), slim::SparseStorageStep { slim::SparseStorageStep::Policy::Always } });
        QTest::addRow("cleanup, prune, int8")
            << recipeOf({ slim::CleanupStep {}, prune(0.3), slim::QuantizeInt8Step { true, true } });
    }

    // Relative L2, max abs and sparsity of every changed tensor, against this test's own reading of the export.
    void errorsMatchTheExport()
    {
        QFETCH(slim::Recipe, recipe);
        const fs::path out = fs::path(m_dir.path().toStdString()) / (std::string(QTest::currentDataTag()) + ".onnx");
        TRY_SLIM(s, m_model, recipe, out);
        const auto written = readProto(out);
        QVERIFY(written);
        const onnx::GraphProto& original = m_builder.model().graph();
        int checked = 0;
        for (const auto& change : s->result.preview.tensors) {
            if (!change.changed)
                continue;
            QVERIFY2(change.hasError, change.name.c_str());
            const auto before = valuesOf<float>(*findInitializer(original, change.name));
            const auto after = effectiveValues(written->graph(), change.name);
            QVERIFY2(after && after->size() == before.size(), change.name.c_str());
            double signal = 0, noise = 0, maxAbs = 0;
            std::size_t zeros = 0;
            for (std::size_t i = 0; i < before.size(); ++i) {
                const double d = (*after)[i] - before[i];
                signal += double(before[i]) * before[i];
                noise += d * d;
                maxAbs = std::max(maxAbs, std::fabs(d));
                zeros += (*after)[i] == 0.0 ? 1 : 0;
            }
            const double relativeL2 = std::sqrt(noise / signal);
            const QString what = QStringLiteral("%1: preview %2 / %3, export %4 / %5")
                                     .arg(QString::fromStdString(change.name))
                                     .arg(change.relativeL2, 0, 'g', 9)
                                     .arg(change.maxAbs, 0, 'g', 9)
                                     .arg(relativeL2, 0, 'g', 9)
                                     .arg(maxAbs, 0, 'g', 9);
            QVERIFY2(std::fabs(change.relativeL2 - relativeL2) <= 1e-5 * relativeL2 + 1e-12, qPrintable(what));
            QVERIFY2(std::fabs(change.maxAbs - maxAbs) <= 1e-6 * maxAbs + 1e-12, qPrintable(what));
            QCOMPARE(change.sparsityAfter, double(zeros) / double(before.size()));
            QVERIFY(!change.errorSampled);
            ++checked;
        }
        QVERIFY(checked >= 2);
    }

    // A session follows edits with the results applyRecipe gives, and keeps the earlier steps only when they
    // did not change.
    void sessionMatchesApplyRecipe()
    {
        auto file = model::ModelFile::load(m_model);
        QVERIFY(file);
        slim::PreviewSession session(*file, nullptr);
        const slim::StepParams int8 = slim::QuantizeInt8Step { true, true };
        struct Edit {
            slim::Recipe recipe;
            std::size_t reused;
        };
        const std::vector<Edit> edits = {
            { recipeOf({ prune(0.5) }), 0 },
            { recipeOf({ prune(0.6) }), 0 }, // a one-step recipe has no earlier steps
            { recipeOf({ slim::CleanupStep {}, prune(0.6) }), 0 },
            { recipeOf({ slim::CleanupStep {}, prune(0.7) }), 1 },
            { recipeOf({ slim::CleanupStep {}, prune(0.3) }), 1 },
            { recipeOf({ prune(0.5), int8 }), 0 },
            { recipeOf({ prune(0.5), slim::QuantizeInt8Step { false, true } }), 1 },
            { recipeOf({ prune(0.6), slim::QuantizeInt8Step { false, true } }), 0 },
            { recipeOf({ prune(0.6), slim::QuantizeFp16Step {} }), 1 },
            { recipeOf({}), 0 },
        };
        for (std::size_t e = 0; e < edits.size(); ++e) {
            auto incremental = session.preview(edits[e].recipe);
            QVERIFY2(incremental, qPrintable(errorOf(incremental)));
            QCOMPARE(session.reusedSteps(), edits[e].reused);
            auto fresh = slim::applyRecipe(*file, edits[e].recipe);
            QVERIFY2(fresh, qPrintable(errorOf(fresh)));
            const QString difference = previewDifference(incremental->preview, fresh->preview);
            QVERIFY2(difference.isEmpty(), qPrintable(QStringLiteral("edit %1: %2").arg(e).arg(difference)));
        }
    }

    // int8 after a prune reads the prune through a cut view (nothing written in between); writing the prune
    // out and quantizing the written file must give the same bytes. The weights have ties at every threshold.
    void cutViewMatchesWrittenPrune()
    {
        const fs::path dir(m_dir.path().toStdString());
        for (const auto mode : { slim::PruneStep::Mode::Layer, slim::PruneStep::Mode::Global }) {
            TRY_SLIM(direct, m_model, recipeOf({ prune(0.45, mode), slim::QuantizeInt8Step { true, false } }),
                dir / "direct.onnx");
            TRY_SLIM(pruned, m_model, recipeOf({ prune(0.45, mode) }), dir / "pruned.onnx");
            TRY_SLIM(twoStage, dir / "pruned.onnx", recipeOf({ slim::QuantizeInt8Step { true, false } }),
                dir / "twostage.onnx");
            QCOMPARE(readAll(dir / "direct.onnx"), readAll(dir / "twostage.onnx"));
            // And the prune kept its promise on the tensors in scope: exactly 45 % zeros, ties included.
            const auto written = readProto(dir / "pruned.onnx");
            QVERIFY(written);
            std::size_t zeros = 0, total = 0;
            for (const auto& change : pruned->result.preview.tensors) {
                if (!change.hasError)
                    continue; // out of the default scope
                const auto values = valuesOf<float>(*findInitializer(written->graph(), change.name));
                const std::size_t z = zerosIn(values);
                if (mode == slim::PruneStep::Mode::Layer)
                    QCOMPARE(z, static_cast<std::size_t>(std::llround(0.45 * double(values.size()))));
                zeros += z;
                total += values.size();
            }
            QVERIFY(total >= 512 * 256);
            if (mode == slim::PruneStep::Mode::Global)
                QCOMPARE(zeros, static_cast<std::size_t>(std::llround(0.45 * double(total))));
        }
    }

    // Sampled errors: sizes and sparsity stay exact, only tensors above the sample size are marked, and the
    // sampled error is close to the exact one.
    void sampledErrors()
    {
        auto file = model::ModelFile::load(m_model);
        QVERIFY(file);
        for (const auto& recipe :
            { recipeOf({ slim::QuantizeInt8Step { true, true } }), recipeOf({ slim::QuantizeFp16Step {} }),
                recipeOf({ prune(0.5), slim::QuantizeInt8Step { false, false } }) }) {
            slim::PreviewSession session(*file, nullptr);
            auto sampled = session.preview(recipe, true);
            QVERIFY2(sampled, qPrintable(errorOf(sampled)));
            auto exact = session.preview(recipe, false);
            QVERIFY2(exact, qPrintable(errorOf(exact)));
            QCOMPARE(sampled->preview.predictedFileBytes, exact->preview.predictedFileBytes);
            QCOMPARE(sampled->preview.paramsAfter, exact->preview.paramsAfter);
            for (std::size_t i = 0; i < exact->preview.tensors.size(); ++i) {
                const auto& s = sampled->preview.tensors[i];
                const auto& e = exact->preview.tensors[i];
                QVERIFY(!e.errorSampled);
                QCOMPARE(s.errorSampled, s.elements > slim::kSampledValues && s.hasError);
                QCOMPARE(s.bytesAfter, e.bytesAfter);
                if (s.errorSampled)
                    QVERIFY2(std::fabs(s.relativeL2 - e.relativeL2) <= 0.1 * e.relativeL2,
                        qPrintable(QStringLiteral("%1 vs %2").arg(s.relativeL2).arg(e.relativeL2)));
                else
                    QCOMPARE(s.relativeL2, e.relativeL2);
            }
        }
    }

    // The cache follows the recipe: slider moves do not pile up entries.
    void cacheStaysSmall()
    {
        auto file = model::ModelFile::load(m_model);
        QVERIFY(file);
        slim::PreviewSession session(*file, nullptr);
        for (int step = 1; step <= 30; ++step)
            QVERIFY(session.preview(recipeOf({ prune(step / 40.0), slim::QuantizeInt8Step { true, true } })));
        // 3 weights: a magnitude profile each, and ranges + errors for the int8 step of the last previews.
        QVERIFY2(session.cachedEntries() <= 3 * (1 + 2 * 3), qPrintable(QString::number(session.cachedEntries())));
    }
};

QTEST_GUILESS_MAIN(TestPreviewSession)
#include "tst_previewsession.moc"
