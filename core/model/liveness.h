#pragma once

#include <onnx/onnx_pb.h>

#include <vector>

namespace slimscope::core::model {

/// Which nodes of `graph` contribute to its outputs: a backward walk from the graph outputs, where a node is live
/// when one of its outputs is needed. Names read inside a node's subgraphs (outer-scope values) count as inputs
/// of that node. Relies on ONNX's topological node order. Used by the dead_node finding and by clean-up.
std::vector<bool> liveNodes(const onnx::GraphProto& graph);

} // namespace slimscope::core::model
