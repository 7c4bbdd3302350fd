#pragma once

#include "modelptrs.h"

#include <QWidget>

class QLineEdit;
class QSortFilterProxyModel;
class QTableView;

namespace slimscope::ui {

class LayersModel;

/// The layers table with a search box; sorting on every column by raw values; in-cell bars.
class LayersView : public QWidget {
    Q_OBJECT
public:
    explicit LayersView(QWidget* parent = nullptr);
    void setAnalysis(const AnalysisPtr& analysis);
    void selectLayer(int layerIndex);
    /// Applies the search box's text now instead of after the typing pause.
    void flushSearch();

    LayersModel* model() const { return m_model; }
    QSortFilterProxyModel* proxy() const { return m_proxy; }
    QTableView* table() const { return m_table; }
    QLineEdit* searchBox() const { return m_search; }

signals:
    void layerSelected(int layerIndex);

private:
    LayersModel* m_model;
    QSortFilterProxyModel* m_proxy;
    QTableView* m_table;
    QLineEdit* m_search;
};

} // namespace slimscope::ui
