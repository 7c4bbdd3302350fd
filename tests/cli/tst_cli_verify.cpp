// verify and report --verify through the CLI, as a user runs them: inputs from .npy files, symbolic dimensions set
// with --dim, the "fail" verdict (exit 3) when a recipe breaks the outputs, and the verification inside a report.
#include "clirun.h"
#include "modelbuilder.h"
#include "npy.h"
#include "testenv.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include <cstring>

using namespace slimscope;
using namespace slimscope::testing;

namespace {

bool builtWithoutRuntime(const Run& run)
{
    return run.code == 1 && run.err.contains("built without ONNX Runtime");
}

QJsonObject objectOf(const QByteArray& text)
{
    return QJsonDocument::fromJson(text).object();
}

/// The "verification" object of verify's JSON document (schema slimscope.verify/1).
QJsonObject verificationOf(const QByteArray& text)
{
    const QJsonObject root = objectOf(text);
    return root.value(u"schema").toString() == u"slimscope.verify/1" ? root.value(u"verification").toObject()
                                                                     : QJsonObject();
}

} // namespace

class TestCliVerify : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString m_model; ///< X [N, 64] · W [64, 32] -> Y [N, 32], N symbolic

private slots:
    void initTestCase()
    {
        fixtures::ModelBuilder builder(13);
        builder.addInput("X", onnx::TensorProto::FLOAT, { fixtures::kSymbolicDim, 64 });
        std::vector<float> w(64 * 32);
        for (std::size_t i = 0; i < w.size(); ++i)
            w[i] = static_cast<float>(static_cast<int>(i * 37 % 101) - 50) / 50.0f;
        builder.addFloatInitializer("W", { 64, 32 }, w);
        builder.addNode("MatMul", { "X", "W" }, { "Y" }, "matmul");
        builder.addOutput("Y", onnx::TensorProto::FLOAT, { fixtures::kSymbolicDim, 32 });
        m_model = m_dir.filePath(QStringLiteral("mlp.onnx"));
        QVERIFY(builder.save(m_model.toStdString()).has_value());
    }

    void dimSetsASymbolicDimension()
    {
        for (const auto& [args, rows] : std::vector<std::pair<QStringList, int>> { { {}, 1 },
                 { { QStringLiteral("--dim"), QStringLiteral("N=3") }, 3 }, { { QStringLiteral("--dim=N=5") }, 5 } }) {
            const Run run = runCli(QStringList { QStringLiteral("verify"), m_model, m_model, QStringLiteral("--format"),
                                       QStringLiteral("json"), QStringLiteral("--runs"), QStringLiteral("1") }
                + args);
            if (builtWithoutRuntime(run))
                SLIMSCOPE_SKIP("built without ONNX Runtime");
            QVERIFY2(run.code == 0, qPrintable(describe(run)));
            const QJsonObject root = verificationOf(run.out);
            const QJsonArray inputs = root.value(u"inputs").toArray();
            QCOMPARE(inputs.size(), 1);
            QCOMPARE(inputs.at(0).toObject().value(u"shape").toArray(), QJsonArray({ rows, 64 }));
            const QJsonObject y = root.value(u"outputs").toArray().at(0).toObject();
            QCOMPARE(y.value(u"shape").toArray(), QJsonArray({ rows, 32 }));
        }
        const Run bad
            = runCli({ QStringLiteral("verify"), m_model, m_model, QStringLiteral("--dim"), QStringLiteral("N") });
        QCOMPARE(bad.code, 2);
        QVERIFY2(bad.err.contains("--dim: a symbolic dimension is given as NAME=VALUE"), bad.err.constData());
    }

    void inputsComeFromNpyFiles()
    {
        const QString inputs = m_dir.filePath(QStringLiteral("inputs"));
        QVERIFY(QDir().mkpath(inputs));
        std::vector<float> x(2 * 64);
        for (std::size_t i = 0; i < x.size(); ++i)
            x[i] = static_cast<float>(i % 7) - 3.0f;
        QFile file(inputs + QStringLiteral("/X.npy"));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(QByteArray::fromStdString(fixtures::npyOf("<f4", { 2, 64 }, x)));
        file.close();
        const Run run = runCli({ QStringLiteral("verify"), m_model, m_model, QStringLiteral("--inputs"), inputs,
            QStringLiteral("--format"), QStringLiteral("json"), QStringLiteral("--runs"), QStringLiteral("1") });
        if (builtWithoutRuntime(run))
            SLIMSCOPE_SKIP("built without ONNX Runtime");
        QVERIFY2(run.code == 0, qPrintable(describe(run)));
        const QJsonObject root = verificationOf(run.out);
        // The file's two rows were fed, not the default single random row.
        QCOMPARE(root.value(u"inputs").toArray().at(0).toObject().value(u"shape").toArray(), QJsonArray({ 2, 64 }));
        QCOMPARE(root.value(u"verdict").toString(), QStringLiteral("pass"));

        // A broken input file is named in the error.
        QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
        file.write("not numpy");
        file.close();
        const Run broken = runCli({ QStringLiteral("verify"), m_model, m_model, QStringLiteral("--inputs"), inputs });
        QCOMPARE(broken.code, 1);
        QVERIFY2(broken.err.contains("X.npy"), broken.err.constData());
    }

    // random:N gives N samples (the JSON says how many and from where), --threads is stated with the latency.
    void randomSamplesAndThreads()
    {
        const Run run = runCli({ QStringLiteral("verify"), m_model, m_model, QStringLiteral("--inputs"),
            QStringLiteral("random:3"), QStringLiteral("--threads"), QStringLiteral("1"), QStringLiteral("--format"),
            QStringLiteral("json"), QStringLiteral("--runs"), QStringLiteral("2") });
        if (builtWithoutRuntime(run))
            SLIMSCOPE_SKIP("built without ONNX Runtime");
        QVERIFY2(run.code == 0, qPrintable(describe(run)));
        const QJsonObject root = verificationOf(run.out);
        QCOMPARE(root.value(u"samples").toInt(), 3);
        QCOMPARE(root.value(u"input_source").toString(), QStringLiteral("random (3 samples, seed 12345)"));
        QCOMPARE(root.value(u"latency_ms").toObject().value(u"intra_op_threads").toInt(), 1);
        const Run table = runCli({ QStringLiteral("verify"), m_model, m_model, QStringLiteral("--runs"),
            QStringLiteral("1"), QStringLiteral("--threads"), QStringLiteral("1") });
        QVERIFY2(table.out.contains("intra-op threads: 1"), table.out.constData());
        const Run bad = runCli(
            { QStringLiteral("verify"), m_model, m_model, QStringLiteral("--inputs"), QStringLiteral("random:0") });
        QCOMPARE(bad.code, 2);
        QVERIFY2(bad.err.contains("random:N takes a sample count"), bad.err.constData());
    }

    // sensitivity as a user runs it: JSON with the schema's keys, CSV with a header, a step that changes the
    // activations and an unknown step refused as usage errors.
    void sensitivityCommand()
    {
        const Run run
            = runCli({ QStringLiteral("sensitivity"), m_model, QStringLiteral("--inputs"), QStringLiteral("random:2"),
                QStringLiteral("--format"), QStringLiteral("json"), QStringLiteral("-o"), QStringLiteral("-") });
        if (run.code == 2 && run.err.contains("not available"))
            SLIMSCOPE_SKIP("built without ONNX Runtime");
        QVERIFY2(run.code == 0, qPrintable(describe(run)));
        const QJsonObject root = objectOf(run.out);
        QCOMPARE(root.value(u"schema").toString(), QStringLiteral("slimscope.sensitivity/1"));
        const QJsonObject s = root.value(u"sensitivity").toObject();
        QCOMPARE(s.value(u"step").toString(), QStringLiteral("int8"));
        QCOMPARE(s.value(u"inputs").toObject().value(u"samples").toInt(), 2);
        const QJsonArray layers = s.value(u"layers").toArray();
        QCOMPARE(layers.size(), 1);
        QCOMPARE(layers.at(0).toObject().value(u"node").toString(), QStringLiteral("matmul"));
        QCOMPARE(layers.at(0).toObject().value(u"bytes_before").toInt(), 64 * 32 * 4);
        const Run csv = runCli({ QStringLiteral("sensitivity"), m_model, QStringLiteral("--step"),
            QStringLiteral("fp16"), QStringLiteral("--inputs"), QStringLiteral("random:1"), QStringLiteral("--format"),
            QStringLiteral("csv") });
        QVERIFY2(csv.code == 0, qPrintable(describe(csv)));
        QVERIFY2(csv.out.startsWith("rank,node,op_type,tensors,bytes_before"), csv.out.constData());
        QCOMPARE(csv.out.count('\n'), 2);
        const Run dynamic = runCli(
            { QStringLiteral("sensitivity"), m_model, QStringLiteral("--step"), QStringLiteral("int8-dynamic") });
        QCOMPARE(dynamic.code, 2);
        QVERIFY2(dynamic.err.contains("int8-dynamic"), dynamic.err.constData());
        const Run unknown
            = runCli({ QStringLiteral("sensitivity"), m_model, QStringLiteral("--step"), QStringLiteral("int7") });
        QCOMPARE(unknown.code, 2);
    }

    // plan as a user runs it: a reachable target writes a recipe that slim replays (exit 0); a target below what
    // the candidates reach is exit 3 with the best recipe still written; no target is a usage error.
    void planCommand()
    {
        const QString recipe = m_dir.filePath(QStringLiteral("plan.json"));
        const Run run = runCli({ QStringLiteral("plan"), m_model, QStringLiteral("--target-ratio"),
            QStringLiteral("1.5"), QStringLiteral("--steps"), QStringLiteral("fp16,int8"), QStringLiteral("--inputs"),
            QStringLiteral("random:2"), QStringLiteral("-o"), recipe });
        if (run.code == 2 && run.err.contains("not available"))
            SLIMSCOPE_SKIP("built without ONNX Runtime");
        QVERIFY2(run.code == 0, qPrintable(describe(run)));
        QVERIFY2(run.out.contains("MET"), run.out.constData());
        const QString slimmed = m_dir.filePath(QStringLiteral("planned.onnx"));
        const Run slim = runCli({ QStringLiteral("slim"), m_model, QStringLiteral("--recipe"), recipe,
            QStringLiteral("-o"), slimmed, QStringLiteral("--format"), QStringLiteral("json") });
        QVERIFY2(slim.code == 0, qPrintable(describe(slim)));
        const QJsonObject after = objectOf(slim.out).value(u"after").toObject();
        QVERIFY2(after.value(u"file_bytes").toDouble() <= QFileInfo(m_model).size() / 1.5, slim.out.constData());

        const QString json = m_dir.filePath(QStringLiteral("plan-out.json"));
        const Run tooSmall = runCli({ QStringLiteral("plan"), m_model, QStringLiteral("--target-size"),
            QStringLiteral("100B"), QStringLiteral("--steps"), QStringLiteral("fp16"), QStringLiteral("--inputs"),
            QStringLiteral("random:1"), QStringLiteral("--format"), QStringLiteral("json"), QStringLiteral("-o"),
            json });
        QCOMPARE(tooSmall.code, 3);
        const QJsonObject plan = objectOf(tooSmall.out).value(u"plan").toObject();
        QCOMPARE(plan.value(u"met").toBool(true), false);
        QCOMPARE(plan.value(u"target_bytes").toInt(), 100);
        QVERIFY(QFileInfo::exists(json));
        QCOMPARE(runCli({ QStringLiteral("plan"), m_model }).code, 2);
        const Run badSize
            = runCli({ QStringLiteral("plan"), m_model, QStringLiteral("--target-size"), QStringLiteral("3 parsecs") });
        QCOMPARE(badSize.code, 2);
        QVERIFY2(badSize.err.contains("KiB/MiB/GiB"), badSize.err.constData());
    }

    // 95 % of the weights pruned: the outputs drift far below the 0.99 cosine floor: verify says "fail" and exits 3
    // (the threshold status) after writing its verdict; with floors the outputs meet, the same pair passes.
    void aBrokenRecipeFailsTheFloor()
    {
        const QString slimmed = m_dir.filePath(QStringLiteral("mlp_pruned.onnx"));
        const Run slim = runCli({ QStringLiteral("slim"), m_model, QStringLiteral("-o"), slimmed,
            QStringLiteral("--prune"), QStringLiteral("0.95"), QStringLiteral("--min-elements"), QStringLiteral("1") });
        QVERIFY2(slim.code == 0, qPrintable(describe(slim)));
        const Run run = runCli({ QStringLiteral("verify"), m_model, slimmed, QStringLiteral("--format"),
            QStringLiteral("json"), QStringLiteral("--runs"), QStringLiteral("1") });
        if (builtWithoutRuntime(run))
            SLIMSCOPE_SKIP("built without ONNX Runtime");
        QVERIFY2(run.code == 3, qPrintable(describe(run)));
        const QJsonObject root = verificationOf(run.out);
        QCOMPARE(root.value(u"verdict").toString(), QStringLiteral("fail"));
        const QJsonObject y = root.value(u"outputs").toArray().at(0).toObject();
        const double cosine = y.value(u"cosine").toDouble();
        QVERIFY2(cosine < 0.99, qPrintable(QString::number(cosine)));
        QCOMPARE(y.value(u"pass").toBool(true), false);
        QCOMPARE(y.value(u"verdict").toString(), QStringLiteral("fail"));
        const Run table
            = runCli({ QStringLiteral("verify"), m_model, slimmed, QStringLiteral("--runs"), QStringLiteral("1") });
        QCOMPARE(table.code, 3);
        QVERIFY2(table.out.contains("FAIL") && table.out.contains("fail"), table.out.constData());
        // Floors below the measured cosine: pass (top-1 floor 0 as well, since pruning may move the argmax).
        const QString low = QString::number(cosine - 0.1);
        const Run lenient = runCli({ QStringLiteral("verify"), m_model, slimmed, QStringLiteral("--min-cosine"), low,
            QStringLiteral("--min-top1"), QStringLiteral("0"), QStringLiteral("--format"), QStringLiteral("json"),
            QStringLiteral("--runs"), QStringLiteral("1") });
        QCOMPARE(lenient.code, 0);
        QCOMPARE(verificationOf(lenient.out).value(u"verdict").toString(), QStringLiteral("pass"));
        // A floor just under the cosine: every output holds it, but within 0.005: warn, exit 0.
        const QString close = QString::number(cosine - 0.001, 'f', 9);
        const Run warn = runCli({ QStringLiteral("verify"), m_model, slimmed, QStringLiteral("--min-cosine"), close,
            QStringLiteral("--min-top1"), QStringLiteral("0"), QStringLiteral("--format"), QStringLiteral("json"),
            QStringLiteral("--runs"), QStringLiteral("1") });
        QCOMPARE(warn.code, 0);
        QCOMPARE(verificationOf(warn.out).value(u"verdict").toString(), QStringLiteral("warn"));
        // slim --verify with the default floors writes the model and exits 3.
        const Run slimVerify = runCli({ QStringLiteral("slim"), m_model, QStringLiteral("-o"),
            m_dir.filePath(QStringLiteral("mlp_pruned2.onnx")), QStringLiteral("--prune"), QStringLiteral("0.95"),
            QStringLiteral("--min-elements"), QStringLiteral("1"), QStringLiteral("--verify") });
        QCOMPARE(slimVerify.code, 3);
        QVERIFY(QFileInfo::exists(m_dir.filePath(QStringLiteral("mlp_pruned2.onnx"))));
    }

    // report --recipe R --verify: the report carries the verification of the recipe's model, with its verdict.
    void reportWithRecipeAndVerify()
    {
        const QString recipe = m_dir.filePath(QStringLiteral("fp16.json"));
        QFile file(recipe);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(R"({"steps": [{"kind": "quantize", "type": "fp16", "scope": {"min_elements": 1}}]})");
        file.close();
        const QString out = m_dir.filePath(QStringLiteral("report.json"));
        const Run run = runCli({ QStringLiteral("report"), m_model, QStringLiteral("--recipe"), recipe,
            QStringLiteral("--verify"), QStringLiteral("-o"), out });
        if (builtWithoutRuntime(run))
            SLIMSCOPE_SKIP("built without ONNX Runtime");
        QVERIFY2(run.code == 0, qPrintable(describe(run)));
        QFile report(out);
        QVERIFY(report.open(QIODevice::ReadOnly));
        const QJsonObject root = objectOf(report.readAll());
        QVERIFY(root.contains(u"verification"));
        const QJsonObject verification = root.value(u"verification").toObject();
        QCOMPARE(verification.value(u"verdict").toString(), QStringLiteral("pass")); // fp16 keeps cosine near 1
        const QJsonObject y = verification.value(u"outputs").toArray().at(0).toObject();
        QVERIFY(y.value(u"cosine").toDouble() > 0.999);
        QVERIFY(!y.value(u"identical").toBool(true)); // but it did run the fp16 model, not the original twice
        QVERIFY(root.contains(u"recipe"));
    }
};

QTEST_GUILESS_MAIN(TestCliVerify)
#include "tst_cli_verify.moc"
