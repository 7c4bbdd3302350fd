#include "graphindex.h"

#include "model/weightroles.h"
#include "stepsupport.h"

#include "model/datatype.h"

#include <algorithm>

namespace slimscope::core::slim {

GraphIndex::GraphIndex(WorkingModel& model)
    : m_model(&model)
    , m_graphs(model.graphs())
{
    for (const auto& opset : model.proto().opset_import())
        if (opset.domain().empty() || opset.domain() == "ai.onnx")
            m_opset = opset.version();
    std::vector<InitializerRef> constants;
    for (int g = 0; g < static_cast<int>(m_graphs.size()); ++g) {
        onnx::GraphProto& graph = *m_graphs[static_cast<std::size_t>(g)].graph;
        for (auto& tensor : *graph.mutable_initializer()) {
            m_initializers.push_back({ g, &tensor, tensor.name(), nullptr });
            m_names.insert(tensor.name());
        }
        for (const auto& sparse : graph.sparse_initializer())
            m_names.insert(sparse.values().name());
        for (const auto& output : graph.output()) {
            m_outputs.insert(output.name());
            m_names.insert(output.name());
        }
        for (const auto& input : graph.input()) {
            m_inputs.insert(input.name());
            m_names.insert(input.name());
        }
        for (auto& node : *graph.mutable_node()) {
            for (int i = 0; i < node.input_size(); ++i)
                if (!node.input(i).empty())
                    m_uses[node.input(i)].push_back({ g, &node, i });
            for (const auto& output : node.output())
                m_names.insert(output);
            if (!node.name().empty())
                m_names.insert(node.name());
            if (node.op_type() == "Constant" && node.output_size() == 1 && node.attribute_size() == 1
                && node.attribute(0).name() == "value" && node.attribute(0).has_t())
                constants.push_back({ g, node.mutable_attribute(0)->mutable_t(), node.output(0), &node });
        }
    }
    m_weights = m_initializers;
    m_weights.insert(m_weights.end(), constants.begin(), constants.end());
}

const std::vector<ValueUse>& GraphIndex::uses(const std::string& name) const
{
    static const std::vector<ValueUse> none;
    const auto found = m_uses.find(name);
    return found == m_uses.end() ? none : found->second;
}

const model::WeightTracer& GraphIndex::tracer() const
{
    if (!m_tracer)
        m_tracer = std::make_unique<model::WeightTracer>(weightTracer(*m_model, *this));
    return *m_tracer;
}

std::optional<std::vector<double>> GraphIndex::constantFloats(const std::string& name) const
{
    const auto weight = std::ranges::find(m_weights, name, &InitializerRef::name);
    if (weight == m_weights.end() || elementCount(*weight->tensor) > 64)
        return std::nullopt;
    const auto values = floatCopy(*m_model, *weight->tensor);
    if (!values)
        return std::nullopt;
    return std::vector<double>(values->begin(), values->end());
}

std::vector<ValueUse> GraphIndex::realUses(const InitializerRef& weight) const
{
    std::vector<ValueUse> out;
    const std::vector<std::int64_t> dims(weight.tensor->dims().begin(), weight.tensor->dims().end());
    for (const auto& use : tracer().trace(weight.name, dims))
        out.push_back({ use.graph, const_cast<onnx::NodeProto*>(use.node), use.input });
    return out;
}

std::string GraphIndex::uniqueName(const std::string& base)
{
    std::string name = base;
    for (int i = 1; m_names.contains(name); ++i)
        name = base + "_" + std::to_string(i);
    m_names.insert(name);
    return name;
}

std::uint64_t elementCount(const onnx::TensorProto& tensor)
{
    std::uint64_t count = 1;
    for (const auto dim : tensor.dims())
        count *= static_cast<std::uint64_t>(std::max<std::int64_t>(dim, 0));
    return count;
}

bool isBiasOrNorm(const onnx::TensorProto& tensor, const std::vector<ValueUse>& uses)
{
    if (model::isBiasOrNormRank(tensor.dims_size()))
        return true;
    return std::ranges::any_of(
        uses, [](const ValueUse& use) { return model::isBiasOrNormUse(use.node->op_type(), use.input); });
}

ScopeMatcher::ScopeMatcher(const Scope& scope)
    : m_scope(scope)
{
    // Patterns were validated when the recipe was parsed.
    for (const auto& pattern : scope.include)
        m_include.emplace_back(pattern, std::regex::ECMAScript | std::regex::optimize);
    for (const auto& pattern : scope.exclude)
        m_exclude.emplace_back(pattern, std::regex::ECMAScript | std::regex::optimize);
}

bool ScopeMatcher::matches(const InitializerRef& initializer, const GraphIndex& index) const
{
    const auto type = static_cast<model::DataType>(initializer.tensor->data_type());
    if (type != model::DataType::Float && type != model::DataType::Float16 && type != model::DataType::Double
        && type != model::DataType::Bfloat16)
        return false;
    return selects(initializer, index);
}

bool ScopeMatcher::matchesAnyType(const InitializerRef& initializer, const GraphIndex& index) const
{
    const auto info = model::dataTypeInfo(initializer.tensor->data_type());
    return info && info->bits > 0 && selects(initializer, index);
}

bool ScopeMatcher::selects(const InitializerRef& initializer, const GraphIndex& index) const
{
    const onnx::TensorProto& tensor = *initializer.tensor;
    const std::string& name = initializer.name;
    // The nodes that read it directly and, through the ops that only move or cut it, those that really consume it.
    std::vector<ValueUse> uses = index.uses(name);
    for (const auto& use : index.realUses(initializer))
        if (std::ranges::none_of(uses, [&](const ValueUse& u) { return u.node == use.node && u.input == use.input; }))
            uses.push_back(use);
    if (std::ranges::find(m_scope.tensors, name) != m_scope.tensors.end())
        return true;
    if (m_scope.onlyTensors)
        return false;
    if (elementCount(tensor) < m_scope.minElements)
        return false;
    if (m_scope.skipBiasAndNorm && isBiasOrNorm(tensor, uses))
        return false;
    const auto anyName = [&](const std::regex& pattern) {
        if (std::regex_search(name, pattern))
            return true;
        return std::ranges::any_of(
            uses, [&](const ValueUse& use) { return std::regex_search(use.node->name(), pattern); });
    };
    if (!m_include.empty() && !std::ranges::any_of(m_include, anyName))
        return false;
    if (std::ranges::any_of(m_exclude, anyName))
        return false;
    const auto opIn = [&](const std::vector<std::string>& ops) {
        return std::ranges::any_of(
            uses, [&](const ValueUse& use) { return std::ranges::find(ops, use.node->op_type()) != ops.end(); });
    };
    if (!m_scope.opTypes.empty() && !opIn(m_scope.opTypes))
        return false;
    if (!m_scope.excludeOpTypes.empty() && opIn(m_scope.excludeOpTypes))
        return false;
    return true;
}

} // namespace slimscope::core::slim
