#pragma once

// The model's graph in Graphviz's DOT language, each node coloured by a measure Slimscope knows (bytes, params,
// MACs, sparsity, dtype) and labelled with its op, name and value; tensor shapes go on edges as tooltips (DOT labels
// on edges make dot's layout many times slower). `slimscope-cli graph` writes it, or SVG through the dot program.

#include "analysis/analysis.h"

#include <string>
#include <string_view>

namespace slimscope::core::graph {

enum class NodeMeasure { Bytes, Params, Macs, Sparsity, Dtype };

/// "bytes", "params", "macs", "sparsity", "dtype"; nullopt for any other text.
std::optional<NodeMeasure> parseNodeMeasure(std::string_view text);
std::string_view nodeMeasureName(NodeMeasure measure);

struct DotOptions {
    NodeMeasure measure = NodeMeasure::Bytes;
};

/// The DOT text of every graph of the analysed model: the main graph top to bottom, If/Loop/Scan bodies as clusters,
/// graph inputs and outputs as ellipses; nodes that compute only from weights (Constant, an Identity or Cast of an
/// initializer) are left out, their values being the weights the nodes show.
/// Node ids are "n<layer index>" (Analysis::layers), so a layout maps back to layers.
std::string toDot(const analysis::Analysis& analysis, const DotOptions& options = {});

/// The fill colour of a node for `measure` ("#rrggbb"): white to blue by the value's share of the largest (square
/// root, so small layers stay visible), or the dtype's own colour.
std::string nodeColour(const analysis::Analysis& analysis, std::size_t layer, NodeMeasure measure);

} // namespace slimscope::core::graph
