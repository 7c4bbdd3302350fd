#pragma once

// The graph as it is drawn: the layers and closed groups an Expansion shows (layergroups.h), the edges between
// them, open groups as clusters, each node coloured and sized by a measure: the analysis's bytes, params, MACs,
// sparsity or dtype, the same after a recipe (removed nodes and cut channels marked), or the outputs' SQNR of a
// sensitivity sweep. The DOT writer (dotgraph.h) and the GUI's Graph view both draw this.

#include "analysis/analysis.h"
#include "graph/layergroups.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace slimscope::core::slim {
struct Preview;
class WorkingModel;
} // namespace slimscope::core::slim
namespace slimscope::core::plan {
struct Sensitivity;
}

namespace slimscope::core::graph {

enum class NodeMeasure { Bytes, Params, Macs, Sparsity, Dtype, Sensitivity };

/// "bytes", "params", "macs", "sparsity", "dtype", "sensitivity"; nullopt for any other text.
std::optional<NodeMeasure> parseNodeMeasure(std::string_view text);
std::string_view nodeMeasureName(NodeMeasure measure);

/// What a layer's node shows.
struct LayerFigures {
    std::uint64_t bytes = 0;
    std::uint64_t bytesBefore = 0; ///< the analysis's bytes (equal to `bytes` without a recipe)
    std::uint64_t params = 0;
    std::uint64_t zeros = 0;
    std::uint64_t macs = 0;
    bool macsKnown = false;
    std::string dtype; ///< of its largest weight; empty without weights
    std::uint64_t dtypeBytes = 0; ///< that weight's bytes
    std::optional<double> sqnrDb; ///< the outputs' SQNR with a step applied to this layer alone
    bool removed = false; ///< a recipe removed the node
    std::int64_t channelsBefore = 0; ///< prune_channels: channels of its largest cut weight, before and after
    std::int64_t channelsAfter = 0;
};

struct Figures {
    std::vector<LayerFigures> layers; ///< per Analysis::layers
    bool afterRecipe = false;
    bool hasSensitivity = false;
    std::string sensitivityStep; ///< the step the sweep applied
};

/// The analysis's figures.
Figures figuresOf(const analysis::Analysis& analysis);
/// The figures after a recipe: each layer's weights as the preview stores them, `removed` from removedLayers().
void applyPreview(Figures& figures, const analysis::Analysis& analysis, const slim::Preview& preview,
    const std::vector<bool>& removed);
/// Layers whose node the slimmed model no longer has (a named node by its name, an unnamed one by its first output).
std::vector<bool> removedLayers(const analysis::Analysis& analysis, slim::WorkingModel& slimmed);
/// Each measured layer's SQNR (the lowest over its outputs).
void applySensitivity(Figures& figures, const analysis::Analysis& analysis, const plan::Sensitivity& sensitivity);

struct GraphNode {
    enum class Kind { Layer, Group, Input, Output };
    Kind kind = Kind::Layer;
    std::string id; ///< "n<layer>", "g<group>", "in<input>", "out<output>"
    int index = -1; ///< the layer, group, input or output
    int cluster = -1; ///< the innermost open group around it, -1 at the top
    std::string label; ///< lines separated by '\n'
    std::string tooltip;
    std::string fill; ///< "#rrggbb"
    double share = 0.0; ///< 0..1: its measure against the largest shown; widens the node
    bool removed = false;
};

struct GraphEdge {
    std::string tail, head; ///< node ids
    std::string label; ///< the value's shape ("[1,64,56,56]"), or "3 values" between groups
    std::string tooltip; ///< value names with shapes
    bool ownership = false; ///< from an If/Loop/Scan node to its body (dashed)
};

struct GraphCluster {
    int group = -1; ///< an open group with every group around it open
    int parent = -1; ///< the open group around it, -1 at the top
    std::string label;
};

struct VisibleGraph {
    NodeMeasure measure = NodeMeasure::Bytes;
    std::vector<GraphNode> nodes;
    std::vector<GraphEdge> edges;
    std::vector<GraphCluster> clusters; ///< parents before children
    std::string legend; ///< what the colour means
};

VisibleGraph visibleGraph(const analysis::Analysis& analysis, const GroupTree& tree, const Expansion& expansion,
    const Figures& figures, NodeMeasure measure);

/// White to blue by `t` (0..1): the colour of a share.
std::string shareColour(double t);
/// The colour a dtype is drawn in ("#bdbdbd" for those without one of their own, white for "").
std::string dtypeColour(std::string_view dtype);

} // namespace slimscope::core::graph
