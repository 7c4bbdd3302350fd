// slimscope-cli check as CI runs it: every budget passing and failing in each unit, growth against a baseline,
// a budget file and the command line over it, malformed values (exit 2) and files (exit 1), JSON, JUnit XML parsed
// and counted, and GitHub workflow commands. Golden figures come from the fixtures' construction (linearChain:
// W1 128×64, b1 128, W2 128×32, b2 32 float32; Gemm 1×64×128 and MatMul 1×128×32 MACs) and the file's own size.
#include "clirun.h"
#include "fixtures.h"
#include "testenv.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>
#include <QXmlStreamReader>

using namespace slimscope;
using namespace slimscope::testing;

namespace {

constexpr qint64 kParams = 128 * 64 + 128 + 128 * 32 + 32; // 12,448
constexpr qint64 kWeightBytes = kParams * 4; // 49,792
constexpr qint64 kMacs = 64 * 128 + 128 * 32; // 12,288

bool writeText(const QString& path, const QByteArray& text)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(text) == text.size();
}

} // namespace

class TestCliCheck : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    QString m_model, m_bloated, m_small, m_large;
    qint64 m_fileSize = 0;

    Run check(QStringList args) { return runCli(QStringList { QStringLiteral("check"), m_model } + args); }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_model = m_dir.filePath(QStringLiteral("chain.onnx"));
        QVERIFY(fixtures::linearChain().builder.save(m_model.toStdString()).has_value());
        m_fileSize = QFileInfo(m_model).size();
        m_bloated = m_dir.filePath(QStringLiteral("bloated.onnx"));
        QVERIFY(fixtures::bloated().builder.save(m_bloated.toStdString()).has_value());
        m_small = m_dir.filePath(QStringLiteral("three.onnx"));
        m_large = m_dir.filePath(QStringLiteral("four.onnx"));
        QVERIFY(fixtures::scopedChain(3).save(m_small.toStdString()).has_value());
        QVERIFY(fixtures::scopedChain(4).save(m_large.toStdString()).has_value());
    }

    void eachBudgetAndUnit_data()
    {
        QTest::addColumn<QString>("option");
        QTest::addColumn<QString>("value");
        QTest::addColumn<int>("exit");
        const QString size = QString::number(m_fileSize);
        QTest::newRow("file size at") << "--max-file-size" << size << 0;
        QTest::newRow("file size under") << "--max-file-size" << QString::number(m_fileSize - 1) << 3;
        QTest::newRow("weights bytes") << "--max-weight-bytes" << QString::number(kWeightBytes) << 0;
        QTest::newRow("weights one short") << "--max-weight-bytes" << QString::number(kWeightBytes - 1) << 3;
        QTest::newRow("weights KB") << "--max-weight-bytes"
                                    << "49.792KB" << 0; // 49,792
        QTest::newRow("weights KiB") << "--max-weight-bytes"
                                     << "48.6KiB" << 3; // 49,766
        QTest::newRow("weights MB") << "--max-weight-bytes"
                                    << "0.05MB" << 0; // 50,000
        QTest::newRow("weights MiB") << "--max-weight-bytes"
                                     << "0.0474MiB" << 3; // 49,702
        QTest::newRow("params") << "--max-params" << QString::number(kParams) << 0;
        QTest::newRow("params K under") << "--max-params"
                                        << "12.4K" << 3;
        QTest::newRow("params K over") << "--max-params"
                                       << "12.5k" << 0;
        QTest::newRow("params M") << "--max-params"
                                  << "0.01M" << 3;
        QTest::newRow("macs") << "--max-macs" << QString::number(kMacs) << 0;
        QTest::newRow("macs one short") << "--max-macs" << QString::number(kMacs - 1) << 3;
        QTest::newRow("macs G") << "--max-macs"
                                << "0.00002G" << 0; // 20,000
        QTest::newRow("macs k") << "--max-macs"
                                << "12.2k" << 3; // 12,200
    }

    void eachBudgetAndUnit()
    {
        QFETCH(QString, option);
        QFETCH(QString, value);
        QFETCH(int, exit);
        const Run run = check({ option, value, QStringLiteral("--format"), QStringLiteral("json") });
        QVERIFY2(run.code == exit, qPrintable(describe(run) + QString::fromUtf8(run.out)));
        const QJsonObject root = QJsonDocument::fromJson(run.out).object();
        QCOMPARE(root.value(u"schema").toString(), QStringLiteral("slimscope.check/1"));
        QCOMPARE(root.value(u"passed").toBool(), exit == 0);
        const QJsonArray budgets = root.value(u"budgets").toArray();
        QCOMPARE(budgets.size(), 1);
        const QJsonObject budget = budgets.first().toObject();
        const qint64 expected = option == u"--max-file-size" ? m_fileSize
            : option == u"--max-weight-bytes"                ? kWeightBytes
            : option == u"--max-params"                      ? kParams
                                                             : kMacs;
        QCOMPARE(static_cast<qint64>(budget.value(u"value").toDouble()), expected);
        QCOMPARE(budget.value(u"verdict").toString(), exit == 0 ? QStringLiteral("pass") : QStringLiteral("fail"));
    }

    // Findings fail only with --fail-on; their recoverable bytes have a budget of their own.
    void findings()
    {
        Run run = runCli({ QStringLiteral("check"), m_bloated, QStringLiteral("--format"), QStringLiteral("json") });
        QCOMPARE(run.code, 0);
        const QJsonObject root = QJsonDocument::fromJson(run.out).object();
        const QJsonArray findings = root.value(u"findings").toArray();
        QVERIFY(!findings.isEmpty());
        qint64 recoverable = 0;
        for (const auto& finding : findings)
            recoverable += static_cast<qint64>(finding.toObject().value(u"bytes_recoverable").toDouble());
        QVERIFY(recoverable > 0);
        run = runCli({ QStringLiteral("check"), m_bloated, QStringLiteral("--fail-on"), QStringLiteral("info") });
        QCOMPARE(run.code, 3);
        run = runCli({ QStringLiteral("check"), m_bloated, QStringLiteral("--max-findings-bytes"),
            QString::number(recoverable) });
        QCOMPARE(run.code, 0);
        run = runCli({ QStringLiteral("check"), m_bloated, QStringLiteral("--max-findings-bytes"),
            QString::number(recoverable - 1) });
        QCOMPARE(run.code, 3);
        QVERIFY(run.out.contains("FAIL"));
    }

    // Against a baseline: three blocks grown to four is +33.3 % params; 5 % fails, 40 % passes; no growth passes at 0.
    void baselineGrowth()
    {
        Run run = runCli({ QStringLiteral("check"), m_large, QStringLiteral("--baseline"), m_small,
            QStringLiteral("--max-growth"), QStringLiteral("5%"), QStringLiteral("--format"), QStringLiteral("json") });
        QCOMPARE(run.code, 3);
        const QJsonObject root = QJsonDocument::fromJson(run.out).object();
        bool sawParams = false;
        for (const auto& item : root.value(u"budgets").toArray()) {
            const QJsonObject budget = item.toObject();
            if (budget.value(u"key").toString() == u"growth_params") {
                sawParams = true;
                QVERIFY(qAbs(budget.value(u"value").toDouble() - (64.0 - 48.0) / 48.0) < 1e-9);
                QCOMPARE(budget.value(u"verdict").toString(), QStringLiteral("fail"));
            }
        }
        QVERIFY(sawParams);
        const QJsonArray changes = root.value(u"baseline").toObject().value(u"biggest_changes").toArray();
        QVERIFY(!changes.isEmpty());
        QCOMPARE(changes.first().toObject().value(u"tensor").toString(), QStringLiteral("W3"));
        QVERIFY(changes.first().toObject().value(u"bytes_before").isNull());
        run = runCli({ QStringLiteral("check"), m_large, QStringLiteral("--baseline"), m_small,
            QStringLiteral("--max-growth"), QStringLiteral("40") });
        QVERIFY2(run.code == 0, qPrintable(describe(run)));
        run = runCli({ QStringLiteral("check"), m_small, QStringLiteral("--baseline"), m_small,
            QStringLiteral("--max-growth"), QStringLiteral("0") });
        QCOMPARE(run.code, 0);
        QVERIFY(run.out.contains("no tensor changed"));
        // The smaller model against the larger one shrank: within any growth.
        run = runCli({ QStringLiteral("check"), m_small, QStringLiteral("--baseline"), m_large,
            QStringLiteral("--max-growth"), QStringLiteral("0") });
        QCOMPARE(run.code, 0);
        QVERIFY(run.out.contains("shrank"));
    }

    // A budget file beside the model; the command line wins over it; its baseline is read from its folder.
    void budgetFile()
    {
        const QString budget = m_dir.filePath(QStringLiteral("budget.json"));
        QVERIFY(
            writeText(budget, R"({"schema": "slimscope.budget/1", "max_params": "12K", "max_weight_bytes": 60000})"));
        Run run = check({ QStringLiteral("--budget"), budget });
        QCOMPARE(run.code, 3);
        run = check({ QStringLiteral("--budget"), budget, QStringLiteral("--max-params"), QStringLiteral("20K") });
        QVERIFY2(run.code == 0, qPrintable(describe(run) + QString::fromUtf8(run.out)));
        const QString growth = m_dir.filePath(QStringLiteral("growth.json"));
        QVERIFY(writeText(growth, R"({"schema": "slimscope.budget/1", "baseline": "three.onnx", "max_growth": 5})"));
        run = runCli({ QStringLiteral("check"), m_large, QStringLiteral("--budget"), growth });
        QCOMPARE(run.code, 3);
    }

    void malformed_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QByteArray>("file"); ///< a budget file's text, when the row uses one
        QTest::addColumn<int>("exit");
        QTest::addColumn<QString>("message");
        QTest::newRow("bad unit") << QStringList { "--max-file-size", "12XB" } << QByteArray() << 2
                                  << "--max-file-size";
        QTest::newRow("negative count") << QStringList { "--max-params", "-5" } << QByteArray() << 2 << "--max-params";
        QTest::newRow("share over 100") << QStringList { "--baseline", "x.onnx", "--max-growth", "150" } << QByteArray()
                                        << 2 << "--max-growth";
        QTest::newRow("baseline alone") << QStringList { "--baseline", "x.onnx" } << QByteArray() << 2
                                        << "--max-growth";
        QTest::newRow("bad severity") << QStringList { "--fail-on", "severe" } << QByteArray() << 2 << "--fail-on";
        QTest::newRow("missing baseline") << QStringList { "--baseline", "/nonexistent/old.onnx", "--max-growth", "5" }
                                          << QByteArray() << 1 << "old.onnx";
        QTest::newRow("not json") << QStringList() << QByteArray("{ max_params: 5") << 1 << "bad.json";
        QTest::newRow("wrong schema") << QStringList() << QByteArray(R"({"schema": "slimscope.recipe/1"})") << 1
                                      << "schema";
        QTest::newRow("unknown key") << QStringList()
                                     << QByteArray(R"({"schema": "slimscope.budget/1", "max_parms": 5})") << 1
                                     << "max_parms";
        QTest::newRow("bad value") << QStringList()
                                   << QByteArray(R"({"schema": "slimscope.budget/1", "max_file_size": "lots"})") << 1
                                   << "max_file_size";
        QTest::newRow("growth alone") << QStringList()
                                      << QByteArray(R"({"schema": "slimscope.budget/1", "max_growth": "5%"})") << 1
                                      << "max_growth";
        QTest::newRow("no such file") << QStringList { "--budget", "/nonexistent/budget.json" } << QByteArray() << 1
                                      << "budget.json";
    }

    void malformed()
    {
        QFETCH(QStringList, args);
        QFETCH(QByteArray, file);
        QFETCH(int, exit);
        QFETCH(QString, message);
        if (!file.isEmpty()) {
            const QString path = m_dir.filePath(QStringLiteral("bad.json"));
            QVERIFY(writeText(path, file));
            args << QStringLiteral("--budget") << path;
        }
        const Run run = check(args);
        QVERIFY2(run.code == exit, qPrintable(describe(run)));
        QVERIFY2(run.err.contains(message.toUtf8()), run.err.constData());
    }

    // JUnit XML: one testsuite whose counts match its testcases and failures.
    void junit()
    {
        const Run run = check({ QStringLiteral("--max-params"), QStringLiteral("10K"), QStringLiteral("--max-macs"),
            QStringLiteral("1M"), QStringLiteral("--max-file-size"), QStringLiteral("1KB"), QStringLiteral("--format"),
            QStringLiteral("junit") });
        QCOMPARE(run.code, 3);
        QXmlStreamReader xml(run.out);
        int suites = 0, cases = 0, failures = 0;
        QString declaredTests, declaredFailures;
        while (!xml.atEnd()) {
            if (xml.readNext() != QXmlStreamReader::StartElement)
                continue;
            if (xml.name() == u"testsuite") {
                ++suites;
                declaredTests = xml.attributes().value(QLatin1String("tests")).toString();
                declaredFailures = xml.attributes().value(QLatin1String("failures")).toString();
            } else if (xml.name() == u"testcase") {
                ++cases;
            } else if (xml.name() == u"failure") {
                ++failures;
                QVERIFY(!xml.attributes().value(QLatin1String("message")).isEmpty());
            }
        }
        QVERIFY2(!xml.hasError(), qPrintable(xml.errorString()));
        QCOMPARE(suites, 1);
        QCOMPARE(cases, 3);
        QCOMPARE(failures, 2); // params over 10K, file over 1 KB; MACs within 1M
        QCOMPARE(declaredTests, QStringLiteral("3"));
        QCOMPARE(declaredFailures, QStringLiteral("2"));
    }

    // GitHub: ::error for an exceeded budget, ::warning for findings below the fail level, both on the model file.
    void github()
    {
        const Run run = runCli({ QStringLiteral("check"), m_bloated, QStringLiteral("--max-params"),
            QStringLiteral("1"), QStringLiteral("--format"), QStringLiteral("github") });
        QCOMPARE(run.code, 3);
        const QRegularExpression command(QStringLiteral("^::(error|warning) file=([^,]+),title=([^:]+)::(.+)$"));
        int errors = 0, warnings = 0;
        for (const QByteArray& line : run.out.split('\n')) {
            if (!line.startsWith("::"))
                continue;
            const auto match = command.match(QString::fromUtf8(line));
            QVERIFY2(match.hasMatch(), line.constData());
            QCOMPARE(match.captured(2), m_bloated);
            (match.captured(1) == u"error" ? errors : warnings) += 1;
        }
        QCOMPARE(errors, 1);
        QVERIFY(warnings >= 1);
    }

    void outputs()
    {
        const QString out = m_dir.filePath(QStringLiteral("check.json"));
        Run run = check({ QStringLiteral("--max-params"), QStringLiteral("1"), QStringLiteral("--format"),
            QStringLiteral("json"), QStringLiteral("-o"), out });
        QCOMPARE(run.code, 3); // written, then the exceeded budget's status
        QCOMPARE(QJsonDocument::fromJson(readFile(out)).object().value(u"passed").toBool(true), false);
        run = check({ QStringLiteral("-o"), m_model });
        QCOMPARE(run.code, 2);
    }
};

QTEST_GUILESS_MAIN(TestCliCheck)
#include "tst_cli_check.moc"
