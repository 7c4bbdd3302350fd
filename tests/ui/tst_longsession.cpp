// A long session: opening 50 models in a row in one window (two models in turn, each analysed, shown and
// previewed with a recipe) must not grow the process's anonymous memory by more than 50 MB once warmed up. Memory is
// read from /proc/self/status (RssAnon: the mapped model files do not count).
#include "fixtures.h"
#include "mainwindow.h"
#include "slimming/slimpanel.h"

#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

using namespace slimscope;

namespace {

/// The process's anonymous resident memory in MB.
double rssAnonMb()
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray& line : status.readAll().split('\n'))
        if (line.startsWith("RssAnon:"))
            return line.mid(8).trimmed().split(' ').first().toDouble() / 1024.0;
    return -1;
}

} // namespace

class TestLongSession : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;

private slots:
    void fiftyModelsInARow()
    {
        const QString convNet = m_dir.filePath(QStringLiteral("convnet.onnx"));
        const QString bloated = m_dir.filePath(QStringLiteral("bloated.onnx"));
        QVERIFY(fixtures::convNet().builder.save(convNet.toStdString()).has_value());
        QVERIFY(fixtures::bloated().builder.save(bloated.toStdString()).has_value());
        const QStringList models { convNet, QStringLiteral(SLIMSCOPE_SAMPLE_MODEL), bloated };
        ui::MainWindow window;
        window.show();
        window.slimPanel()->addStep("prune");
        QSignalSpy ready(&window, &ui::MainWindow::analysisReady);
        const auto open = [&](int i) {
            window.openModel(models[i % models.size()]);
            return ready.wait(30000);
        };
        for (int i = 0; i < 10; ++i) // warm-up: caches, fonts, the allocator's arenas
            QVERIFY(open(i));
        QTest::qWait(200);
        const double before = rssAnonMb();
        for (int i = 0; i < 50; ++i)
            QVERIFY(open(i));
        QTest::qWait(200);
        const double after = rssAnonMb();
        qInfo("RssAnon after 10 models %.1f MB, after 50 more %.1f MB (growth %.1f MB)", before, after, after - before);
        QVERIFY(before > 0);
        QVERIFY2(after - before < 50.0, qPrintable(QStringLiteral("grew %1 MB").arg(after - before)));
    }
};

QTEST_MAIN(TestLongSession)
#include "tst_longsession.moc"
