// Multiply-accumulates per op family: convolutions and products (float, integer and QLinear forms, ONNX Runtime's
// MatMulNBits and DynamicQuantizeMatMul), recurrent layers (per time step when the sequence length is symbolic),
// Einsum, and ONNX Runtime's Attention and MultiHeadAttention. Symbolic dimensions count as 1 (per sample).
#include "shapes.h"

#include "model/nodeattributes.h"

#include <algorithm>
#include <map>

namespace slimscope::core::analysis {

using model::intAttribute;

namespace {

// Every output element needs (Cin / group) · kernel MACs: the product of the weight's dims after the first.
std::optional<std::uint64_t> convMacs(const ShapeTable& shapes, const std::string& weightName, const std::string& out)
{
    const ValueShape* weight = usableShape(shapes, weightName);
    const ValueShape* output = usableShape(shapes, out);
    if (!weight || !output || weight->dims.size() < 2)
        return std::nullopt;
    return dimsProduct(output->dims) * dimsProduct(weight->dims, 1);
}

// Y[..., N] = A[..., K] · B: every output element needs K.
std::optional<std::uint64_t> matMulMacs(const ShapeTable& shapes, const std::string& aName, const std::string& out)
{
    const ValueShape* a = usableShape(shapes, aName);
    const ValueShape* output = usableShape(shapes, out);
    if (!a || !output || a->dims.empty())
        return std::nullopt;
    const std::int64_t k = a->dims.back();
    return dimsProduct(output->dims) * static_cast<std::uint64_t>(k < 0 ? 1 : k);
}

// X [seq, batch, input] (layout 0) or [batch, seq, input]: each time step of each sequence multiplies the input by
// W [directions, gates · hidden, input] and the state by R [directions, gates · hidden, hidden]. The sizes come
// from the attributes and X where the weights' shapes are not known (weights assembled from Constant slices).
std::optional<std::uint64_t> recurrentMacs(const onnx::NodeProto& node, const ShapeTable& shapes)
{
    // Sequence and batch may be unknown (counted as 1, as symbols are): inside If branches inference often loses
    // them while the feature size stays known.
    // Where X has no shape at all (silero VAD v5 feeds its LSTM inside an If branch from a Reshape inference cannot
    // follow), W still tells the sizes: one time step of one sequence (macsPerTimeStep says so).
    const auto found = node.input_size() > 0 ? shapes.values.find(node.input(0)) : shapes.values.end();
    static const ValueShape unknownX { 0, true, { -1, -1, -1 }, {} };
    const bool xKnown = found != shapes.values.end() && found->second.hasShape && found->second.dims.size() == 3;
    const ValueShape* x = xKnown ? &found->second : &unknownX;
    const std::string& op = node.op_type();
    const std::uint64_t gates = op == "LSTM" ? 4 : op == "GRU" ? 3 : 1;
    std::string direction;
    for (const auto& attribute : node.attribute())
        if (attribute.name() == "direction")
            direction = attribute.s();
    const std::uint64_t directions = direction == "bidirectional" ? 2 : 1;
    std::int64_t hidden = intAttribute(node, "hidden_size", -1), input = x->dims[2];
    const ValueShape* w = node.input_size() > 1 ? usableShape(shapes, node.input(1)) : nullptr;
    if (input <= 0 && w && w->dims.size() == 3)
        input = w->dims[2];
    if (hidden <= 0 && w && w->dims.size() == 3)
        hidden = w->dims[1] / static_cast<std::int64_t>(gates);
    if (hidden <= 0 || input <= 0)
        return std::nullopt;
    const auto h = static_cast<std::uint64_t>(hidden), in = static_cast<std::uint64_t>(input);
    return dimsProduct(x->dims, 0, 2) * directions * gates * h * (in + h); // sequence × batch, symbols as 1
}

// Each distinct index letter is one loop: the MACs are the product of every letter's size (one multiply-add per
// point of the full index space). An equation with an ellipsis is not counted.
std::optional<std::uint64_t> einsumMacs(const onnx::NodeProto& node, const ShapeTable& shapes)
{
    std::string equation;
    for (const auto& attribute : node.attribute())
        if (attribute.name() == "equation")
            equation = attribute.s();
    const auto arrow = equation.find("->");
    const std::string inputs = equation.substr(0, arrow);
    if (equation.empty() || inputs.find("...") != std::string::npos)
        return std::nullopt;
    std::map<char, std::int64_t> sizes;
    std::size_t operand = 0, position = 0;
    for (const char c : inputs + ",") {
        if (c == ' ')
            continue;
        if (c == ',') {
            ++operand;
            position = 0;
            continue;
        }
        if (static_cast<int>(operand) >= node.input_size())
            return std::nullopt;
        const ValueShape* shape = usableShape(shapes, node.input(static_cast<int>(operand)));
        if (!shape || position >= shape->dims.size())
            return std::nullopt;
        sizes[c] = std::max(sizes[c], shape->dims[position++]);
    }
    std::uint64_t macs = 1;
    for (const auto& [letter, size] : sizes)
        macs *= static_cast<std::uint64_t>(size < 0 ? 1 : size);
    return operand < 2 ? std::optional<std::uint64_t>() : macs;
}

// ONNX Runtime's contrib ops: MatMulNBits and DynamicQuantizeMatMul as MatMuls; Attention as its QKV projection
// plus the two products of attention (Q·Kᵀ and ·V); MultiHeadAttention as those two products.
std::optional<std::uint64_t> contribMacs(const onnx::NodeProto& node, const ShapeTable& shapes)
{
    const std::string& op = node.op_type();
    if (op == "MatMulNBits") { // Y[..., N] = A[..., K] · B
        const ValueShape* output = usableShape(shapes, node.output(0));
        const std::int64_t k = intAttribute(node, "K", -1);
        if (!output || k <= 0)
            return std::nullopt;
        return dimsProduct(output->dims) * static_cast<std::uint64_t>(k);
    }
    if (op == "DynamicQuantizeMatMul" && node.input_size() >= 2)
        return matMulMacs(shapes, node.input(0), node.output(0));
    if (op == "Attention" && node.input_size() >= 2) { // input [B, S, H_in], weights [H_in, 3 · hidden]
        const ValueShape* input = usableShape(shapes, node.input(0));
        const ValueShape* weights = usableShape(shapes, node.input(1));
        if (!input || !weights || input->dims.size() != 3 || weights->dims.size() != 2)
            return std::nullopt;
        const std::uint64_t tokens = dimsProduct(input->dims, 0, 2), sequence = dimsProduct(input->dims, 1, 2);
        const std::uint64_t hidden = dimsProduct(weights->dims, 1) / 3;
        return tokens * dimsProduct(weights->dims) + 2 * tokens * sequence * hidden;
    }
    if (op == "MultiHeadAttention" && node.input_size() >= 3) { // query [B, S_q, H], key [B, S_kv, H], value
        const ValueShape* query = usableShape(shapes, node.input(0));
        const ValueShape* key = usableShape(shapes, node.input(1));
        if (!query || !key || query->dims.size() != 3 || key->dims.size() != 3)
            return std::nullopt;
        return 2 * dimsProduct(query->dims) * dimsProduct(key->dims, 1, 2);
    }
    return std::nullopt;
}

} // namespace

bool macsPerTimeStep(const onnx::NodeProto& node, const ShapeTable& shapes)
{
    const std::string& op = node.op_type();
    if (!(op == "LSTM" || op == "GRU" || op == "RNN") || node.input_size() < 1)
        return false;
    const auto found = shapes.values.find(node.input(0));
    if (found == shapes.values.end() || !found->second.hasShape || found->second.dims.size() != 3)
        return recurrentMacs(node, shapes).has_value(); // counted from W alone: one time step
    const std::size_t sequence = intAttribute(node, "layout", 0) == 0 ? 0 : 1;
    return found->second.dims[sequence] < 0;
}

std::optional<std::uint64_t> nodeMacs(const onnx::NodeProto& node, const ShapeTable& shapes)
{
    const std::string& op = node.op_type();
    if (node.output_size() < 1)
        return std::nullopt;
    if (node.domain() == "com.microsoft")
        return contribMacs(node, shapes);
    if (!(node.domain().empty() || node.domain() == "ai.onnx"))
        return std::nullopt;
    if (op == "LSTM" || op == "GRU" || op == "RNN")
        return recurrentMacs(node, shapes);
    if (op == "Einsum")
        return einsumMacs(node, shapes);
    if (op == "QLinearConv" && node.input_size() >= 4) // x, x_scale, x_zero_point, w, ...
        return convMacs(shapes, node.input(3), node.output(0));
    if (op == "ConvInteger" && node.input_size() >= 2)
        return convMacs(shapes, node.input(1), node.output(0));
    if (op == "QLinearMatMul" && node.input_size() >= 4)
        return matMulMacs(shapes, node.input(0), node.output(0));
    if (op == "Conv" && node.input_size() >= 2)
        return convMacs(shapes, node.input(1), node.output(0));
    if (op == "ConvTranspose" && node.input_size() >= 2) {
        // Every input element is spread over (Cout/group) * kernel outputs.
        const ValueShape* input = usableShape(shapes, node.input(0));
        const ValueShape* weight = usableShape(shapes, node.input(1));
        if (!input || !weight || weight->dims.size() < 2)
            return std::nullopt;
        return dimsProduct(input->dims) * dimsProduct(weight->dims, 1);
    }
    if (op == "Gemm" && node.input_size() >= 2) {
        const ValueShape* a = usableShape(shapes, node.input(0));
        const ValueShape* output = usableShape(shapes, node.output(0));
        if (!a || !output || a->dims.size() != 2)
            return std::nullopt;
        const std::int64_t k = intAttribute(node, "transA", 0) ? a->dims[0] : a->dims[1];
        return dimsProduct(output->dims) * static_cast<std::uint64_t>(k < 0 ? 1 : k);
    }
    if ((op == "MatMul" || op == "MatMulInteger") && node.input_size() >= 2)
        return matMulMacs(shapes, node.input(0), node.output(0));
    return std::nullopt;
}

} // namespace slimscope::core::analysis
