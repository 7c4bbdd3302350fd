#include "views/layersmodel.h"
#include "charts/palette.h"

#include "support/format.h"

#include <algorithm>

namespace slimscope::ui {

namespace {
QString text(const std::string& value)
{
    return QString::fromStdString(value);
}
}

LayersModel::LayersModel(QObject* parent)
    : QAbstractTableModel(parent)
{ }

void LayersModel::setAnalysis(const AnalysisPtr& analysis)
{
    beginResetModel();
    m_analysis = analysis;
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
            std::uint64_t best = 0;
            for (const int t : layer.tensors) {
                const auto& tensor = analysis->tensors[static_cast<std::size_t>(t)];
                if (row.mainTensor < 0 || tensor.bytes > best) {
                    row.mainTensor = t;
                    best = tensor.bytes;
                }
            }
            row.share = static_cast<double>(layer.bytes) / total;
            row.byteBar = static_cast<double>(layer.bytes) / static_cast<double>(largest);
            m_rows.push_back(row);
        }
    }
    endResetModel();
    emit tickedLayersChanged(m_ticked);
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
    if (index.isValid() && index.column() == Name && m_analysis
        && !m_analysis->layers[static_cast<std::size_t>(m_rows[static_cast<std::size_t>(index.row())].layer)]
                .tensors.empty())
        flags |= Qt::ItemIsUserCheckable;
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
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant LayersModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= static_cast<int>(m_rows.size()))
        return {};
    const Row& row = m_rows[static_cast<std::size_t>(index.row())];
    const auto& layer = m_analysis->layers[static_cast<std::size_t>(row.layer)];
    const auto* tensor = row.mainTensor >= 0 ? &m_analysis->tensors[static_cast<std::size_t>(row.mainTensor)] : nullptr;
    if (role == LayerIndexRole)
        return row.layer;
    if (role == Qt::CheckStateRole && index.column() == Name && (flags(index) & Qt::ItemIsUserCheckable))
        return m_ticked.contains(row.layer) ? Qt::Checked : Qt::Unchecked;
    if (role == BarRole) {
        switch (index.column()) {
        case Bytes:
            return row.byteBar;
        case Share:
            return row.share;
        case Sparsity:
            return layer.sparsity;
        default:
            return {};
        }
    }
    if (role == Qt::TextAlignmentRole) {
        switch (index.column()) {
        case Params:
        case Bytes:
        case Share:
        case Sparsity:
        case Macs:
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        default:
            return {};
        }
    }
    if (role == SortRole) {
        switch (index.column()) {
        case Name:
            return text(layer.name);
        case Op:
            return text(layer.opType);
        case Params:
            return static_cast<qulonglong>(layer.params);
        case Bytes:
        case Share:
            return static_cast<qulonglong>(layer.bytes);
        case Sparsity:
            return layer.sparsity;
        case Dtype:
            return tensor ? dtypeText(tensor->dtype) : QString();
        case Shape:
            return tensor ? static_cast<qulonglong>(tensor->elements) : 0ull;
        case Macs:
            return layer.macs ? static_cast<qulonglong>(*layer.macs) : 0ull;
        case OutputShape:
            return layer.outputShapes.empty() ? QString() : text(layer.outputShapes.front());
        default:
            return {};
        }
    }
    if (role == Qt::ToolTipRole) {
        switch (index.column()) {
        case Params:
            return QString::number(layer.params);
        case Bytes:
            return tr("%1 bytes").arg(layer.bytes);
        case Macs:
            return layer.macs ? QString::number(*layer.macs) : tr("not known for this op");
        default:
            return text(layer.name + " (" + layer.opType + ")");
        }
    }
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case Name:
        return text(layer.name);
    case Op:
        return text(layer.domain.empty() ? layer.opType : layer.domain + "::" + layer.opType);
    case Params:
        return layer.params ? text(core::humanCount(layer.params)) : QString();
    case Bytes:
        return layer.bytes ? text(core::humanBytes(layer.bytes)) : QString();
    case Share:
        return layer.bytes ? text(core::humanPercent(row.share)) : QString();
    case Sparsity:
        return layer.params ? text(core::humanPercent(layer.sparsity)) : QString();
    case Dtype:
        return tensor ? dtypeText(tensor->dtype) : QString();
    case Shape:
        return tensor ? text(core::shapeString(tensor->shape)) : QString();
    case Macs:
        return layer.macs ? text(core::humanCount(*layer.macs)) : QString();
    case OutputShape: {
        QStringList shapes;
        for (const auto& shape : layer.outputShapes)
            shapes << text(shape);
        return shapes.join(QStringLiteral(" "));
    }
    default:
        return {};
    }
}

QVariant LayersModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case Name:
        return tr("Layer");
    case Op:
        return tr("Op");
    case Params:
        return tr("Params");
    case Bytes:
        return tr("Bytes");
    case Share:
        return tr("% of model");
    case Sparsity:
        return tr("Sparsity");
    case Dtype:
        return tr("Dtype");
    case Shape:
        return tr("Weight shape");
    case Macs:
        return tr("MACs");
    case OutputShape:
        return tr("Output shape");
    default:
        return {};
    }
}

} // namespace slimscope::ui
