#pragma once

// Weight tracing: from a stored weight (an initializer, a sparse initializer or a Constant node's output, in any
// graph) through the ops that only move or cut it to the ops that really consume it, with the axis of the
// weight that maps to each consumer's output channels. Exporters route weights through Identity (merged
// weights), Slice and Split (one tensor for several LSTM gates), Reshape/Transpose/Squeeze/Unsqueeze
// (layout changes), Cast (stored float16), Gather with constant indices and Concat of such pieces (LSTM gates
// reordered); a step that quantizes per channel
// or prunes channels needs the consumer behind them, and the analysis needs it to attribute the bytes.
//
// Works on any set of graphs (a loaded ModelFile's or a WorkingModel's): names are resolved across the model,
// as exporters keep them unique across subgraphs (an If branch reads outer values by name).

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace slimscope::core::model {

/// One graph of the model and where it sits (index of the enclosing graph, -1 for the main graph).
struct TraceGraph {
    const onnx::GraphProto* graph = nullptr;
    int parent = -1;
};

/// A real consumer of a weight.
struct TracedUse {
    int graph = 0; ///< index into the graphs given to WeightTracer
    const onnx::NodeProto* node = nullptr;
    int input = 0; ///< the consumer's input slot that receives the weight's values
    std::vector<const onnx::NodeProto*> path; ///< the pass-through nodes on the way, weight first
    /// The consumer's output-channel axis in the weight's own axes; nullopt when the op has no channels or the
    /// path loses the axis (a Reshape that merges it).
    std::optional<int> weightAxis;
    bool whole = true; ///< the consumer reads every value (no Slice, Split or Gather on the way)
};

/// The output-channel axis of `node`'s input `input` of rank `rank` (Conv/ConvTranspose weights, Gemm with
/// transB, MatMul's right side, Gather tables, LSTM/GRU/RNN weights), or -1 when the op has none.
int consumerChannelAxis(const onnx::NodeProto& node, int input, int rank);

/// True for the ops a weight passes through unchanged in value (only moved or cut).
bool isPassThrough(const onnx::NodeProto& node, int input);

class WeightTracer {
public:
    /// Reads a constant integer tensor's values (int64 or int32); nullopt when it cannot. The default reads
    /// the TensorProto's own fields; a WorkingModel, whose skeleton holds no payloads, passes its own reader.
    using IntReader = std::function<std::optional<std::vector<std::int64_t>>(const onnx::TensorProto&)>;
    /// True for int64 and int32 tensors, the only ones the tracer reads (shapes, axes, indices): a float weight's
    /// payload is never copied for it.
    static bool holdsInts(const onnx::TensorProto& tensor);
    /// The values of an int64 or int32 TensorProto from its raw_data or typed fields.
    static std::optional<std::vector<std::int64_t>> intsInProto(const onnx::TensorProto& tensor);
    /// The same for a tensor whose payload is held elsewhere (`bytes`, raw_data layout).
    static std::optional<std::vector<std::int64_t>> intsInPayload(
        const onnx::TensorProto& tensor, std::span<const std::byte> bytes);

    explicit WeightTracer(std::vector<TraceGraph> graphs, const IntReader& readInts = intsInProto);

    /// The real consumers of the value `name` (a weight of rank `rank`, dims `dims` when known), following
    /// pass-through ops. A value that is a graph output, or read by a pass-through op whose result leaves the
    /// graph, has no consumer for that route.
    std::vector<TracedUse> trace(const std::string& name, const std::vector<std::int64_t>& dims) const;

    /// The single output-channel axis all consumers of the weight agree on, or -1 (none, or they disagree).
    int agreedChannelAxis(const std::string& name, const std::vector<std::int64_t>& dims) const;

    /// The constant integer values of `name` (an initializer or a Constant node's value), for Reshape shapes,
    /// Squeeze/Unsqueeze axes and Gather indices; nullopt when not constant.
    std::optional<std::vector<std::int64_t>> constantInts(const std::string& name) const;

private:
    struct Use {
        int graph;
        const onnx::NodeProto* node;
        int input;
    };
    void follow(const std::string& name, std::vector<std::optional<int>> axisOf, std::vector<std::int64_t> dims,
        std::vector<const onnx::NodeProto*>& path, bool whole, int depth, std::vector<TracedUse>& out) const;

    /// A constant integer tensor: its values and dims (Reshape shapes, axes, Gather indices).
    struct ConstantInts {
        std::vector<std::int64_t> values;
        std::vector<std::int64_t> dims;
    };
    const ConstantInts* constant(const std::string& name) const;
    /// True when every input of `node` is a weight or made from weights by pass-through ops or Concat.
    bool allInputsConstant(const onnx::NodeProto& node) const;

    std::vector<TraceGraph> m_graphs;
    std::unordered_map<std::string, std::vector<Use>> m_uses;
    std::unordered_map<std::string, ConstantInts> m_constants;
    std::unordered_set<std::string> m_constantValues;
};

} // namespace slimscope::core::model
