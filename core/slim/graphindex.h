#pragma once

#include "model/weighttrace.h"
#include "recipe.h"
#include "workingmodel.h"

#include <memory>
#include <regex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace slimscope::core::slim {

/// Where a value is read: node `node` of graph `graph`, input slot `input`.
struct ValueUse {
    int graph = 0;
    onnx::NodeProto* node = nullptr;
    int input = 0;
};

/// A stored weight of some graph: an initializer, or the value of a Constant node (`constantNode` set; the
/// tensor is its `value` attribute). `name` is the value's name in the graph (a Constant's output).
struct InitializerRef {
    int graph = 0;
    onnx::TensorProto* tensor = nullptr;
    std::string name;
    onnx::NodeProto* constantNode = nullptr;
};

/// Who reads what in a working model, rebuilt by each step after it changes the graph. Names are resolved
/// globally (exporters keep names unique across subgraphs; shadowing is not modelled).
class GraphIndex {
public:
    explicit GraphIndex(WorkingModel& model);

    const std::vector<WorkingGraph>& graphs() const { return m_graphs; }
    const std::vector<InitializerRef>& initializers() const { return m_initializers; }
    /// The initializers and the Constant nodes' tensor values (exporters such as paddle2onnx, or weights inside
    /// If branches, store every weight that way), for the steps that rewrite either.
    const std::vector<InitializerRef>& weights() const { return m_weights; }
    const std::vector<ValueUse>& uses(const std::string& name) const;
    bool isGraphOutput(const std::string& name) const { return m_outputs.contains(name); }
    bool isGraphInput(const std::string& name) const { return m_inputs.contains(name); }
    /// A name not yet used anywhere in the model, based on `base`; reserved once returned.
    std::string uniqueName(const std::string& base);
    /// Default-domain opset version (0 when absent).
    std::int64_t opset() const { return m_opset; }
    /// The weight's real consumers, through the ops that only move or cut it (model/weighttrace.h), as uses.
    std::vector<ValueUse> realUses(const InitializerRef& weight) const;
    /// The tracer over this model (built on first use).
    const model::WeightTracer& tracer() const;
    /// The values of a small constant float tensor (Resize scales) by value name; nullopt when not a stored
    /// float weight.
    std::optional<std::vector<double>> constantFloats(const std::string& name) const;

private:
    const WorkingModel* m_model;
    mutable std::unique_ptr<model::WeightTracer> m_tracer;
    std::vector<WorkingGraph> m_graphs;
    std::vector<InitializerRef> m_initializers;
    std::vector<InitializerRef> m_weights;
    std::unordered_map<std::string, std::vector<ValueUse>> m_uses;
    std::unordered_set<std::string> m_outputs;
    std::unordered_set<std::string> m_inputs;
    std::unordered_set<std::string> m_names;
    std::int64_t m_opset = 0;
};

/// A Scope with its patterns compiled, deciding which initializers a step touches.
class ScopeMatcher {
public:
    explicit ScopeMatcher(const Scope& scope);
    /// True when the initializer is a float tensor the scope selects (see Scope).
    bool matches(const InitializerRef& initializer, const GraphIndex& index) const;
    /// Like matches(), but for any element type (sparse storage takes quantized tensors too).
    bool matchesAnyType(const InitializerRef& initializer, const GraphIndex& index) const;

private:
    bool selects(const InitializerRef& initializer, const GraphIndex& index) const;

    const Scope& m_scope;
    std::vector<std::regex> m_include;
    std::vector<std::regex> m_exclude;
};

/// True for bias and normalisation parameters: rank ≤ 1, or read as a bias (Conv/Gemm/ConvTranspose input 2) or
/// by a normalisation op.
bool isBiasOrNorm(const onnx::TensorProto& tensor, const std::vector<ValueUse>& uses);

/// Number of elements of a tensor's dims.
std::uint64_t elementCount(const onnx::TensorProto& tensor);

} // namespace slimscope::core::slim
