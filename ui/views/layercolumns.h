#pragma once

// The Layers table's columns, one registration each: header, alignment, and what a row shows, sorts by, draws as a
// bar and explains in its tooltip. A new column (channels before/after, effective bits, ...) is one entry in
// layercolumns.cpp; LayersModel needs no edit.

#include "analysis/analysis.h"
#include "slim/slimmer.h"

#include <QString>
#include <QVariant>

#include <functional>
#include <vector>

namespace slimscope::ui {

/// What a column reads for one row.
struct LayerRowData {
    const core::analysis::Analysis& analysis;
    const core::analysis::LayerStats& layer;
    const core::analysis::TensorStats* mainTensor; ///< the layer's largest weight, or null
    double share; ///< of the model's weight bytes
    double byteBar; ///< bytes relative to the largest layer
    /// The slimming preview, when the Slim panel has one, and the main tensor's row in it (or null).
    const core::slim::Preview* preview = nullptr;
    const core::slim::TensorChange* mainChange = nullptr;
};

struct LayerColumn {
    const char* id; ///< stable name: "bytes"
    const char* header; ///< translated in the "LayersModel" context
    bool numeric = false; ///< right-aligned
    std::function<QVariant(const LayerRowData&)> display = {};
    std::function<QVariant(const LayerRowData&)> sort = {}; ///< raw value; display when not set
    std::function<QVariant(const LayerRowData&)> bar = {}; ///< fraction in [0, 1] drawn in the cell, or not set
    std::function<QVariant(const LayerRowData&)> tooltip = {}; ///< the layer's name and op when not set
};

/// Every column, in table order. The first ones keep the indices of LayersModel::Column.
const std::vector<LayerColumn>& layerColumns();

} // namespace slimscope::ui
