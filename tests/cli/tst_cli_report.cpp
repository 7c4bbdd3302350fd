// slimscope-cli report and compare, run as a user would: every report format checked by an independent reader
// (an XML parser for HTML, poppler's pdftotext/pdfinfo/pdftoppm for PDF, Qt's JSON parser), exit codes, and the
// comparison of a model with its int8 copy.
#include "analysis/analysis.h"
#include "clirun.h"
#include "fixtures.h"
#include "modelbuilder.h"
#include "report/reportsections.h"
#include "testenv.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QSet>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QXmlStreamReader>

using namespace slimscope;
using namespace slimscope::testing;

namespace {

bool builtWithoutGui(const Run& run)
{
    return run.code == 1 && run.err.contains("built without the GUI");
}

/// Splits a Markdown table row into its cells ("| a | b |" has two); escaped pipes stay inside cells.
int markdownCells(const QString& line)
{
    int pipes = 0;
    for (qsizetype i = 0; i < line.size(); ++i)
        if (line[i] == QLatin1Char('|') && (i == 0 || line[i - 1] != QLatin1Char('\\')))
            ++pipes;
    return pipes - 1;
}

} // namespace

class TestCliReport : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString m_model;
    QString m_slimmed;
    int m_layers = 0;
    int m_folders = 0;

    QString folder()
    {
        const QString path = m_dir.filePath(QStringLiteral("run%1").arg(++m_folders));
        QDir().mkpath(path);
        return path;
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        QVERIFY2(QFile::exists(QStringLiteral(SLIMSCOPE_CLI)), SLIMSCOPE_CLI);
        fixtures::Fixture conv = fixtures::convNet();
        m_model = m_dir.filePath(QStringLiteral("convnet_fixture.onnx"));
        if (auto saved = conv.builder.save(m_model.toStdString()); !saved)
            QFAIL(saved.error().c_str());
        m_layers = conv.truth.nodeCount;
        m_slimmed = m_dir.filePath(QStringLiteral("convnet_int8.onnx"));
        const Run slim = runCli({ QStringLiteral("slim"), m_model, QStringLiteral("--quantize"), QStringLiteral("int8"),
            QStringLiteral("--min-elements"), QStringLiteral("1"), QStringLiteral("-o"), m_slimmed });
        QVERIFY2(slim.code == 0, qPrintable(describe(slim)));
    }

    void html()
    {
        const QString out = folder() + QStringLiteral("/report.html");
        const Run run = runCli({ QStringLiteral("report"), m_model, QStringLiteral("-o"), out });
        QVERIFY2(run.code == 0, qPrintable(describe(run)));
        const QByteArray text = readFile(out);
        QVERIFY(text.contains("convnet_fixture.onnx"));
        QXmlStreamReader xml(text);
        int images = 0;
        while (!xml.atEnd()) {
            xml.readNext();
            if (!xml.isStartElement())
                continue;
            for (const auto& attribute : xml.attributes()) {
                const QString name = attribute.name().toString();
                const QString value = attribute.value().toString();
                if (name == QLatin1String("src")) {
                    QVERIFY2(value.startsWith(QLatin1String("data:image/png;base64,")), qPrintable(value.left(80)));
                    ++images;
                }
                if (name == QLatin1String("href"))
                    QVERIFY2(value.startsWith(QLatin1Char('#')), qPrintable(value));
            }
        }
        QVERIFY2(
            !xml.hasError(), qPrintable(QStringLiteral("line %1: %2").arg(xml.lineNumber()).arg(xml.errorString())));
        QString withoutNamespace = QString::fromUtf8(text);
        withoutNamespace.remove(QStringLiteral("http://www.w3.org/1999/xhtml"));
        QVERIFY(!withoutNamespace.contains(QLatin1String("http://")));
        QVERIFY(!withoutNamespace.contains(QLatin1String("https://")));
        QVERIFY(!withoutNamespace.contains(QLatin1String("url(")));
        if (!builtWithoutGui(runCli(
                { QStringLiteral("report"), m_model, QStringLiteral("-o"), folder() + QStringLiteral("/r.pdf") })))
            QVERIFY2(images >= 3, "Pareto, dtype and sparsity charts are embedded");
    }

    void pdf()
    {
        const QString dir = folder();
        const QString out = dir + QStringLiteral("/report.pdf");
        const Run run = runCli({ QStringLiteral("report"), m_model, QStringLiteral("-o"), out });
        if (builtWithoutGui(run))
            SLIMSCOPE_SKIP("slimscope-cli was built without the GUI");
        QVERIFY2(run.code == 0, qPrintable(describe(run)));
        if (QStandardPaths::findExecutable(QStringLiteral("pdftotext")).isEmpty())
            SLIMSCOPE_SKIP("poppler-utils (pdftotext, pdfinfo, pdftoppm) are not installed");
        const Run text = runProgram(QStringLiteral("pdftotext"), { out, QStringLiteral("-") });
        QVERIFY2(text.code == 0, qPrintable(describe(text)));
        QVERIFY(text.out.contains("convnet_fixture.onnx"));
        QVERIFY(text.out.contains("Findings"));
        QVERIFY(text.out.contains("conv2"));
        // The PDF renders core's report content, as the HTML does: its sections and its tables' columns.
        const Run html = runCli({ QStringLiteral("report"), m_model, QStringLiteral("--format"), QStringLiteral("html"),
            QStringLiteral("-o"), QStringLiteral("-") });
        QVERIFY2(html.code == 0, qPrintable(describe(html)));
        for (const char* shared :
            { "Top 15 layers by bytes", "Layers", "Findings", "SHA-256", "Params", "sparsity", "MACs" }) {
            QVERIFY2(html.out.contains(shared), shared);
            QVERIFY2(text.out.contains(shared), shared);
        }

        const Run info = runProgram(QStringLiteral("pdfinfo"), { out });
        QVERIFY2(info.code == 0, qPrintable(describe(info)));
        const auto match = QRegularExpression(QStringLiteral("Pages:\\s+(\\d+)")).match(QString::fromUtf8(info.out));
        QVERIFY(match.hasMatch());
        const int pages = match.captured(1).toInt();
        QVERIFY2(pages >= 2 && pages <= 50, qPrintable(QString::number(pages)));

        const Run render = runProgram(QStringLiteral("pdftoppm"),
            { QStringLiteral("-r"), QStringLiteral("40"), QStringLiteral("-png"), out, dir + QStringLiteral("/page") });
        QVERIFY2(render.code == 0, qPrintable(describe(render)));
        const QStringList pngs = QDir(dir).entryList({ QStringLiteral("page*.png") }, QDir::Files, QDir::Name);
        QCOMPARE(pngs.size(), pages);
        for (const QString& png : pngs) {
            const QImage image(dir + QLatin1Char('/') + png);
            QVERIFY2(!image.isNull(), qPrintable(png));
            QSet<QRgb> colours;
            for (int y = 0; y < image.height() && colours.size() < 2; y += 2)
                for (int x = 0; x < image.width() && colours.size() < 2; x += 2)
                    colours.insert(image.pixel(x, y));
            QVERIFY2(colours.size() > 1, qPrintable(png + QStringLiteral(" is blank")));
        }
    }

    // HTML, Markdown and PDF render the same registered sections (core/report/reportsections.cpp): every
    // section title of this model's report is in all three.
    void everyFormatShowsTheRegisteredSections()
    {
        const auto analysis = core::analysis::analyzeFile(m_model.toStdString());
        QVERIFY(analysis.has_value());
        core::report::ReportInput input;
        input.analysis = *analysis;
        QStringList titles;
        for (const auto& section : core::report::detail::reportSections(input, core::report::detail::Medium::Html))
            if (!section.title.empty())
                titles << QString::fromStdString(section.title);
        QVERIFY(titles.size() >= 5);
        const QString dir = folder();
        for (const QString& format : { QStringLiteral("html"), QStringLiteral("md"), QStringLiteral("pdf") }) {
            const QString out = dir + QStringLiteral("/r.") + format;
            const Run run = runCli({ QStringLiteral("report"), m_model, QStringLiteral("-o"), out });
            if (builtWithoutGui(run))
                SLIMSCOPE_SKIP("slimscope-cli was built without the GUI");
            QVERIFY2(run.code == 0, qPrintable(describe(run)));
            QByteArray text = readFile(out);
            if (format == u"pdf") {
                const Run pdf = runProgram(QStringLiteral("pdftotext"), { out, QStringLiteral("-") });
                QVERIFY2(pdf.code == 0, qPrintable(describe(pdf)));
                text = pdf.out;
            }
            for (const QString& title : titles)
                QVERIFY2(text.contains(title.toUtf8()), qPrintable(format + QStringLiteral(": ") + title));
        }
    }

    void markdown()
    {
        const QString dir = folder();
        const QString out = dir + QStringLiteral("/review.md");
        const Run run = runCli({ QStringLiteral("report"), m_model, QStringLiteral("-o"), out });
        QVERIFY2(run.code == 0, qPrintable(describe(run)));
        const QStringList lines = QString::fromUtf8(readFile(out)).split(QLatin1Char('\n'));
        QVERIFY(lines.size() > 10);
        int tableCells = -1;
        int tables = 0;
        for (const QString& line : lines) {
            if (!line.startsWith(QLatin1Char('|'))) {
                tableCells = -1;
                continue;
            }
            const int cells = markdownCells(line);
            if (tableCells < 0) {
                tableCells = cells;
                ++tables;
            }
            QVERIFY2(cells == tableCells, qPrintable(line));
        }
        QVERIFY(tables >= 3);
        const QRegularExpression image(QStringLiteral("!\\[[^\\]]*\\]\\(([^)]+)\\)"));
        int images = 0;
        for (auto it = image.globalMatch(lines.join(QLatin1Char('\n'))); it.hasNext();) {
            const QString file = it.next().captured(1);
            QVERIFY2(!file.contains(QLatin1String("://")), qPrintable(file));
            QVERIFY2(QFileInfo::exists(dir + QLatin1Char('/') + file), qPrintable(file));
            QVERIFY(file.startsWith(QLatin1String("review_")));
            ++images;
        }
        if (!builtWithoutGui(
                runCli({ QStringLiteral("report"), m_model, QStringLiteral("-o"), dir + QStringLiteral("/r.pdf") })))
            QVERIFY(images >= 3);
    }

    void json()
    {
        const QString out = folder() + QStringLiteral("/report.json");
        const Run run = runCli({ QStringLiteral("report"), m_model, QStringLiteral("-o"), out });
        QVERIFY2(run.code == 0, qPrintable(describe(run)));
        QJsonParseError error;
        const QJsonObject root = QJsonDocument::fromJson(readFile(out), &error).object();
        QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(error.errorString()));
        QCOMPARE(root.value(u"schema").toString(), QStringLiteral("slimscope.report/1"));
        QCOMPARE(root.value(u"layers").toArray().size(), m_layers);
        QVERIFY(!root.contains(u"recipe"));
    }

    void csv()
    {
        const QString out = folder() + QStringLiteral("/layers.csv");
        const Run run = runCli({ QStringLiteral("report"), m_model, QStringLiteral("-o"), out });
        QVERIFY2(run.code == 0, qPrintable(describe(run)));
        QStringList lines = QString::fromUtf8(readFile(out)).split(QLatin1Char('\n'));
        while (!lines.isEmpty() && lines.last().trimmed().isEmpty())
            lines.removeLast();
        QCOMPARE(lines.size(), 1 + m_layers);
        QVERIFY(lines.first().contains(QLatin1String("name")));
    }

    void withRecipe()
    {
        const QString dir = folder();
        const QString recipe = dir + QStringLiteral("/recipe.json");
        const Run save = runCli({ QStringLiteral("slim"), m_model, QStringLiteral("--quantize"), QStringLiteral("int8"),
            QStringLiteral("--dry-run"), QStringLiteral("--save-recipe"), recipe });
        QVERIFY2(save.code == 0, qPrintable(describe(save)));
        const QString out = dir + QStringLiteral("/report.json");
        const Run run = runCli(
            { QStringLiteral("report"), m_model, QStringLiteral("--recipe"), recipe, QStringLiteral("-o"), out });
        QVERIFY2(run.code == 0, qPrintable(describe(run)));
        const QJsonObject root = QJsonDocument::fromJson(readFile(out)).object();
        QCOMPARE(root.value(u"recipe").toObject().value(u"schema").toString(), QStringLiteral("slimscope.recipe/1"));
        QVERIFY(QFileInfo::exists(m_model));
        QCOMPARE(QDir(dir).entryList(QDir::Files).size(), 2); // nothing else written: the recipe is applied in memory

        const QString pdf = dir + QStringLiteral("/slimmed.pdf");
        const Run pdfRun = runCli(
            { QStringLiteral("report"), m_model, QStringLiteral("--recipe"), recipe, QStringLiteral("-o"), pdf });
        if (!builtWithoutGui(pdfRun)) {
            QVERIFY2(pdfRun.code == 0, qPrintable(describe(pdfRun)));
            if (!QStandardPaths::findExecutable(QStringLiteral("pdftotext")).isEmpty()) {
                const Run text = runProgram(QStringLiteral("pdftotext"), { pdf, QStringLiteral("-") });
                QVERIFY(text.out.contains("Slimming preview"));
                QVERIFY(text.out.contains("slimscope.recipe/1"));
            }
        }
    }

    // A recipe that upgrades the model's opset (int8 on opset 9) gets its ONNX Runtime check in the report unasked.
    void withRecipeThatUpgradesIsVerified()
    {
        const QString dir = folder();
        fixtures::ModelBuilder b = fixtures::opset9MatMul();
        const QString model = dir + QStringLiteral("/opset9.onnx");
        QVERIFY(b.save(model.toStdString()).has_value());
        const QString recipe = dir + QStringLiteral("/int8.json");
        const Run save = runCli({ QStringLiteral("slim"), model, QStringLiteral("--quantize"), QStringLiteral("int8"),
            QStringLiteral("--min-elements"), QStringLiteral("0"), QStringLiteral("--dry-run"),
            QStringLiteral("--save-recipe"), recipe });
        QVERIFY2(save.code == 0, qPrintable(describe(save)));
        const QString out = dir + QStringLiteral("/report.json");
        const Run run = runCli(
            { QStringLiteral("report"), model, QStringLiteral("--recipe"), recipe, QStringLiteral("-o"), out });
        QVERIFY2(run.code == 0, qPrintable(describe(run)));
        const QByteArray json = readFile(out);
        QVERIFY2(json.contains("upgraded the model from opset 9 to 13"), json.constData());
        const QJsonObject root = QJsonDocument::fromJson(json).object();
        const QJsonArray outputs = root.value(u"verification").toObject().value(u"outputs").toArray();
        QCOMPARE(outputs.size(), 1);
        QVERIFY2(outputs.first().toObject().value(u"cosine").toDouble() >= 0.99, json.constData());
    }

    void reportUsage_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<int>("code");
        QTest::addColumn<QString>("message");
        QTest::newRow("no output") << QStringList { QStringLiteral("MODEL") } << 2
                                   << QStringLiteral("--output is required");
        QTest::newRow("unknown extension")
            << QStringList { QStringLiteral("MODEL"), QStringLiteral("-o"), QStringLiteral("OUT/r.txt") } << 2
            << QStringLiteral("report format");
        QTest::newRow("verify without recipe") << QStringList { QStringLiteral("MODEL"), QStringLiteral("--verify"),
            QStringLiteral("-o"), QStringLiteral("OUT/r.json") }
                                               << 2 << QStringLiteral("--verify needs --recipe");
        QTest::newRow("unknown option") << QStringList { QStringLiteral("MODEL"), QStringLiteral("--colour"),
            QStringLiteral("-o"), QStringLiteral("OUT/r.json") }
                                        << 2 << QStringLiteral("unknown option");
        QTest::newRow("missing model") << QStringList { QStringLiteral("OUT/none.onnx"), QStringLiteral("-o"),
            QStringLiteral("OUT/r.json") }
                                       << 1 << QStringLiteral("none.onnx");
        QTest::newRow("missing recipe") << QStringList { QStringLiteral("MODEL"), QStringLiteral("--recipe"),
            QStringLiteral("OUT/none.json"), QStringLiteral("-o"), QStringLiteral("OUT/r.json") }
                                        << 1 << QStringLiteral("none.json");
    }

    void reportUsage()
    {
        QFETCH(QStringList, args);
        QFETCH(int, code);
        QFETCH(QString, message);
        const QString dir = folder();
        for (QString& arg : args)
            arg.replace(QLatin1String("MODEL"), m_model).replace(QLatin1String("OUT"), dir);
        const Run run = runCli(QStringList { QStringLiteral("report") } + args);
        QVERIFY2(run.code == code, qPrintable(describe(run)));
        QVERIFY2(run.err.contains(message.toUtf8()), run.err);
        QVERIFY(QDir(dir).entryList(QDir::Files).isEmpty());
    }

    void compareSlimmed()
    {
        const Run table = runCli({ QStringLiteral("compare"), m_model, m_slimmed });
        QVERIFY2(table.code == 0, qPrintable(describe(table)));
        for (const char* tensor : { "conv1.weight", "conv2.weight", "fc.weight" })
            QVERIFY2(table.out.contains(tensor), tensor);

        const QString out = folder() + QStringLiteral("/compare.json");
        const Run json = runCli({ QStringLiteral("compare"), m_model, m_slimmed, QStringLiteral("--format"),
            QStringLiteral("json"), QStringLiteral("-o"), out });
        QVERIFY2(json.code == 0, qPrintable(describe(json)));
        QVERIFY(json.out.isEmpty());
        const QJsonObject root = QJsonDocument::fromJson(readFile(out)).object();
        QCOMPARE(root.value(u"schema").toString(), QStringLiteral("slimscope.compare/1"));
        const QByteArray text = readFile(out);
        for (const char* tensor : { "conv1.weight", "conv2.weight", "dwconv.weight", "fc.weight" })
            QVERIFY2(text.contains(tensor), tensor);
        QVERIFY(text.contains("int8"));

        for (const QString& format : { QStringLiteral("html"), QStringLiteral("md") }) {
            const Run run
                = runCli({ QStringLiteral("compare"), m_model, m_slimmed, QStringLiteral("--format"), format });
            QVERIFY2(run.code == 0, qPrintable(describe(run)));
            QVERIFY(run.out.contains("conv1.weight"));
        }
    }

    void compareSame()
    {
        const Run run = runCli(
            { QStringLiteral("compare"), m_model, m_model, QStringLiteral("--format"), QStringLiteral("json") });
        QVERIFY2(run.code == 0, qPrintable(describe(run)));
        const QJsonObject root = QJsonDocument::fromJson(run.out).object();
        QCOMPARE(root.value(u"schema").toString(), QStringLiteral("slimscope.compare/1"));
    }

    void compareUsage_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<int>("code");
        QTest::newRow("one model") << QStringList { QStringLiteral("MODEL") } << 2;
        QTest::newRow("three models") << QStringList { QStringLiteral("MODEL"), QStringLiteral("MODEL"),
            QStringLiteral("MODEL") } << 2;
        QTest::newRow("bad format") << QStringList { QStringLiteral("MODEL"), QStringLiteral("MODEL"),
            QStringLiteral("--format"), QStringLiteral("pdf") }
                                    << 2;
        QTest::newRow("missing second") << QStringList { QStringLiteral("MODEL"), QStringLiteral("OUT/none.onnx") }
                                        << 1;
        QTest::newRow("missing first") << QStringList { QStringLiteral("OUT/none.onnx"), QStringLiteral("MODEL") } << 1;
    }

    void compareUsage()
    {
        QFETCH(QStringList, args);
        QFETCH(int, code);
        const QString dir = folder();
        for (QString& arg : args)
            arg.replace(QLatin1String("MODEL"), m_model).replace(QLatin1String("OUT"), dir);
        const Run run = runCli(QStringList { QStringLiteral("compare") } + args);
        QVERIFY2(run.code == code, qPrintable(describe(run)));
        QVERIFY(!run.err.isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestCliReport)
#include "tst_cli_report.moc"
