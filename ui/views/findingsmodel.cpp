#include "views/findingsmodel.h"

#include "charts/palette.h"

#include "support/format.h"

#include <QColor>

namespace slimscope::ui {

FindingsModel::FindingsModel(QObject* parent)
    : QAbstractTableModel(parent)
{ }

void FindingsModel::setAnalysis(const AnalysisPtr& analysis)
{
    beginResetModel();
    m_analysis = analysis;
    endResetModel();
}

int FindingsModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() || !m_analysis ? 0 : static_cast<int>(m_analysis->findings.size());
}

int FindingsModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant FindingsModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || !m_analysis || index.row() >= rowCount())
        return {};
    const auto& finding = m_analysis->findings[static_cast<std::size_t>(index.row())];
    if (role == FindingIndexRole)
        return index.row();
    if (role == Qt::DecorationRole && index.column() == Severity)
        return severityColour(finding.severity);
    if (role == SortRole) {
        switch (index.column()) {
        case Severity:
            return static_cast<int>(finding.severity);
        case Recoverable:
            return static_cast<qulonglong>(finding.bytesRecoverable);
        default:
            break;
        }
    }
    if (role == Qt::ToolTipRole) {
        QStringList names;
        for (const auto& tensor : finding.tensors)
            names << QString::fromStdString(tensor);
        return tr("%1\n%2 bytes recoverable\nTensors: %3")
            .arg(QString::fromStdString(finding.message))
            .arg(finding.bytesRecoverable)
            .arg(names.join(QStringLiteral(", ")));
    }
    if (role == Qt::TextAlignmentRole && index.column() == Recoverable)
        return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    if (role != Qt::DisplayRole && role != SortRole)
        return {};
    switch (index.column()) {
    case Severity:
        return QString::fromUtf8(core::analysis::severityName(finding.severity).data());
    case Kind:
        return QString::fromStdString(std::string(core::analysis::findingKindName(finding.kind)));
    case Recoverable:
        return QString::fromStdString(core::humanBytes(finding.bytesRecoverable));
    case Message:
        return QString::fromStdString(finding.message);
    case Fix:
        return QString::fromStdString(finding.fix);
    default:
        return {};
    }
}

QVariant FindingsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case Severity:
        return tr("Severity");
    case Kind:
        return tr("Finding");
    case Recoverable:
        return tr("Recoverable");
    case Message:
        return tr("What");
    case Fix:
        return tr("Fix");
    default:
        return {};
    }
}

} // namespace slimscope::ui
