#include "slimming/recipeguard.h"

#include "slimming/slimpanel.h"

#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QSaveFile>
#include <QStandardPaths>
#include <QTimer>

#include <cerrno>
#include <csignal>

#include <unistd.h>

namespace slimscope::ui {

namespace {

constexpr auto kPrefix = "autosave-recipe-";

/// The process that wrote an autosave still runs (its window owns the file).
bool running(qint64 pid)
{
    return pid > 0 && (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM);
}

} // namespace

QString RecipeGuard::autosaveFolder()
{
    return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
}

RecipeGuard::RecipeGuard(SlimPanel& panel, QWidget* barParent)
    : QObject(&panel)
    , m_panel(panel)
    , m_path(QDir(autosaveFolder()).filePath(QStringLiteral("%1%2.json").arg(QLatin1String(kPrefix)).arg(::getpid())))
    , m_delay(new QTimer(this))
{
    m_delay->setSingleShot(true);
    m_delay->setInterval(1000); // a slider's run of edits makes one write
    connect(m_delay, &QTimer::timeout, this, &RecipeGuard::write);
    connect(&m_panel, &SlimPanel::recipeChanged, this, [this] { m_delay->start(); });

    m_bar = new QWidget(barParent);
    m_bar->setObjectName(QStringLiteral("recoveryBar"));
    m_bar->setStyleSheet(QStringLiteral("#recoveryBar { background: #fff3cd; } QLabel { color: #664d03; }"));
    auto* layout = new QHBoxLayout(m_bar);
    layout->setContentsMargins(8, 4, 8, 4);
    m_barText = new QLabel(m_bar);
    m_barText->setWordWrap(true);
    layout->addWidget(m_barText, 1);
    auto* restore = new QPushButton(tr("Restore"), m_bar);
    restore->setObjectName(QStringLiteral("restoreRecipe"));
    auto* discard = new QPushButton(tr("Discard"), m_bar);
    discard->setObjectName(QStringLiteral("discardRecipe"));
    layout->addWidget(restore);
    layout->addWidget(discard);
    m_bar->hide();
    connect(restore, &QPushButton::clicked, this, [this] {
        QFile file(m_leftover);
        if (file.open(QIODevice::ReadOnly)) {
            const QJsonObject recipe = QJsonDocument::fromJson(file.readAll()).object().value(u"recipe").toObject();
            auto parsed = core::slim::parseRecipe(QJsonDocument(recipe).toJson().toStdString());
            if (parsed)
                m_panel.setRecipe(*parsed); // restored, not saved: still asks before closing
        }
        QFile::remove(m_leftover);
        m_bar->hide();
    });
    connect(discard, &QPushButton::clicked, this, [this] {
        QFile::remove(m_leftover);
        m_bar->hide();
    });
}

RecipeGuard::~RecipeGuard()
{
    // Ending normally (closed, or a screenshot run's exit) leaves nothing to recover; only a crash skips this.
    QFile::remove(m_path);
}

bool RecipeGuard::hasUnsavedChanges() const
{
    return !m_panel.recipe().steps.empty() && !(m_panel.recipe() == m_saved);
}

void RecipeGuard::markSaved()
{
    m_saved = m_panel.recipe();
}

void RecipeGuard::write()
{
    m_delay->stop();
    if (!hasUnsavedChanges()) {
        QFile::remove(m_path);
        return;
    }
    QDir().mkpath(autosaveFolder());
    QJsonObject root;
    root.insert(QStringLiteral("schema"), QStringLiteral("slimscope.autosave/1"));
    root.insert(QStringLiteral("model"), m_panel.modelPath());
    root.insert(QStringLiteral("recipe"),
        QJsonDocument::fromJson(QByteArray::fromStdString(core::slim::recipeToJson(m_panel.recipe()))).object());
    QSaveFile file(m_path); // a crash mid-write leaves the previous autosave, never half a file
    if (file.open(QIODevice::WriteOnly)) {
        file.write(QJsonDocument(root).toJson());
        file.commit();
    }
}

void RecipeGuard::flush()
{
    write();
}

void RecipeGuard::discardAutosave()
{
    m_delay->stop();
    QFile::remove(m_path);
}

bool RecipeGuard::confirmClose(QWidget* parent)
{
    return confirm(parent, tr("Close the window without saving it?"), tr("Close Without Saving"));
}

bool RecipeGuard::confirmOpen(QWidget* parent, const QString& fileName)
{
    return confirm(parent,
        tr("Open %1 without saving it? The recipe stays in the Slim panel for the new model.").arg(fileName),
        tr("Open Without Saving"));
}

bool RecipeGuard::confirm(QWidget* parent, const QString& question, const QString& proceed)
{
    if (!hasUnsavedChanges())
        return true;
    const auto steps = m_panel.recipe().steps.size();
    QMessageBox box(QMessageBox::Warning, tr("Unsaved recipe"),
        steps == 1 ? tr("The recipe (1 step) has changes that are not saved.")
                   : tr("The recipe (%1 steps) has changes that are not saved.").arg(steps),
        QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, parent);
    box.setInformativeText(question);
    box.button(QMessageBox::Save)->setText(tr("Save…"));
    box.button(QMessageBox::Discard)->setText(proceed);
    box.setDefaultButton(QMessageBox::Save);
    const int answer = box.exec();
    if (answer == QMessageBox::Discard)
        return true;
    if (answer != QMessageBox::Save)
        return false;
    const QString path = QFileDialog::getSaveFileName(
        parent, tr("Save Recipe"), QStringLiteral("recipe.json"), tr("Recipes (*.json)"));
    if (path.isEmpty())
        return false;
    QString error;
    if (!m_panel.saveRecipe(path, &error)) {
        QMessageBox::critical(parent, tr("Save Recipe"), error);
        return false;
    }
    markSaved();
    return true;
}

bool RecipeGuard::offerRecovery()
{
    const QDir folder(autosaveFolder());
    for (const QFileInfo& info :
        folder.entryInfoList({ QStringLiteral("%1*.json").arg(QLatin1String(kPrefix)) }, QDir::Files, QDir::Time)) {
        const qint64 pid = info.completeBaseName().mid(static_cast<int>(qstrlen(kPrefix))).toLongLong();
        if (pid == ::getpid() || running(pid))
            continue;
        QFile file(info.filePath());
        if (!file.open(QIODevice::ReadOnly))
            continue;
        const QJsonObject root = QJsonDocument::fromJson(file.readAll()).object();
        const int steps = static_cast<int>(root.value(u"recipe").toObject().value(u"steps").toArray().size());
        if (steps == 0) {
            QFile::remove(info.filePath());
            continue;
        }
        m_leftover = info.filePath();
        const QString model = root.value(u"model").toString();
        m_barText->setText(
            tr("A recipe of %1 %2 was kept from a Slimscope window that did not close normally (%3, %4).")
                .arg(steps)
                .arg(steps == 1 ? tr("step") : tr("steps"))
                .arg(model.isEmpty() ? tr("no model open") : QFileInfo(model).fileName(),
                    info.lastModified().toString(Qt::ISODate)));
        m_bar->show();
        return true;
    }
    return false;
}

} // namespace slimscope::ui
