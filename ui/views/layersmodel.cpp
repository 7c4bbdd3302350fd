#include "views/layersmodel.h"

#include "views/layercolumns.h"

#include <QCoreApplication>

#include "support/format.h"

#include <algorithm>

namespace slimscope::ui {

LayersModel::LayersModel(QObject* parent)
    : QAbstractTableModel(parent)
{ }

void LayersModel::setAnalysis(const AnalysisPtr& analysis)
{
    beginResetModel();
    m_analysis = analysis;
    m_preview = nullptr;
    m_changes.clear();
    m_rows.clear();
    m_ticked.clear();
    if (analysis) {
        std::uint64_t largest = 1;
        for (const auto& layer : analysis->layers)
            largest = std::max(largest, layer.bytes);
        const double total = static_cast<double>(std::max<std::uint64_t>(1, analysis->model.weightBytes));
        m_rows.reserve(analysis->layers.size());
        for (int i = 0; i < static_cast<int>(analysis->layers.size()); ++i) {
            const auto& layer = analysis->layers[static_cast<std::size_t>(i)];
            Row row;
            row.layer = i;
            row.mainTensor = analysis->largestTensor(layer).raw();
            row.share = static_cast<double>(layer.bytes) / total;
            row.byteBar = static_cast<double>(layer.bytes) / static_cast<double>(largest);
            m_rows.push_back(row);
        }
    }
    endResetModel();
    emit tickedLayersChanged(m_ticked);
}

void LayersModel::setPreview(const SlimResultPtr& preview)
{
    // A preview made for another analysis (the model was just replaced) is not this table's.
    m_preview = preview && m_analysis
            && std::ranges::all_of(preview->preview.tensors,
                [&](const auto& t) { return t.weightIndex.get() < m_analysis->tensors.size(); })
        ? preview
        : nullptr;
    m_changes = m_preview && m_analysis ? core::slim::changesByTensor(m_preview->preview, m_analysis->tensors.size())
                                        : std::vector<const core::slim::TensorChange*> {};
    if (!m_rows.empty())
        emit dataChanged(index(0, 0), index(rowCount() - 1, columnCount() - 1));
}

void LayersModel::clearTicks()
{
    if (m_ticked.isEmpty())
        return;
    m_ticked.clear();
    emit dataChanged(index(0, Name), index(rowCount() - 1, Name), { Qt::CheckStateRole });
    emit tickedLayersChanged(m_ticked);
}

Qt::ItemFlags LayersModel::flags(const QModelIndex& index) const
{
    Qt::ItemFlags flags = QAbstractTableModel::flags(index);
    // Only layers that hold weights can be ticked: they are what a slimming scope selects.
    if (index.isValid() && index.column() == Name && m_analysis) {
        const auto& layer
            = m_analysis->layers[static_cast<std::size_t>(m_rows[static_cast<std::size_t>(index.row())].layer)];
        if (!layer.tensors.empty() || !layer.sharedTensors.empty())
            flags |= Qt::ItemIsUserCheckable;
    }
    return flags;
}

bool LayersModel::setData(const QModelIndex& index, const QVariant& value, int role)
{
    if (!index.isValid() || index.column() != Name || role != Qt::CheckStateRole
        || !(flags(index) & Qt::ItemIsUserCheckable))
        return false;
    const int layer = m_rows[static_cast<std::size_t>(index.row())].layer;
    if (value.value<Qt::CheckState>() == Qt::Checked)
        m_ticked.insert(layer);
    else
        m_ticked.remove(layer);
    emit dataChanged(index, index, { Qt::CheckStateRole });
    emit tickedLayersChanged(m_ticked);
    return true;
}

int LayersModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int LayersModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(layerColumns().size());
}

QVariant LayersModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= static_cast<int>(m_rows.size())
        || index.column() >= static_cast<int>(layerColumns().size()))
        return {};
    const Row& row = m_rows[static_cast<std::size_t>(index.row())];
    const auto& layer = m_analysis->layers[static_cast<std::size_t>(row.layer)];
    const auto* tensor = row.mainTensor >= 0 ? &m_analysis->tensors[static_cast<std::size_t>(row.mainTensor)] : nullptr;
    if (role == LayerIndexRole)
        return row.layer;
    if (role == Qt::CheckStateRole && index.column() == Name && (flags(index) & Qt::ItemIsUserCheckable))
        return m_ticked.contains(row.layer) ? Qt::Checked : Qt::Unchecked;
    const LayerColumn& column = layerColumns()[static_cast<std::size_t>(index.column())];
    const core::slim::TensorChange* change
        = row.mainTensor >= 0 && static_cast<std::size_t>(row.mainTensor) < m_changes.size()
        ? m_changes[static_cast<std::size_t>(row.mainTensor)]
        : nullptr;
    const LayerRowData data { *m_analysis, layer, tensor, row.share, row.byteBar,
        m_preview ? &m_preview->preview : nullptr, change };
    switch (role) {
    case Qt::DisplayRole:
        return column.display(data);
    case SortRole:
        return column.sort ? column.sort(data) : column.display(data);
    case BarRole:
        return column.bar ? column.bar(data) : QVariant();
    case Qt::TextAlignmentRole:
        return column.numeric ? QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter) : QVariant();
    case Qt::ToolTipRole:
        return column.tooltip ? column.tooltip(data)
                              : QVariant(QString::fromStdString(layer.name + " (" + layer.opType + ")"));
    default:
        return {};
    }
}

QVariant LayersModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole || section < 0
        || section >= static_cast<int>(layerColumns().size()))
        return QAbstractTableModel::headerData(section, orientation, role);
    return QCoreApplication::translate("LayersModel", layerColumns()[static_cast<std::size_t>(section)].header);
}

} // namespace slimscope::ui
