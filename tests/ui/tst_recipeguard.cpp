// No lost work: a changed recipe is autosaved (as JSON naming the model), closing the window with it unsaved asks
// (Cancel keeps the window, Discard closes it and removes the autosave), so does opening another model (Cancel keeps
// the model, Open Without Saving opens the other and keeps the recipe), a saved recipe closes without a question, and
// a recipe left by a window that is no longer running is offered back and restored.
#include "fixtures.h"
#include "mainwindow.h"
#include "slim/recipe.h"
#include "slimming/recipeguard.h"
#include "slimming/slimpanel.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QMessageBox>
#include <QProcess>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTimer>
#include <QtTest>

using namespace slimscope;

namespace {

/// Answers the next message box with `button` once it shows.
void answerNextBox(QMessageBox::StandardButton button, bool* asked)
{
    QTimer::singleShot(50, [button, asked] {
        for (QWidget* widget : QApplication::topLevelWidgets())
            if (auto* box = qobject_cast<QMessageBox*>(widget); box && box->isVisible()) {
                *asked = true;
                if (const QByteArray shots = qgetenv("SLIMSCOPE_TEST_SHOTS"); !shots.isEmpty())
                    box->grab().save(QString::fromLocal8Bit(shots)
                        + QStringLiteral("/question-%1.png").arg(box->informativeText().left(4)));
                box->button(button)->click();
                return;
            }
    });
}

} // namespace

class TestRecipeGuard : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    QString m_model;

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true); // autosaves go to a test folder, not the user's
        QDir(ui::RecipeGuard::autosaveFolder()).removeRecursively();
        m_model = m_dir.filePath(QStringLiteral("convnet.onnx"));
        QVERIFY(fixtures::convNet().builder.save(m_model.toStdString()).has_value());
    }

    void unsavedRecipeAsksBeforeClosing()
    {
        ui::MainWindow window;
        QSignalSpy ready(&window, &ui::MainWindow::analysisReady);
        window.show();
        window.openModel(m_model);
        QVERIFY(ready.wait(20000));
        ui::RecipeGuard* guard = window.recipeGuard();
        QVERIFY(!guard->hasUnsavedChanges());
        window.slimPanel()->addStep("prune");
        QVERIFY(guard->hasUnsavedChanges());
        guard->flush();
        // The autosave: the recipe's JSON and the model it was made on.
        QFile autosave(guard->autosavePath());
        QVERIFY(autosave.open(QIODevice::ReadOnly));
        const QJsonObject root = QJsonDocument::fromJson(autosave.readAll()).object();
        autosave.close();
        QCOMPARE(root.value(u"model").toString(), m_model);
        QCOMPARE(root.value(u"recipe").toObject().value(u"steps").toArray().size(), 1);

        bool asked = false;
        answerNextBox(QMessageBox::Cancel, &asked);
        QVERIFY(!window.close());
        QVERIFY(asked);
        QVERIFY(window.isVisible());
        QVERIFY(QFile::exists(guard->autosavePath()));

        asked = false;
        answerNextBox(QMessageBox::Discard, &asked);
        QVERIFY(window.close());
        QVERIFY(asked);
        QVERIFY(!QFile::exists(guard->autosavePath()));
    }

    void unsavedRecipeAsksBeforeAnotherModel()
    {
        const QString other = m_dir.filePath(QStringLiteral("linear.onnx"));
        QVERIFY(fixtures::linearChain().builder.save(other.toStdString()).has_value());
        ui::MainWindow window;
        QSignalSpy ready(&window, &ui::MainWindow::analysisReady);
        window.show();
        window.openModel(m_model);
        QVERIFY(ready.wait(20000));
        window.slimPanel()->addStep("prune");
        QVERIFY(window.recipeGuard()->hasUnsavedChanges());

        bool asked = false;
        answerNextBox(QMessageBox::Cancel, &asked);
        QVERIFY(!window.requestOpen(other));
        QVERIFY(asked);
        QVERIFY(!ready.wait(500)); // nothing was loaded
        QCOMPARE(QString::fromStdString(window.analysis()->model.path), m_model);

        asked = false;
        answerNextBox(QMessageBox::Discard, &asked); // "Open Without Saving"
        QVERIFY(window.requestOpen(other));
        QVERIFY(asked);
        QVERIFY(ready.wait(20000));
        QCOMPARE(QString::fromStdString(window.analysis()->model.path), other);
        QCOMPARE(window.slimPanel()->recipe().steps.size(), std::size_t { 1 }); // the recipe stayed
        QVERIFY(window.recipeGuard()->hasUnsavedChanges());

        // Saved, another model opens without a question.
        QString error;
        QVERIFY(window.slimPanel()->saveRecipe(m_dir.filePath(QStringLiteral("kept.json")), &error));
        window.recipeGuard()->markSaved();
        asked = false;
        answerNextBox(QMessageBox::Cancel, &asked);
        QVERIFY(window.requestOpen(m_model));
        QVERIFY(ready.wait(20000));
        QVERIFY(!asked);
        window.recipeGuard()->discardAutosave();
    }

    void savedRecipeClosesWithoutAQuestion()
    {
        ui::MainWindow window;
        window.show();
        window.slimPanel()->addStep("cleanup");
        QString error;
        QVERIFY(window.slimPanel()->saveRecipe(m_dir.filePath(QStringLiteral("saved.json")), &error));
        window.recipeGuard()->markSaved();
        QVERIFY(!window.recipeGuard()->hasUnsavedChanges());
        bool asked = false;
        answerNextBox(QMessageBox::Cancel, &asked);
        QVERIFY(window.close());
        QTest::qWait(100);
        QVERIFY(!asked);
    }

    // A window that died leaves its autosave; the next window offers it and restores it on request.
    void leftoverRecipeIsOffered()
    {
        // A process id that is certainly not running any more: a child that has exited.
        QProcess child;
        child.start(QStringLiteral("true"), {});
        QVERIFY(child.waitForFinished(10000));
        const qint64 deadPid = child.processId() > 0 ? child.processId() : 999999;
        core::slim::Recipe recipe;
        {
            ui::MainWindow maker;
            maker.slimPanel()->addStep("prune");
            maker.slimPanel()->addStep("cleanup");
            recipe = maker.slimPanel()->recipe();
            maker.recipeGuard()->flush();
            QVERIFY(QFile::copy(maker.recipeGuard()->autosavePath(),
                QDir(ui::RecipeGuard::autosaveFolder())
                    .filePath(QStringLiteral("autosave-recipe-%1.json").arg(deadPid))));
            maker.recipeGuard()->markSaved(); // this window itself ends cleanly
        }
        ui::MainWindow window;
        window.show();
        QVERIFY(window.recipeGuard()->offerRecovery());
        QWidget* bar = window.recipeGuard()->recoveryBar();
        QVERIFY(bar->isVisible());
        QVERIFY(bar->findChild<QLabel*>()->text().contains(QStringLiteral("A recipe of 2 steps")));
        if (const QByteArray shots = qgetenv("SLIMSCOPE_TEST_SHOTS"); !shots.isEmpty())
            window.grab().save(QString::fromLocal8Bit(shots) + QStringLiteral("/recovery.png"));
        bar->findChild<QPushButton*>(QStringLiteral("restoreRecipe"))->click();
        QCOMPARE(window.slimPanel()->recipe(), recipe);
        QVERIFY(!bar->isVisible());
        QVERIFY(window.recipeGuard()->hasUnsavedChanges()); // restored, not saved
        QVERIFY(!window.recipeGuard()->offerRecovery()); // offered once
        window.recipeGuard()->markSaved();
    }
};

QTEST_MAIN(TestRecipeGuard)
#include "tst_recipeguard.moc"
