#pragma once

// Shared between the parts of analyze(); not a public API.

#include "analysis.h"

#include <string>
#include <unordered_map>
#include <vector>

namespace slimscope::core::analysis::detail {

/// Finds weight tensors by name the way ONNX scoping does: in the graph itself, then its enclosing graphs.
class WeightScopes {
public:
    explicit WeightScopes(const model::ModelFile& file);
    /// Index into Analysis::tensors, or -1.
    int resolve(int graphIndex, const std::string& name) const;

private:
    const model::ModelFile& m_file;
    std::vector<std::unordered_map<std::string, int>> m_byGraph;
};

std::vector<Finding> findBloat(const Analysis& analysis, const WeightScopes& scopes);
void buildScopeTree(Analysis& analysis);

/// Node label used everywhere a node is named: its name, or "<op_type>_<index in graph>" without one.
std::string nodeLabel(const onnx::NodeProto& node, int indexInGraph);

} // namespace slimscope::core::analysis::detail
