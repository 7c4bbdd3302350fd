// The analysis of real models nobody on this project wrote (../shared/models) against an independent oracle:
// Debian's python3-onnx + numpy (../shared/tools/onnx_truth.py). Skipped when either is absent.
#include "analysis/analysis.h"

#include "testenv.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTest>

#include <algorithm>
#include <map>
#include <memory>

namespace an = slimscope::core::analysis;

namespace {

const QString kPython = QStringLiteral("/usr/bin/python3");

QString modelsDir()
{
    return slimscope::testing::sharedModelsDir();
}

QString truthScript()
{
    return QDir(slimscope::testing::sharedToolsDir()).filePath(QStringLiteral("onnx_truth.py"));
}

/// Zeros among a tensor's stored values. onnx_truth.py counts those only (a sparse initializer's values, not
/// its implicit zeros), while TensorStats::zeros is over the dense tensor.
qint64 storedZeros(const an::TensorStats& t)
{
    return static_cast<qint64>(t.zeros - (t.elements - t.storedElements));
}

} // namespace

class TestSharedModels : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();

    void matchesOnnxTruth_data() { perModel(); }
    void matchesOnnxTruth();
    void sha256_data() { perModel(); }
    void sha256();
    void sileroLegacyDuplicates();

private:
    void perModel();
    /// The model's analysis, made once and shared by the tests; empty with `error` set when it failed.
    std::shared_ptr<const an::Analysis> analysisOf(const QString& path, QString& error);

    QStringList m_models;
    std::map<QString, std::shared_ptr<const an::Analysis>> m_analyses;
};

void TestSharedModels::initTestCase()
{
    const QDir dir(modelsDir());
    SLIMSCOPE_REQUIRE_SHARED(modelsDir());
    SLIMSCOPE_REQUIRE_SHARED(truthScript());
    if (!QFileInfo::exists(kPython))
        SLIMSCOPE_SKIP("no /usr/bin/python3 (Debian's python3 with python3-onnx and python3-numpy)");
    QProcess probe;
    probe.start(kPython, { QStringLiteral("-c"), QStringLiteral("import onnx, numpy") });
    if (!probe.waitForFinished(60000) || probe.exitStatus() != QProcess::NormalExit || probe.exitCode() != 0)
        SLIMSCOPE_SKIP("/usr/bin/python3 cannot import onnx and numpy (apt install python3-onnx python3-numpy)");
    for (const QString& name : dir.entryList({ QStringLiteral("*.onnx") }, QDir::Files, QDir::Name))
        m_models << dir.filePath(name);
    if (m_models.isEmpty())
        SLIMSCOPE_SKIP(qPrintable(modelsDir() + QStringLiteral(" holds no .onnx files")));
}

void TestSharedModels::perModel()
{
    QTest::addColumn<QString>("path");
    for (const QString& path : m_models)
        QTest::newRow(qPrintable(QFileInfo(path).fileName())) << path;
}

std::shared_ptr<const an::Analysis> TestSharedModels::analysisOf(const QString& path, QString& error)
{
    if (const auto found = m_analyses.find(path); found != m_analyses.end())
        return found->second;
    auto result = an::analyzeFile(path.toStdString());
    if (!result) {
        error = QString::fromStdString(result.error().message);
        return {};
    }
    m_analyses.emplace(path, *result);
    return *result;
}

#define FETCH_ANALYSIS()                                                                                               \
    QFETCH(QString, path);                                                                                             \
    QString analysisError;                                                                                             \
    const auto analysisPtr = analysisOf(path, analysisError);                                                          \
    QVERIFY2(analysisPtr, qPrintable(analysisError));                                                                  \
    const an::Analysis& analysis = *analysisPtr

void TestSharedModels::matchesOnnxTruth()
{
    FETCH_ANALYSIS();
    QProcess oracle;
    oracle.start(kPython, { truthScript(), path });
    QVERIFY2(oracle.waitForFinished(300000), "onnx_truth.py did not finish");
    QVERIFY2(oracle.exitStatus() == QProcess::NormalExit && oracle.exitCode() == 0,
        qPrintable(QString::fromLocal8Bit(oracle.readAllStandardError())));
    QJsonParseError parseError;
    const QJsonObject truth = QJsonDocument::fromJson(oracle.readAllStandardOutput(), &parseError).object();
    QVERIFY2(parseError.error == QJsonParseError::NoError, qPrintable(parseError.errorString()));

    QCOMPARE(static_cast<qint64>(analysis.model.params), truth.value(u"params").toInteger(-1));
    QCOMPARE(static_cast<qint64>(analysis.model.tensorCount), truth.value(u"tensors").toInteger(-1));
    // The layers add up: their params plus those of the tensors no layer is attributed are the oracle's params
    // (silero's LSTM weights, read through Slice and Concat by two LSTMs, are counted once).
    qint64 layerParams = 0;
    for (const an::LayerStats& layer : analysis.layers)
        layerParams += static_cast<qint64>(layer.params);
    for (const an::TensorStats& t : analysis.tensors)
        layerParams += t.owner.valid() ? 0 : static_cast<qint64>(t.storedElements);
    QCOMPARE(layerParams, truth.value(u"params").toInteger(-1));
    qint64 zeros = 0;
    for (const an::TensorStats& t : analysis.tensors)
        zeros += storedZeros(t);
    QCOMPARE(zeros, truth.value(u"zeros").toInteger(-1));

    const QJsonObject perTensor = truth.value(u"per_tensor").toObject();
    QCOMPARE(static_cast<qsizetype>(analysis.tensors.size()), perTensor.size());
    QStringList problems;
    for (auto it = perTensor.begin(); it != perTensor.end(); ++it) {
        const std::string name = it.key().toStdString();
        const auto found = std::ranges::find(analysis.tensors, name, &an::TensorStats::name);
        if (found == analysis.tensors.end()) {
            problems << QStringLiteral("%1: missing").arg(it.key());
            continue;
        }
        const QJsonObject expected = it.value().toObject();
        const qint64 elements = expected.value(u"elements").toInteger(-1);
        const qint64 expectedZeros = expected.value(u"zeros").toInteger(-1);
        if (static_cast<qint64>(found->storedElements) != elements)
            problems << QStringLiteral("%1: stored elements %2, expected %3")
                            .arg(it.key())
                            .arg(found->storedElements)
                            .arg(elements);
        if (storedZeros(*found) != expectedZeros)
            problems << QStringLiteral("%1: zeros %2, expected %3")
                            .arg(it.key())
                            .arg(storedZeros(*found))
                            .arg(expectedZeros);
    }
    QVERIFY2(problems.isEmpty(), qPrintable(problems.join(QStringLiteral("; "))));
}

void TestSharedModels::sha256()
{
    FETCH_ANALYSIS();
    QFile file(path);
    QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable(file.errorString()));
    QCryptographicHash hash(QCryptographicHash::Sha256);
    QVERIFY(hash.addData(&file));
    QCOMPARE(QString::fromStdString(analysis.model.sha256), QString::fromLatin1(hash.result().toHex()));
}

void TestSharedModels::sileroLegacyDuplicates()
{
    const QString path = QDir(modelsDir()).filePath(QStringLiteral("silero_vad_legacy.onnx"));
    SLIMSCOPE_REQUIRE_SHARED(path);
    QString error;
    const auto analysis = analysisOf(path, error);
    QVERIFY2(analysis, qPrintable(error));
    const auto duplicates
        = std::ranges::count(analysis->findings, an::FindingKind::DuplicateTensor, &an::Finding::kind);
    QCOMPARE(duplicates, 13);
}

QTEST_GUILESS_MAIN(TestSharedModels)

#include "tst_sharedmodels.moc"
