#pragma once

// The editor factories, one per step editor file; stepeditors.cpp lists them.

#include <string_view>

namespace slimscope::ui {
class StepEditor;
}
class QWidget;

namespace slimscope::ui::editors {

/// The page shown for a registered step that has no editor yet.
StepEditor* missing(QWidget* parent, std::string_view step);

StepEditor* cleanup(QWidget* parent);
StepEditor* prune(QWidget* parent);
StepEditor* pruneChannels(QWidget* parent);
StepEditor* lowRank(QWidget* parent);
StepEditor* quantizeInt8(QWidget* parent);
StepEditor* quantizeInt4(QWidget* parent);
StepEditor* quantizeInt8Dynamic(QWidget* parent);
StepEditor* quantizeInt8Static(QWidget* parent);
StepEditor* quantizeFp16(QWidget* parent);
StepEditor* quantizeBf16(QWidget* parent);
StepEditor* sparseStorage(QWidget* parent);

} // namespace slimscope::ui::editors
