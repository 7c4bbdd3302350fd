#pragma once

// The view factories, one per file in ui/views/; viewregistry.cpp lists them.

namespace slimscope::ui {
struct ViewContext;
}
class QWidget;

namespace slimscope::ui::views {

QWidget* summary(ViewContext& context);
QWidget* layers(ViewContext& context);
QWidget* findings(ViewContext& context);
QWidget* charts(ViewContext& context);
QWidget* treemap(ViewContext& context);
QWidget* slim(ViewContext& context);
QWidget* sensitivity(ViewContext& context);
QWidget* graph(ViewContext& context);

} // namespace slimscope::ui::views
