// quantize:int8-static, the graph side: what gets a QuantizeLinear → DequantizeLinear pair, and the edit.
//
// ONNX Runtime turns "DequantizeLinear on every input, the op, QuantizeLinear on its output" into the op's integer
// kernel (QLinearConv, QLinearMatMul, QGemm, QLinearAdd, QLinearMul, QLinearConcat, QLinearGlobalAveragePool,
// ...), drops the pairs around ops that only move values when both sides share one scale (MaxPool, Reshape,
// Transpose, ...), and removes a Relu or Clip right before a QuantizeLinear whose range starts at 0. So the plan
// puts one pair on each float value that such an op reads or writes, moves the pair of a value read only by a
// Relu or Clip to that activation's output, and makes movers and Concat share a scale across their values.
#include "staticplan.h"

#include "slim/stepsupport.h"

#include "model/nodeattributes.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <unordered_map>
#include <unordered_set>

namespace slimscope::core::slim::staticquant {

namespace {

enum class Role {
    None, ///< not quantized: reads and writes float
    Weighted, ///< Conv, MatMul, Gemm: data input 0 (MatMul: 0 and 1 when 1 is not a weight), weight, bias
    Binary, ///< Add, Mul: both inputs
    Concat, ///< every input; one scale with the output
    Mover, ///< input 0 and output 0 share a scale (MaxPool, Reshape, ...)
    Unary, ///< input 0 and output 0, own scales (AveragePool, GlobalAveragePool)
};

Role roleOf(const std::string& op)
{
    static const std::unordered_map<std::string, Role> roles {
        { "Conv", Role::Weighted },
        { "MatMul", Role::Weighted },
        { "Gemm", Role::Weighted },
        { "Add", Role::Binary },
        { "Mul", Role::Binary },
        { "Concat", Role::Concat },
        { "MaxPool", Role::Mover },
        { "Reshape", Role::Mover },
        { "Flatten", Role::Mover },
        { "Transpose", Role::Mover },
        { "Squeeze", Role::Mover },
        { "Unsqueeze", Role::Mover },
        { "Resize", Role::Mover },
        { "AveragePool", Role::Unary },
        { "GlobalAveragePool", Role::Unary },
    };
    const auto it = roles.find(op);
    return it == roles.end() ? Role::None : it->second;
}

/// Union-find over value names, for the values that must share one scale.
class Groups {
public:
    void unite(const std::string& a, const std::string& b) { m_parent[find(a)] = find(b); }
    std::string find(const std::string& name)
    {
        auto it = m_parent.find(name);
        if (it == m_parent.end()) {
            m_parent.emplace(name, name);
            return name;
        }
        if (it->second == name)
            return name;
        const std::string root = find(it->second);
        m_parent[name] = root;
        return root;
    }
    std::vector<std::vector<std::string>> sets()
    {
        std::map<std::string, std::vector<std::string>> byRoot;
        std::vector<std::string> names;
        for (const auto& [name, parent] : m_parent)
            names.push_back(name);
        for (const std::string& name : names)
            byRoot[find(name)].push_back(name);
        std::vector<std::vector<std::string>> result;
        for (auto& [root, members] : byRoot)
            if (members.size() > 1)
                result.push_back(std::move(members));
        return result;
    }

private:
    std::map<std::string, std::string> m_parent;
};

bool isStored(const GraphIndex& index, const std::string& name)
{
    return std::ranges::any_of(
        index.weights(), [&](const InitializerRef& w) { return w.graph == 0 && w.name == name; });
}

/// True for a Clip whose lower bound is a constant 0 (Relu6 and the like): after it, the range starts at 0.
bool clipsAtZero(const onnx::NodeProto& node, const GraphIndex& index)
{
    if (node.op_type() != "Clip")
        return false;
    if (node.input_size() < 2) // opset < 11: attributes
        return model::floatAttribute(node, "min", -1.0) == 0.0;
    const auto low = index.constantFloats(storedConstant(index, node.input(1)));
    return low && low->size() == 1 && (*low)[0] == 0.0;
}

} // namespace

std::string storedConstant(const GraphIndex& index, const std::string& value)
{
    std::string name = value;
    for (int hops = 0; hops < 16; ++hops) {
        if (isStored(index, name))
            return name;
        const onnx::NodeProto* identity = nullptr;
        for (const onnx::NodeProto& node : index.graphs().front().graph->node())
            if (node.op_type() == "Identity" && node.output_size() == 1 && node.output(0) == name)
                identity = &node;
        if (!identity || identity->input_size() != 1)
            return {};
        name = identity->input(0);
    }
    return {};
}

UintParams uintParamsOf(float low, float high)
{
    const double lo = std::min(0.0, static_cast<double>(low)), hi = std::max(0.0, static_cast<double>(high));
    UintParams params;
    if (!(hi > lo)) // all zeros: any scale represents them
        return params;
    params.scale = static_cast<float>((hi - lo) / 255.0);
    params.zeroPoint = static_cast<std::uint8_t>(std::clamp(std::lround(-lo / params.scale), 0L, 255L));
    return params;
}

Plan planStatic(WorkingModel& model, GraphIndex& index, const PlanOptions& options,
    const std::function<bool(const std::string&)>& isFloat)
{
    (void)model;
    Plan plan;
    onnx::GraphProto& graph = *index.graphs().front().graph;
    // Stored constants by value name, Identity aliases included.
    std::unordered_map<std::string, const onnx::TensorProto*> constants;
    for (const InitializerRef& weight : index.weights())
        if (weight.graph == 0)
            constants.emplace(weight.name, weight.tensor);
    for (const onnx::NodeProto& node : graph.node())
        if (node.op_type() == "Identity" && node.output_size() == 1)
            if (const std::string stored = storedConstant(index, node.output(0)); !stored.empty())
                constants.emplace(node.output(0), constants.at(stored));
    const auto isConstFloat = [&](const std::string& name) {
        const auto it = constants.find(name);
        return it != constants.end() && it->second->data_type() == onnx::TensorProto::FLOAT;
    };
    // A value read by exactly one node, a Relu or a Clip at 0, and not a graph output: its pair moves after the
    // activation, which ONNX Runtime then removes.
    const auto activationAfter = [&](const std::string& value) -> const onnx::NodeProto* {
        const auto& uses = index.uses(value);
        if (uses.size() != 1 || index.isGraphOutput(value) || uses.front().graph != 0)
            return nullptr;
        const onnx::NodeProto& next = *uses.front().node;
        if (roleOf(next.op_type()) != Role::None || next.output_size() != 1)
            return nullptr;
        return next.op_type() == "Relu" || clipsAtZero(next, index) ? &next : nullptr;
    };

    std::unordered_set<std::string> planned;
    std::unordered_set<std::string> weightSet;
    Groups groups;
    const auto addActivation = [&](const std::string& value) {
        if (value.empty() || !isFloat(value) || !planned.insert(value).second)
            return;
        if (isConstFloat(value))
            plan.constants.push_back(value);
        else if (!constants.contains(value))
            plan.activations.push_back(value);
    };

    for (onnx::NodeProto& node : *graph.mutable_node()) {
        const Role role = roleOf(node.op_type());
        if (role == Role::None || (!node.domain().empty() && node.domain() != "ai.onnx"))
            continue;
        if (std::ranges::find(options.excludeNodes, node.name()) != options.excludeNodes.end()
            || std::ranges::find(options.excludeOps, node.op_type()) != options.excludeOps.end()) {
            plan.excluded.push_back(node.name().empty() ? node.op_type() : node.name());
            if (node.output_size() > 0)
                plan.excludedOutputs.insert(node.output(0));
            continue;
        }
        if (node.output_size() < 1 || !isFloat(node.output(0)))
            continue; // shape arithmetic (Concat of int64 sizes), booleans
        std::vector<std::string> data;
        if (role == Role::Weighted) {
            const std::string& op = node.op_type();
            const bool gemmPlain = op != "Gemm"
                || (model::intAttribute(node, "transA", 0) == 0 && model::floatAttribute(node, "alpha", 1.0) == 1.0
                    && model::floatAttribute(node, "beta", 1.0) == 1.0);
            if (node.input_size() < 2 || !gemmPlain || constants.contains(node.input(0)))
                continue;
            const bool constWeight = isConstFloat(node.input(1));
            if (op != "MatMul" && !constWeight)
                continue; // a Conv or Gemm with a computed weight stays float
            data.push_back(node.input(0));
            if (constWeight) {
                const std::string stored = storedConstant(index, node.input(1));
                if (weightSet.insert(stored).second)
                    plan.weights.push_back(stored);
            } else {
                data.push_back(node.input(1));
            }
            if (op != "MatMul" && node.input_size() > 2 && !node.input(2).empty()) {
                if (!isConstFloat(node.input(2)))
                    continue;
                plan.biases.push_back({ &node, node.input(0), node.input(1), node.input(2) });
            }
        } else if (role == Role::Binary || role == Role::Concat) {
            data.assign(node.input().begin(), node.input().end());
            if (std::ranges::any_of(data, [&](const std::string& v) { return !isFloat(v); }))
                continue;
        } else {
            data.push_back(node.input(0));
        }
        for (const std::string& value : data)
            addActivation(value);
        std::string output = node.output(0);
        if (const onnx::NodeProto* activation = activationAfter(output))
            output = activation->output(0);
        addActivation(output);
        if (role == Role::Mover)
            groups.unite(node.input(0), output);
        if (role == Role::Concat)
            for (const std::string& value : data)
                groups.unite(value, output);
        ++plan.quantizedOps[node.op_type()];
    }
    // A value only excluded nodes read needs no pair: they read the float value.
    const auto readByExcludedOnly = [&](const std::string& value) {
        const auto& uses = index.uses(value);
        return !uses.empty() && !index.isGraphOutput(value) && std::ranges::all_of(uses, [&](const ValueUse& use) {
            return use.graph == 0 && use.node->output_size() > 0 && plan.excludedOutputs.contains(use.node->output(0));
        });
    };
    std::erase_if(plan.activations, readByExcludedOnly);
    std::erase_if(plan.constants, readByExcludedOnly);
    plan.sharedScales = groups.sets();
    // The float ops between pairs: every node reading a planned value that is not quantized itself.
    for (const onnx::NodeProto& node : graph.node()) {
        if (roleOf(node.op_type()) != Role::None && !plan.quantizedOps.empty()
            && std::ranges::find(plan.excluded, node.name().empty() ? node.op_type() : node.name())
                == plan.excluded.end())
            continue;
        if (node.op_type() == "Relu" || clipsAtZero(node, index))
            continue;
        if (std::ranges::any_of(node.input(), [&](const std::string& v) { return planned.contains(v); }))
            ++plan.floatOps[node.op_type()];
    }
    return plan;
}

std::size_t insertPairs(
    WorkingModel& model, GraphIndex& index, const Plan& plan, const std::map<std::string, UintParams>& params)
{
    onnx::GraphProto& graph = *index.graphs().front().graph;
    std::unordered_map<std::string, const onnx::NodeProto*> producer;
    for (const onnx::NodeProto& node : graph.node())
        for (const std::string& output : node.output())
            producer[output] = &node;

    struct Pair {
        onnx::NodeProto quantize, dequantize;
    };
    std::vector<onnx::NodeProto*> excluded;
    for (onnx::NodeProto& node : *graph.mutable_node())
        if (node.output_size() > 0 && plan.excludedOutputs.contains(node.output(0)))
            excluded.push_back(&node);
    std::map<std::string, std::string> floatOf; // what excluded nodes read instead of a dequantized value
    std::vector<Pair> atFront; // graph inputs and constants
    std::unordered_map<const onnx::NodeProto*, std::vector<Pair>> after; // after the node that produces the value
    std::size_t count = 0;
    const auto makeNode = [&](const char* op, std::vector<std::string> inputs, const std::string& output) {
        return newNode(index, op, std::move(inputs), output, output + "/" + op);
    };
    std::vector<std::string> values = plan.constants;
    values.insert(values.end(), plan.activations.begin(), plan.activations.end());
    for (const std::string& value : values) {
        const auto found = params.find(value);
        if (found == params.end() || (index.isGraphOutput(value) && index.uses(value).empty()))
            continue; // a graph output nothing else reads gains nothing from a pair: it is written in float

        const std::string scaleName = index.uniqueName(value + "/scale");
        const std::string zeroName = index.uniqueName(value + "/zero_point");
        addInitializer(model, graph, scaleName, onnx::TensorProto::FLOAT, {}, floatBytes({ &found->second.scale, 1 }));
        addInitializer(
            model, graph, zeroName, onnx::TensorProto::UINT8, {}, { static_cast<std::byte>(found->second.zeroPoint) });
        const std::string quantized = index.uniqueName(value + "/quantized");
        const auto made = producer.find(value);
        Pair pair;
        if (made == producer.end() || index.isGraphOutput(value)) {
            // A graph input, a constant or a graph output keeps its name and float value: readers move to the
            // dequantized copy.
            const std::string dequantized = index.uniqueName(value + "/dequantized");
            renameUses(graph, value, dequantized);
            floatOf[dequantized] = value;
            pair.quantize = makeNode("QuantizeLinear", { value, scaleName, zeroName }, quantized);
            pair.dequantize = makeNode("DequantizeLinear", { quantized, scaleName, zeroName }, dequantized);
        } else {
            // Elsewhere the producer writes a new name and the pair gives the value back under its own, so every
            // reader, in subgraphs too, reads the dequantized value without being edited.
            const std::string raw = index.uniqueName(value + "/float");
            auto* node = const_cast<onnx::NodeProto*>(made->second);
            for (auto& output : *node->mutable_output())
                if (output == value)
                    output = raw;
            pair.quantize = makeNode("QuantizeLinear", { raw, scaleName, zeroName }, quantized);
            pair.dequantize = makeNode("DequantizeLinear", { quantized, scaleName, zeroName }, value);
            floatOf[value] = raw;
        }
        if (made == producer.end())
            atFront.push_back(std::move(pair));
        else
            after[made->second].push_back(std::move(pair));
        ++count;
    }
    for (onnx::NodeProto* node : excluded)
        for (auto& input : *node->mutable_input())
            if (const auto it = floatOf.find(input); it != floatOf.end())
                input = it->second;
    // Rebuild the node list in order: pairs of inputs and constants first, each other pair right after its
    // producer. Nodes are moved by pointer, so the tensors inside their attributes keep their addresses.
    auto* nodes = graph.mutable_node();
    std::vector<onnx::NodeProto*> old;
    while (!nodes->empty())
        old.push_back(nodes->ReleaseLast());
    std::ranges::reverse(old);
    const auto addPair = [&](Pair& pair) {
        *nodes->Add() = std::move(pair.quantize);
        *nodes->Add() = std::move(pair.dequantize);
    };
    for (Pair& pair : atFront)
        addPair(pair);
    for (onnx::NodeProto* node : old) {
        nodes->AddAllocated(node);
        if (const auto it = after.find(node); it != after.end())
            for (Pair& pair : it->second)
                addPair(pair);
    }
    return count;
}

} // namespace slimscope::core::slim::staticquant
