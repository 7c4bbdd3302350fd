#pragma once

// Groups of layers the graph can fold into one node, so that a model of thousands of nodes opens readable: the
// name scopes exporters write into node names ("/encoder/layer.3/attention/MatMul" sits in "/encoder/layer.3/
// attention"), If/Loop/Scan bodies, and, where names carry no scopes, runs of consecutive nodes.

#include "analysis/analysis.h"

#include <cstddef>
#include <string>
#include <vector>

namespace slimscope::core::graph {

struct LayerGroup {
    enum class Kind {
        Scope, ///< a name scope
        Body, ///< an If/Loop/Scan body (a graph of ModelFile::graphs())
        Run, ///< consecutive nodes of a container too crowded to show, in model order
    };
    Kind kind = Kind::Scope;
    std::string name; ///< its part below the parent: "layer.3", "then_branch", "nodes 201–400"
    std::string path; ///< what identifies it to a person: "/encoder/layer.3", "main/cond.then_branch"
    int parent = -1; ///< index into GroupTree::groups; -1 at the top
    std::vector<int> groups; ///< groups directly inside
    std::vector<std::size_t> layers; ///< drawn layers directly inside (indices into Analysis::layers)
    std::size_t layerCount = 0; ///< drawn layers at and below
    int ownerLayer = -1; ///< Body: the node whose attribute holds the graph
};

struct GroupTree {
    std::vector<LayerGroup> groups;
    /// Per layer (Analysis::layers): its innermost group, -1 at the top.
    std::vector<int> groupOf;
    /// Per layer: a node that computes only from weights (Constant, an Identity/Cast/Reshape of an initializer),
    /// folded into the nodes that read it rather than drawn.
    std::vector<bool> folded;
    std::vector<int> topGroups; ///< groups at the top, in model order
    std::vector<std::size_t> topLayers; ///< drawn layers at the top, in model order
};

/// The groups of the analysed model: scopes per graph (a scope with a single child is merged into it, one holding a
/// single layer dissolved), bodies under their owner's group, and runs of at most `runSize` items wherever a
/// container holds more than that directly.
GroupTree groupLayers(const analysis::Analysis& analysis, std::size_t runSize = 120);

/// Which groups are open (per GroupTree::groups).
using Expansion = std::vector<bool>;

/// Every group open: the whole graph.
Expansion expandAll(const GroupTree& tree);
/// Every group closed.
Expansion collapseAll(const GroupTree& tree);
/// Opens groups level by level from the top, a whole level at a time, as long as the graph still shows at most
/// `maxNodes` nodes (groups and layers): a large model opens as its outline, a small one whole.
Expansion expandUpTo(const GroupTree& tree, std::size_t maxNodes);
/// How many nodes (closed groups and layers) the graph shows with `expansion`.
std::size_t visibleNodeCount(const GroupTree& tree, const Expansion& expansion);
/// The outermost closed group that hides `layer`, or -1 when it shows.
int hiddenBy(const GroupTree& tree, const Expansion& expansion, std::size_t layer);
/// Opens every group around `layer`, so that it shows.
void reveal(const GroupTree& tree, Expansion& expansion, std::size_t layer);

} // namespace slimscope::core::graph
