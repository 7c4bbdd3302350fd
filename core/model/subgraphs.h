#pragma once

#include <onnx/onnx_pb.h>

#include <type_traits>

namespace slimscope::core::model {

/// Calls visit(graph) for every graph a node holds in its attributes (If branches, Loop and Scan bodies), in
/// attribute order: the walk every pass that recurses into subgraphs repeats. A const node gives const graphs,
/// a mutable node mutable ones.
template <class Node, class Visit> void forEachSubgraph(Node& node, Visit&& visit)
{
    static_assert(std::is_same_v<std::remove_const_t<Node>, onnx::NodeProto>);
    if constexpr (std::is_const_v<Node>) {
        for (const auto& attribute : node.attribute()) {
            if (attribute.has_g())
                visit(attribute.g());
            for (const auto& sub : attribute.graphs())
                visit(sub);
        }
    } else {
        for (auto& attribute : *node.mutable_attribute()) {
            if (attribute.has_g())
                visit(*attribute.mutable_g());
            for (auto& sub : *attribute.mutable_graphs())
                visit(sub);
        }
    }
}

} // namespace slimscope::core::model
