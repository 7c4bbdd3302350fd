#pragma once

#include "modelptrs.h"

#include <QAbstractTableModel>

namespace slimscope::ui {

/// The bloat findings as rows: severity, kind, bytes recoverable, what, fix.
class FindingsModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Severity, Kind, Recoverable, Message, Fix, ColumnCount };
    enum Role { SortRole = Qt::UserRole, FindingIndexRole };

    explicit FindingsModel(QObject* parent = nullptr);
    void setAnalysis(const AnalysisPtr& analysis);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    AnalysisPtr m_analysis;
};

} // namespace slimscope::ui
