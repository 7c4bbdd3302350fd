// Drives the real MainWindow offscreen: open, drop, bad file, screenshot mode.
#include "fixtures.h"
#include "mainwindow.h"

#include <QMimeData>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

using namespace slimscope;

class TestMainWindow : public QObject {
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QCoreApplication::setOrganizationName(QStringLiteral("SlimscopeTests"));
        QVERIFY(m_dir.isValid());
        auto fixture = fixtures::convNet();
        m_convNet = m_dir.filePath(QStringLiteral("convnet.onnx"));
        QVERIFY(fixture.builder.save(m_convNet.toStdString()).has_value());
        m_convNetParams = fixture.truth.totalParams;
        m_garbage = m_dir.filePath(QStringLiteral("garbage.onnx"));
        QFile garbage(m_garbage);
        QVERIFY(garbage.open(QIODevice::WriteOnly));
        garbage.write(QByteArray(1000, '\xff'));
    }

    void opensModelAndKeepsItWhenTheNextFails()
    {
        ui::MainWindow window;
        window.show();
        QSignalSpy ready(&window, &ui::MainWindow::analysisReady);
        QSignalSpy failed(&window, &ui::MainWindow::loadFailed);
        window.openModel(m_convNet);
        QVERIFY(ready.wait(10000));
        QVERIFY(window.analysis());
        QCOMPARE(static_cast<qint64>(window.analysis()->model.params), m_convNetParams);
        QVERIFY(window.bannerText().isEmpty());

        window.openModel(m_garbage);
        QVERIFY(failed.wait(10000));
        QVERIFY2(window.bannerText().contains(QStringLiteral("garbage.onnx")), qPrintable(window.bannerText()));
        QVERIFY(window.bannerText().contains(QStringLiteral("not a valid ONNX model")));
        // The previous model stays open.
        QVERIFY(window.analysis());
        QCOMPARE(static_cast<qint64>(window.analysis()->model.params), m_convNetParams);
    }

    void dropLoadsTheFile()
    {
        ui::MainWindow window;
        window.show();
        QSignalSpy ready(&window, &ui::MainWindow::analysisReady);
        QMimeData data;
        data.setUrls({ QUrl::fromLocalFile(m_convNet) });
        QDragEnterEvent enter(QPoint(10, 10), Qt::CopyAction, &data, Qt::LeftButton, Qt::NoModifier);
        QCoreApplication::sendEvent(&window, &enter);
        QVERIFY(enter.isAccepted());
        QDropEvent drop(QPointF(10, 10), Qt::CopyAction, &data, Qt::LeftButton, Qt::NoModifier);
        QCoreApplication::sendEvent(&window, &drop);
        QVERIFY(ready.wait(10000));
        QCOMPARE(static_cast<qint64>(window.analysis()->model.params), m_convNetParams);
    }

    void screenshotModeWritesAPicture()
    {
        const QString out = m_dir.filePath(QStringLiteral("summary.png"));
        QProcess process;
        process.start(QStringLiteral(SLIMSCOPE_GUI), { QStringLiteral("--screenshot"), out, m_convNet });
        QVERIFY(process.waitForFinished(30000));
        QCOMPARE(process.exitStatus(), QProcess::NormalExit);
        QCOMPARE(process.exitCode(), 0);
        QImage image(out);
        QVERIFY(!image.isNull());
        QVERIFY(image.width() >= 800 && image.height() >= 600);
        // Not blank: the summary draws text and bars in more than one colour.
        QSet<QRgb> colours;
        for (int y = 0; y < image.height(); y += 7)
            for (int x = 0; x < image.width(); x += 7)
                colours.insert(image.pixel(x, y));
        QVERIFY(colours.size() > 10);
    }

private:
    QTemporaryDir m_dir;
    QString m_convNet;
    QString m_garbage;
    qint64 m_convNetParams = 0;
};

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
