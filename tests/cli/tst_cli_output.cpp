// Every command's outputs, run through the real slimscope-cli as a user would: /dev/null stays a device, a FIFO's
// reader gets the bytes, `-o -` is standard output, links are kept, an input is never overwritten, and a full
// disk leaves nothing behind. Exit status as docs/cli.md's table says.
#include "clirun.h"
#include "fiforeader.h"
#include "fixtures.h"
#include "testenv.h"

#include <QCryptographicHash>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>
#include <string_view>
#include <sys/stat.h>
#include <thread>

using namespace slimscope;
using namespace slimscope::testing;
using slimscope::fixtures::readFifoInBackground;

namespace {

QByteArray sha256(const QString& path)
{
    return QCryptographicHash::hash(readFile(path), QCryptographicHash::Sha256);
}

bool isJsonObject(const QByteArray& text)
{
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(text, &error);
    return error.error == QJsonParseError::NoError && doc.isObject() && !doc.object().isEmpty();
}

struct stat statOf(const QString& path)
{
    struct stat info { };
    ::stat(path.toLocal8Bit().constData(), &info);
    return info;
}

} // namespace

class TestCliOutput : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    QString m_model;
    QString m_slimmed;
    QString m_recipe;
    int m_folders = 0;

    QString folder()
    {
        const QString path = m_dir.filePath(QStringLiteral("run%1").arg(++m_folders));
        QDir().mkpath(path);
        return path;
    }

    /// The command line of each command that writes one document, writing to OUT.
    static QStringList command(
        const QString& which, const QString& model, const QString& slimmed, const QString& recipe, const QString& out)
    {
        if (which == u"analyze")
            return { "analyze", model, "--format", "json", "--no-hash", "-o", out };
        if (which == u"compare")
            return { "compare", model, slimmed, "--format", "json", "-o", out };
        if (which == u"slim")
            return { "slim", model, "--recipe", recipe, "-o", out };
        if (which == u"save-recipe")
            return { "slim", model, "--dry-run", "--cleanup", "--save-recipe", out };
        if (which == u"report-json")
            return { "report", model, "--recipe", recipe, "--format", "json", "-o", out };
        if (which == u"report-pdf")
            return { "report", model, "--format", "pdf", "-o", out };
        if (which == u"report-md")
            return { "report", model, "--format", "md", "-o", out };
        if (which == u"verify")
            return { "verify", model, slimmed, "--runs", "1", "--format", "json", "-o", out };
        return {};
    }

    QStringList command(const QString& which, const QString& out) const
    {
        return command(which, m_model, m_slimmed, m_recipe, out);
    }

    static void addCommandRows()
    {
        QTest::addColumn<QString>("which");
        for (const char* which :
            { "analyze", "compare", "slim", "save-recipe", "report-json", "report-pdf", "report-md", "verify" }) {
            // A CLI built without the GUI's chart widgets (the sanitizer build) writes no PDF reports at all.
            if (!SLIMSCOPE_CLI_WRITES_PDF && which == std::string_view("report-pdf"))
                continue;
            QTest::newRow(which) << QString::fromLatin1(which);
        }
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        const QString models = m_dir.filePath(QStringLiteral("models"));
        QDir().mkpath(models);
        m_model = models + QStringLiteral("/model.onnx");
        const auto saved = fixtures::bloated().builder.save(m_model.toStdString());
        QVERIFY2(saved.has_value(), saved ? "" : saved.error().c_str());
        m_recipe = models + QStringLiteral("/recipe.json");
        m_slimmed = models + QStringLiteral("/slimmed.onnx");
        const Run made = runCli(
            { "slim", m_model, "--cleanup", "--quantize", "fp16", "-o", m_slimmed, "--save-recipe", m_recipe });
        QVERIFY2(made.code == 0, qPrintable(describe(made)));
    }

    // As root, an atomic rename over /dev/null once replaced the device with a regular file.
    void devNullStaysADevice_data() { addCommandRows(); }
    void devNullStaysADevice()
    {
        QFETCH(QString, which);
        const struct stat before = statOf(QStringLiteral("/dev/null"));
        const Run run = runCli(command(which, QStringLiteral("/dev/null")));
        QVERIFY2(run.finished && run.code == 0, qPrintable(describe(run)));
        const struct stat after = statOf(QStringLiteral("/dev/null"));
        QVERIFY2(S_ISCHR(after.st_mode), "/dev/null is no longer a character device");
        QCOMPARE(after.st_rdev, before.st_rdev);
        QCOMPARE(after.st_ino, before.st_ino);
    }

    // A FIFO's reader receives exactly what a regular file would hold.
    void fifoReaderGetsTheBytes_data() { addCommandRows(); }
    void fifoReaderGetsTheBytes()
    {
        QFETCH(QString, which);
        if (which == u"report-pdf" || which == u"verify")
            return; // timestamps (PDF creation date, latency) differ between two runs; /dev/null covers them
        const QString dir = folder();
        const QString fifo = dir + QStringLiteral("/pipe");
        QCOMPARE(::mkfifo(fifo.toLocal8Bit().constData(), 0600), 0);
        auto reader = readFifoInBackground(fifo.toStdString());
        const Run run = runCli(command(which, fifo), 60000);
        QVERIFY2(run.finished && run.code == 0, qPrintable(describe(run)));
        QVERIFY2(
            reader.wait_for(std::chrono::seconds(20)) == std::future_status::ready, "the FIFO's reader got no end");
        const QByteArray received = QByteArray::fromStdString(reader.get());
        QVERIFY(S_ISFIFO(statOf(fifo).st_mode));
        const QString file = dir + (which == u"report-md" ? QStringLiteral("/file.md") : QStringLiteral("/file"));
        const Run toFile = runCli(command(which, file));
        QVERIFY2(toFile.code == 0, qPrintable(describe(toFile)));
        const QByteArray expected = readFile(file);
        if (which == u"report-json") { // the generation time differs between two runs: compare the structure
            QVERIFY(isJsonObject(received));
            QCOMPARE(
                QJsonDocument::fromJson(received).object().keys(), QJsonDocument::fromJson(expected).object().keys());
        } else if (which == u"report-md") {
            QVERIFY2(received.startsWith("# Slimscope report"), received.left(200).constData());
            QVERIFY(!received.contains(".png")); // a stream has no folder for the pictures; no dangling links
        } else {
            QCOMPARE(received.size(), expected.size());
            QVERIFY(received == expected);
        }
    }

    void standardOutput_data() { addCommandRows(); }
    void standardOutput()
    {
        QFETCH(QString, which);
        const QString dir = folder();
        const Run run = runCli(command(which, QStringLiteral("-")));
        QVERIFY2(run.finished && run.code == 0, qPrintable(describe(run)));
        QVERIFY2(!QFile::exists(dir + QStringLiteral("/-")) && !QFile::exists(QStringLiteral("-")),
            "wrote a file named '-'");
        if (which == u"slim") {
            // The model on standard output, the summary on standard error; the bytes are those of a file export.
            const QString file = dir + QStringLiteral("/model.onnx");
            const Run toFile = runCli(command(which, file));
            QVERIFY2(toFile.code == 0, qPrintable(describe(toFile)));
            QCOMPARE(run.out.size(), readFile(file).size());
            QVERIFY(run.out == readFile(file));
            QVERIFY2(
                run.err.contains("Written      standard output: ") && run.err.contains("Steps"), run.err.constData());
        } else if (which == u"report-pdf") {
            QVERIFY(run.out.startsWith("%PDF-"));
            QVERIFY(run.out.trimmed().endsWith("%%EOF"));
        } else if (which == u"report-md") {
            QVERIFY(run.out.startsWith("# Slimscope report"));
        } else {
            QVERIFY2(isJsonObject(run.out), run.out.left(300).constData());
        }
        const QStringList expected = which == u"slim" ? QStringList { QStringLiteral("model.onnx") } : QStringList {};
        QCOMPARE(entries(dir), expected);
    }

    void refusedCombinations_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("needle");
        const QString dev = QStringLiteral("/dev/null");
        QTest::newRow("slim -o - --format json") << QStringList { "slim", "M", "--cleanup", "-o", "-", "--format",
            "json" } << QStringLiteral("standard output");
        QTest::newRow("slim -o - --save-recipe -")
            << QStringList { "slim", "M", "--cleanup", "-o", "-", "--save-recipe", "-" } << QStringLiteral("both");
        QTest::newRow("slim -o - --external-data")
            << QStringList { "slim", "M", "--cleanup", "-o", "-", "--external-data" } << QStringLiteral("regular file");
        QTest::newRow("slim -o /dev/null --external-data")
            << QStringList { "slim", "M", "--cleanup", "-o", dev, "--external-data" } << QStringLiteral("regular file");
        QTest::newRow("slim -o /dev/null --verify")
            << QStringList { "slim", "M", "--cleanup", "-o", dev, "--verify" } << QStringLiteral("regular file");
        QTest::newRow("slim -o X --save-recipe X") << QStringList { "slim", "M", "--cleanup", "-o", "OUT",
            "--save-recipe", "OUT" } << QStringLiteral("same file");
        QTest::newRow("report -o - without --format")
            << QStringList { "report", "M", "-o", "-" } << QStringLiteral("needs --format");
    }

    void refusedCombinations()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, needle);
        const QString dir = folder();
        args.replaceInStrings(QRegularExpression(QStringLiteral("^M$")), m_model);
        args.replaceInStrings(QRegularExpression(QStringLiteral("^OUT$")), dir + QStringLiteral("/out.onnx"));
        const Run run = runCli(args);
        QVERIFY2(run.finished && run.code == 2, qPrintable(describe(run)));
        QVERIFY2(run.err.contains(needle.toUtf8()), run.err.constData());
        QVERIFY(run.out.isEmpty());
        QVERIFY(entries(dir).isEmpty());
    }

    // The input given as output, by any name, is refused with status 2 and keeps its bytes.
    void inputIsNeverOverwritten_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("victim");
        QTest::newRow("analyze -o MODEL")
            << QStringList { "analyze", "MODEL", "-o", "MODEL" } << QStringLiteral("MODEL");
        QTest::newRow("analyze -o hard link")
            << QStringList { "analyze", "MODEL", "-o", "HARD" } << QStringLiteral("MODEL");
        QTest::newRow("compare -o B") << QStringList { "compare", "MODEL", "SLIMMED", "-o", "SLIMMED" }
                                      << QStringLiteral("SLIMMED");
        QTest::newRow("slim -o MODEL") << QStringList { "slim", "MODEL", "--cleanup", "-o", "MODEL" }
                                       << QStringLiteral("MODEL");
        QTest::newRow("slim -o symlink to MODEL")
            << QStringList { "slim", "MODEL", "--cleanup", "-o", "LINK" } << QStringLiteral("MODEL");
        QTest::newRow("slim -o ./MODEL --external-data") << QStringList { "slim", "MODEL", "--cleanup",
            "--external-data", "-o", "DOTTED" } << QStringLiteral("MODEL");
        QTest::newRow("slim --external-data whose OUT.data is the input") << QStringList { "slim", "DATAVICTIM",
            "--cleanup", "--external-data", "-o", "DATAOUT" } << QStringLiteral("DATAVICTIM");
        QTest::newRow("slim --save-recipe RECIPE") << QStringList { "slim", "MODEL", "--recipe", "RECIPE", "--dry-run",
            "--save-recipe", "RECIPE" } << QStringLiteral("RECIPE");
        QTest::newRow("report -o MODEL") << QStringList { "report", "MODEL", "--format", "json", "-o", "MODEL" }
                                         << QStringLiteral("MODEL");
        QTest::newRow("report -o RECIPE")
            << QStringList { "report", "MODEL", "--recipe", "RECIPE", "-o", "RECIPE" } << QStringLiteral("RECIPE");
        QTest::newRow("verify -o SLIMMED") << QStringList { "verify", "MODEL", "SLIMMED", "--format", "json", "-o",
            "SLIMMED" } << QStringLiteral("SLIMMED");
    }

    void inputIsNeverOverwritten()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, victim);
        const QString dir = folder();
        const QString model = dir + QStringLiteral("/model.onnx");
        const QString slimmed = dir + QStringLiteral("/slimmed.onnx");
        const QString recipe = dir + QStringLiteral("/recipe.json");
        QVERIFY(QFile::copy(m_model, model) && QFile::copy(m_slimmed, slimmed) && QFile::copy(m_recipe, recipe));
        QVERIFY(QFile::link(model, dir + QStringLiteral("/link.onnx")));
        QVERIFY(QFile::copy(m_model, dir + QStringLiteral("/out.onnx.data"))); // a model named like a data file
        QCOMPARE(
            ::link(model.toLocal8Bit().constData(), (dir + QStringLiteral("/hard.onnx")).toLocal8Bit().constData()), 0);
        const QMap<QString, QString> names { { "MODEL", model }, { "SLIMMED", slimmed }, { "RECIPE", recipe },
            { "LINK", dir + QStringLiteral("/link.onnx") }, { "HARD", dir + QStringLiteral("/hard.onnx") },
            { "DOTTED", dir + QStringLiteral("/./model.onnx") },
            { "DATAVICTIM", dir + QStringLiteral("/out.onnx.data") },
            { "DATAOUT", dir + QStringLiteral("/out.onnx") } };
        for (QString& arg : args)
            arg = names.value(arg, arg);
        const QString victimPath = names.value(victim);
        const QByteArray hashBefore = sha256(victimPath);
        const QDateTime modified = QFileInfo(victimPath).lastModified();
        const QStringList listingBefore = entries(dir);

        const Run run = runCli(args);
        QVERIFY2(run.finished && run.code == 2, qPrintable(describe(run)));
        QVERIFY2(run.err.contains("refusing to overwrite"), run.err.constData());
        QCOMPARE(sha256(victimPath), hashBefore);
        QCOMPARE(QFileInfo(victimPath).lastModified(), modified);
        QCOMPARE(entries(dir), listingBefore);
    }

    void symlinkOutputKeepsTheLink()
    {
        const QString dir = folder();
        QDir().mkpath(dir + QStringLiteral("/releases"));
        const QString real = dir + QStringLiteral("/releases/model-v2.onnx");
        QVERIFY(QFile::copy(m_slimmed, real)); // an older export the link points at
        const QString link = dir + QStringLiteral("/current.onnx");
        QVERIFY(QFile::link(QStringLiteral("releases/model-v2.onnx"), link));
        const Run run = runCli({ "slim", m_model, "--quantize", "int8", "-o", link });
        QVERIFY2(run.code == 0, qPrintable(describe(run)));
        QVERIFY(QFileInfo(link).isSymLink());
        QCOMPARE(QFileInfo(link).symLinkTarget(), QFileInfo(real).absoluteFilePath());
        QVERIFY(readFile(real) != readFile(m_slimmed));
        const Run analysed = runCli({ "analyze", link, "--format", "json", "--no-hash" });
        QVERIFY2(analysed.code == 0 && analysed.out.contains("DequantizeLinear"), qPrintable(describe(analysed)));
        QCOMPARE(entries(dir + QStringLiteral("/releases")), QStringList { QStringLiteral("model-v2.onnx") });
    }

    // A real full disk: a 64 KiB tmpfs in a private mount namespace (it vanishes with the command).
    void fullDiskLeavesNothing_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::newRow("slim") << QStringList { "slim", "MODEL", "--cleanup", "-o", "OUT" };
        QTest::newRow("slim --external-data")
            << QStringList { "slim", "MODEL", "--cleanup", "--external-data", "-o", "OUT" };
        // Without the GUI's charts (the sanitizer build) the report is smaller than the 64 KiB disk.
        if (SLIMSCOPE_CLI_WRITES_PDF)
            QTest::newRow("report") << QStringList { "report", "MODEL", "--format", "html", "-o", "OUT" };
    }

    void fullDiskLeavesNothing()
    {
        QFETCH(QStringList, args);
        const QString dir = folder();
        const QString small = dir + QStringLiteral("/small");
        QDir().mkpath(small);
        for (QString& arg : args)
            arg = arg == u"MODEL" ? m_model : arg == u"OUT" ? small + QStringLiteral("/out") : arg;
        const QString script = QStringLiteral(
            "mount -t tmpfs -o size=64k tmpfs \"$1\" || exit 99; shift; \"$@\"; echo \"status=$?\"; ls -A \"$0\"");
        const Run run = runProgram(QStringLiteral("unshare"),
            QStringList { "-m", "sh", "-c", script, small, small, QStringLiteral(SLIMSCOPE_CLI) } + args);
        if (run.code == 99 || !run.finished || run.err.contains("unshare:")) {
            SLIMSCOPE_SKIP("cannot mount a tmpfs in a private mount namespace (needs root): " + run.err.left(300));
        }
        QVERIFY2(run.out.contains("status=1\n"), qPrintable(describe(run) + QString::fromUtf8(run.out)));
        QVERIFY2(run.out.endsWith("status=1\n"), run.out.constData()); // ls printed nothing: the folder is empty
        QVERIFY2(run.err.contains("No space left on device"), run.err.constData());
        QVERIFY2(run.err.contains("nothing was written"), run.err.constData());
    }

    void unwritableOutputs_data()
    {
        QTest::addColumn<QString>("which");
        QTest::addColumn<QString>("out");
        QTest::addColumn<QString>("needle");
        for (const char* which : { "analyze", "slim", "report-json", "compare" }) {
            QTest::addRow("%s into a missing folder", which) << QString::fromLatin1(
                which) << QStringLiteral("DIR/none/out") << QStringLiteral("/none' does not exist");
            QTest::addRow("%s onto /dev/full", which) << QString::fromLatin1(which) << QStringLiteral("/dev/full")
                                                      << QStringLiteral("No space left on device");
            QTest::addRow("%s onto a folder", which)
                << QString::fromLatin1(which) << QStringLiteral("DIR") << QStringLiteral("is a folder");
        }
    }

    void unwritableOutputs()
    {
        QFETCH(QString, which);
        QFETCH(QString, out);
        QFETCH(QString, needle);
        const QString dir = folder();
        out.replace(QStringLiteral("DIR"), dir);
        const Run run = runCli(command(which, out));
        QVERIFY2(run.finished && run.status == QProcess::NormalExit && run.code == 1, qPrintable(describe(run)));
        QVERIFY2(run.err.startsWith("slimscope-cli: error: " + out.toUtf8()), run.err.constData());
        QVERIFY2(run.err.contains(needle.toUtf8()), run.err.constData());
        QVERIFY(entries(dir).isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestCliOutput)
#include "tst_cli_output.moc"
