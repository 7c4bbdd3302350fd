// Review reports and model comparison: every format parses and shows the documented content, and comparing a model
// with its slimmed self names exactly the tensors the recipe touched.
#include "analysis/analysis.h"
#include "fixtures.h"
#include "report/compare.h"
#include "report/report.h"
#include "slim/exporter.h"
#include "slim/slimmer.h"
#include "slim/steps/quantize.h"
#include "support/format.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>
#include <QXmlStreamReader>

#include <cmath>
#include <filesystem>
#include <sstream>

namespace fx = slimscope::fixtures;
namespace an = slimscope::core::analysis;
namespace rep = slimscope::core::report;
namespace slim = slimscope::core::slim;
namespace rt = slimscope::core::runtime;
namespace fs = std::filesystem;

namespace {

enum class Format { Int8, Fp16 };
slim::Recipe quantizeRecipe(Format format, slim::Scope scope)
{
    return { { { format == Format::Int8 ? slim::StepParams(slim::QuantizeInt8Step {}) : slim::QuantizeFp16Step {},
        std::move(scope), true } } };
}

/// Only the named tensor.
slim::Scope onlyTensor(const std::string& name)
{
    slim::Scope scope;
    scope.tensors = { name };
    scope.onlyTensors = true;
    return scope;
}

/// RFC 4180 fields of a CSV document, one vector per record.
std::vector<std::vector<std::string>> parseCsv(const std::string& text)
{
    std::vector<std::vector<std::string>> records;
    std::vector<std::string> record;
    std::string field;
    bool quoted = false, any = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (quoted) {
            if (c == '"' && i + 1 < text.size() && text[i + 1] == '"')
                field += '"', ++i;
            else if (c == '"')
                quoted = false;
            else
                field += c;
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            record.push_back(field);
            field.clear();
        } else if (c == '\r' || c == '\n') {
            if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n')
                ++i;
            record.push_back(field);
            field.clear();
            records.push_back(record);
            record.clear();
            any = false;
            continue;
        } else {
            field += c;
        }
        any = true;
    }
    if (any) {
        record.push_back(field);
        records.push_back(record);
    }
    return records;
}

/// Cells of a Markdown table row: '|' not preceded by a backslash separates them.
int markdownColumns(const QString& line)
{
    int pipes = 0;
    for (int i = 0; i < line.size(); ++i)
        if (line[i] == u'|' && (i == 0 || line[i - 1] != u'\\'))
            ++pipes;
    return pipes - 1;
}

/// Every Markdown table (consecutive lines starting with '|') has the same column count in each line; returns the
/// number of tables, or -1 with `error` set.
int checkMarkdownTables(const QString& text, QString& error)
{
    int tables = 0, columns = -1;
    const QStringList lines = text.split(u'\n');
    for (int i = 0; i < lines.size(); ++i) {
        if (!lines[i].startsWith(u'|')) {
            columns = -1;
            continue;
        }
        const int n = markdownColumns(lines[i]);
        if (columns < 0) {
            columns = n;
            ++tables;
            if (i + 1 >= lines.size() || !lines[i + 1].startsWith(QStringLiteral("|---"))) {
                error = QStringLiteral("table without a delimiter row at line %1").arg(i + 1);
                return -1;
            }
        } else if (n != columns) {
            error = QStringLiteral("line %1 has %2 columns, the table %3: %4")
                        .arg(i + 1)
                        .arg(n)
                        .arg(columns)
                        .arg(lines[i]);
            return -1;
        }
    }
    return tables;
}

/// Parses as XML; returns the error, empty when well-formed.
QString xmlError(const QString& text)
{
    QXmlStreamReader xml(text);
    while (!xml.atEnd())
        xml.readNext();
    return xml.hasError() ? xml.errorString() + QStringLiteral(" at line %1").arg(xml.lineNumber()) : QString();
}

/// External references: http(s) URLs other than the XHTML namespace, src attributes that are not data: URIs, and
/// <link>/<script> elements.
QStringList externalReferences(QString html)
{
    QStringList found;
    html.remove(QStringLiteral("xmlns=\"http://www.w3.org/1999/xhtml\""));
    for (const auto& pattern :
        { QStringLiteral("http://"), QStringLiteral("https://"), QStringLiteral("<link"), QStringLiteral("<script") })
        if (html.contains(pattern))
            found << pattern;
    const QRegularExpression src(QStringLiteral("src=\"(?!data:)"));
    if (src.match(html).hasMatch())
        found << QStringLiteral("src=");
    return found;
}

/// A synthetic analysis with many layers whose names need escaping in every format.
std::shared_ptr<const an::Analysis> awkwardAnalysis(int layers)
{
    auto a = std::make_shared<an::Analysis>();
    a->model.path = "/tmp/we|ird <&> \"model\".onnx";
    a->model.fileBytes = 1000;
    a->model.weightBytes = 0;
    for (int i = 0; i < layers; ++i) {
        an::TensorStats t;
        t.name = "w" + std::to_string(i);
        t.graph = "main";
        t.dtype = slimscope::core::model::DataType::Float;
        t.bytes = static_cast<std::uint64_t>(4 * (i + 1));
        t.elements = t.storedElements = static_cast<std::uint64_t>(i + 1);
        a->model.weightBytes += t.bytes;
        a->tensors.push_back(t);
        an::LayerStats l;
        l.name = "layer|" + std::to_string(i) + " <a&b>, \"q\"";
        l.opType = "MatMul";
        l.graph = "main";
        l.tensors = { an::TensorIndex(static_cast<std::size_t>(i)) };
        l.params = t.elements;
        l.bytes = t.bytes;
        a->layers.push_back(l);
    }
    a->findings.push_back(
        { an::FindingKind::DeadNode, an::Severity::Medium, 12, {}, { "n|1" }, "a | message <b>", "fix & go" });
    return a;
}

/// With SLIMSCOPE_REPORT_DUMP set to a folder, the rendered reports are kept there for a look.
void dump(const QString& name, const std::string& text)
{
    const QString dir = qEnvironmentVariable("SLIMSCOPE_REPORT_DUMP");
    if (dir.isEmpty())
        return;
    QFile file(dir + u'/' + name);
    if (file.open(QIODevice::WriteOnly))
        file.write(QByteArray::fromStdString(text));
}

rt::Verification fakeVerification()
{
    rt::Verification v;
    v.original = "a.onnx";
    v.slimmed = "b.onnx";
    v.runs = 3;
    v.originalLatencyMs = 1.5;
    v.slimmedLatencyMs = 1.2;
    v.inputSource = "random (seed 1)";
    v.runtimeVersion = "1.0";
    rt::OutputComparison o;
    o.name = "logits";
    o.cosine = 0.9995;
    o.sqnrDb = 35.5;
    o.maxAbs = 0.01;
    o.top1Agreement = 1.0;
    v.outputs.push_back(o);
    return v;
}

} // namespace

class TestReport : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    struct Model {
        fx::Fixture fixture;
        fs::path path;
        std::shared_ptr<const an::Analysis> analysis;
    };
    std::map<QString, Model> m_models;
    slim::Recipe m_recipe;
    std::optional<slim::SlimResult> m_slimmed; // convNet, int8 everywhere the default scope allows
    std::optional<slim::ExportResult> m_written;
    rt::Verification m_verification = fakeVerification();
    std::vector<rep::ChartImage> m_charts;

    rep::ReportInput fullInput(const QString& name) const
    {
        rep::ReportInput input;
        input.analysis = m_models.at(name).analysis;
        input.generatedAt = "2026-11-27T21:00:00Z";
        if (name == u"convNet") {
            input.recipe = &m_recipe;
            input.preview = &m_slimmed->preview;
            input.written = &*m_written;
            input.verification = &m_verification;
        }
        return input;
    }

    std::shared_ptr<const an::Analysis> analyse(const fs::path& path)
    {
        auto analysis = an::analyzeFile(path.string());
        if (!analysis)
            qFatal("analyze %s: %s", path.c_str(), analysis.error().message.c_str());
        return *analysis;
    }

    Model& add(const QString& name, fx::Fixture fixture)
    {
        const fs::path path = fs::path(m_dir.path().toStdString()) / (name.toStdString() + ".onnx");
        if (auto saved = fixture.builder.save(path); !saved)
            qFatal("save: %s", saved.error().c_str());
        auto analysis = analyse(path);
        return m_models[name] = Model { std::move(fixture), path, analysis };
    }

    /// Slims `name` with `recipe`, writes `<out>.onnx` and analyses it.
    std::shared_ptr<const an::Analysis> slimmedAnalysis(
        const QString& name, const slim::Recipe& recipe, const char* out)
    {
        const Model& m = m_models.at(name);
        auto result = slim::applyRecipe(m.analysis->modelFile, recipe, {}, nullptr, m.analysis.get());
        if (!result)
            qFatal("applyRecipe: %s", result.error().message.c_str());
        const fs::path target = fs::path(m_dir.path().toStdString()) / out;
        auto written = slim::exportModel(*result->model, target);
        if (!written)
            qFatal("exportModel: %s", written.error().message.c_str());
        return analyse(target);
    }

private slots:
    // Long names are cut in the middle, so that two that differ only at the start (If branches) or only at the
    // end (layer numbers) stay told apart.
    void longNamesKeepBothEnds()
    {
        using slimscope::core::shortenMiddle;
        const std::string then = "If_0_then_branch__Inline_0__decoder.rnn.weight_ih";
        const std::string otherwise = "If_0_else_branch__Inline_0__decoder.rnn.weight_ih";
        QCOMPARE(shortenMiddle(then, 39).size(), std::size_t { 39 });
        QVERIFY(shortenMiddle(then, 39) != shortenMiddle(otherwise, 39));
        QVERIFY(shortenMiddle(then, 39).ends_with("decoder.rnn.weight_ih"));
        QCOMPARE(shortenMiddle("short", 39), std::string("short"));
        QCOMPARE(shortenMiddle(then, 12), std::string("If_...ght_ih")); // 3 + 3 + 6
    }

    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        add(QStringLiteral("bloated"), fx::bloated());
        add(QStringLiteral("convNet"), fx::convNet());
        slim::Scope scope;
        scope.minElements = 0;
        m_recipe = quantizeRecipe(Format::Int8, scope);
        const Model& conv = m_models.at(QStringLiteral("convNet"));
        auto result = slim::applyRecipe(conv.analysis->modelFile, m_recipe, {}, nullptr, conv.analysis.get());
        QVERIFY2(result.has_value(), result ? "" : result.error().message.c_str());
        m_slimmed = std::move(*result);
        auto written = slim::exportModel(*m_slimmed->model, fs::path(m_dir.path().toStdString()) / "conv-int8.onnx");
        QVERIFY2(written.has_value(), written ? "" : written.error().message.c_str());
        m_written = std::move(*written);
        m_charts.push_back(
            { "pareto", "Bytes by layer", std::string("\x89PNG\r\n\x1a\n fake", 13), "report_pareto.png" });
    }

    void base64_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::newRow("empty") << QByteArray();
        QTest::newRow("1") << QByteArray("f");
        QTest::newRow("2") << QByteArray("fo");
        QTest::newRow("3") << QByteArray("foo");
        QTest::newRow("binary") << QByteArray("\x00\xff\x10\x80\x7f", 5);
        QByteArray all;
        for (int i = 0; i < 1000; ++i)
            all.append(static_cast<char>(i * 7));
        QTest::newRow("1000") << all;
    }

    void base64()
    {
        QFETCH(QByteArray, bytes);
        const std::string encoded
            = rep::base64(std::string_view(bytes.constData(), static_cast<std::size_t>(bytes.size())));
        QCOMPARE(QByteArray::fromStdString(encoded), bytes.toBase64());
    }

    void json_data()
    {
        QTest::addColumn<QString>("model");
        QTest::newRow("bloated, analysis only") << QStringLiteral("bloated");
        QTest::newRow("convNet, slimmed and verified") << QStringLiteral("convNet");
    }

    void json()
    {
        QFETCH(QString, model);
        const auto input = fullInput(model);
        std::ostringstream out;
        rep::writeReportJson(out, input);
        dump(model + QStringLiteral(".json"), out.str());
        QJsonParseError error;
        const auto doc = QJsonDocument::fromJson(QByteArray::fromStdString(out.str()), &error);
        QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(error.errorString()));
        const QJsonObject root = doc.object();
        QCOMPARE(root[u"schema"].toString(), QStringLiteral("slimscope.report/1"));
        QCOMPARE(root[u"tool"][u"name"].toString(), QStringLiteral("slimscope"));
        QCOMPARE(root[u"tool"][u"version"].toString(), QStringLiteral(SLIMSCOPE_VERSION));
        QCOMPARE(root[u"generated_at"].toString(), QStringLiteral("2026-11-27T21:00:00Z"));
        const an::Analysis& a = *input.analysis;
        const QJsonObject m = root[u"model"].toObject();
        QCOMPARE(m[u"file_name"].toString(), model + QStringLiteral(".onnx"));
        QCOMPARE(m[u"sha256"].toString(), QString::fromStdString(a.model.sha256));
        QCOMPARE(m[u"file_bytes"].toInteger(), static_cast<qint64>(a.model.fileBytes));
        QCOMPARE(m[u"ir_version"].toInteger(), a.model.irVersion);
        QVERIFY(!m[u"opset_imports"].toArray().isEmpty());
        for (const char* key : { "producer_name", "params", "weight_bytes", "macs", "by_dtype", "by_op_type" })
            QVERIFY2(m.contains(QLatin1String(key)), key);
        QCOMPARE(root[u"findings"].toArray().size(), static_cast<qsizetype>(a.findings.size()));
        for (const auto& f : root[u"findings"].toArray())
            QVERIFY(f.toObject().contains(u"bytes_recoverable"));
        QCOMPARE(root[u"layers"].toArray().size(), static_cast<qsizetype>(a.layers.size()));
        const QJsonArray top = root[u"top_layers"].toArray();
        QVERIFY(!top.isEmpty() && top.size() <= 15);
        for (qsizetype i = 1; i < top.size(); ++i)
            QVERIFY(top[i - 1][u"bytes"].toInteger() >= top[i][u"bytes"].toInteger());
        const bool slimmed = input.preview != nullptr;
        QCOMPARE(root.contains(u"recipe"), slimmed);
        QCOMPARE(root.contains(u"slimming"), slimmed);
        QCOMPARE(root.contains(u"verification"), slimmed);
        if (!slimmed)
            return;
        QCOMPARE(root[u"recipe"][u"schema"].toString(), QStringLiteral("slimscope.recipe/1"));
        const QJsonObject s = root[u"slimming"].toObject();
        for (const char* key : { "before", "after", "predicted_file_bytes", "written_file_bytes", "tensors" })
            QVERIFY2(s.contains(QLatin1String(key)), key);
        QCOMPARE(s[u"predicted_file_bytes"].toInteger(), static_cast<qint64>(input.preview->predictedFileBytes));
        QCOMPARE(s[u"written_file_bytes"].toInteger(), static_cast<qint64>(input.written->fileBytes));
        QCOMPARE(s[u"before"][u"params"].toInteger(), static_cast<qint64>(input.preview->paramsBefore));
        QCOMPARE(s[u"tensors"].toArray().size(), static_cast<qsizetype>(input.preview->tensors.size()));
        QVERIFY(root[u"layers"][0].toObject().contains(u"bytes_after"));
        QCOMPARE(root[u"verification"][u"verdict"].toString(), QStringLiteral("pass"));
        // The recipe member reproduces the recipe.
        const QByteArray recipe = QJsonDocument(root[u"recipe"].toObject()).toJson();
        auto parsed = slim::parseRecipe(recipe.toStdString());
        QVERIFY2(parsed.has_value(), parsed ? "" : parsed.error().message.c_str());
        QVERIFY(*parsed == m_recipe);
    }

    void html_data() { json_data(); }

    void html()
    {
        QFETCH(QString, model);
        std::ostringstream out;
        rep::writeReportHtml(out, fullInput(model), m_charts);
        dump(model + QStringLiteral(".html"), out.str());
        const QString html = QString::fromStdString(out.str());
        QVERIFY(html.startsWith(QStringLiteral("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\"")));
        const QString error = xmlError(html);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QCOMPARE(externalReferences(html), QStringList());
        QVERIFY(html.contains(QStringLiteral("@media print")));
        QVERIFY(html.contains(QStringLiteral("<details>")));
        QVERIFY(html.contains(QStringLiteral("src=\"data:image/png;base64,")
            + QString::fromStdString(rep::base64(m_charts[0].png)) + u'"'));
        // every layer in the collapsible table
        const auto& a = *m_models.at(model).analysis;
        const QString details
            = html.section(QStringLiteral("<details>"), 1).section(QStringLiteral("</details>"), 0, 0);
        QCOMPARE(details.count(QStringLiteral("<tr>")), static_cast<qsizetype>(a.layers.size() + 1));
    }

    void csv_data() { json_data(); }

    void csv()
    {
        QFETCH(QString, model);
        const auto input = fullInput(model);
        std::ostringstream out;
        rep::writeReportCsv(out, input);
        const auto records = parseCsv(out.str());
        QCOMPARE(records.size(), input.analysis->layers.size() + 1);
        const std::vector<std::string> header { "name", "op_type", "graph", "params", "bytes", "share", "sparsity",
            "dtype", "macs" };
        QVERIFY(std::equal(header.begin(), header.end(), records[0].begin()));
        QCOMPARE(records[0].size(), input.preview ? header.size() + 3 : header.size());
        for (std::size_t i = 1; i < records.size(); ++i) {
            QCOMPARE(records[i].size(), records[0].size());
            QCOMPARE(records[i][0], input.analysis->layers[i - 1].name);
        }
    }

    void markdown_data() { json_data(); }

    void markdown()
    {
        QFETCH(QString, model);
        const auto input = fullInput(model);
        std::ostringstream out;
        rep::writeReportMarkdown(out, input, m_charts);
        dump(model + QStringLiteral(".md"), out.str());
        const QString md = QString::fromStdString(out.str());
        QString error;
        QVERIFY2(checkMarkdownTables(md, error) >= 5, qPrintable(error));
        QVERIFY(md.contains(QStringLiteral("![Bytes by layer](report_pareto.png)")));
        QCOMPARE(md.contains(QStringLiteral("```json\n{")), input.recipe != nullptr);
        QVERIFY(md.contains(QString::fromStdString(input.analysis->model.sha256)));
        // The recipe is weight-only int8: the report says beside the steps that it is smaller, not faster.
        QCOMPARE(md.contains(QStringLiteral("### Warnings\n\n- warning: weight-only int8 is smaller, not faster")),
            input.preview != nullptr);
    }

    // Names with '|', '<', '&', quotes and commas; more layers than the Markdown table shows.
    void escapingAndLimits()
    {
        rep::ReportInput input;
        input.analysis = awkwardAnalysis(60);
        std::ostringstream md, html, csv, json;
        rep::writeReportMarkdown(md, input, m_charts);
        rep::writeReportHtml(html, input, m_charts);
        rep::writeReportCsv(csv, input);
        rep::writeReportJson(json, input);
        QString error;
        QVERIFY2(checkMarkdownTables(QString::fromStdString(md.str()), error) > 0, qPrintable(error));
        QVERIFY(md.str().find("Showing the 50 largest of 60 layers") != std::string::npos);
        QVERIFY(md.str().find("layer\\|59 <a&b>") != std::string::npos);
        QVERIFY(md.str().find("layer\\|9 <a&b>") == std::string::npos); // the 10 smallest are left out
        error = xmlError(QString::fromStdString(html.str()));
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QVERIFY(html.str().find("layer|59 &lt;a&amp;b&gt;, &quot;q&quot;") != std::string::npos);
        const auto records = parseCsv(csv.str());
        QCOMPARE(records.size(), std::size_t { 61 });
        QCOMPARE(records[1][0], std::string("layer|0 <a&b>, \"q\""));
        QVERIFY(QJsonDocument::fromJson(QByteArray::fromStdString(json.str())).isObject());
    }

    void compareWithItself()
    {
        const auto& a = *m_models.at(QStringLiteral("bloated")).analysis;
        auto c = rep::compareModels(a, a);
        QVERIFY(c.has_value());
        QCOMPARE(c->matched.size(), a.tensors.size());
        QCOMPARE(c->changedCount, std::uint64_t { 0 });
        QVERIFY(c->added.empty() && c->removed.empty() && c->dtypeChanges.empty());
        QVERIFY(c->layersAdded.empty() && c->layersRemoved.empty());
        QCOMPARE(c->bytesSaved, std::uint64_t { 0 });
        for (const auto& m : c->matched) {
            QCOMPARE(m.matchedBy, std::string("name"));
            QVERIFY(!m.changed);
            if (m.maxAbsDiff)
                QCOMPARE(*m.maxAbsDiff, 0.0);
        }
        QCOMPARE(c->layers.size(), a.layers.size());
    }

    void compareOneTensorSlimmed_data()
    {
        QTest::addColumn<int>("type");
        QTest::addColumn<QString>("matchedBy");
        QTest::addColumn<QString>("dtype");
        QTest::newRow("int8") << int(Format::Int8) << QStringLiteral("dequantize") << QStringLiteral("int8");
        QTest::newRow("fp16") << int(Format::Fp16) << QStringLiteral("cast") << QStringLiteral("float16");
    }

    // Quantizing exactly conv2.weight: the comparison pairs it with its stored replacement and reports nothing else.
    void compareOneTensorSlimmed()
    {
        QFETCH(int, type);
        QFETCH(QString, matchedBy);
        QFETCH(QString, dtype);
        const std::string name = "conv2.weight";
        const auto& a = *m_models.at(QStringLiteral("convNet")).analysis;
        const auto b = slimmedAnalysis(
            QStringLiteral("convNet"), quantizeRecipe(static_cast<Format>(type), onlyTensor(name)), "one.onnx");
        auto c = rep::compareModels(a, *b);
        QVERIFY(c.has_value());
        QVERIFY2(c->added.empty(), c->added.empty() ? "" : c->added.front().c_str());
        QVERIFY2(c->removed.empty(), c->removed.empty() ? "" : c->removed.front().c_str());
        QCOMPARE(c->matched.size(), a.tensors.size());
        QCOMPARE(c->changedCount, std::uint64_t { 1 });
        QCOMPARE(c->dtypeChanges.size(), std::size_t { 1 });
        QCOMPARE(c->dtypeChanges[0].first, name);
        QCOMPARE(c->dtypeChanges[0].second.second, dtype.toStdString());
        const rep::TensorMatch* changed = nullptr;
        for (const auto& m : c->matched)
            if (m.changed)
                changed = &m;
            else
                QCOMPARE(m.matchedBy, std::string("name"));
        QVERIFY(changed);
        QCOMPARE(changed->nameA, name);
        QCOMPARE(changed->matchedBy, matchedBy.toStdString());
        QCOMPARE(changed->dtypeA, std::string("float32"));
        // The error bound computed here from the fixture's own values: half a quantization step of the largest
        // channel for int8, float16's relative precision for fp16.
        const auto* init = &a.modelFile->proto().graph().initializer(0);
        for (const auto& t : m_models.at(QStringLiteral("convNet")).fixture.builder.model().graph().initializer())
            if (t.name() == name)
                init = &t;
        std::vector<float> w(init->raw_data().size() / 4);
        std::memcpy(w.data(), init->raw_data().data(), init->raw_data().size());
        float maxAbs = 0;
        for (const float v : w)
            maxAbs = std::max(maxAbs, std::abs(v));
        QVERIFY(changed->maxAbsDiff.has_value());
        const double bound = type == int(Format::Int8) ? maxAbs / 127.0 * 0.5001 : maxAbs / 1024.0;
        QVERIFY2(*changed->maxAbsDiff > 0 && *changed->maxAbsDiff <= bound,
            qPrintable(QStringLiteral("%1 > %2").arg(*changed->maxAbsDiff).arg(bound)));
        if (type == int(Format::Int8))
            QCOMPARE(changed->auxiliaryB.front(), name + "_scale");
        // The layers: conv2 reads a node output now, and one new node makes it.
        QCOMPARE(c->layersAdded.size(), std::size_t { 1 });
        QVERIFY(c->layersRemoved.empty());

        std::ostringstream table, json, md, html;
        rep::writeComparisonTable(table, *c);
        rep::writeComparisonJson(json, *c);
        rep::writeComparisonMarkdown(md, *c);
        rep::writeComparisonHtml(html, *c);
        QVERIFY(table.str().find(name) != std::string::npos);
        dump(QStringLiteral("compare-%1.txt").arg(matchedBy), table.str());
        dump(QStringLiteral("compare-%1.md").arg(matchedBy), md.str());
        const auto doc = QJsonDocument::fromJson(QByteArray::fromStdString(json.str()));
        QCOMPARE(doc[u"schema"].toString(), QStringLiteral("slimscope.compare/1"));
        QCOMPARE(doc[u"changed_count"].toInteger(), 1);
        QCOMPARE(doc[u"tensors"].toArray().size(), static_cast<qsizetype>(a.tensors.size()));
        QString error;
        QVERIFY2(checkMarkdownTables(QString::fromStdString(md.str()), error) > 0, qPrintable(error));
        const QString page = QString::fromStdString(html.str());
        error = xmlError(page);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QCOMPARE(externalReferences(page), QStringList());
    }

    // A renamed tensor with the same content is found by shape and hash and is not a change.
    void compareRenamed()
    {
        fx::Fixture renamed = fx::convNet();
        auto& graph = renamed.builder.graph();
        for (auto& t : *graph.mutable_initializer())
            if (t.name() == "fc.weight")
                t.set_name("classifier.w");
        for (auto& node : *graph.mutable_node())
            for (auto& input : *node.mutable_input())
                if (input == "fc.weight")
                    input = "classifier.w";
        const auto& b = *add(QStringLiteral("renamed"), std::move(renamed)).analysis;
        const auto& a = *m_models.at(QStringLiteral("convNet")).analysis;
        auto c = rep::compareModels(a, b);
        QVERIFY(c.has_value());
        QCOMPARE(c->changedCount, std::uint64_t { 0 });
        QVERIFY(c->added.empty() && c->removed.empty());
        bool found = false;
        for (const auto& m : c->matched)
            if (m.nameA == "fc.weight") {
                found = true;
                QCOMPARE(m.nameB, std::string("classifier.w"));
                QCOMPARE(m.matchedBy, std::string("shape+hash"));
            }
        QVERIFY(found);
    }
};

QTEST_GUILESS_MAIN(TestReport)
#include "tst_report.moc"
