// The analysis of every fixture model against the golden numbers the fixtures computed from the values they
// generated (tests/fixtures/truth.h), never from reading the model back.
#include "analysis/analysis.h"
#include "fixtures.h"
#include "report/analysiswriters.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <numeric>
#include <sstream>

namespace fx = slimscope::fixtures;
namespace an = slimscope::core::analysis;
namespace model = slimscope::core::model;

namespace {

struct Loaded {
    fx::Fixture fixture;
    std::shared_ptr<const an::Analysis> analysis;
    QString error;
};

const QStringList kFixtures { QStringLiteral("linearChain"), QStringLiteral("convNet"), QStringLiteral("bloated"),
    QStringLiteral("initializerAsInput"), QStringLiteral("ifSubgraphs"), QStringLiteral("everyDtype"),
    QStringLiteral("externalData") };

const QStringList kFindingKinds { QStringLiteral("duplicate_tensor"), QStringLiteral("unused_tensor"),
    QStringLiteral("dead_node"), QStringLiteral("float64_weights"), QStringLiteral("dense_zeros"),
    QStringLiteral("zero_channels"), QStringLiteral("dead_input_features"), QStringLiteral("initializer_as_input"),
    QStringLiteral("large_constant") };

/// Truth spells element types as the ONNX enum ("FLOAT"), the analysis in lower case with widths ("float32").
QString analysisDtype(const std::string& onnxName)
{
    if (onnxName == "FLOAT")
        return QStringLiteral("float32");
    if (onnxName == "DOUBLE")
        return QStringLiteral("float64");
    return QString::fromStdString(onnxName).toLower();
}

model::Storage analysisStorage(fx::StorageKind kind)
{
    switch (kind) {
    case fx::StorageKind::Initializer:
        return model::Storage::Initializer;
    case fx::StorageKind::SparseInitializer:
        return model::Storage::SparseInitializer;
    case fx::StorageKind::Constant:
        return model::Storage::Constant;
    }
    return model::Storage::Initializer;
}

QString joined(std::vector<std::string> names)
{
    std::ranges::sort(names);
    QStringList list;
    for (const auto& name : names)
        list << QString::fromStdString(name);
    return list.join(u',');
}

QStringList sorted(QStringList list)
{
    list.sort();
    return list;
}

const an::TensorStats* findTensor(const an::Analysis& analysis, const std::string& name)
{
    const auto found = std::ranges::find(analysis.tensors, name, &an::TensorStats::name);
    return found == analysis.tensors.end() ? nullptr : &*found;
}

const an::LayerStats* findLayer(const an::Analysis& analysis, const std::string& name)
{
    const auto found = std::ranges::find(analysis.layers, name, &an::LayerStats::name);
    return found == analysis.layers.end() ? nullptr : &*found;
}

/// Means are sums divided by a count, and the analysis sums in chunks in parallel: allow rounding, relative to
/// the mean and to the largest magnitude that went into the sum (sums of values that cancel out).
bool meanClose(double actual, double expected, double magnitude)
{
    return std::abs(actual - expected) <= 1e-6 * std::abs(expected) + 1e-12 * magnitude;
}

/// The zero channels a zero_channels finding lists at the end of its message: "... (2,5)".
QString listedChannels(const an::Finding& finding)
{
    const QString message = QString::fromStdString(finding.message);
    const qsizetype open = message.lastIndexOf(u'(');
    const qsizetype close = message.lastIndexOf(u')');
    return open >= 0 && close > open ? message.mid(open + 1, close - open - 1) : QString();
}

// One line per expected finding of a kind, in the same form as actualFindings() below, so that a mismatch
// shows both sides in full.
QStringList expectedFindings(const QString& kind, const fx::Truth& truth)
{
    QStringList lines;
    const auto bytesOf = [&](const std::string& name) { return truth.tensors.at(name).bytes; };
    if (kind == u"duplicate_tensor") {
        for (const auto& group : truth.duplicateGroups)
            lines << QStringLiteral("%1 recover=%2")
                         .arg(joined(group))
                         .arg(static_cast<qint64>(group.size() - 1) * bytesOf(group.front()));
    } else if (kind == u"unused_tensor" && !truth.unusedTensors.empty()) {
        const auto bytes = std::accumulate(truth.unusedTensors.begin(), truth.unusedTensors.end(), int64_t { 0 },
            [&](int64_t sum, const std::string& name) { return sum + bytesOf(name); });
        lines << QStringLiteral("%1 recover=%2").arg(joined(truth.unusedTensors)).arg(bytes);
    } else if (kind == u"dead_node" && !truth.deadNodes.empty()) {
        const auto bytes = std::accumulate(truth.deadOnlyTensors.begin(), truth.deadOnlyTensors.end(), int64_t { 0 },
            [&](int64_t sum, const std::string& name) { return sum + bytesOf(name); });
        lines << QStringLiteral("nodes=%1 tensors=%2 recover=%3")
                     .arg(joined(truth.deadNodes), joined(truth.deadOnlyTensors))
                     .arg(bytes);
    } else if (kind == u"float64_weights") {
        // Every DOUBLE tensor, not only Truth::float64Tensors: everyDtype's t_double(_typed) are float64 weights
        // too, though that fixture does not list them (findings() checks the listed ones are among these).
        std::vector<std::string> names;
        int64_t bytes = 0;
        for (const auto& [name, t] : truth.tensors)
            if (t.dtype == "DOUBLE") {
                names.push_back(name);
                bytes += t.bytes;
            }
        if (!names.empty())
            lines << QStringLiteral("%1 recover=%2").arg(joined(names)).arg(bytes / 2);
    } else if (kind == u"dense_zeros") {
        // A sparse initializer already stores only its non-zeros; strings have no zeros.
        for (const auto& [name, t] : truth.tensors)
            if (t.kind != fx::StorageKind::SparseInitializer && t.numeric && t.elements >= 1024
                && 2 * t.zeros >= t.elements)
                lines << QString::fromStdString(name);
    } else if (kind == u"zero_channels") {
        for (const auto& [name, channels] : truth.zeroChannels) {
            QStringList list;
            for (const int64_t c : channels)
                list << QString::number(c);
            const auto& t = truth.tensors.at(name);
            lines << QStringLiteral("%1 channels=%2 recover=%3")
                         .arg(QString::fromStdString(name), list.join(u','))
                         .arg(static_cast<qint64>(channels.size()) * (t.bytes / t.dims.front()));
        }
    } else if (kind == u"initializer_as_input" && !truth.initializerInputs.empty()) {
        lines << joined(truth.initializerInputs);
    } else if (kind == u"large_constant") {
        // Constant nodes are named after their output, which is also the tensor's name.
        for (const auto& node : truth.largeConstantNodes)
            lines << QStringLiteral("tensor=%1 node=%1").arg(QString::fromStdString(node));
    }
    return sorted(lines);
}

QStringList actualFindings(const QString& kind, const an::Analysis& analysis)
{
    QStringList lines;
    for (const an::Finding& f : analysis.findings) {
        if (QString::fromStdString(std::string(an::findingKindName(f.kind))) != kind)
            continue;
        const auto recover = static_cast<qint64>(f.bytesRecoverable);
        if (kind == u"duplicate_tensor" || kind == u"unused_tensor" || kind == u"float64_weights")
            lines << QStringLiteral("%1 recover=%2").arg(joined(f.tensors)).arg(recover);
        else if (kind == u"dead_node")
            lines << QStringLiteral("nodes=%1 tensors=%2 recover=%3")
                         .arg(joined(f.nodes), joined(f.tensors))
                         .arg(recover);
        else if (kind == u"zero_channels")
            lines << QStringLiteral("%1 channels=%2 recover=%3").arg(joined(f.tensors), listedChannels(f)).arg(recover);
        else if (kind == u"large_constant")
            lines << QStringLiteral("tensor=%1 node=%2").arg(joined(f.tensors), joined(f.nodes));
        else
            lines << joined(f.tensors);
    }
    return sorted(lines);
}

} // namespace

class TestAnalysis : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();

    void tensorStats_data();
    void tensorStats();
    void tensorSet_data() { perFixture(); }
    void tensorSet();
    void modelTotals_data() { perFixture(); }
    void modelTotals();
    void macs_data() { perFixture(); }
    void macs();
    void findings_data();
    void findings();
    void externalFiles();
    void histogramCountsFiniteValues_data() { perFixture(); }
    void histogramCountsFiniteValues();
    void scopeRootHoldsAllWeights_data() { perFixture(); }
    void scopeRootHoldsAllWeights();
    void jsonReport_data() { perFixture(); }
    void jsonReport();
    void convTransposeMacs_data();
    void convTransposeMacs();

private:
    static void perFixture();
    /// The fixture with its truth and analysis (empty analysis, `error` set, when analyzeFile failed).
    const Loaded& loaded(const QString& name) const { return m_loaded.at(name); }

    QTemporaryDir m_dir;
    std::map<QString, Loaded> m_loaded;
};

void TestAnalysis::initTestCase()
{
    QVERIFY2(m_dir.isValid(), qPrintable(m_dir.errorString()));
    for (const QString& name : kFixtures) {
        const std::filesystem::path folder = std::filesystem::path(m_dir.path().toStdString()) / name.toStdString();
        std::filesystem::create_directories(folder);
        Loaded entry;
        if (name == u"externalData") {
            entry.fixture = fx::externalData(folder); // saves itself, with its external files
        } else {
            entry.fixture = name == u"linearChain" ? fx::linearChain()
                : name == u"convNet"               ? fx::convNet()
                : name == u"bloated"               ? fx::bloated()
                : name == u"initializerAsInput"    ? fx::initializerAsInput()
                : name == u"ifSubgraphs"           ? fx::ifSubgraphs()
                                                   : fx::everyDtype();
            entry.fixture.path = folder / (name.toStdString() + ".onnx");
            const auto saved = entry.fixture.builder.save(entry.fixture.path);
            QVERIFY2(saved.has_value(), saved ? "" : saved.error().c_str());
        }
        auto result = an::analyzeFile(entry.fixture.path.string());
        if (result)
            entry.analysis = *result;
        else
            entry.error = name + QStringLiteral(": ") + QString::fromStdString(result.error().message);
        m_loaded.emplace(name, std::move(entry));
    }
}

void TestAnalysis::perFixture()
{
    QTest::addColumn<QString>("fixture");
    for (const QString& name : kFixtures)
        QTest::newRow(qPrintable(name)) << name;
}

#define FETCH_ANALYSIS()                                                                                               \
    QFETCH(QString, fixture);                                                                                          \
    const Loaded& entry = loaded(fixture);                                                                             \
    QVERIFY2(entry.analysis, qPrintable(entry.error));                                                                 \
    const an::Analysis& analysis = *entry.analysis;                                                                    \
    const fx::Truth& truth = entry.fixture.truth

void TestAnalysis::tensorStats_data()
{
    QTest::addColumn<QString>("fixture");
    QTest::addColumn<QString>("tensor");
    for (const QString& name : kFixtures)
        for (const auto& [tensor, t] : m_loaded.at(name).fixture.truth.tensors)
            QTest::addRow("%s/%s", qPrintable(name), tensor.c_str()) << name << QString::fromStdString(tensor);
}

void TestAnalysis::tensorStats()
{
    FETCH_ANALYSIS();
    QFETCH(QString, tensor);
    const fx::TensorTruth& expected = truth.tensors.at(tensor.toStdString());
    const an::TensorStats* actual = findTensor(analysis, expected.name);
    QVERIFY2(actual, "the analysis does not list the tensor");

    QCOMPARE(QString::fromStdString(std::string(model::dataTypeName(actual->dtype))), analysisDtype(expected.dtype));
    QCOMPARE(QList<qint64>(actual->shape.begin(), actual->shape.end()),
        QList<qint64>(expected.dims.begin(), expected.dims.end()));
    QCOMPARE(actual->storage, analysisStorage(expected.kind));
    QCOMPARE(static_cast<int64_t>(actual->elements), expected.elements);
    QCOMPARE(static_cast<int64_t>(actual->storedElements), expected.storedValues);
    QCOMPARE(static_cast<int64_t>(actual->zeros), expected.zeros);
    QCOMPARE(static_cast<int64_t>(actual->bytes), expected.bytes);
    QCOMPARE(actual->external, !expected.location.empty());
    if (expected.elements > 0)
        QCOMPARE(actual->sparsity, static_cast<double>(expected.zeros) / static_cast<double>(expected.elements));

    // The truth names the GraphProto; the analysis gives a path ("main/branch_if.then_branch") to the same graph.
    const auto& graphs = analysis.modelFile->graphs();
    const auto graph = std::ranges::find(graphs, actual->graph, &model::GraphInfo::path);
    QVERIFY2(graph != graphs.end(), actual->graph.c_str());
    QCOMPARE(QString::fromStdString(graph->graph->name()), QString::fromStdString(expected.graph));

    if (!expected.numeric) {
        QVERIFY(!actual->values.computed);
        return;
    }
    QVERIFY(actual->values.computed);
    QCOMPARE(static_cast<int64_t>(actual->values.count), expected.storedValues);
    QCOMPARE(actual->values.nonFinite, uint64_t { 0 });
    // Value statistics cover the stored values: for a sparse tensor the non-zeros, whose sum is the dense sum.
    // The sparse fixture's random non-zeros take both signs, so their min and max are the dense ones as well.
    QCOMPARE(actual->values.min, expected.min);
    QCOMPARE(actual->values.max, expected.max);
    const double expectedMean = expected.storedValues == expected.elements
        ? expected.mean
        : expected.mean * static_cast<double>(expected.elements) / static_cast<double>(expected.storedValues);
    const double magnitude = std::max(std::abs(expected.min), std::abs(expected.max));
    QVERIFY2(meanClose(actual->values.mean, expectedMean, magnitude),
        qPrintable(
            QStringLiteral("mean %1, expected %2").arg(actual->values.mean, 0, 'g', 17).arg(expectedMean, 0, 'g', 17)));
}

void TestAnalysis::tensorSet()
{
    FETCH_ANALYSIS();
    QStringList actual;
    for (const an::TensorStats& t : analysis.tensors)
        actual << QString::fromStdString(t.name);
    QStringList expected;
    for (const auto& [name, t] : truth.tensors)
        expected << QString::fromStdString(name);
    QCOMPARE(sorted(actual), sorted(expected));
}

void TestAnalysis::modelTotals()
{
    FETCH_ANALYSIS();
    const an::ModelSummary& m = analysis.model;
    QCOMPARE(static_cast<int64_t>(m.params), truth.totalParams);
    QCOMPARE(static_cast<int64_t>(m.weightBytes), truth.totalWeightBytes);
    QCOMPARE(m.tensorCount, static_cast<uint64_t>(truth.tensors.size()));
    QCOMPARE(m.nodeCount, static_cast<uint64_t>(truth.nodeCount));
    QCOMPARE(m.graphCount, static_cast<uint64_t>(1 + truth.subgraphCount));
    QCOMPARE(m.irVersion, truth.irVersion);
    QCOMPARE(m.opsets.size(), std::size_t { 1 });
    QCOMPARE(m.opsets.front().version, truth.opset);
    QCOMPARE(m.fileBytes, static_cast<uint64_t>(std::filesystem::file_size(entry.fixture.path)));

    int64_t zeros = 0;
    int64_t externalBytes = 0;
    int64_t constantParams = 0;
    for (const auto& [name, t] : truth.tensors) {
        zeros += t.zeros;
        externalBytes += t.location.empty() ? 0 : t.bytes;
    }
    for (const an::TensorStats& t : analysis.tensors)
        constantParams += t.storage == model::Storage::Constant ? static_cast<int64_t>(t.storedElements) : 0;
    QCOMPARE(static_cast<int64_t>(m.zeros), zeros);
    QCOMPARE(static_cast<int64_t>(m.externalBytes), externalBytes);
    QCOMPARE(constantParams, truth.constantParams);
    QCOMPARE(m.externalFileCount, static_cast<uint64_t>(truth.externalFiles.size()));
    // The whole size on disk: the model file plus its external data files, as the fixture wrote them.
    uint64_t externalFileBytes = 0;
    for (const auto& [location, size] : truth.externalFiles)
        externalFileBytes += static_cast<uint64_t>(size);
    QCOMPARE(m.externalFileBytes, externalFileBytes);
    const QString sizeText = QString::fromStdString(slimscope::core::report::fileSizeText(m));
    QVERIFY2(sizeText.contains(QStringLiteral("(%1 bytes").arg(m.fileBytes + externalFileBytes)), qPrintable(sizeText));
    if (!truth.externalFiles.empty())
        QVERIFY2(
            sizeText.contains(QStringLiteral(" in %1 files)").arg(truth.externalFiles.size())), qPrintable(sizeText));

    for (const auto& d : analysis.diagnostics)
        QVERIFY2(d.severity != slimscope::core::Diagnostic::Severity::Error, (d.subject + ": " + d.message).c_str());
}

void TestAnalysis::macs()
{
    FETCH_ANALYSIS();
    QStringList problems;
    for (const auto& [node, expected] : truth.macs) {
        const an::LayerStats* layer = findLayer(analysis, node);
        if (!layer)
            problems << QStringLiteral("%1: no such layer").arg(QString::fromStdString(node));
        else if (!layer->macs)
            problems << QStringLiteral("%1: MACs unknown (expected %2; output shapes %3; shape error '%4')")
                            .arg(QString::fromStdString(node))
                            .arg(expected)
                            .arg(QString::fromStdString(layer->outputShapes.empty() ? "" : layer->outputShapes.front()),
                                QString::fromStdString(layer->shapeError));
        else if (static_cast<int64_t>(*layer->macs) != expected)
            problems << QStringLiteral("%1: MACs %2, expected %3")
                            .arg(QString::fromStdString(node))
                            .arg(static_cast<qint64>(*layer->macs))
                            .arg(expected);
    }
    QVERIFY2(problems.isEmpty(), qPrintable(problems.join(QStringLiteral("; "))));
    QCOMPARE(static_cast<int64_t>(analysis.model.macs), truth.totalMacs);
}

void TestAnalysis::findings_data()
{
    QTest::addColumn<QString>("fixture");
    QTest::addColumn<QString>("kind");
    for (const QString& name : kFixtures)
        for (const QString& kind : kFindingKinds)
            QTest::addRow("%s/%s", qPrintable(name), qPrintable(kind)) << name << kind;
}

void TestAnalysis::findings()
{
    FETCH_ANALYSIS();
    QFETCH(QString, kind);
    for (const auto& name : truth.float64Tensors)
        QCOMPARE(QString::fromStdString(truth.tensors.at(name).dtype), QStringLiteral("DOUBLE"));
    // Joined, so that a failure prints both sides in full.
    QCOMPARE(actualFindings(kind, analysis).join(QStringLiteral(" | ")),
        expectedFindings(kind, truth).join(QStringLiteral(" | ")));
}

void TestAnalysis::externalFiles()
{
    const Loaded& entry = loaded(QStringLiteral("externalData"));
    QVERIFY2(entry.analysis, qPrintable(entry.error));
    const auto& files = entry.analysis->modelFile->externalFiles();
    QStringList actual;
    for (const auto& file : files)
        actual << QStringLiteral("%1=%2").arg(QString::fromStdString(file.location)).arg(file.size);
    QStringList expected;
    for (const auto& [location, size] : entry.fixture.truth.externalFiles)
        expected << QStringLiteral("%1=%2").arg(QString::fromStdString(location)).arg(size);
    QCOMPARE(sorted(actual), sorted(expected));
    for (const auto& [name, t] : entry.fixture.truth.tensors) {
        const an::TensorStats* tensor = findTensor(*entry.analysis, name);
        QVERIFY2(tensor, name.c_str());
        QVERIFY2(tensor->external, name.c_str());
        const auto& weight = entry.analysis->modelFile->weights().at(static_cast<std::size_t>(tensor->weightIndex));
        QCOMPARE(weight.data.kind, model::DataLocation::Kind::ExternalFile);
        QCOMPARE(static_cast<int64_t>(weight.data.offset), t.offset);
        QCOMPARE(static_cast<int64_t>(weight.data.size), t.bytes);
        QCOMPARE(files.at(static_cast<std::size_t>(weight.data.externalFile)).location, t.location);
    }
    // Weights kept outside do not count as graph bytes of the model file.
    QCOMPARE(entry.analysis->model.graphBytes, entry.analysis->model.fileBytes);
}

void TestAnalysis::histogramCountsFiniteValues()
{
    FETCH_ANALYSIS();
    Q_UNUSED(truth);
    for (const an::TensorStats& t : analysis.tensors) {
        if (!t.values.computed)
            continue;
        const auto& counts = t.values.histogram.counts;
        const uint64_t total = std::accumulate(counts.begin(), counts.end(), uint64_t { 0 });
        QVERIFY2(total == t.storedElements - t.values.nonFinite,
            qPrintable(QStringLiteral("%1: histogram holds %2 values of %3 finite")
                           .arg(QString::fromStdString(t.name))
                           .arg(total)
                           .arg(t.storedElements - t.values.nonFinite)));
        QCOMPARE(t.values.histogram.low, t.values.min);
        QCOMPARE(t.values.histogram.high, t.values.max);
    }
}

void TestAnalysis::scopeRootHoldsAllWeights()
{
    FETCH_ANALYSIS();
    QVERIFY(!analysis.scopes.empty());
    QCOMPARE(static_cast<int64_t>(analysis.scopes.front().bytes), truth.totalWeightBytes);
    QCOMPARE(static_cast<int64_t>(analysis.scopes.front().params), truth.totalParams);
    QCOMPARE(analysis.scopes.front().parent, -1);
    // Each tensor names the node that holds its bytes: summing tensors up their node's ancestors gives back
    // every node's bytes, so the views that colour scopes by their tensors agree with the tree.
    std::vector<std::uint64_t> summed(analysis.scopes.size(), 0);
    for (const auto& tensor : analysis.tensors) {
        QVERIFY2(tensor.scope.valid() && tensor.scope.get() < analysis.scopes.size(), tensor.name.c_str());
        for (int node = tensor.scope.raw(); node >= 0; node = analysis.scopes[static_cast<std::size_t>(node)].parent)
            summed[static_cast<std::size_t>(node)] += tensor.bytes;
    }
    for (std::size_t node = 0; node < analysis.scopes.size(); ++node)
        QVERIFY2(summed[node] == analysis.scopes[node].bytes, analysis.scopes[node].path.c_str());
    // Readers are kept as layer indices too, which name the same layers as the names.
    for (const auto& tensor : analysis.tensors) {
        QCOMPARE(tensor.consumerLayers.size(), tensor.consumers.size());
        for (std::size_t c = 0; c < tensor.consumers.size(); ++c)
            QCOMPARE(analysis.layers.at(tensor.consumerLayers[c].get()).name, tensor.consumers[c]);
    }
    // The layers add up: each tensor in exactly one layer's list (its owner's), or in none when nothing reads or
    // holds it; the layers' bytes plus those of the tensors in none are the truth's weight bytes.
    std::vector<int> listed(analysis.tensors.size(), 0);
    std::int64_t layerBytes = 0;
    for (std::size_t l = 0; l < analysis.layers.size(); ++l) {
        layerBytes += static_cast<std::int64_t>(analysis.layers[l].bytes);
        for (const auto t : analysis.layers[l].tensors) {
            ++listed[t.get()];
            QCOMPARE(analysis.tensor(t).owner.get(), l);
        }
    }
    for (std::size_t t = 0; t < analysis.tensors.size(); ++t) {
        const auto& tensor = analysis.tensors[t];
        QVERIFY2(listed[t] == (tensor.owner.valid() ? 1 : 0), tensor.name.c_str());
        if (!tensor.owner.valid()) {
            layerBytes += static_cast<std::int64_t>(tensor.bytes);
            QVERIFY2(tensor.consumers.empty() && tensor.storage != slimscope::core::model::Storage::Constant,
                tensor.name.c_str());
        }
    }
    QCOMPARE(layerBytes, truth.totalWeightBytes);
}

void TestAnalysis::jsonReport()
{
    FETCH_ANALYSIS();
    std::ostringstream out;
    slimscope::core::report::writeAnalysisJson(out, analysis);
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(QByteArray::fromStdString(out.str()), &error);
    QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(error.errorString()));
    QVERIFY(doc.isObject());
    const QJsonObject root = doc.object();
    QCOMPARE(root.value(u"schema").toString(), QStringLiteral("slimscope.analysis/1"));

    const QJsonObject m = root.value(u"model").toObject();
    for (const char* key : { "params", "weight_bytes", "file_bytes", "zeros", "sparsity", "macs" })
        QVERIFY2(m.value(QLatin1StringView(key)).isDouble(), key);
    QCOMPARE(m.value(u"params").toInteger(), truth.totalParams);
    QCOMPARE(m.value(u"weight_bytes").toInteger(), truth.totalWeightBytes);
    QCOMPARE(m.value(u"file_bytes").toInteger(), static_cast<qint64>(analysis.model.fileBytes));
    QCOMPARE(m.value(u"macs").toInteger(), truth.totalMacs);

    const QJsonArray tensors = root.value(u"tensors").toArray();
    QCOMPARE(tensors.size(), static_cast<qsizetype>(truth.tensors.size()));
    for (const auto& value : tensors) {
        const QJsonObject t = value.toObject();
        const std::string name = t.value(u"name").toString().toStdString();
        QVERIFY2(truth.tensors.contains(name), name.c_str());
        const fx::TensorTruth& expected = truth.tensors.at(name);
        QCOMPARE(t.value(u"elements").toInteger(), expected.elements);
        QCOMPARE(t.value(u"zeros").toInteger(), expected.zeros);
        QCOMPARE(t.value(u"bytes").toInteger(), expected.bytes);
        QCOMPARE(t.value(u"dtype").toString(), analysisDtype(expected.dtype));
        QVERIFY2(t.value(u"sparsity").isDouble(), name.c_str());
        QVERIFY2(t.value(u"shape").isArray(), name.c_str());
        QCOMPARE(t.value(u"shape").toArray().size(), static_cast<qsizetype>(expected.dims.size()));
    }

    const QJsonArray layers = root.value(u"layers").toArray();
    QCOMPARE(layers.size(), static_cast<qsizetype>(truth.nodeCount));
    for (const auto& value : layers) {
        const QJsonObject l = value.toObject();
        QVERIFY(l.value(u"op_type").isString());
        QVERIFY(l.contains(u"macs"));
        const auto node = truth.macs.find(l.value(u"name").toString().toStdString());
        if (node != truth.macs.end())
            QCOMPARE(l.value(u"macs").toInteger(-1), node->second);
    }

    const QJsonArray findings = root.value(u"findings").toArray();
    QCOMPARE(findings.size(), static_cast<qsizetype>(analysis.findings.size()));
    for (const auto& value : findings) {
        const QJsonObject f = value.toObject();
        QVERIFY(f.value(u"kind").isString());
        QVERIFY(f.value(u"bytes_recoverable").isDouble());
    }
}

void TestAnalysis::convTransposeMacs_data()
{
    QTest::addColumn<int>("group");
    QTest::addColumn<int>("stride");
    QTest::newRow("stride 2") << 1 << 2;
    QTest::newRow("groups 2, stride 1") << 2 << 1;
}

// A transposed convolution spreads every input element over (Cout/group) x kernel outputs. The golden count walks
// every input element and every kernel tap it feeds, one multiply-accumulate each, without the product formula.
void TestAnalysis::convTransposeMacs()
{
    QFETCH(int, group);
    QFETCH(int, stride);
    constexpr int64_t batch = 2, cin = 4, height = 5, width = 3, coutPerGroup = 3, kh = 3, kw = 2;
    fx::ModelBuilder builder(13, 8);
    builder.addInput("x", onnx::TensorProto::FLOAT, { batch, cin, height, width });
    builder.addFloatInitializer("w", { cin, coutPerGroup, kh, kw },
        std::vector<float>(static_cast<std::size_t>(cin * coutPerGroup * kh * kw), 0.5f));
    auto& node = builder.addNode("ConvTranspose", { "x", "w" }, { "y" }, "deconv");
    fx::ModelBuilder::addAttrInt(node, "group", group);
    fx::ModelBuilder::addAttrInts(node, "strides", { stride, stride });
    const int64_t outH = (height - 1) * stride + kh, outW = (width - 1) * stride + kw;
    builder.addOutput("y", onnx::TensorProto::FLOAT, { batch, coutPerGroup * group, outH, outW });
    const auto file = std::filesystem::path(m_dir.path().toStdString()) / ("deconv" + std::to_string(group) + ".onnx");
    QVERIFY(builder.save(file).has_value());

    uint64_t expected = 0;
    for (int64_t n = 0; n < batch; ++n)
        for (int64_t c = 0; c < cin; ++c)
            for (int64_t h = 0; h < height; ++h)
                for (int64_t x = 0; x < width; ++x)
                    for (int64_t o = 0; o < coutPerGroup; ++o) // the output channels of this input's group
                        for (int64_t i = 0; i < kh; ++i)
                            for (int64_t j = 0; j < kw; ++j)
                                expected += (h * stride + i < outH && x * stride + j < outW) ? 1 : 0;

    const auto analysis = an::analyzeFile(file);
    QVERIFY2(analysis.has_value(), analysis ? "" : analysis.error().message.c_str());
    const auto layer = std::ranges::find(analysis->get()->layers, std::string("deconv"), &an::LayerStats::name);
    QVERIFY(layer != analysis->get()->layers.end());
    QVERIFY2(layer->macs.has_value(), "no MACs for ConvTranspose");
    QCOMPARE(*layer->macs, expected);
}

QTEST_GUILESS_MAIN(TestAnalysis)

#include "tst_analysis.moc"
