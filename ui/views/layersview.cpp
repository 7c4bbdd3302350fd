#include "views/layersview.h"

#include "views/bardelegate.h"
#include "views/layersmodel.h"

#include <QHeaderView>
#include <QLineEdit>
#include <QRegularExpression>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>

namespace slimscope::ui {

LayersView::LayersView(QWidget* parent)
    : QWidget(parent)
    , m_model(new LayersModel(this))
    , m_proxy(new QSortFilterProxyModel(this))
    , m_table(new QTableView(this))
    , m_search(new QLineEdit(this))
{
    m_proxy->setSourceModel(m_model);
    m_proxy->setSortRole(LayersModel::SortRole);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_proxy->setFilterKeyColumn(-1); // search name, op, dtype, ... at once
    m_search->setPlaceholderText(tr("Search layers by name, op or dtype (Ctrl+F)"));
    m_search->setClearButtonEnabled(true);
    // Filter shortly after typing stops: refiltering 10,000 rows on every key costs ~15 ms each.
    auto* searchDelay = new QTimer(this);
    searchDelay->setSingleShot(true);
    searchDelay->setInterval(150);
    connect(m_search, &QLineEdit::textChanged, searchDelay, qOverload<>(&QTimer::start));
    connect(searchDelay, &QTimer::timeout, this, &LayersView::flushSearch);

    m_table->setModel(m_proxy);
    m_table->setSortingEnabled(true);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setAlternatingRowColors(true);
    m_table->setWordWrap(false);
    m_table->verticalHeader()->hide();
    // Fixed row heights keep scrolling cheap on 10,000 rows.
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 8);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->horizontalHeader()->setResizeContentsPrecision(200); // sample rows: measuring 10,000 costs ~25 ms
    m_table->setItemDelegate(new BarDelegate(LayersModel::BarRole, m_table));
    m_table->sortByColumn(LayersModel::Bytes, Qt::DescendingOrder);
    connect(
        m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this](const QModelIndex& current) {
            if (current.isValid())
                emit layerSelected(current.data(LayersModel::LayerIndexRole).toInt());
        });

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(m_search);
    layout->addWidget(m_table);
}

void LayersView::setAnalysis(const AnalysisPtr& analysis)
{
    m_model->setAnalysis(analysis);
    m_table->resizeColumnsToContents();
    m_table->setColumnWidth(LayersModel::Name, std::min(m_table->columnWidth(LayersModel::Name), 420));
}

void LayersView::flushSearch()
{
    if (m_proxy->filterRegularExpression().pattern() != QRegularExpression::escape(m_search->text()))
        m_proxy->setFilterFixedString(m_search->text());
}

void LayersView::selectLayer(int layerIndex)
{
    for (int row = 0; row < m_proxy->rowCount(); ++row) {
        const QModelIndex index = m_proxy->index(row, 0);
        if (index.data(LayersModel::LayerIndexRole).toInt() != layerIndex)
            continue;
        if (m_table->currentIndex().row() != row) {
            const QSignalBlocker blocker(m_table->selectionModel());
            m_table->selectRow(row);
            m_table->scrollTo(index);
        }
        return;
    }
}

} // namespace slimscope::ui
