#pragma once

// The drawn graph (visiblegraph.h) in Graphviz's DOT language: nodes labelled with op, name and value, filled by the
// measure, open groups as dashed clusters, closed groups as 3-D boxes; tensor shapes go on edges as tooltips (DOT
// labels on edges make dot's layout many times slower). `slimscope-cli graph` writes it, or SVG through the dot
// program; the GUI's Graph view lays it out with dot and draws it itself.

#include "graph/visiblegraph.h"

#include <string>

namespace slimscope::core::graph {

struct DotOptions {
    NodeMeasure measure = NodeMeasure::Bytes;
    /// Close name scopes, bodies and runs of nodes until at most this many nodes show (expandUpTo); 0 shows every
    /// node.
    std::size_t maxNodes = 0;
};

std::string toDot(const VisibleGraph& graph);

/// The DOT text of the analysed model with its own figures: every graph, If/Loop/Scan bodies and name scopes as
/// clusters, graph inputs and outputs as ellipses; nodes that compute only from weights (Constant, an Identity or
/// Cast of an initializer) are left out, their values being the weights the nodes show. Node ids are "n<layer>"
/// (Analysis::layers) and "g<group>" (GroupTree::groups).
std::string toDot(const analysis::Analysis& analysis, const DotOptions& options = {});

/// Runs Graphviz's dot program (found on PATH, never linked: Debian ships its libraries under EPL-1.0) on `dot`
/// with `-T<format>` ("svg", "plain", ...) and returns what it wrote; an error says when dot is not installed.
Result<std::string> runDot(const std::string& dot, const std::string& format);

} // namespace slimscope::core::graph
