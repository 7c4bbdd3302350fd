#pragma once

// The window's views (tabs), one registration each: a name (the screenshot mode's --view), a tab title and a
// factory that builds the view and subscribes it to the Session. A new view is one file plus one line in
// viewregistry.cpp.

#include <QString>
#include <QWidget>

#include <functional>
#include <vector>

namespace slimscope::ui {

class MainWindow;
class Session;

struct ViewContext {
    Session& session;
    MainWindow& window; ///< for actions a view offers (Apply fix)
    QWidget* parent;
};

struct ViewEntry {
    const char* name; ///< "summary", "layers", ...
    const char* title; ///< tab title, translated where shown
    std::function<QWidget*(ViewContext& context)> create;
};

/// Every view, in tab order.
const std::vector<ViewEntry>& viewEntries();
/// "summary, layers, findings, charts, treemap, slim", for help texts and errors.
QString viewNames();

} // namespace slimscope::ui
