#pragma once

// Step editors: one widget per registered step type, made by a factory keyed by the step's registered name.
// A new step's editor is one file here plus one line in stepeditors.cpp (CONTRIBUTING.md).

#include "slim/stepparams.h"

#include <QWidget>

#include <functional>
#include <string_view>
#include <vector>

namespace slimscope::ui {

/// Shows one step's parameters and reports the user's edits as functions on them, so that the panel applies
/// them to the current recipe as undoable edits.
class StepEditor : public QWidget {
    Q_OBJECT
public:
    using Edit = std::function<void(core::slim::StepParams&)>;
    using QWidget::QWidget;

    /// Shows `params` without reporting edits.
    void show(const core::slim::StepParams& params);

signals:
    /// An edit of the step; edits with the same merge id (a dragged slider) become one undo step, -1 its own.
    /// Edits with a merge id are previewed with sampled errors until dragFinished().
    void edited(const slimscope::ui::StepEditor::Edit& edit, int mergeId);
    /// The user let go of a control whose edits were merged (a slider): time for exact numbers.
    void dragFinished();

protected:
    virtual void load(const core::slim::StepParams& params) = 0;
    /// Reports an edit unless the editor is being loaded.
    void report(const Edit& edit, int mergeId = -1);

private:
    bool m_loading = false;
};

struct StepEditorEntry {
    std::string_view step; ///< the registered step name (core/slim/stepregistry.cpp)
    const char* menuText; ///< the Slim menu's entry, with its mnemonic ("&Prune"); translated where shown
    int shortcutKey; ///< Ctrl+Shift+key adds the step; 0 for none
    std::function<StepEditor*(QWidget* parent)> create;
};

/// Every step editor, in the order of the step registry.
const std::vector<StepEditorEntry>& stepEditors();
/// The editor entry of a registered step name, or nullptr.
const StepEditorEntry* findStepEditor(std::string_view step);

} // namespace slimscope::ui
