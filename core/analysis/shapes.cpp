#include "shapes.h"

#include "model/nodeattributes.h"

#include <onnx/defs/schema.h>
#include <onnx/shape_inference/implementation.h>

#include <functional>
#include <sstream>

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
        for (const auto& attribute : node.attribute()) {
            if (attribute.has_g())
                collect(attribute.g(), table);
            for (const auto& sub : attribute.graphs())
                collect(sub, table);
        }
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

std::uint64_t product(const std::vector<std::int64_t>& dims, std::size_t from = 0, std::size_t to = SIZE_MAX)
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
        // ONNX has no schema for ONNX Runtime's MatMulNBits: infer it as the MatMul it computes, with a stand-in
        // weight of its logical shape [K, N].
        if (node.domain() == "com.microsoft" && node.op_type() == "MatMulNBits" && node.input_size() >= 2) {
            const std::int64_t k = intAttribute(node, "K", -1), n = intAttribute(node, "N", -1);
            if (k > 0 && n > 0) {
                onnx::TensorProto* weight = graph.add_initializer();
                weight->set_name(node.input(1) + "\x1fas_matmul");
                weight->set_data_type(onnx::TensorProto::FLOAT);
                weight->add_dims(k);
                weight->add_dims(n);
                const std::string a = node.input(0), output = node.output(0);
                node.Clear();
                node.set_op_type("MatMul");
                node.add_input(a);
                node.add_input(weight->name());
                node.add_output(output);
                continue;
            }
        }
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
        for (auto& attribute : *node.mutable_attribute()) {
            if (attribute.has_g())
                prepareForInference(*attribute.mutable_g());
            for (auto& sub : *attribute.mutable_graphs())
                prepareForInference(sub);
        }
    }
}

} // namespace

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
            for (const auto& attribute : node.attribute()) {
                if (attribute.has_g())
                    scan(attribute.g());
                for (const auto& sub : attribute.graphs())
                    scan(sub);
            }
        }
    };
    scan(model.graph());
    if (missing) {
        onnx::ModelProto strict(model);
        prepareForInference(*strict.mutable_graph());
        try {
            onnx::ShapeInferenceOptions options(false, 1, true);
            onnx::shape_inference::InferShapes(strict, onnx::OpSchemaRegistry::Instance(), options);
        } catch (const std::exception& error) {
            parseNodeErrors(error.what(), table);
        }
    }
    return table;
}

std::optional<std::uint64_t> nodeMacs(const onnx::NodeProto& node, const ShapeTable& shapes)
{
    const std::string& op = node.op_type();
    if (node.output_size() < 1)
        return std::nullopt;
    if (node.domain() == "com.microsoft" && op == "MatMulNBits") { // Y[..., N] = A[..., K] · B
        const ValueShape* output = usableShape(shapes, node.output(0));
        const std::int64_t k = intAttribute(node, "K", -1);
        if (!output || k <= 0)
            return std::nullopt;
        return product(output->dims) * static_cast<std::uint64_t>(k);
    }
    if (!(node.domain().empty() || node.domain() == "ai.onnx"))
        return std::nullopt;
    if (op == "Conv" && node.input_size() >= 2) {
        // Every output element needs (Cin/group) * kernel MACs: the product of the weight's dims after the first.
        const ValueShape* weight = usableShape(shapes, node.input(1));
        const ValueShape* output = usableShape(shapes, node.output(0));
        if (!weight || !output || weight->dims.size() < 2)
            return std::nullopt;
        return product(output->dims) * product(weight->dims, 1);
    }
    if (op == "ConvTranspose" && node.input_size() >= 2) {
        // Every input element is spread over (Cout/group) * kernel outputs.
        const ValueShape* input = usableShape(shapes, node.input(0));
        const ValueShape* weight = usableShape(shapes, node.input(1));
        if (!input || !weight || weight->dims.size() < 2)
            return std::nullopt;
        return product(input->dims) * product(weight->dims, 1);
    }
    if (op == "Gemm" && node.input_size() >= 2) {
        const ValueShape* a = usableShape(shapes, node.input(0));
        const ValueShape* output = usableShape(shapes, node.output(0));
        if (!a || !output || a->dims.size() != 2)
            return std::nullopt;
        const std::int64_t k = intAttribute(node, "transA", 0) ? a->dims[0] : a->dims[1];
        return product(output->dims) * static_cast<std::uint64_t>(k < 0 ? 1 : k);
    }
    if ((op == "MatMul" || op == "MatMulInteger") && node.input_size() >= 2) {
        const ValueShape* a = usableShape(shapes, node.input(0));
        const ValueShape* output = usableShape(shapes, node.output(0));
        if (!a || !output || a->dims.empty())
            return std::nullopt;
        const std::int64_t k = a->dims.back();
        return product(output->dims) * static_cast<std::uint64_t>(k < 0 ? 1 : k);
    }
    return std::nullopt;
}

namespace {

void addMacs(const onnx::GraphProto& graph, const ShapeTable& shapes, std::uint64_t& total)
{
    for (const auto& node : graph.node()) {
        total += nodeMacs(node, shapes).value_or(0);
        for (const auto& attribute : node.attribute()) {
            if (attribute.has_g())
                addMacs(attribute.g(), shapes, total);
            for (const auto& sub : attribute.graphs())
                addMacs(sub, shapes, total);
        }
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
