#include "shapes.h"

#include "model/nodeattributes.h"
#include "model/subgraphs.h"

#include <onnx/defs/schema.h>
#include <onnx/shape_inference/implementation.h>

#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <string_view>

namespace slimscope::core::analysis {

using model::intAttribute;

namespace {

ValueShape fromType(const onnx::TypeProto& type)
{
    ValueShape shape;
    if (!type.has_tensor_type())
        return shape;
    const auto& tensor = type.tensor_type();
    shape.elemType = tensor.elem_type();
    if (!tensor.has_shape())
        return shape;
    shape.hasShape = true;
    for (const auto& dim : tensor.shape().dim()) {
        if (dim.has_dim_value()) {
            shape.dims.push_back(dim.dim_value());
            shape.symbols.emplace_back();
        } else {
            shape.dims.push_back(-1);
            shape.symbols.push_back(dim.has_dim_param() ? dim.dim_param() : std::string());
        }
    }
    return shape;
}

void collect(const onnx::GraphProto& graph, ShapeTable& table)
{
    const auto add = [&](const onnx::ValueInfoProto& info) {
        if (info.has_type())
            table.values[info.name()] = fromType(info.type());
    };
    for (const auto& info : graph.input())
        add(info);
    for (const auto& info : graph.output())
        add(info);
    for (const auto& info : graph.value_info())
        add(info);
    for (const auto& tensor : graph.initializer()) {
        ValueShape shape;
        shape.elemType = tensor.data_type();
        shape.hasShape = true;
        shape.dims.assign(tensor.dims().begin(), tensor.dims().end());
        shape.symbols.resize(shape.dims.size());
        table.values[tensor.name()] = shape;
    }
    for (const auto& node : graph.node())
        model::forEachSubgraph(node, [&](const onnx::GraphProto& sub) { collect(sub, table); });
}

// ONNX reports node errors as "(op_type:Conv, node name: conv1): [ShapeInferenceError] ..." lines.
void parseNodeErrors(const std::string& text, ShapeTable& table)
{
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        const auto marker = line.find("node name: ");
        if (marker == std::string::npos)
            continue;
        const auto nameBegin = marker + 11;
        const auto nameEnd = line.find("):", nameBegin);
        if (nameEnd == std::string::npos)
            continue;
        table.nodeErrors[line.substr(nameBegin, nameEnd - nameBegin)] = line.substr(nameEnd + 2);
    }
}

// ONNX has no schemas for ONNX Runtime's contrib ops, so inference would stop at them: on the copy, each becomes
// the standard op that gives its output's shape (MatMulNBits and DynamicQuantizeMatMul a MatMul with a float
// stand-in weight of the logical shape, Attention a MatMul by [H_in, hidden], MultiHeadAttention an Identity of
// the query).
bool standInForContrib(onnx::GraphProto& graph, onnx::NodeProto& node)
{
    const auto dimsOf = [&](const std::string& name) -> std::vector<std::int64_t> {
        for (const auto& t : graph.initializer())
            if (t.name() == name)
                return { t.dims().begin(), t.dims().end() };
        return {};
    };
    std::vector<std::int64_t> weight;
    const std::string& op = node.op_type();
    if (op == "MatMulNBits" && intAttribute(node, "K", -1) > 0 && intAttribute(node, "N", -1) > 0)
        weight = { intAttribute(node, "K", -1), intAttribute(node, "N", -1) };
    else if (op == "DynamicQuantizeMatMul" && node.input_size() >= 2)
        weight = dimsOf(node.input(1));
    else if (op == "Attention" && node.input_size() >= 2) {
        weight = dimsOf(node.input(1));
        if (weight.size() == 2)
            weight[1] /= 3; // Q, K and V side by side
    } else if (op == "MultiHeadAttention" && node.input_size() >= 1 && node.output_size() >= 1) {
        const std::string query = node.input(0), output = node.output(0);
        node.Clear();
        node.set_op_type("Identity");
        node.add_input(query);
        node.add_output(output);
        return true;
    }
    if (weight.size() != 2 || node.input_size() < 1 || node.output_size() < 1)
        return false;
    onnx::TensorProto* standIn = graph.add_initializer();
    standIn->set_name(node.output(0) + "#stand-in weight");
    standIn->set_data_type(onnx::TensorProto::FLOAT);
    for (const auto d : weight)
        standIn->add_dims(d);
    const std::string a = node.input(0), output = node.output(0);
    node.Clear();
    node.set_op_type("MatMul");
    node.add_input(a);
    node.add_input(standIn->name());
    node.add_output(output);
    return true;
}

// ONNX 1.12's shape inference types a sparse initializer as a sparse tensor (its dense consumers then fail)
// and ignores Constant's value_float(s)/value_int(s). Rewrite both into forms it understands, on the copy only.
void prepareForInference(onnx::GraphProto& graph)
{
    for (const auto& sparse : graph.sparse_initializer()) {
        onnx::TensorProto* dense = graph.add_initializer();
        dense->set_name(sparse.values().name());
        dense->set_data_type(sparse.values().data_type());
        for (const auto dim : sparse.dims())
            dense->add_dims(dim);
    }
    graph.clear_sparse_initializer();
    for (auto& node : *graph.mutable_node()) {
        if (node.domain() == "com.microsoft" && standInForContrib(graph, node))
            continue;
        if (node.op_type() == "Constant" && node.attribute_size() == 1) {
            onnx::AttributeProto& attribute = *node.mutable_attribute(0);
            const std::string& name = attribute.name();
            const bool scalar = name == "value_float" || name == "value_int";
            if (scalar || name == "value_floats" || name == "value_ints") {
                onnx::TensorProto tensor;
                if (name == "value_float" || name == "value_floats") {
                    tensor.set_data_type(onnx::TensorProto::FLOAT);
                    if (scalar)
                        tensor.add_float_data(attribute.f());
                    else
                        tensor.mutable_float_data()->CopyFrom(attribute.floats());
                } else {
                    tensor.set_data_type(onnx::TensorProto::INT64);
                    if (scalar)
                        tensor.add_int64_data(attribute.i());
                    else
                        tensor.mutable_int64_data()->CopyFrom(attribute.ints());
                }
                if (!scalar)
                    tensor.add_dims(name == "value_floats" ? attribute.floats_size() : attribute.ints_size());
                attribute.Clear();
                attribute.set_name("value");
                attribute.set_type(onnx::AttributeProto::TENSOR);
                *attribute.mutable_t() = std::move(tensor);
            }
        }
        model::forEachSubgraph(node, [&](onnx::GraphProto& sub) { prepareForInference(sub); });
    }
}

// ONNX's shape inference divides by some attributes without checking them first: a Conv whose strides hold a 0
// ends the process with SIGFPE inside the library (found by fuzzing, ONNX 1.14). The reason a node would do that, or
// empty. Checked on the copy after contrib ops got their stand-ins.
std::string inferenceHazard(const onnx::NodeProto& node)
{
    if (!node.domain().empty() && node.domain() != "ai.onnx")
        return {};
    static const std::set<std::string, std::less<>> windowed { "AveragePool", "Col2Im", "Conv", "ConvInteger",
        "ConvTranspose", "DeformConv", "LpPool", "MaxPool", "MaxUnpool", "QLinearConv" };
    std::vector<std::string_view> positive;
    if (windowed.contains(node.op_type()))
        positive = { "strides", "dilations", "kernel_shape", "group" };
    else if (node.op_type() == "SpaceToDepth" || node.op_type() == "DepthToSpace")
        positive = { "blocksize" };
    else if (node.op_type() == "Split")
        positive = { "num_outputs" };
    for (const auto& attribute : node.attribute()) {
        if (std::ranges::find(positive, attribute.name()) == positive.end())
            continue;
        const bool below = attribute.ints_size() > 0
            ? std::ranges::any_of(attribute.ints(), [](std::int64_t v) { return v < 1; })
            : attribute.type() == onnx::AttributeProto::INT && attribute.i() < 1;
        if (!below)
            continue;
        std::string values;
        for (const auto v : attribute.ints())
            values += (values.empty() ? "" : ",") + std::to_string(v);
        return attribute.name() + " " + (attribute.ints_size() > 0 ? "[" + values + "]" : std::to_string(attribute.i()))
            + " must be at least 1";
    }
    return {};
}

/// Sets aside (on the copy) every node inferenceHazard() names: it becomes an op ONNX has no schema for, which
/// inference passes over (in both modes, leaving its outputs unknown) instead of crashing. `hazards` gets the reason
/// by node name.
void setAsideHazards(onnx::GraphProto& graph, std::map<std::string, std::string>& hazards)
{
    for (auto& node : *graph.mutable_node()) {
        if (std::string reason = inferenceHazard(node); !reason.empty()) {
            hazards[node.name().empty() && node.output_size() > 0 ? node.output(0) : node.name()]
                = node.op_type() + ": " + reason;
            node.set_op_type("SlimscopeSetAside");
        }
        model::forEachSubgraph(node, [&](onnx::GraphProto& sub) { setAsideHazards(sub, hazards); });
    }
}

} // namespace

std::uint64_t dimsProduct(const std::vector<std::int64_t>& dims, std::size_t from, std::size_t to)
{
    std::uint64_t result = 1;
    for (std::size_t i = from; i < std::min(to, dims.size()); ++i)
        result *= static_cast<std::uint64_t>(dims[i] < 0 ? 1 : dims[i]);
    return result;
}

// Symbolic dimensions (batch) count as 1; a dimension unknown without even a symbol makes the shape unusable.
const ValueShape* usableShape(const ShapeTable& shapes, const std::string& name)
{
    const auto found = shapes.values.find(name);
    if (found == shapes.values.end() || !found->second.hasShape)
        return nullptr;
    for (std::size_t i = 0; i < found->second.dims.size(); ++i)
        if (found->second.dims[i] < 0 && found->second.symbols[i].empty())
            return nullptr;
    return &found->second;
}

std::string shapeText(const ValueShape& shape)
{
    if (!shape.hasShape)
        return "?";
    std::string text = "[";
    for (std::size_t i = 0; i < shape.dims.size(); ++i) {
        if (i)
            text += ",";
        if (shape.dims[i] >= 0)
            text += std::to_string(shape.dims[i]);
        else
            text += shape.symbols[i].empty() ? "?" : shape.symbols[i];
    }
    return text + "]";
}

ShapeTable inferShapes(const onnx::ModelProto& model, Diagnostics& diagnostics)
{
    ShapeTable table;
    onnx::ModelProto inferred(model);
    prepareForInference(*inferred.mutable_graph());
    std::map<std::string, std::string> hazards;
    setAsideHazards(*inferred.mutable_graph(), hazards);
    try {
        onnx::ShapeInferenceOptions options(false, 0, true);
        onnx::shape_inference::InferShapes(inferred, onnx::OpSchemaRegistry::Instance(), options);
    } catch (const std::exception& error) {
        diagnostics.push_back(
            { Diagnostic::Severity::Warning, {}, std::string("shape inference stopped: ") + error.what() });
    }
    collect(inferred.graph(), table);

    // Only when some node output is still unknown, run again in strict mode to learn why, node by node.
    bool missing = false;
    std::function<void(const onnx::GraphProto&)> scan = [&](const onnx::GraphProto& graph) {
        for (const auto& node : graph.node()) {
            for (const auto& output : node.output())
                if (!output.empty() && !table.values.contains(output))
                    missing = true;
            model::forEachSubgraph(node, [&](const onnx::GraphProto& sub) { scan(sub); });
        }
    };
    scan(model.graph());
    if (missing) {
        onnx::ModelProto strict(model);
        prepareForInference(*strict.mutable_graph());
        setAsideHazards(*strict.mutable_graph(), hazards);
        try {
            onnx::ShapeInferenceOptions options(false, 1, true);
            onnx::shape_inference::InferShapes(strict, onnx::OpSchemaRegistry::Instance(), options);
        } catch (const std::exception& error) {
            parseNodeErrors(error.what(), table);
        }
    }
    for (const auto& [node, reason] : hazards) {
        table.nodeErrors[node] = reason + " (shape inference skipped this node)";
        diagnostics.push_back({ Diagnostic::Severity::Error, node,
            reason + "; ONNX Runtime will refuse this node, and its output shapes and MACs are unknown" });
    }
    return table;
}

namespace {

void addMacs(const onnx::GraphProto& graph, const ShapeTable& shapes, std::uint64_t& total)
{
    for (const auto& node : graph.node()) {
        total += nodeMacs(node, shapes).value_or(0);
        model::forEachSubgraph(node, [&](const onnx::GraphProto& sub) { addMacs(sub, shapes, total); });
    }
}

} // namespace

std::uint64_t countMacs(const onnx::ModelProto& model)
{
    Diagnostics ignored;
    const ShapeTable shapes = inferShapes(model, ignored);
    std::uint64_t total = 0;
    addMacs(model.graph(), shapes, total);
    return total;
}

} // namespace slimscope::core::analysis
