#pragma once

// No lost work: the Slim panel's recipe is autosaved while it changes (atomically, one file per running window in
// the application's data folder), closing the window with unsaved changes asks first, and a recipe left behind by a
// window that did not close normally (a crash, a kill) is offered back in a bar at the top of the next window.

#include "slim/recipe.h"

#include <QObject>
#include <QString>

#include <optional>

class QLabel;
class QTimer;
class QWidget;

namespace slimscope::ui {

class SlimPanel;

class RecipeGuard : public QObject {
    Q_OBJECT
public:
    /// Follows `panel`'s recipe; the recovery bar is made as a child of `barParent` (hidden until offered).
    RecipeGuard(SlimPanel& panel, QWidget* barParent);
    ~RecipeGuard() override;

    QWidget* recoveryBar() const { return m_bar; }
    /// True when the recipe has steps that were not saved to or loaded from a file since they changed.
    bool hasUnsavedChanges() const;
    /// The recipe as saved, or as loaded: no longer unsaved.
    void markSaved();
    /// Asks what to do with unsaved changes (Save…, Discard, Cancel); true when the window may close. With nothing
    /// unsaved it does not ask.
    bool confirmClose(QWidget* parent);
    /// The same question before another model (`fileName`) replaces the current one: Save…, Open Without Saving
    /// (the recipe stays in the panel for the new model, unsaved), Cancel. True when the model may be opened.
    bool confirmOpen(QWidget* parent, const QString& fileName);
    /// Writes the autosave now (it is otherwise written a moment after the last change).
    void flush();
    /// Removes this window's autosave (the window closes normally).
    void discardAutosave();
    /// Looks for a recipe left by a window that is no longer running and, when there is one, shows the bar with
    /// Restore and Discard. Returns whether it found one.
    bool offerRecovery();
    /// This window's autosave file.
    QString autosavePath() const { return m_path; }
    /// The folder autosaves go to (the application's data folder).
    static QString autosaveFolder();

private:
    void write();
    /// Asks `question` about the unsaved recipe; `proceed` names the button that goes on without saving.
    bool confirm(QWidget* parent, const QString& question, const QString& proceed);

    SlimPanel& m_panel;
    QString m_path;
    QTimer* m_delay = nullptr;
    QWidget* m_bar = nullptr;
    QLabel* m_barText = nullptr;
    QString m_leftover; ///< the file offered for recovery
    core::slim::Recipe m_saved; ///< the recipe as last saved or loaded
};

} // namespace slimscope::ui
