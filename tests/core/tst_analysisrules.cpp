// Rules of the analysis checked on models built for them: a finding's severity follows the share of the file it
// recovers (high >= 10 %, medium >= 1 %, low > 0: docs/cli.md), and weights read by DequantizeLinear count as
// zero where they equal their zero point (per tensor and per channel), counted here element by element.
#include "analysis/analysis.h"
#include "lcg.h"
#include "modelbuilder.h"

#include <QFileInfo>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <cstring>

namespace an = slimscope::core::analysis;
namespace fx = slimscope::fixtures;

namespace {

std::vector<std::byte> int8Bytes(const std::vector<std::int8_t>& values)
{
    std::vector<std::byte> bytes(values.size());
    std::memcpy(bytes.data(), values.data(), values.size());
    return bytes;
}

} // namespace

class TestAnalysisRules : public QObject {
    Q_OBJECT

private slots:
    void severityFollowsTheShareRecovered_data()
    {
        QTest::addColumn<int>("bigElements");
        QTest::addColumn<int>("duplicateElements");
        QTest::addColumn<int>("band"); // the band the sizes were chosen for, so that the rows cover all three
        QTest::newRow("a third of the file") << 1000 << 1000 << int(an::Severity::High);
        QTest::newRow("about 2 %") << 50000 << 1000 << int(an::Severity::Medium);
        QTest::newRow("about 0.2 %") << 50000 << 100 << int(an::Severity::Low);
    }

    // A big unique weight and two byte-identical copies of a smaller one: the duplicate finding recovers one copy.
    void severityFollowsTheShareRecovered()
    {
        QFETCH(int, bigElements);
        QFETCH(int, duplicateElements);
        QFETCH(int, band);
        fx::ModelBuilder builder;
        builder.addInput("x", onnx::TensorProto::FLOAT, { 1, 1 });
        std::vector<float> big(static_cast<std::size_t>(bigElements));
        for (std::size_t i = 0; i < big.size(); ++i)
            big[i] = static_cast<float>(i % 97) * 0.01f;
        std::vector<float> copy(static_cast<std::size_t>(duplicateElements));
        for (std::size_t i = 0; i < copy.size(); ++i)
            copy[i] = 0.5f + static_cast<float>(i % 13);
        builder.addFloatInitializer("big", { bigElements }, big);
        builder.addFloatInitializer("copy_a", { duplicateElements }, copy);
        builder.addFloatInitializer("copy_b", { duplicateElements }, copy);
        builder.addNode("Concat", { "big", "copy_a", "copy_b" }, { "y" }, "concat");
        fx::ModelBuilder::addAttrInt(builder.graph().mutable_node()->at(0), "axis", 0);
        builder.addOutput("y", onnx::TensorProto::FLOAT, { bigElements + 2 * duplicateElements });
        QTemporaryDir dir;
        const std::string path = dir.filePath(QStringLiteral("model.onnx")).toStdString();
        QVERIFY(builder.save(path).has_value());

        const auto analysis = an::analyzeFile(path);
        QVERIFY2(analysis.has_value(), analysis ? "" : analysis.error().message.c_str());
        const auto& findings = (*analysis)->findings;
        const auto duplicate = std::ranges::find(findings, an::FindingKind::DuplicateTensor, &an::Finding::kind);
        QVERIFY(duplicate != findings.end());
        const std::uint64_t recovered = 4ull * static_cast<std::uint64_t>(duplicateElements);
        QCOMPARE(duplicate->bytesRecoverable, recovered);
        const double share
            = static_cast<double>(recovered) / static_cast<double>(QFileInfo(QString::fromStdString(path)).size());
        const an::Severity expected = share >= 0.10 ? an::Severity::High
            : share >= 0.01                         ? an::Severity::Medium
                                                    : an::Severity::Low;
        QCOMPARE(duplicate->severity, expected);
        QCOMPARE(int(expected), band);
    }

    // Finding kinds are an enum in code and one name each in every output.
    void findingKindsHaveDistinctNames()
    {
        QSet<QString> names;
        for (const an::FindingKind kind : an::kFindingKinds) {
            const QString name = QString::fromStdString(std::string(an::findingKindName(kind)));
            QVERIFY2(!name.isEmpty() && name != u"unknown", qPrintable(name));
            QVERIFY2(!names.contains(name), qPrintable(name));
            names.insert(name);
        }
        QCOMPARE(names.size(), 12);
    }

    // float16's range: a tensor with one value of 70000, a tensor of values all below 6.1e-5, and a tensor with one
    // normal value among fifteen of 1e-6 are found (three findings); a tensor within ±65504 with normal values is
    // not, nor one with half its values 1e-6 and half 0.5 (most are normal).
    void fp16RangeIsChecked()
    {
        fx::ModelBuilder b(13, 8);
        b.addInput("x", onnx::TensorProto::FLOAT, { 1, 4 });
        b.addFloatInitializer("big", { 4, 4 }, { 1, 2, 3, 70000.0f, 0, 0, 0, 0, 1, 1, 1, 1, -5, 5, 6, 7 });
        b.addFloatInitializer("tiny", { 4, 4 }, std::vector<float>(16, 3e-6f));
        b.addFloatInitializer("fine", { 4, 4 }, std::vector<float>(16, -60000.0f));
        std::vector<float> mostly(16, 1e-6f), half(16, 1e-6f);
        mostly[3] = 1e-4f; // Σv²/t² = (1e-8 + 15e-12) / 3.7e-9 = 2.7 normal at most, under half of 16 non-zero
        for (std::size_t i = 0; i < 8; ++i)
            half[i] = 0.5f;
        b.addFloatInitializer("mostly_tiny", { 4, 4 }, mostly);
        b.addFloatInitializer("half_tiny", { 4, 4 }, half);
        b.addNode("MatMul", { "x", "big" }, { "a" }, "mm_big");
        b.addNode("MatMul", { "a", "tiny" }, { "t" }, "mm_tiny");
        b.addNode("MatMul", { "t", "mostly_tiny" }, { "u" }, "mm_mostly");
        b.addNode("MatMul", { "u", "half_tiny" }, { "v" }, "mm_half");
        b.addNode("MatMul", { "v", "fine" }, { "y" }, "mm_fine");
        b.addOutput("y", onnx::TensorProto::FLOAT, { 1, 4 });
        QTemporaryDir dir;
        const std::string path = dir.filePath(QStringLiteral("range.onnx")).toStdString();
        QVERIFY(b.save(path).has_value());
        const auto analysis = an::analyzeFile(path);
        QVERIFY(analysis.has_value());
        std::vector<std::vector<std::string>> found;
        for (const auto& finding : (*analysis)->findings)
            if (finding.kind == an::FindingKind::Fp16Overflow)
                found.push_back(finding.tensors);
        QCOMPARE(found, (std::vector<std::vector<std::string>> { { "big" }, { "tiny" }, { "mostly_tiny" } }));
    }

    // Input features the first layers multiply by zero: found when every reader ignores them (a Gemm with
    // transB reads feature k as column k, a MatMul as row k), not when one reader still uses them.
    void deadInputFeaturesAreTheOnesEveryReaderIgnores()
    {
        fx::Lcg rng(83);
        std::vector<float> gemm = fx::randomFloats(rng, 4 * 8, 0.5f); // [4, 8], transB: feature k = column k
        std::vector<float> matmul = fx::randomFloats(rng, 8 * 3, 0.5f); // [8, 3]: feature k = row k
        for (const std::size_t k : { 2, 5, 6 })
            for (std::size_t r = 0; r < 4; ++r)
                gemm[r * 8 + k] = k == 6 ? 1e-9f : 0.0f; // 6: below 1e-6 of the largest column
        for (const std::size_t k : { 2, 5, 6 })
            for (std::size_t c = 0; c < 3; ++c)
                matmul[k * 3 + c] = 0.0f;
        const auto build = [&](bool matmulUsesFeature5) {
            fx::ModelBuilder b(13, 8);
            b.addInput("x", onnx::TensorProto::FLOAT, { 1, 8 });
            b.addFloatInitializer("w_gemm", { 4, 8 }, gemm);
            fx::ModelBuilder::addAttrInt(b.addNode("Gemm", { "x", "w_gemm" }, { "g" }, "gemm"), "transB", 1);
            std::vector<float> m = matmul;
            if (matmulUsesFeature5)
                m[5 * 3] = 0.5f;
            b.addFloatInitializer("w_mm", { 8, 3 }, m);
            b.addNode("MatMul", { "x", "w_mm" }, { "h" }, "matmul");
            b.addOutput("g", onnx::TensorProto::FLOAT, { 1, 4 });
            b.addOutput("h", onnx::TensorProto::FLOAT, { 1, 3 });
            return b;
        };
        QTemporaryDir dir;
        for (const bool used : { false, true }) {
            const std::string path
                = dir.filePath(used ? QStringLiteral("used.onnx") : QStringLiteral("dead.onnx")).toStdString();
            QVERIFY(build(used).save(path).has_value());
            const auto analysis = an::analyzeFile(path);
            QVERIFY(analysis.has_value());
            const auto finding
                = std::ranges::find((*analysis)->findings, an::FindingKind::DeadInputFeatures, &an::Finding::kind);
            QVERIFY(finding != (*analysis)->findings.end());
            const std::string list = used ? "(2,6)" : "(2,5,6)";
            QVERIFY2(finding->message.contains(list), finding->message.c_str());
            // Per dead feature: 4 floats of the Gemm's weight and 3 of the MatMul's.
            QCOMPARE(finding->bytesRecoverable, std::uint64_t((used ? 2 : 3) * (4 + 3) * 4));
            QCOMPARE(finding->tensors, (std::vector<std::string> { "w_gemm", "w_mm" }));
        }
    }

    void zerosCountAgainstTheZeroPoint()
    {
        // int8 weights [4, 6], zero points per channel along axis 0 (5, -3, 0, 7), and one tensor with a single
        // zero point of 2; both read by DequantizeLinear.
        const std::vector<std::int8_t> zeroPoints { 5, -3, 0, 7 };
        std::vector<std::int8_t> weights(24);
        for (std::size_t i = 0; i < weights.size(); ++i)
            weights[i] = static_cast<std::int8_t>((static_cast<int>(i * 7) % 11) - 4);
        std::vector<std::int8_t> single(30);
        for (std::size_t i = 0; i < single.size(); ++i)
            single[i] = static_cast<std::int8_t>(i % 3 == 0 ? 2 : static_cast<int>(i));

        fx::ModelBuilder builder(13);
        builder.addInitializer("w_q", onnx::TensorProto::INT8, { 4, 6 }, int8Bytes(weights));
        builder.addFloatInitializer("w_scale", { 4 }, { 0.1f, 0.2f, 0.3f, 0.4f });
        builder.addInitializer("w_zero", onnx::TensorProto::INT8, { 4 }, int8Bytes(zeroPoints));
        auto& dq = builder.addNode("DequantizeLinear", { "w_q", "w_scale", "w_zero" }, { "w" }, "dq_w");
        fx::ModelBuilder::addAttrInt(dq, "axis", 0);
        builder.addInitializer("s_q", onnx::TensorProto::INT8, { 30 }, int8Bytes(single));
        builder.addFloatInitializer("s_scale", {}, { 0.5f });
        builder.addInitializer("s_zero", onnx::TensorProto::INT8, {}, int8Bytes({ 2 }));
        builder.addNode("DequantizeLinear", { "s_q", "s_scale", "s_zero" }, { "s" }, "dq_s");
        builder.addOutput("w", onnx::TensorProto::FLOAT, { 4, 6 });
        builder.addOutput("s", onnx::TensorProto::FLOAT, { 30 });
        QTemporaryDir dir;
        const std::string path = dir.filePath(QStringLiteral("quantized.onnx")).toStdString();
        QVERIFY(builder.save(path).has_value());

        std::uint64_t channelZeros = 0;
        for (std::size_t c = 0; c < 4; ++c)
            for (std::size_t i = 0; i < 6; ++i)
                channelZeros += weights[c * 6 + i] == zeroPoints[c] ? 1 : 0;
        const auto singleZeros = static_cast<std::uint64_t>(std::ranges::count(single, std::int8_t { 2 }));
        const auto plainZeros = static_cast<std::uint64_t>(std::ranges::count(weights, std::int8_t { 0 }));
        QVERIFY(channelZeros != plainZeros); // the fixture tells the two counts apart

        const auto analysis = an::analyzeFile(path);
        QVERIFY2(analysis.has_value(), analysis ? "" : analysis.error().message.c_str());
        const auto tensor = [&](const std::string& name) -> const an::TensorStats& {
            return *std::ranges::find((*analysis)->tensors, name, &an::TensorStats::name);
        };
        QVERIFY(tensor("w_q").zerosAgainstZeroPoint);
        QCOMPARE(tensor("w_q").zeros, channelZeros);
        QVERIFY(tensor("s_q").zerosAgainstZeroPoint);
        QCOMPARE(tensor("s_q").zeros, singleZeros);
        QVERIFY(!tensor("w_zero").zerosAgainstZeroPoint); // the zero points themselves count plain zeros
        QCOMPARE(tensor("w_zero").zeros, std::uint64_t { 1 });
    }
};

QTEST_GUILESS_MAIN(TestAnalysisRules)
#include "tst_analysisrules.moc"
