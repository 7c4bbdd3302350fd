// slimscope-cli slim and verify, run as a user would: exit codes, files written or not, the JSON report against
// sizes and parameter counts computed here from the fixtures, saved recipes that reproduce a run byte for byte.
#include "clirun.h"
#include "fixtures.h"
#include "lcg.h"
#include "modelbuilder.h"
#include "runtime/session.h"
#include "slim/stepregistry.h"
#include "slim/steps/prune.h"
#include "testenv.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <set>

#include <algorithm>
#include <cstring>

using namespace slimscope;
using namespace slimscope::testing;

namespace {

bool writeFile(const QString& path, const QByteArray& bytes)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly | QIODevice::Truncate) && file.write(bytes) == bytes.size();
}

QJsonObject parseObject(const QByteArray& text, QString& error)
{
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(text, &parseError);
    error = parseError.error == QJsonParseError::NoError ? QString() : parseError.errorString();
    return doc.object();
}

bool builtWithoutRuntime(const Run& run)
{
    return run.code == 1 && run.err.contains("built without ONNX Runtime");
}

} // namespace

class TestCliSlim : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString m_linear;
    QString m_bloated;
    fixtures::Truth m_linearTruth;
    fixtures::Truth m_bloatedTruth;
    std::set<std::string> m_bloatedConstantTensors; ///< Constant nodes of bloated() whose value is a tensor
    int m_folders = 0;

    /// A new empty folder for one test's outputs.
    QString folder()
    {
        const QString path = m_dir.filePath(QStringLiteral("run%1").arg(++m_folders));
        QDir().mkpath(path);
        return path;
    }

    QString save(const QString& name, const fixtures::ModelBuilder& builder)
    {
        const QString file = m_dir.filePath(name + QStringLiteral("/model.onnx"));
        if (auto saved = builder.save(file.toStdString()); !saved)
            qFatal("cannot save fixture: %s", saved.error().c_str());
        return file;
    }

    Run slim(const QStringList& args) { return runCli(QStringList { QStringLiteral("slim") } + args); }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        QVERIFY2(QFile::exists(QStringLiteral(SLIMSCOPE_CLI)), SLIMSCOPE_CLI);
        fixtures::Fixture linear = fixtures::linearChain();
        fixtures::Fixture bloated = fixtures::bloated();
        m_linear = save(QStringLiteral("linear"), linear.builder);
        m_bloated = save(QStringLiteral("bloated"), bloated.builder);
        m_linearTruth = linear.truth;
        m_bloatedTruth = bloated.truth;
        for (const auto& node : bloated.builder.model().graph().node())
            if (node.op_type() == "Constant" && node.attribute_size() == 1 && node.attribute(0).has_t())
                m_bloatedConstantTensors.insert(node.output(0));
        QCOMPARE(m_bloatedConstantTensors.size(), std::size_t { 1 }); // large_const
    }

    // An opset 9 model that int8 must upgrade: the written model is compared with the input in ONNX Runtime
    // without --verify, and the JSON says both.
    void upgradedModelIsVerified()
    {
        if (!slimscope::core::runtime::runtimeAvailable())
            SLIMSCOPE_SKIP("built without ONNX Runtime (scripts/fetch-onnxruntime.sh)");
        fixtures::ModelBuilder b = fixtures::opset9MatMul();
        const QString model = save(QStringLiteral("opset9"), b);
        const QString out = folder() + QStringLiteral("/opset9-int8.onnx");
        const Run run = slim(QStringList { model, QStringLiteral("-o"), out, QStringLiteral("--quantize"),
            QStringLiteral("int8"), QStringLiteral("--min-elements"), QStringLiteral("0"), QStringLiteral("--format"),
            QStringLiteral("json") });
        QVERIFY2(run.code == 0, qPrintable(describe(run)));
        QString error;
        const QJsonObject root = parseObject(run.out, error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QVERIFY2(run.out.contains("upgraded the model from opset 9 to 13"), qPrintable(run.out));
        const QJsonArray outputs = root.value(u"verification").toObject().value(u"outputs").toArray();
        QCOMPARE(outputs.size(), 1);
        QVERIFY2(outputs.first().toObject().value(u"cosine").toDouble() >= 0.99, qPrintable(run.out));
    }

    void slimWithFlags_data()
    {
        QTest::addColumn<QStringList>("flags");
        QTest::newRow("cleanup") << QStringList { "--cleanup" };
        QTest::newRow("prune") << QStringList { "--prune", "0.5" };
        QTest::newRow("prune percent global") << QStringList { "--prune", "70%", "--prune-mode", "global" };
        QTest::newRow("prune=") << QStringList { "--prune=0.3", "--prune-mode=layer" };
        QTest::newRow("int8") << QStringList { "--quantize", "int8" };
        QTest::newRow("int8 per tensor") << QStringList { "--quantize", "int8-per-tensor" };
        QTest::newRow("int8 asymmetric") << QStringList { "--quantize", "int8-asymmetric" };
        QTest::newRow("fp16") << QStringList { "--quantize", "fp16" };
        QTest::newRow("sparse always") << QStringList { "--sparse-storage", "always" };
        QTest::newRow("sparse never") << QStringList { "--sparse-storage", "never" };
        QTest::newRow("low rank") << QStringList { "--low-rank", "0.5", "--min-elements", "0" };
        QTest::newRow("prune channels") << QStringList { "--prune-channels", "0.5", "--min-elements", "0" };
        QTest::newRow("prune channels l1 global round") << QStringList { "--prune-channels", "30%",
            "--prune-channels-criterion", "l1", "--prune-channels-mode", "global", "--prune-channels-round-to", "8" };
        QTest::newRow("prune channels zero, inputs, short flags") << QStringList { "--prune-channels", "zero",
            "--prune-inputs", "--channel-criterion", "l1", "--channel-scope", "global", "--min-elements", "0" };
        QTest::newRow("low rank percent") << QStringList { "--low-rank", "80%" };
        QTest::newRow("everything scoped") << QStringList { "--cleanup", "--prune", "0.5", "--quantize", "int8",
            "--sparse-storage", "auto", "--include", "W", "--exclude", "2$", "--min-elements", "100" };
        QTest::newRow("external data") << QStringList { "--quantize", "fp16", "--external-data" };
    }

    void slimWithFlags()
    {
        QFETCH(QStringList, flags);
        const QString dir = folder();
        const QString out = dir + QStringLiteral("/out.onnx");
        const Run run = slim(QStringList { m_linear, QStringLiteral("-o"), out } + flags);
        QVERIFY2(run.finished && run.status == QProcess::NormalExit && run.code == 0, qPrintable(describe(run)));
        QVERIFY2(run.out.contains("Written"), run.out.constData());
        const bool external = flags.contains(QStringLiteral("--external-data"));
        QStringList expected { QStringLiteral("out.onnx") };
        if (external)
            expected << QStringLiteral("out.onnx.data");
        QCOMPARE(entries(dir), expected);
        onnx::ModelProto proto;
        QVERIFY2(proto.ParseFromString(readFile(out).toStdString()), "the output is not an ONNX model");
        QCOMPARE(proto.graph().output_size(), 1);
        // The written file is what the report says it is: analyze it.
        const Run analyze = runCli({ QStringLiteral("analyze"), out, QStringLiteral("--no-hash") });
        QVERIFY2(analyze.code == 0, qPrintable(describe(analyze)));
    }

    // The step flags are the step registry's: --help lists every kind and value, and each value builds exactly
    // the step the registry makes of it (the recipe in the JSON report equals the registry's own JSON of it).
    void everyStepFlagValueBuildsItsStep()
    {
        const Run help = runCli({ QStringLiteral("--help") });
        QVERIFY2(help.code == 0, qPrintable(describe(help)));
        int checked = 0;
        for (const core::slim::StepType* type : core::slim::stepTypes()) {
            QString flag
                = QStringLiteral("--") + QString::fromUtf8(type->kind().data(), qsizetype(type->kind().size()));
            flag.replace(u'_', u'-');
            QVERIFY2(help.out.contains(flag.toUtf8()), qPrintable(flag));
            std::vector<std::pair<QStringList, core::slim::StepParams>> cases;
            if (type->valueName().empty())
                cases.push_back({ { flag }, type->defaults() });
            for (const auto& preset : type->presets())
                cases.push_back({ { flag, QString::fromStdString(preset.value) }, preset.params });
            if (type->name() == "prune")
                cases.push_back({ { flag, QStringLiteral("37%") }, core::slim::PruneStep { 0.37 } });
            for (const auto& [args, params] : cases) {
                if (!type->presets().empty())
                    QVERIFY2(help.out.contains(args.last().toUtf8()), qPrintable(args.last()));
                const Run run = slim(QStringList { m_linear, QStringLiteral("--dry-run"), QStringLiteral("--format"),
                                         QStringLiteral("json") }
                    + args);
                QVERIFY2(run.code == 0, qPrintable(describe(run)));
                QString error;
                const QJsonObject root = parseObject(run.out, error);
                QVERIFY2(error.isEmpty(), qPrintable(error));
                const QJsonArray steps = root.value(u"recipe").toObject().value(u"steps").toArray();
                QCOMPARE(steps.size(), 1);
                const core::slim::Recipe expected { { core::slim::Step { params, {}, true } } };
                const QJsonObject want
                    = QJsonDocument::fromJson(QByteArray::fromStdString(core::slim::recipeToJson(expected)))
                          .object()
                          .value(u"steps")
                          .toArray()
                          .at(0)
                          .toObject();
                QVERIFY2(
                    steps.at(0).toObject() == want, qPrintable(args.join(u' ') + QStringLiteral(": ") + describe(run)));
                ++checked;
            }
        }
        QVERIFY(checked >= 9); // cleanup, 2 prunes, 4 quantize values, 3 sparse storage policies
    }

    // Every slim flag changes the written model the way it says, checked in the model's own bytes (linearChain:
    // W1 [128,64] with 2457 zeros read by Gemm, W2 [128,32] read by MatMul, biases b1 and b2).
    void everyFlagShowsItsEffect_data()
    {
        QTest::addColumn<QStringList>("flags");
        QTest::addColumn<QString>("effect");
        QTest::newRow("--prune") << QStringList { "--prune", "0.5" } << "prune layer";
        QTest::newRow("--prune-mode global")
            << QStringList { "--prune", "0.5", "--prune-mode", "global" } << "prune global";
        QTest::newRow("--quantize int8") << QStringList { "--quantize", "int8" } << "int8 per channel";
        QTest::newRow("--quantize int8-per-tensor")
            << QStringList { "--quantize", "int8-per-tensor" } << "int8 per tensor";
        QTest::newRow("--quantize int8-asymmetric") << QStringList { "--quantize", "int8-asymmetric" } << "uint8";
        QTest::newRow("--quantize fp16") << QStringList { "--quantize", "fp16" } << "fp16";
        QTest::newRow("--sparse-storage always")
            << QStringList { "--prune", "0.9", "--sparse-storage", "always" } << "sparse";
        QTest::newRow("--sparse-storage never")
            << QStringList { "--prune", "0.9", "--sparse-storage", "never" } << "dense";
        QTest::newRow("--include") << QStringList { "--quantize", "fp16", "--include", "^W1$" } << "only W1";
        QTest::newRow("--exclude") << QStringList { "--quantize", "fp16", "--exclude", "^W1$" } << "only W2";
        QTest::newRow("--min-elements") << QStringList { "--quantize", "fp16", "--min-elements", "5000" } << "only W1";
    }

    void everyFlagShowsItsEffect()
    {
        QFETCH(QStringList, flags);
        QFETCH(QString, effect);
        const QString out = folder() + QStringLiteral("/out.onnx");
        const Run run = slim(QStringList { m_linear, QStringLiteral("-o"), out } + flags);
        QVERIFY2(run.code == 0, qPrintable(describe(run)));
        onnx::ModelProto proto;
        QVERIFY(proto.ParseFromString(readFile(out).toStdString()));
        const auto& graph = proto.graph();
        const auto initializer = [&](const std::string& name) -> const onnx::TensorProto* {
            for (const auto& t : graph.initializer())
                if (t.name() == name)
                    return &t;
            return nullptr;
        };
        const auto zerosOf = [](const onnx::TensorProto& t) {
            std::vector<float> v(t.raw_data().size() / 4);
            std::memcpy(v.data(), t.raw_data().data(), t.raw_data().size());
            return static_cast<std::size_t>(std::ranges::count(v, 0.0f));
        };
        const auto producer = [&](const std::string& output) -> const onnx::NodeProto* {
            for (const auto& node : graph.node())
                for (const auto& o : node.output())
                    if (o == output)
                        return &node;
            return nullptr;
        };
        const auto isFloat32 = [&](const std::string& name) {
            return initializer(name) && initializer(name)->data_type() == onnx::TensorProto::FLOAT;
        };
        if (effect == u"prune layer") { // each tensor exactly round(0.5 n), or the zeros it had
            QCOMPARE(zerosOf(*initializer("W1")), std::size_t { 4096 });
            QCOMPARE(zerosOf(*initializer("W2")), std::size_t { 2048 });
        } else if (effect == u"prune global") { // one threshold: the total is exact, W1's zeros count toward it
            QCOMPARE(zerosOf(*initializer("W1")) + zerosOf(*initializer("W2")), std::size_t { 6144 });
            QVERIFY(zerosOf(*initializer("W1")) != 4096 || zerosOf(*initializer("W2")) != 2048);
        } else if (effect.startsWith(u"int8") || effect == u"uint8") {
            for (const std::string name : { "W1", "W2" }) {
                QVERIFY(!initializer(name));
                const onnx::NodeProto* dq = producer(name);
                QVERIFY2(dq && dq->op_type() == "DequantizeLinear", name.c_str());
                const onnx::TensorProto* q = initializer(dq->input(0));
                QVERIFY(q);
                QCOMPARE(
                    q->data_type(), effect == u"uint8" ? int(onnx::TensorProto::UINT8) : int(onnx::TensorProto::INT8));
                const onnx::TensorProto* scale = initializer(dq->input(1));
                QVERIFY(scale);
                QCOMPARE(scale->dims_size(), effect == u"int8 per tensor" ? 0 : 1);
            }
            QVERIFY(isFloat32("b1") && isFloat32("b2")); // biases stay
        } else if (effect == u"fp16" || effect.startsWith(u"only")) {
            for (const std::string name : { "W1", "W2" }) {
                const bool wanted = effect == u"fp16" || (effect == u"only W1") == (name == "W1");
                const onnx::NodeProto* cast = producer(name);
                QCOMPARE(cast != nullptr && cast->op_type() == "Cast", wanted);
                QCOMPARE(isFloat32(name), !wanted);
                if (wanted)
                    QCOMPARE(initializer(cast->input(0))->data_type(), int(onnx::TensorProto::FLOAT16));
            }
        } else if (effect == u"sparse" || effect == u"dense") {
            QCOMPARE(graph.sparse_initializer_size(), effect == u"sparse" ? 2 : 0);
            QCOMPARE(initializer("W1") == nullptr, effect == u"sparse");
        } else {
            QFAIL(qPrintable(effect));
        }
    }

    void dryRunWritesNothing()
    {
        const QString dir = folder();
        const QString out = dir + QStringLiteral("/out.onnx");
        const Run run = slim({ m_linear, QStringLiteral("-o"), out, QStringLiteral("--quantize"),
            QStringLiteral("int8"), QStringLiteral("--dry-run"), QStringLiteral("--format"), QStringLiteral("json") });
        QVERIFY2(run.code == 0, qPrintable(describe(run)));
        QVERIFY(entries(dir).isEmpty());
        QString error;
        const QJsonObject root = parseObject(run.out, error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        const QJsonObject after = root.value(u"after").toObject();
        QVERIFY(after.contains(u"predicted_file_bytes"));
        QVERIFY(!after.contains(u"file_bytes"));
        QVERIFY(!after.contains(u"path"));
        // Without -o as well.
        const Run noOutput = slim({ m_linear, QStringLiteral("--cleanup"), QStringLiteral("--dry-run") });
        QVERIFY2(noOutput.code == 0, qPrintable(describe(noOutput)));
        QVERIFY(!noOutput.out.contains("Written"));
    }

    void json_data()
    {
        QTest::addColumn<QString>("fixture");
        QTest::addColumn<QStringList>("flags");
        QTest::addColumn<qint64>("paramsAfter");
        QTest::addColumn<qint64>("weightBytesAfter");
        // linearChain: W1 [128,64], b1 [128], W2 [128,32], b2 [32]; biases stay float32.
        const qint64 biases = (128 + 32) * 4;
        QTest::newRow("fp16") << QStringLiteral("linear") << QStringList { "--quantize", "fp16" }
                              << qint64(8192 + 128 + 4096 + 32) << qint64((8192 + 4096) * 2 + biases);
        // Per channel: W1 read by Gemm with transB has 128 channels, W2 read by MatMul 32; a float scale and an
        // int8 zero point per channel.
        QTest::newRow("int8") << QStringLiteral("linear") << QStringList { "--quantize", "int8" }
                              << qint64(8192 + 128 + 128 + 4096 + 32 + 32 + 128 + 32)
                              << qint64(8192 + 128 * 5 + 4096 + 32 * 5 + biases);
        QTest::newRow("int8 per tensor") << QStringLiteral("linear") << QStringList { "--quantize", "int8-per-tensor" }
                                         << qint64(8192 + 1 + 1 + 4096 + 1 + 1 + 128 + 32)
                                         << qint64(8192 + 5 + 4096 + 5 + biases);
        QTest::newRow("prune") << QStringLiteral("linear") << QStringList { "--prune", "0.5" }
                               << qint64(8192 + 128 + 4096 + 32) << qint64((8192 + 128 + 4096 + 32) * 4);
        // bloated: two of the three 64x64 duplicates, the 256-element unused tensor and the 64-element dead_scale go.
        QTest::newRow("cleanup") << QStringLiteral("bloated") << QStringList { "--cleanup" }
                                 << qint64(m_bloatedTruth.totalParams - 2 * 4096 - 256 - 64)
                                 << qint64(m_bloatedTruth.totalWeightBytes - (2 * 4096 + 256 + 64) * 4);
    }

    void json()
    {
        QFETCH(QString, fixture);
        QFETCH(QStringList, flags);
        QFETCH(qint64, paramsAfter);
        QFETCH(qint64, weightBytesAfter);
        const QString model = fixture == u"linear" ? m_linear : m_bloated;
        const fixtures::Truth& truth = fixture == u"linear" ? m_linearTruth : m_bloatedTruth;
        const std::set<std::string> constantTensors
            = fixture == u"linear" ? std::set<std::string> {} : m_bloatedConstantTensors;
        const QString out = folder() + QStringLiteral("/out.onnx");
        const Run run
            = slim(QStringList { model, QStringLiteral("-o"), out, QStringLiteral("--format"), QStringLiteral("json") }
                + flags);
        QVERIFY2(run.code == 0, qPrintable(describe(run)));
        QString error;
        const QJsonObject root = parseObject(run.out, error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QCOMPARE(root.value(u"schema").toString(), QStringLiteral("slimscope.slim/1"));
        QCOMPARE(root.value(u"model").toString(), model);
        QCOMPARE(root.value(u"recipe").toObject().value(u"schema").toString(), QStringLiteral("slimscope.recipe/1"));
        const QJsonObject before = root.value(u"before").toObject();
        QCOMPARE(before.value(u"file_bytes").toInteger(-1), QFileInfo(model).size());
        QCOMPARE(before.value(u"params").toInteger(-1), truth.totalParams);
        QCOMPARE(before.value(u"weight_bytes").toInteger(-1), truth.totalWeightBytes);
        const QJsonObject after = root.value(u"after").toObject();
        QCOMPARE(after.value(u"file_bytes").toInteger(-1), QFileInfo(out).size());
        QCOMPARE(after.value(u"predicted_file_bytes").toInteger(-1), QFileInfo(out).size());
        QCOMPARE(after.value(u"path").toString(), out);
        QCOMPARE(after.value(u"params").toInteger(-1), paramsAfter);
        QCOMPARE(after.value(u"weight_bytes").toInteger(-1), weightBytesAfter);
        // One layers row per stored weight tensor: initializers, and Constant nodes whose value is a tensor (the
        // fixtures build those from makeFloatTensor, named after their output; value_ints Constants hold none).
        const QJsonArray layers = root.value(u"layers").toArray();
        qsizetype stored = 0;
        for (const auto& [name, tensor] : truth.tensors)
            stored += tensor.kind != fixtures::StorageKind::Constant || constantTensors.contains(name);
        QCOMPARE(layers.size(), stored);
        for (const QJsonValue& row : layers) {
            const QJsonObject o = row.toObject();
            const std::string name = o.value(u"tensor").toString().toStdString();
            QVERIFY2(truth.tensors.contains(name), name.c_str());
            QCOMPARE(o.value(u"elements").toInteger(-1), truth.tensors.at(name).elements);
            QCOMPARE(o.value(u"bytes_before").toInteger(-1), truth.tensors.at(name).bytes);
            for (const char* key :
                { "dtype_after", "storage_after", "bytes_after", "sparsity_after", "changed", "removed" })
                QVERIFY2(o.contains(QLatin1String(key)), key);
        }
        QVERIFY(root.value(u"steps").toArray().size() >= 1);
        QVERIFY(!root.contains(u"verification"));
    }

    void savedRecipeReproduces()
    {
        const QString dir = folder();
        const QString recipe = dir + QStringLiteral("/recipe.json");
        const Run first
            = slim({ m_bloated, QStringLiteral("-o"), dir + QStringLiteral("/a.onnx"), QStringLiteral("--cleanup"),
                QStringLiteral("--prune"), QStringLiteral("0.4"), QStringLiteral("--prune-mode"),
                QStringLiteral("global"), QStringLiteral("--quantize"), QStringLiteral("int8-asymmetric"),
                QStringLiteral("--exclude"), QStringLiteral("zeros"), QStringLiteral("--save-recipe"), recipe });
        QVERIFY2(first.code == 0, qPrintable(describe(first)));
        QString error;
        const QJsonObject saved = parseObject(readFile(recipe), error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QCOMPARE(saved.value(u"schema").toString(), QStringLiteral("slimscope.recipe/1"));
        const QJsonArray steps = saved.value(u"steps").toArray();
        QCOMPARE(steps.size(), 3);
        QCOMPARE(steps[0].toObject().value(u"kind").toString(), QStringLiteral("cleanup"));
        QCOMPARE(steps[1].toObject().value(u"sparsity").toDouble(), 0.4);
        QCOMPARE(steps[1].toObject().value(u"mode").toString(), QStringLiteral("global"));
        QCOMPARE(steps[2].toObject().value(u"symmetric").toBool(true), false);
        QCOMPARE(steps[2].toObject().value(u"scope").toObject().value(u"exclude").toArray().first().toString(),
            QStringLiteral("zeros"));

        const Run second = slim(
            { m_bloated, QStringLiteral("-o"), dir + QStringLiteral("/b.onnx"), QStringLiteral("--recipe"), recipe });
        QVERIFY2(second.code == 0, qPrintable(describe(second)));
        const QByteArray a = readFile(dir + QStringLiteral("/a.onnx"));
        QVERIFY(!a.isEmpty());
        QVERIFY2(a == readFile(dir + QStringLiteral("/b.onnx")), "the saved recipe gives different bytes");
    }

    void badRecipeKey()
    {
        const QString dir = folder();
        const QString recipe = dir + QStringLiteral("/recipe.json");
        QVERIFY(writeFile(recipe,
            QByteArray("{'schema': 'slimscope.recipe/1', 'steps': [{'kind': 'prune', 'sparsty': 0.5}]}")
                .replace('\'', '"')));
        const QString out = dir + QStringLiteral("/out.onnx");
        const Run run = slim({ m_linear, QStringLiteral("-o"), out, QStringLiteral("--recipe"), recipe });
        QVERIFY2(run.finished && run.status == QProcess::NormalExit, qPrintable(describe(run)));
        QCOMPARE(run.code, 1);
        QVERIFY2(run.err.contains("'sparsty'"), run.err.constData());
        QVERIFY2(run.err.contains(recipe.toUtf8()), run.err.constData());
        QVERIFY(!QFile::exists(out));
        const Run missing = slim(
            { m_linear, QStringLiteral("-o"), out, QStringLiteral("--recipe"), dir + QStringLiteral("/none.json") });
        QCOMPARE(missing.code, 1);
        QVERIFY2(missing.err.contains("none.json"), missing.err.constData());
    }

    void outputIsInput()
    {
        const QString dir = folder();
        const QString model = dir + QStringLiteral("/model.onnx");
        QVERIFY(QFile::copy(m_linear, model));
        const QByteArray bytes = readFile(model);
        const QDateTime modified = QFileInfo(model).lastModified();
        const Run run
            = slim({ model, QStringLiteral("-o"), model, QStringLiteral("--quantize"), QStringLiteral("fp16") });
        QVERIFY2(run.finished && run.status == QProcess::NormalExit, qPrintable(describe(run)));
        QCOMPARE(run.code, 2); // an output that is the input is a usage error (docs/cli.md)
        QVERIFY2(run.err.contains("overwrite"), run.err.constData());
        QVERIFY(readFile(model) == bytes);
        QCOMPARE(QFileInfo(model).lastModified(), modified);
        QCOMPARE(entries(dir), QStringList { QStringLiteral("model.onnx") });
    }

    void usageErrors_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("needle");
        const QString out = m_dir.filePath(QStringLiteral("never.onnx"));
        QTest::newRow("no -o") << QStringList { m_linear, "--cleanup" } << QStringLiteral("-o");
        QTest::newRow("no model") << QStringList { "-o", out, "--cleanup" } << QStringLiteral("MODEL");
        QTest::newRow("bad --quantize") << QStringList { m_linear, "-o", out, "--quantize", "int3" }
                                        << QStringLiteral("int3");
        QTest::newRow("--prune 2.0") << QStringList { m_linear, "-o", out, "--prune", "2.0" } << QStringLiteral("2.0");
        QTest::newRow("--prune 100%") << QStringList { m_linear, "-o", out, "--prune", "100%" }
                                      << QStringLiteral("100%");
        QTest::newRow("--prune -0.1") << QStringList { m_linear, "-o", out, "--prune", "-0.1" }
                                      << QStringLiteral("-0.1");
        QTest::newRow("--prune text") << QStringList { m_linear, "-o", out, "--prune", "half" }
                                      << QStringLiteral("half");
        QTest::newRow("--prune-mode") << QStringList { m_linear, "-o", out, "--prune", "0.5", "--prune-mode",
            "channel" } << QStringLiteral("channel");
        QTest::newRow("--sparse-storage")
            << QStringList { m_linear, "-o", out, "--sparse-storage", "sometimes" } << QStringLiteral("sometimes");
        QTest::newRow("--min-elements") << QStringList { m_linear, "-o", out, "--cleanup", "--min-elements", "many" }
                                        << QStringLiteral("many");
        QTest::newRow("bad --include") << QStringList { m_linear, "-o", out, "--prune", "0.5", "--include", "conv[" }
                                       << QStringLiteral("conv[");
        QTest::newRow("no step") << QStringList { m_linear, "-o", out } << QStringLiteral("nothing to do");
        QTest::newRow("unknown option") << QStringList { m_linear, "-o", out, "--cleanup", "--fast" }
                                        << QStringLiteral("--fast");
        QTest::newRow("--quantize without value")
            << QStringList { m_linear, "-o", out, "--quantize" } << QStringLiteral("--quantize");
        QTest::newRow("--verify with --dry-run")
            << QStringList { m_linear, "--cleanup", "--dry-run", "--verify" } << QStringLiteral("--verify");
    }

    void usageErrors()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, needle);
        const Run run = slim(args);
        QVERIFY2(run.finished && run.status == QProcess::NormalExit, qPrintable(describe(run)));
        QCOMPARE(run.code, 2);
        QVERIFY2(run.out.isEmpty(), run.out.constData());
        QVERIFY2(QString::fromUtf8(run.err).contains(needle), run.err.constData());
        QVERIFY(!QFile::exists(m_dir.filePath(QStringLiteral("never.onnx"))));
    }

    void verifySameModel()
    {
        const Run run = runCli({ QStringLiteral("verify"), m_linear, m_linear, QStringLiteral("--format"),
            QStringLiteral("json"), QStringLiteral("--runs"), QStringLiteral("2") });
        if (builtWithoutRuntime(run))
            SLIMSCOPE_SKIP("built without ONNX Runtime");
        QVERIFY2(run.code == 0, qPrintable(describe(run)));
        QString error;
        const QJsonObject root = parseObject(run.out, error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QCOMPARE(root.value(u"schema").toString(), QStringLiteral("slimscope.verify/1"));
        const QJsonObject v = root.value(u"verification").toObject();
        QCOMPARE(v.value(u"verdict").toString(), QStringLiteral("pass"));
        QCOMPARE(v.value(u"latency_ms").toObject().value(u"runs").toInt(), 2);
        const QJsonArray outputs = v.value(u"outputs").toArray();
        QCOMPARE(outputs.size(), 1);
        const QJsonObject y = outputs.first().toObject();
        QCOMPARE(y.value(u"name").toString(), QStringLiteral("y"));
        QCOMPARE(y.value(u"identical").toBool(), true);
        QCOMPARE(y.value(u"max_abs").toDouble(-1), 0.0);
        QCOMPARE(y.value(u"cosine").toDouble(), 1.0);
        QCOMPARE(y.value(u"shape").toArray(), QJsonArray({ 1, 32 }));
        const Run table = runCli({ QStringLiteral("verify"), m_linear, m_linear });
        QVERIFY2(table.code == 0 && table.out.contains("identical"), qPrintable(describe(table)));
    }

    void verifyUsageErrors()
    {
        const Run one = runCli({ QStringLiteral("verify"), m_linear });
        QCOMPARE(one.code, 2);
        QVERIFY2(one.err.contains("SLIMMED is required"), one.err.constData());
        const Run runs
            = runCli({ QStringLiteral("verify"), m_linear, m_linear, QStringLiteral("--runs"), QStringLiteral("0") });
        QCOMPARE(runs.code, 2);
        QVERIFY2(runs.err.contains("--runs"), runs.err.constData());
    }

    void slimWithVerify()
    {
        const QString out = folder() + QStringLiteral("/out.onnx");
        const Run run = slim({ m_bloated, QStringLiteral("-o"), out, QStringLiteral("--cleanup"),
            QStringLiteral("--verify"), QStringLiteral("--format"), QStringLiteral("json") });
        if (builtWithoutRuntime(run))
            SLIMSCOPE_SKIP("built without ONNX Runtime");
        QVERIFY2(run.code == 0, qPrintable(describe(run)));
        QString error;
        const QJsonObject root = parseObject(run.out, error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QVERIFY(root.contains(u"verification"));
        const QJsonObject v = root.value(u"verification").toObject();
        QCOMPARE(v.value(u"slimmed").toString(), out);
        QCOMPARE(v.value(u"verdict").toString(), QStringLiteral("pass"));
        const QJsonArray outputs = v.value(u"outputs").toArray();
        QCOMPARE(outputs.size(), 3); // y, y_big, y_sparse
        for (const QJsonValue& o : outputs)
            QVERIFY2(o.toObject().value(u"identical").toBool(), qPrintable(o.toObject().value(u"name").toString()));
    }
};

QTEST_GUILESS_MAIN(TestCliSlim)
#include "tst_cli_slim.moc"
