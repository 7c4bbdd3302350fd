#pragma once

#include "modelptrs.h"

#include <QAbstractTableModel>
#include <QSet>

namespace slimscope::ui {

/// Every node of the model as a table row: name, op, params, bytes, share, sparsity, dtype and shape of its
/// largest weight, MACs, output shape. DisplayRole is for people; SortRole holds raw numbers.
class LayersModel : public QAbstractTableModel {
    Q_OBJECT
public:
    /// Indices of the first columns of layerColumns() (views/layercolumns.cpp), which holds every column.
    enum Column { Name, Op, Params, Bytes, Share, Sparsity, Dtype, Shape, Macs, OutputShape, ColumnCount };
    enum Role {
        SortRole = Qt::UserRole, ///< raw value for sorting
        BarRole, ///< fraction in [0, 1] drawn as an in-cell bar (Bytes, Share, Sparsity)
        LayerIndexRole, ///< index into Analysis::layers
    };

    explicit LayersModel(QObject* parent = nullptr);
    void setAnalysis(const AnalysisPtr& analysis);
    /// The Slim panel's preview (or null): columns that show the result of the recipe read it.
    void setPreview(const SlimResultPtr& preview);
    const AnalysisPtr& analysis() const { return m_analysis; }

    /// Layers ticked in the Name column (they give a slimming step its scope).
    const QSet<int>& tickedLayers() const { return m_ticked; }
    void clearTicks();

    int rowCount(const QModelIndex& parent = {}) const override;
    bool setData(const QModelIndex& index, const QVariant& value, int role = Qt::EditRole) override;
    Qt::ItemFlags flags(const QModelIndex& index) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

signals:
    void tickedLayersChanged(const QSet<int>& layers);

private:
    struct Row {
        int layer = -1;
        int mainTensor = -1; ///< largest weight tensor of the layer, or -1
        double share = 0.0;
        double byteBar = 0.0; ///< bytes relative to the largest layer
    };
    AnalysisPtr m_analysis;
    SlimResultPtr m_preview;
    std::vector<const core::slim::TensorChange*> m_changes; ///< the preview's rows by tensor index
    std::vector<Row> m_rows;
    QSet<int> m_ticked;
};

} // namespace slimscope::ui
