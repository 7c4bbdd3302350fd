#include "mainwindow.h"
#include "pages.h"
#include "session/session.h"
#include "viewregistry.h"
#include "views/findingsmodel.h"

#include <QAction>
#include <QHeaderView>
#include <QSortFilterProxyModel>
#include <QTableView>

namespace slimscope::ui::views {

QWidget* findings(ViewContext& context)
{
    auto* table = new QTableView(context.parent);
    table->setObjectName(QStringLiteral("findingsTable"));
    auto* model = new FindingsModel(table);
    auto* proxy = new QSortFilterProxyModel(table);
    proxy->setSourceModel(model);
    proxy->setSortRole(FindingsModel::SortRole);
    table->setModel(proxy);
    table->setSortingEnabled(true);
    table->setSelectionBehavior(QAbstractItemView::SelectRows);
    table->verticalHeader()->hide();
    table->horizontalHeader()->setStretchLastSection(true);
    table->setWordWrap(false);
    table->setToolTip(QObject::tr("Double-click a finding (or use its context menu) to add the step that fixes it"));
    QObject::connect(&context.session, &Session::analysisChanged, table, [table, model](const AnalysisPtr& analysis) {
        if (!analysis)
            return;
        model->setAnalysis(analysis);
        table->resizeColumnsToContents();
        table->setColumnWidth(FindingsModel::Message, std::min(table->columnWidth(FindingsModel::Message), 430));
    });
    table->setContextMenuPolicy(Qt::ActionsContextMenu);
    auto* applyFix = new QAction(QObject::tr("Apply fix"), table);
    applyFix->setToolTip(QObject::tr("Add the recipe step that fixes this finding"));
    MainWindow* window = &context.window;
    QObject::connect(applyFix, &QAction::triggered, table, [table, window] {
        const QModelIndex current = table->currentIndex();
        if (current.isValid() && window->applyFix(current.data(FindingsModel::FindingIndexRole).toInt()))
            window->showView(QStringLiteral("slim"));
    });
    table->addAction(applyFix);
    QObject::connect(table, &QTableView::doubleClicked, applyFix, &QAction::trigger);
    return table;
}

} // namespace slimscope::ui::views
