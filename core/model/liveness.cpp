#include "liveness.h"

#include "subgraphs.h"

#include <algorithm>
#include <string>
#include <unordered_set>

namespace slimscope::core::model {

namespace {

void addNamesReadInside(const onnx::GraphProto& graph, std::unordered_set<std::string>& names)
{
    for (const auto& node : graph.node()) {
        names.insert(node.input().begin(), node.input().end());
        forEachSubgraph(node, [&](const onnx::GraphProto& sub) { addNamesReadInside(sub, names); });
    }
}

} // namespace

std::vector<bool> liveNodes(const onnx::GraphProto& graph)
{
    std::unordered_set<std::string> needed;
    for (const auto& output : graph.output())
        needed.insert(output.name());
    const auto& nodes = graph.node();
    std::vector<bool> live(static_cast<std::size_t>(nodes.size()), false);
    for (int n = nodes.size() - 1; n >= 0; --n) {
        const auto& node = nodes[n];
        if (!std::ranges::any_of(node.output(), [&](const std::string& o) { return needed.contains(o); }))
            continue;
        live[static_cast<std::size_t>(n)] = true;
        needed.insert(node.input().begin(), node.input().end());
        forEachSubgraph(node, [&](const onnx::GraphProto& sub) { addNamesReadInside(sub, needed); });
    }
    return live;
}

} // namespace slimscope::core::model
