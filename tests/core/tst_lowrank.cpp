// low_rank: weights with a spectrum chosen by construction (W = Σ sᵢ uᵢ vᵢᵀ with uᵢ, vᵢ columns of Sylvester
// Hadamard matrices, orthonormal exactly), so the rank a given energy needs and the error it costs are known
// without an SVD: r is the smallest with Σ_{i<r} sᵢ² ≥ energy · Σ sᵢ², the relative error √(Σ_{i≥r} sᵢ² / Σ sᵢ²).
// ONNX Runtime runs every result; an exactly rank-4 weight keeps the outputs.
#include "analysis/analysis.h"
#include "analysis/lowrankscan.h"
#include "modelbuilder.h"
#include "slim/steps/lowrank.h"
#include "slimtestsupport.h"

#include <QTemporaryDir>
#include <QTest>

#include <cmath>

using namespace slimtest;

namespace {

// Column j of the n × n Sylvester Hadamard matrix, scaled to unit length.
std::vector<double> hadamardColumn(std::size_t n, std::size_t j)
{
    std::vector<double> column(n);
    for (std::size_t i = 0; i < n; ++i)
        column[i] = (std::popcount(i & j) % 2 ? -1.0 : 1.0) / std::sqrt(static_cast<double>(n));
    return column;
}

// rows × cols, W = Σ s[k] · u_k · v_kᵀ with u_k = Hadamard column k, v_k = Hadamard column (5k + 3) mod cols.
std::vector<float> withSpectrum(std::size_t rows, std::size_t cols, const std::vector<double>& s)
{
    std::vector<double> w(rows * cols, 0.0);
    for (std::size_t k = 0; k < s.size(); ++k) {
        const auto u = hadamardColumn(rows, k);
        const auto v = hadamardColumn(cols, (5 * k + 3) % cols);
        for (std::size_t r = 0; r < rows; ++r)
            for (std::size_t c = 0; c < cols; ++c)
                w[r * cols + c] += s[k] * u[r] * v[c];
    }
    return { w.begin(), w.end() };
}

std::vector<double> geometric(std::size_t count, double ratio)
{
    std::vector<double> s(count);
    for (std::size_t i = 0; i < count; ++i)
        s[i] = std::pow(ratio, static_cast<double>(i));
    return s;
}

// x[1,64] -> MatMul "mm" (w_mm [64,64], spectrum 0.9^i) -> Gemm "gemm" (w_gemm [32,64], transB, exactly rank 4,
// bias) -> y[1,32]; and x -> Transpose of w_t [64,64] (spectrum 0.8^i) -> MatMul "mm_t" -> z[1,64].
fx::ModelBuilder spectralModel()
{
    fx::ModelBuilder b(13, 8);
    fx::Lcg rng(7);
    b.addInput("x", onnx::TensorProto::FLOAT, { 1, 64 });
    b.addFloatInitializer("w_mm", { 64, 64 }, withSpectrum(64, 64, geometric(64, 0.9)));
    b.addNode("MatMul", { "x", "w_mm" }, { "h" }, "mm");
    b.addFloatInitializer("w_gemm", { 32, 64 }, withSpectrum(32, 64, { 3.0, 2.0, 1.0, 0.5 }));
    b.addFloatInitializer("b_gemm", { 32 }, fx::randomFloats(rng, 32, 0.1f));
    fx::ModelBuilder::addAttrInt(b.addNode("Gemm", { "h", "w_gemm", "b_gemm" }, { "y" }, "gemm"), "transB", 1);
    b.addFloatInitializer("w_t", { 64, 64 }, withSpectrum(64, 64, geometric(64, 0.8)));
    b.addNode("Transpose", { "w_t" }, { "w_t_transposed" }, "transpose");
    b.addNode("MatMul", { "x", "w_t_transposed" }, { "z" }, "mm_t");
    b.addOutput("y", onnx::TensorProto::FLOAT, { 1, 32 });
    b.addOutput("z", onnx::TensorProto::FLOAT, { 1, 64 });
    return b;
}

// The rank and relative error the definition gives for a spectrum and an energy.
std::pair<std::int64_t, double> expectedCut(const std::vector<double>& s, double energy)
{
    double total = 0.0;
    for (const double v : s)
        total += v * v;
    double kept = 0.0;
    std::int64_t rank = 0;
    while (rank < static_cast<std::int64_t>(s.size()) && (rank == 0 || kept < energy * total)) {
        kept += s[static_cast<std::size_t>(rank)] * s[static_cast<std::size_t>(rank)];
        ++rank;
    }
    return { rank, std::sqrt(std::max(0.0, total - kept) / total) };
}

const slim::TensorChange* rowOf(const slim::Preview& preview, const std::string& name)
{
    const auto found = std::ranges::find(preview.tensors, name, &slim::TensorChange::name);
    return found == preview.tensors.end() ? nullptr : &*found;
}

} // namespace

class TestLowRank : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    fs::path m_model;

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_model = fs::path(m_dir.path().toStdString()) / "spectral.onnx";
        QVERIFY(spectralModel().save(m_model).has_value());
    }

    void rankAndErrorFollowTheSpectrum_data()
    {
        QTest::addColumn<double>("energy");
        for (const double energy : { 0.5, 0.8, 0.95, 0.99 })
            QTest::addRow("%g", energy) << energy;
    }

    // The rank each weight keeps and its error are the definition's, the bytes are the factors', the file is
    // predicted to the byte, and ONNX Runtime runs it.
    void rankAndErrorFollowTheSpectrum()
    {
        QFETCH(double, energy);
        const fs::path out = fs::path(m_dir.path().toStdString()) / ("low-rank-" + std::to_string(energy) + ".onnx");
        TRY_SLIM(s, m_model, single(slim::LowRankStep { energy }, scopeWithMin(0)), out);
        const struct {
            const char* name;
            std::vector<double> spectrum;
            std::int64_t rows, cols;
        } weights[] = { { "w_mm", geometric(64, 0.9), 64, 64 }, { "w_gemm", { 3.0, 2.0, 1.0, 0.5 }, 32, 64 },
            { "w_t", geometric(64, 0.8), 64, 64 } };
        std::uint64_t expectedBytes = 32 * 4; // the Gemm's bias stays
        for (const auto& w : weights) {
            const auto [rank, relative] = expectedCut(w.spectrum, energy);
            const slim::TensorChange* row = rowOf(s->result.preview, w.name);
            QVERIFY2(row, w.name);
            const bool saves = rank * (w.rows + w.cols) < w.rows * w.cols;
            expectedBytes += static_cast<std::uint64_t>(saves ? rank * (w.rows + w.cols) : w.rows * w.cols) * 4;
            if (!saves) {
                QVERIFY2(!row->changed, w.name);
                continue;
            }
            QCOMPARE(row->storageAfter, slim::StorageAfter::LowRank);
            QCOMPARE(row->bytesAfter, static_cast<std::uint64_t>(rank * (w.rows + w.cols) * 4));
            QVERIFY2(std::fabs(row->relativeL2 - relative) < 1e-4,
                qPrintable(QStringLiteral("%1: %2 vs %3").arg(w.name).arg(row->relativeL2).arg(relative)));
        }
        // The factors written for w_mm multiply back to a matrix that far from the original (not only the
        // preview says so).
        const auto written = readProto(out);
        QVERIFY(written);
        const auto* a = findInitializer(written->graph(), "w_mm_low_rank_a");
        const auto* b = findInitializer(written->graph(), "w_mm_low_rank_b");
        QVERIFY(a && b); // every energy here factors w_mm
        {
            const auto av = valuesOf<float>(*a), bv = valuesOf<float>(*b);
            const auto original = withSpectrum(64, 64, geometric(64, 0.9));
            const auto rank = static_cast<std::size_t>(a->dims(1));
            double noise = 0.0, signal = 0.0;
            for (std::size_t r = 0; r < 64; ++r)
                for (std::size_t c = 0; c < 64; ++c) {
                    double product = 0.0;
                    for (std::size_t k = 0; k < rank; ++k)
                        product += static_cast<double>(av[r * rank + k]) * bv[k * 64 + c];
                    noise += std::pow(product - original[r * 64 + c], 2);
                    signal += std::pow(static_cast<double>(original[r * 64 + c]), 2);
                }
            QVERIFY2(std::fabs(std::sqrt(noise / signal) - expectedCut(geometric(64, 0.9), energy).second) < 1e-4,
                qPrintable(QString::number(std::sqrt(noise / signal))));
        }
        QCOMPARE(s->result.preview.weightBytesAfter, expectedBytes);
        QCOMPARE(s->exported.fileBytes, s->result.preview.predictedFileBytes);
        const auto analysis = slimscope::core::analysis::analyzeFile(out.string());
        QVERIFY(analysis.has_value());
        QCOMPARE((*analysis)->model.weightBytes, expectedBytes);
        REQUIRE_RUNTIME();
        const auto compared = compareInRuntime(m_model, out);
        QVERIFY2(compared.has_value(), qPrintable(errorOf(compared)));
        QCOMPARE(compared->size(), std::size_t(2));
    }

    // The Gemm reads its weight directly: x·Bᵀ first, then the Gemm on the other factor with transB kept (fewer
    // MACs). The transposed weight is rebuilt from its factors by a MatMul. An exactly rank-4 weight (energy 1)
    // keeps the Gemm's output within float rounding.
    void directConsumersComputeWithTheFactors()
    {
        const fs::path out = fs::path(m_dir.path().toStdString()) / "exact.onnx";
        slim::Scope scope = scopeWithMin(0);
        scope.include = { "^w_gemm$", "^w_t$" };
        TRY_SLIM(s, m_model, single(slim::LowRankStep { 0.999999 }, scope), out);
        const auto written = readProto(out);
        QVERIFY(written);
        const onnx::NodeProto* gemm = nullptr;
        for (const auto& node : written->graph().node())
            if (node.name() == "gemm")
                gemm = &node;
        QVERIFY(gemm);
        QCOMPARE(intAttribute(*gemm, "transB"), std::optional<std::int64_t>(1));
        const onnx::TensorProto* second = findInitializer(written->graph(), gemm->input(1));
        QVERIFY(second);
        QCOMPARE(std::vector<std::int64_t>(second->dims().begin(), second->dims().end()),
            (std::vector<std::int64_t> { 32, 4 }));
        const onnx::NodeProto* projection = findProducer(written->graph(), gemm->input(0));
        QVERIFY(projection && projection->op_type() == "MatMul" && projection->input(0) == "h");
        const onnx::TensorProto* first = findInitializer(written->graph(), projection->input(1));
        QVERIFY(first);
        QCOMPARE(std::vector<std::int64_t>(first->dims().begin(), first->dims().end()),
            (std::vector<std::int64_t> { 64, 4 }));
        const onnx::NodeProto* rebuilt = findProducer(written->graph(), "w_t");
        QVERIFY(rebuilt && rebuilt->op_type() == "MatMul");
        QVERIFY(s->result.preview.weightBytesAfter < s->result.preview.weightBytesBefore);
        const auto analysis = slimscope::core::analysis::analyzeFile(out.string());
        QVERIFY(analysis.has_value());
        // MACs of one inference: 64·4 + 4·32 for the factored Gemm instead of 64·32.
        const auto layer
            = std::ranges::find((*analysis)->layers, std::string("gemm"), &slimscope::core::analysis::LayerStats::name);
        QVERIFY(layer != (*analysis)->layers.end() && layer->macs);
        QCOMPARE(*layer->macs, std::uint64_t(4 * 32));
        REQUIRE_RUNTIME();
        const auto compared = compareInRuntime(m_model, out);
        QVERIFY2(compared.has_value(), qPrintable(errorOf(compared)));
        QVERIFY2((*compared)[0].maxRelative < 1e-5, qPrintable(QString::number((*compared)[0].maxRelative)));
    }

    // The low_rank finding: w_fast [128,256] with spectrum 0.9^i needs rank 22 for 99 % (0.81^22 ≤ 0.01 <
    // 0.81^21), at most half of 128, so it is reported with (128·256 − 22·384)·4 bytes recoverable; w_flat
    // [128,128] with 128 equal singular values needs 127 and is not. With no budget nothing is checked, and the
    // analysis says so.
    void findingListsWeightsThatHalfTheRankKeeps()
    {
        fx::ModelBuilder b(13, 8);
        b.addInput("x", onnx::TensorProto::FLOAT, { 1, 128 });
        b.addFloatInitializer("w_fast", { 128, 256 }, withSpectrum(128, 256, geometric(128, 0.9)));
        b.addFloatInitializer("w_flat", { 128, 128 }, withSpectrum(128, 128, std::vector<double>(128, 1.0)));
        b.addNode("MatMul", { "x", "w_fast" }, { "y" }, "fast");
        b.addNode("MatMul", { "x", "w_flat" }, { "z" }, "flat");
        b.addOutput("y", onnx::TensorProto::FLOAT, { 1, 256 });
        b.addOutput("z", onnx::TensorProto::FLOAT, { 1, 128 });
        const fs::path path = fs::path(m_dir.path().toStdString()) / "finding.onnx";
        QVERIFY(b.save(path).has_value());
        const auto analysis = slimscope::core::analysis::analyzeFile(path.string());
        QVERIFY(analysis.has_value());
        std::vector<const slimscope::core::analysis::Finding*> lowRank;
        for (const auto& finding : (*analysis)->findings)
            if (finding.kind == slimscope::core::analysis::FindingKind::LowRank)
                lowRank.push_back(&finding);
        QCOMPARE(lowRank.size(), std::size_t(1));
        QCOMPARE(lowRank[0]->tensors, std::vector<std::string> { "w_fast" });
        QCOMPARE(lowRank[0]->severity, slimscope::core::analysis::Severity::Info);
        QCOMPARE(lowRank[0]->bytesRecoverable, std::uint64_t((128 * 256 - 22 * 384) * 4));
        QVERIFY2(lowRank[0]->message.starts_with("rank 22 of 128"), lowRank[0]->message.c_str());

        const auto none = slimscope::core::analysis::detail::scanLowRank(**analysis, 0.0);
        QCOMPARE(none.candidates, std::size_t(2));
        QCOMPARE(none.checked, std::size_t(0));
        QVERIFY(none.findings.empty());
    }
};

QTEST_GUILESS_MAIN(TestLowRank)
#include "tst_lowrank.moc"
