// The real slimscope-cli binary, run as a user would: exit codes, every output format checked against the
// fixtures' independently computed truth, and bad models that must end in a message, never in a signal.
#include "clirun.h"
#include "fixtures.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

#include <filesystem>
#include <string>
#include <sys/stat.h>

using namespace slimscope;
using namespace slimscope::testing;
using fixtures::ModelBuilder;

namespace fs = std::filesystem;

namespace {

constexpr int32_t kFloat = onnx::TensorProto::FLOAT;

bool writeBytes(const QString& path, const QByteArray& bytes)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly | QIODevice::Truncate) && file.write(bytes) == bytes.size();
}

/// RFC 4180: fields separated by commas, quoted fields may hold commas, newlines and doubled quotes.
/// Returns no rows when the text is not well-formed CSV.
QList<QStringList> parseCsv(const QString& text)
{
    QList<QStringList> rows;
    QStringList row;
    QString field;
    bool quoted = false;
    bool wasQuoted = false;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text[i];
        if (quoted) {
            if (c == u'"' && i + 1 < text.size() && text[i + 1] == u'"') {
                field += c;
                ++i;
            } else if (c == u'"') {
                quoted = false;
            } else {
                field += c;
            }
        } else if (c == u'"') {
            if (!field.isEmpty() || wasQuoted)
                return {}; // a quote inside an unquoted field
            quoted = wasQuoted = true;
        } else if (c == u',') {
            row << field;
            field.clear();
            wasQuoted = false;
        } else if (c == u'\n' || c == u'\r') {
            if (c == u'\r' && i + 1 < text.size() && text[i + 1] == u'\n')
                ++i;
            row << field;
            rows << row;
            row.clear();
            field.clear();
            wasQuoted = false;
        } else {
            if (wasQuoted)
                return {}; // text after a closing quote
            field += c;
        }
    }
    if (quoted)
        return {};
    if (!row.isEmpty() || !field.isEmpty() || wasQuoted)
        rows << (row << field);
    return rows;
}

/// Columns of a Markdown table row: its unescaped pipes minus one.
int markdownColumns(const QString& line)
{
    int pipes = 0;
    for (qsizetype i = 0; i < line.size(); ++i)
        if (line[i] == u'|' && (i == 0 || line[i - 1] != u'\\'))
            ++pipes;
    return pipes - 1;
}

} // namespace

class TestCli : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString m_linear;
    QString m_conv;
    fixtures::Truth m_linearTruth;
    fixtures::Truth m_convTruth;

    QString path(const QString& name) const { return m_dir.filePath(name); }

    QString save(const QString& name, const ModelBuilder& builder)
    {
        const QString file = path(name + QStringLiteral("/model.onnx"));
        if (auto saved = builder.save(file.toStdString()); !saved)
            qFatal("cannot save fixture: %s", saved.error().c_str());
        return file;
    }

    const fixtures::Truth& truthFor(const QString& model) const
    {
        return model == m_linear ? m_linearTruth : m_convTruth;
    }

    void addFixtureRows()
    {
        QTest::addColumn<QString>("model");
        QTest::newRow("linearChain") << m_linear;
        QTest::newRow("convNet") << m_conv;
    }

    Run analyzeOk(const QStringList& args)
    {
        Run run = runCli(QStringList { QStringLiteral("analyze") } + args);
        if (!run.finished || run.status != QProcess::NormalExit || run.code != 0)
            qWarning("%s", qPrintable(describe(run)));
        return run;
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        QVERIFY2(QFile::exists(QStringLiteral(SLIMSCOPE_CLI)), SLIMSCOPE_CLI);
        fixtures::Fixture linear = fixtures::linearChain();
        fixtures::Fixture conv = fixtures::convNet();
        m_linear = save(QStringLiteral("linear"), linear.builder);
        m_conv = save(QStringLiteral("conv"), conv.builder);
        m_linearTruth = linear.truth;
        m_convTruth = conv.truth;
    }

    void version()
    {
        const Run run = runCli({ QStringLiteral("--version") });
        QVERIFY2(run.finished && run.status == QProcess::NormalExit, qPrintable(describe(run)));
        QCOMPARE(run.code, 0);
        const QString out = QString::fromUtf8(run.out);
        QVERIFY2(QRegularExpression(QStringLiteral("^slimscope-cli \\d+\\.\\d+\\.\\d+")).match(out).hasMatch(),
            qPrintable(out));
    }

    void help_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::newRow("--help") << QStringList { QStringLiteral("--help") };
        QTest::newRow("-h") << QStringList { QStringLiteral("-h") };
        QTest::newRow("analyze --help") << QStringList { QStringLiteral("analyze"), QStringLiteral("--help") };
    }

    void help()
    {
        QFETCH(QStringList, args);
        const Run run = runCli(args);
        QVERIFY2(run.finished && run.status == QProcess::NormalExit, qPrintable(describe(run)));
        QCOMPARE(run.code, 0);
        QVERIFY(run.out.contains("Usage:"));
        QVERIFY(run.out.contains("analyze"));
    }

    void usageErrors_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("needle");
        const QString a = QStringLiteral("analyze");
        QTest::newRow("no arguments") << QStringList {} << QStringLiteral("no command");
        QTest::newRow("unknown command") << QStringList { QStringLiteral("frobnicate") }
                                         << QStringLiteral("frobnicate");
        QTest::newRow("unknown global option")
            << QStringList { QStringLiteral("--bogus") } << QStringLiteral("--bogus");
        QTest::newRow("unknown option") << QStringList { a, m_linear, QStringLiteral("--bogus") }
                                        << QStringLiteral("--bogus");
        QTest::newRow("bad format") << QStringList { a, m_linear, QStringLiteral("--format"), QStringLiteral("xml") }
                                    << QStringLiteral("xml");
        QTest::newRow("bad format=") << QStringList { a, m_linear, QStringLiteral("--format=yaml") }
                                     << QStringLiteral("yaml");
        QTest::newRow("format without value")
            << QStringList { a, m_linear, QStringLiteral("--format") } << QStringLiteral("--format");
        QTest::newRow("bad rows") << QStringList { a, m_linear, QStringLiteral("--format"), QStringLiteral("csv"),
            QStringLiteral("--rows"), QStringLiteral("columns") }
                                  << QStringLiteral("columns");
        QTest::newRow("-o without value") << QStringList { a, m_linear, QStringLiteral("-o") } << QStringLiteral("-o");
        QTest::newRow("analyze without model") << QStringList { a } << QStringLiteral("MODEL");
        QTest::newRow("two models") << QStringList { a, m_linear, m_conv } << m_conv;
    }

    void usageErrors()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, needle);
        const Run run = runCli(args);
        QVERIFY2(run.finished && run.status == QProcess::NormalExit, qPrintable(describe(run)));
        QCOMPARE(run.code, 2);
        QVERIFY2(run.out.isEmpty(), run.out.constData());
        const QString err = QString::fromUtf8(run.err);
        QVERIFY2(err.startsWith(QStringLiteral("slimscope-cli: ")), qPrintable(err));
        QVERIFY2(err.contains(needle), qPrintable(err));
    }

    void everyFormat_data()
    {
        QTest::addColumn<QString>("model");
        QTest::addColumn<QString>("format");
        for (const QString& format :
            { QStringLiteral("table"), QStringLiteral("json"), QStringLiteral("csv"), QStringLiteral("markdown") }) {
            QTest::addRow("linearChain %s", qPrintable(format)) << m_linear << format;
            QTest::addRow("convNet %s", qPrintable(format)) << m_conv << format;
        }
    }

    void everyFormat()
    {
        QFETCH(QString, model);
        QFETCH(QString, format);
        const Run run = analyzeOk({ model, QStringLiteral("--format"), format });
        QVERIFY2(run.finished && run.status == QProcess::NormalExit && run.code == 0, qPrintable(describe(run)));
        QVERIFY(!run.out.isEmpty());
        // The parameter count, exactly, appears in every summary (CSV rows add up to it; see csv()).
        if (format != QStringLiteral("csv"))
            QVERIFY2(run.out.contains(QByteArray::number(truthFor(model).totalParams)), run.out.left(2000).constData());
    }

    void table_data() { addFixtureRows(); }

    void table()
    {
        QFETCH(QString, model);
        const Run run = analyzeOk({ model });
        QCOMPARE(run.code, 0);
        const QString out = QString::fromUtf8(run.out);
        QVERIFY2(out.contains(model), qPrintable(out));
        QVERIFY2(out.contains(QStringLiteral("(%1)").arg(truthFor(model).totalParams)), qPrintable(out));
        QVERIFY(out.contains(QStringLiteral("SHA-256")));
        const Run noHash = analyzeOk({ model, QStringLiteral("--no-hash") });
        QCOMPARE(noHash.code, 0);
        QVERIFY(!noHash.out.contains("SHA-256"));
    }

    void json_data() { addFixtureRows(); }

    void json()
    {
        QFETCH(QString, model);
        const fixtures::Truth& truth = truthFor(model);
        const Run run = analyzeOk({ model, QStringLiteral("--format"), QStringLiteral("json") });
        QCOMPARE(run.code, 0);
        QJsonParseError error;
        const QJsonDocument doc = QJsonDocument::fromJson(run.out, &error);
        QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(error.errorString()));
        QVERIFY(doc.isObject());
        const QJsonObject root = doc.object();
        QCOMPARE(root.value(QStringLiteral("schema")).toString(), QStringLiteral("slimscope.analysis/1"));
        const QJsonObject m = root.value(QStringLiteral("model")).toObject();
        QCOMPARE(m.value(QStringLiteral("path")).toString(), model);
        QCOMPARE(m.value(QStringLiteral("params")).toInteger(-1), truth.totalParams);
        QCOMPARE(m.value(QStringLiteral("weight_bytes")).toInteger(-1), truth.totalWeightBytes);
        QCOMPARE(m.value(QStringLiteral("ir_version")).toInteger(-1), truth.irVersion);
        QCOMPARE(m.value(QStringLiteral("sha256")).toString().size(), 64);
        const QJsonArray tensors = root.value(QStringLiteral("tensors")).toArray();
        QCOMPARE(tensors.size(), qsizetype(truth.tensors.size()));
        for (const QJsonValue& t : tensors) {
            const auto name = t.toObject().value(QStringLiteral("name")).toString().toStdString();
            QVERIFY2(truth.tensors.contains(name), name.c_str());
            QCOMPARE(t.toObject().value(QStringLiteral("stored_elements")).toInteger(-1),
                truth.tensors.at(name).storedValues);
        }
    }

    void csv_data()
    {
        QTest::addColumn<QString>("model");
        QTest::addColumn<QString>("rows");
        QTest::addColumn<int>("expectedRows"); // -1: not known from the truth
        QTest::addColumn<QString>("firstColumn");
        QTest::newRow("linearChain tensors")
            << m_linear << QStringLiteral("tensors") << int(m_linearTruth.tensors.size()) << QStringLiteral("name");
        QTest::newRow("convNet tensors") << m_conv << QStringLiteral("tensors") << int(m_convTruth.tensors.size())
                                         << QStringLiteral("name");
        QTest::newRow("linearChain layers")
            << m_linear << QStringLiteral("layers") << m_linearTruth.nodeCount << QStringLiteral("name");
        QTest::newRow("convNet layers") << m_conv << QStringLiteral("layers") << m_convTruth.nodeCount
                                        << QStringLiteral("name");
        QTest::newRow("convNet findings") << m_conv << QStringLiteral("findings") << -1 << QStringLiteral("kind");
    }

    void csv()
    {
        QFETCH(QString, model);
        QFETCH(QString, rows);
        QFETCH(int, expectedRows);
        QFETCH(QString, firstColumn);
        const Run run
            = analyzeOk({ model, QStringLiteral("--format"), QStringLiteral("csv"), QStringLiteral("--rows"), rows });
        QCOMPARE(run.code, 0);
        const QList<QStringList> table = parseCsv(QString::fromUtf8(run.out));
        QVERIFY2(!table.isEmpty(), "not well-formed CSV");
        const QStringList header = table.first();
        QCOMPARE(header.first(), firstColumn);
        for (qsizetype i = 1; i < table.size(); ++i)
            QVERIFY2(table[i].size() == header.size(),
                qPrintable(QStringLiteral("row %1 has %2 fields, header %3: %4")
                               .arg(i)
                               .arg(table[i].size())
                               .arg(header.size())
                               .arg(table[i].join(u'|'))));
        if (expectedRows >= 0)
            QCOMPARE(table.size() - 1, qsizetype(expectedRows));
        if (rows == QStringLiteral("tensors")) {
            const fixtures::Truth& truth = truthFor(model);
            const qsizetype shapeColumn = header.indexOf(QStringLiteral("shape"));
            const qsizetype storedColumn = header.indexOf(QStringLiteral("stored_elements"));
            QVERIFY(shapeColumn > 0 && storedColumn > 0);
            qint64 params = 0;
            for (qsizetype i = 1; i < table.size(); ++i) {
                const auto name = table[i].first().toStdString();
                QVERIFY2(truth.tensors.contains(name), name.c_str());
                QStringList dims;
                for (const int64_t d : truth.tensors.at(name).dims)
                    dims << QString::number(d);
                // The shape holds commas, so it only survives as one field if quoted correctly.
                QVERIFY2(table[i][shapeColumn].contains(dims.join(u',')), qPrintable(table[i][shapeColumn]));
                params += table[i][storedColumn].toLongLong();
            }
            QCOMPARE(params, truth.totalParams);
        }
    }

    void markdown_data() { addFixtureRows(); }

    void markdown()
    {
        QFETCH(QString, model);
        const Run run = analyzeOk({ model, QStringLiteral("--format"), QStringLiteral("markdown") });
        QCOMPARE(run.code, 0);
        const QStringList lines = QString::fromUtf8(run.out).split(u'\n');
        const QRegularExpression separator(QStringLiteral("^\\|(\\s*:?-+:?\\s*\\|)+\\s*$"));
        int tables = 0;
        for (qsizetype i = 0; i < lines.size(); ++i) {
            if (!lines[i].startsWith(u'|'))
                continue;
            ++tables;
            const int columns = markdownColumns(lines[i]);
            QVERIFY2(columns >= 2, qPrintable(lines[i]));
            QVERIFY2(i + 1 < lines.size() && separator.match(lines[i + 1]).hasMatch(), qPrintable(lines[i]));
            for (; i < lines.size() && lines[i].startsWith(u'|'); ++i)
                QVERIFY2(markdownColumns(lines[i]) == columns,
                    qPrintable(QStringLiteral("%1 columns, header has %2: %3")
                                   .arg(markdownColumns(lines[i]))
                                   .arg(columns)
                                   .arg(lines[i])));
        }
        QVERIFY2(tables >= 4, qPrintable(QString::number(tables)));
    }

    void outputFile_data()
    {
        QTest::addColumn<QString>("format");
        QTest::newRow("json") << QStringLiteral("json");
        QTest::newRow("csv") << QStringLiteral("csv");
        QTest::newRow("markdown") << QStringLiteral("markdown");
        QTest::newRow("table") << QStringLiteral("table");
    }

    void outputFile()
    {
        QFETCH(QString, format);
        const QString file = path(QStringLiteral("report.") + format);
        const Run toFile = analyzeOk({ m_conv, QStringLiteral("--format"), format, QStringLiteral("-o"), file });
        QCOMPARE(toFile.code, 0);
        QVERIFY2(toFile.out.isEmpty(), toFile.out.left(500).constData());
        QFile written(file);
        QVERIFY(written.open(QIODevice::ReadOnly));
        const QByteArray contents = written.readAll();
        const Run toStdout = analyzeOk({ m_conv, QStringLiteral("--format"), format });
        QCOMPARE(contents, toStdout.out);
        // --output is the long spelling; it replaces an existing file.
        const Run again = analyzeOk({ m_linear, QStringLiteral("--format"), format, QStringLiteral("--output"), file });
        QCOMPARE(again.code, 0);
        QVERIFY(again.out.isEmpty());
        QFile rewritten(file);
        QVERIFY(rewritten.open(QIODevice::ReadOnly));
        QCOMPARE(rewritten.readAll(), analyzeOk({ m_linear, QStringLiteral("--format"), format }).out);
    }

    void outputIntoMissingFolder()
    {
        const QString file = path(QStringLiteral("no/such/folder/report.json"));
        const Run run = runCli({ QStringLiteral("analyze"), m_linear, QStringLiteral("-o"), file });
        QVERIFY2(run.finished && run.status == QProcess::NormalExit, qPrintable(describe(run)));
        QCOMPARE(run.code, 1);
        const QString err = QString::fromUtf8(run.err);
        QVERIFY2(err.startsWith(QStringLiteral("slimscope-cli: error: ") + file), qPrintable(err));
        QVERIFY(!QFile::exists(file));
    }

    void badModel_data()
    {
        QTest::addColumn<QString>("model");
        QTest::addColumn<QString>("needle");
        QTest::newRow("missing") << path(QStringLiteral("missing.onnx")) << QStringLiteral("No such file");
        QDir(m_dir.path()).mkdir(QStringLiteral("folder.onnx"));
        QTest::newRow("directory") << path(QStringLiteral("folder.onnx")) << QStringLiteral("directory");
        QTest::newRow("character device") << QStringLiteral("/dev/null") << QStringLiteral("not a regular file");
        writeBytes(path(QStringLiteral("empty.onnx")), {});
        QTest::newRow("empty") << path(QStringLiteral("empty.onnx")) << QStringLiteral("empty");
        fixtures::Lcg rng(7);
        QByteArray random(4096, '\0');
        for (char& c : random)
            c = static_cast<char>(rng.nextU32() >> 24);
        writeBytes(path(QStringLiteral("random.onnx")), random);
        QTest::newRow("random bytes") << path(QStringLiteral("random.onnx")) << QString();
        const QByteArray valid = QByteArray::fromStdString(fixtures::convNet().builder.serialize());
        writeBytes(path(QStringLiteral("truncated.onnx")), valid.first(valid.size() / 2));
        QTest::newRow("truncated") << path(QStringLiteral("truncated.onnx")) << QString();
        {
            QFile huge(path(QStringLiteral("huge.onnx")));
            QVERIFY(huge.open(QIODevice::WriteOnly) && huge.resize((qint64 { 1 } << 31) + 1));
        }
        QTest::newRow("over 2 GiB") << path(QStringLiteral("huge.onnx")) << QStringLiteral("external data");

        ModelBuilder dtype;
        dtype.addInitializer("w", 99, { 4 }, std::vector<std::byte>(16));
        QTest::newRow("unknown dtype") << save(QStringLiteral("dtype"), dtype) << QStringLiteral("99");
        ModelBuilder traversal;
        auto& w = traversal.addFloatInitializer("w", { 4 }, { 1.f, 2.f, 3.f, 4.f });
        traversal.makeExternal(w, "w.bin");
        for (auto& entry : *w.mutable_external_data())
            if (entry.key() == "location")
                entry.set_value("../../etc/passwd");
        QTest::newRow("external ../") << save(QStringLiteral("traversal"), traversal) << QStringLiteral("..");
        ModelBuilder missing;
        missing.makeExternal(missing.addFloatInitializer("w", { 4 }, { 1.f, 2.f, 3.f, 4.f }), "gone.bin");
        const QString missingModel = save(QStringLiteral("gone"), missing);
        QFile::remove(path(QStringLiteral("gone/gone.bin")));
        QTest::newRow("external file missing") << missingModel << QStringLiteral("gone.bin");

        ModelBuilder nested;
        onnx::GraphProto* graph = &nested.graph();
        for (int level = 0; level < 1000; ++level) {
            auto& node = nested.addNode(*graph, "If", { "cond" }, { "y" });
            graph = &ModelBuilder::addAttrGraph(node, "then_branch", "then" + std::to_string(level));
        }
        QTest::newRow("nested 1000 deep") << save(QStringLiteral("nested"), nested) << QStringLiteral("nested");
    }

    void badModel()
    {
        QFETCH(QString, model);
        QFETCH(QString, needle);
        for (const QString& format : { QStringLiteral("table"), QStringLiteral("json") }) {
            const Run run = runCli({ QStringLiteral("analyze"), model, QStringLiteral("--format"), format });
            QVERIFY2(run.finished && run.status == QProcess::NormalExit, qPrintable(describe(run)));
            QCOMPARE(run.code, 1);
            QVERIFY2(run.out.isEmpty(), run.out.left(500).constData());
            const QString err = QString::fromUtf8(run.err);
            QVERIFY2(err.startsWith(QStringLiteral("slimscope-cli: error: ") + model + QStringLiteral(": ")),
                qPrintable(err));
            QVERIFY2(err.contains(needle), qPrintable(err));
            QVERIFY2(err.endsWith(u'\n') && err.count(u'\n') == 1, qPrintable(err));
        }
    }

    // A FIFO must be refused at once; waiting for a writer would hang the CLI (and any script calling it).
    void namedPipe()
    {
        const QString file = path(QStringLiteral("pipe.onnx"));
        QCOMPARE(::mkfifo(QFile::encodeName(file).constData(), 0600), 0);
        const Run run = runCli({ QStringLiteral("analyze"), file }, 10000);
        QVERIFY2(run.finished, "slimscope-cli analyze on a named pipe did not finish within 10 s (killed)");
        QVERIFY2(run.status == QProcess::NormalExit, qPrintable(describe(run)));
        QCOMPARE(run.code, 1);
        QVERIFY2(run.err.startsWith("slimscope-cli: error: " + file.toUtf8() + ": "), run.err.constData());
    }

    // Damaged copies of a valid model through the whole CLI: exit 0 or 1, never a signal.
    void damagedModelsNeverCrash()
    {
        const QByteArray valid = QByteArray::fromStdString(fixtures::linearChain().builder.serialize());
        const QString file = path(QStringLiteral("damaged.onnx"));
        fixtures::Lcg rng(3);
        for (int round = 0; round < 40; ++round) {
            QByteArray bytes = valid;
            if (round % 2)
                bytes.truncate(1 + rng.below(static_cast<uint32_t>(valid.size() - 1)));
            else
                for (int i = 0; i < 3; ++i)
                    bytes[rng.below(static_cast<uint32_t>(bytes.size()))] = static_cast<char>(rng.nextU32() >> 24);
            QVERIFY(writeBytes(file, bytes));
            const Run run = runCli({ QStringLiteral("analyze"), file, QStringLiteral("--format"),
                QStringLiteral("json"), QStringLiteral("--no-hash") });
            QVERIFY2(run.finished && run.status == QProcess::NormalExit,
                qPrintable(QStringLiteral("round %1: %2").arg(round).arg(describe(run))));
            QVERIFY2(run.code == 0 || run.code == 1, qPrintable(describe(run)));
            if (run.code == 1)
                QVERIFY2(run.err.startsWith("slimscope-cli: error: " + file.toUtf8()), run.err.constData());
            else
                QVERIFY(QJsonDocument::fromJson(run.out).isObject());
        }
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
