#include "viewregistry.h"

#include "pages.h"

#include <QStringList>

namespace slimscope::ui {

// The one list of views, in tab order.
const std::vector<ViewEntry>& viewEntries()
{
    static const std::vector<ViewEntry> entries {
        { "summary", QT_TRANSLATE_NOOP("Views", "Summary"), views::summary },
        { "layers", QT_TRANSLATE_NOOP("Views", "Layers"), views::layers },
        { "findings", QT_TRANSLATE_NOOP("Views", "Findings"), views::findings },
        { "charts", QT_TRANSLATE_NOOP("Views", "Charts"), views::charts },
        { "treemap", QT_TRANSLATE_NOOP("Views", "Treemap"), views::treemap },
        { "slim", QT_TRANSLATE_NOOP("Views", "Slim"), views::slim },
        { "sensitivity", QT_TRANSLATE_NOOP("Views", "Sensitivity"), views::sensitivity },
        { "graph", QT_TRANSLATE_NOOP("Views", "Graph"), views::graph },
    };
    return entries;
}

QString viewNames()
{
    QStringList names;
    for (const ViewEntry& entry : viewEntries())
        names << QString::fromLatin1(entry.name);
    return names.join(QStringLiteral(", "));
}

} // namespace slimscope::ui
