// Graph edits the steps share: removing initializers, listing new ones as inputs where old IR versions
// require it, renaming uses across subgraphs.
#include "model/subgraphs.h"
#include "stepsupport.h"
#include "support/copybytes.h"

namespace slimscope::core::slim {

void eraseInitializers(
    WorkingModel& model, onnx::GraphProto& graph, const std::function<bool(const onnx::TensorProto&)>& remove)
{
    auto* initializers = graph.mutable_initializer();
    int kept = 0;
    for (int i = 0; i < initializers->size(); ++i) {
        if (remove(initializers->Get(i))) {
            model.forget(initializers->Get(i));
            continue;
        }
        if (kept != i)
            initializers->SwapElements(kept, i);
        ++kept;
    }
    initializers->DeleteSubrange(kept, initializers->size() - kept);
}

void listAsInputIfRequired(const WorkingModel& model, onnx::GraphProto& graph, const onnx::TensorProto& tensor)
{
    if (model.proto().ir_version() >= 4)
        return;
    onnx::ValueInfoProto& input = *graph.add_input();
    input.set_name(tensor.name());
    auto* type = input.mutable_type()->mutable_tensor_type();
    type->set_elem_type(tensor.data_type());
    auto* shape = type->mutable_shape();
    for (const auto dim : tensor.dims())
        shape->add_dim()->set_dim_value(dim);
}

Result<std::vector<float>> floatCopy(const WorkingModel& model, const onnx::TensorProto& tensor)
{
    const TensorSource* source = model.source(tensor);
    if (!source)
        return fail(ErrorCode::InvalidArgument, "'" + tensor.name() + "' has no values");
    auto read = readFloatValues(*source, tensor.data_type());
    if (!read)
        return std::unexpected(read.error());
    const FloatValues plain = std::move(*read).plain();
    std::vector<float> values(plain.values.size());
    for (std::size_t i = 0; i < values.size(); ++i)
        values[i] = plain.values[i];
    return values;
}

std::vector<std::byte> floatBytes(std::span<const float> values)
{
    std::vector<std::byte> bytes(values.size() * sizeof(float));
    copyBytes(bytes.data(), values.data(), bytes.size());
    return bytes;
}

onnx::TensorProto& addInitializer(WorkingModel& model, onnx::GraphProto& graph, const std::string& name,
    std::int32_t dataType, const std::vector<std::int64_t>& dims, std::vector<std::byte> bytes)
{
    onnx::TensorProto& tensor = *graph.add_initializer();
    tensor.set_name(name);
    tensor.set_data_type(dataType);
    for (const auto dim : dims)
        tensor.add_dims(dim);
    model.setData(tensor, std::move(bytes));
    listAsInputIfRequired(model, graph, tensor);
    return tensor;
}

onnx::NodeProto newNode(GraphIndex& index, std::string_view op, std::vector<std::string> inputs,
    const std::string& output, const std::string& label)
{
    onnx::NodeProto node;
    node.set_op_type(std::string(op));
    node.set_name(index.uniqueName(label));
    for (auto& input : inputs)
        node.add_input(std::move(input));
    node.add_output(output);
    return node;
}

void renameUses(onnx::GraphProto& graph, const std::string& from, const std::string& to)
{
    for (auto& node : *graph.mutable_node()) {
        for (auto& input : *node.mutable_input())
            if (input == from)
                input = to;
        model::forEachSubgraph(node, [&](onnx::GraphProto& sub) { renameUses(sub, from, to); });
    }
}
model::WeightTracer weightTracer(const WorkingModel& model, const GraphIndex& index)
{
    std::vector<model::TraceGraph> graphs;
    for (const auto& graph : index.graphs())
        graphs.push_back({ graph.graph, graph.parent });
    const WorkingModel& working = model;
    return model::WeightTracer(std::move(graphs), [&working](const onnx::TensorProto& tensor) {
        if (!working.hasSource(tensor))
            return model::WeightTracer::intsInProto(tensor);
        auto bytes = working.data(tensor);
        return bytes ? model::WeightTracer::intsInPayload(tensor, bytes->bytes)
                     : std::optional<std::vector<std::int64_t>> {};
    });
}

} // namespace slimscope::core::slim
