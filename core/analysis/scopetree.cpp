// The name-scope tree behind the treemap: every weight byte is placed exactly once, under the scope of the
// layer it is attributed to (TensorStats::owner; exporters put scopes in node names,
// "/features/features.3/conv/Conv", while tensor names are often bare, "onnx::Conv_412"), or under its own name
// when nothing reads it.
#include "analysisinternal.h"

#include <unordered_map>

namespace slimscope::core::analysis::detail {

namespace {

std::vector<std::string> splitScope(const std::string& name)
{
    std::vector<std::string> parts;
    std::string current;
    for (const char c : name) {
        if (c == '/' || c == '.') {
            if (!current.empty())
                parts.push_back(std::move(current));
            current.clear();
        } else {
            current.push_back(c);
        }
    }
    if (!current.empty())
        parts.push_back(std::move(current));
    // Hostile names ("a/a/a/...") must not make the tree (and recursive writers) arbitrarily deep.
    constexpr std::size_t kMaxDepth = 48;
    if (parts.size() > kMaxDepth) {
        for (std::size_t i = kMaxDepth; i < parts.size(); ++i)
            parts[kMaxDepth - 1] += "/" + parts[i];
        parts.resize(kMaxDepth);
    }
    if (parts.empty())
        parts.push_back(name.empty() ? std::string("(unnamed)") : name);
    return parts;
}

class TreeBuilder {
public:
    TreeBuilder()
    {
        ScopeNode root;
        root.name = "model";
        m_nodes.push_back(std::move(root));
    }

    /// Adds a tensor's bytes along its path; returns the (unfolded) node that holds them.
    int add(const std::vector<std::string>& parts, std::uint64_t bytes, std::uint64_t params, int layer)
    {
        int current = 0;
        m_nodes[0].bytes += bytes;
        m_nodes[0].params += params;
        std::string path;
        for (const auto& part : parts) {
            path += path.empty() ? part : "/" + part;
            const auto key = std::to_string(current) + '\x1f' + part;
            auto found = m_children.find(key);
            int child;
            if (found == m_children.end()) {
                child = static_cast<int>(m_nodes.size());
                ScopeNode node;
                node.name = part;
                node.path = path;
                node.parent = current;
                m_nodes.push_back(std::move(node));
                m_nodes[static_cast<std::size_t>(current)].children.push_back(child);
                m_children.emplace(key, child);
            } else {
                child = found->second;
            }
            current = child;
            m_nodes[static_cast<std::size_t>(current)].bytes += bytes;
            m_nodes[static_cast<std::size_t>(current)].params += params;
        }
        if (layer >= 0 && m_nodes[static_cast<std::size_t>(current)].layer < 0)
            m_nodes[static_cast<std::size_t>(current)].layer = layer;
        return current;
    }

    /// The tree with single-child chains folded into one node ("features/features" rather than a level that
    /// holds nothing but one child), so a treemap drills into levels that show a choice.
    std::vector<ScopeNode> take()
    {
        std::vector<ScopeNode> out;
        m_foldedInto.assign(m_nodes.size(), 0);
        fold(0, -1, out);
        return out;
    }

    /// After take(): the folded node an unfolded one became part of.
    int foldedInto(int node) const { return m_foldedInto[static_cast<std::size_t>(node)]; }

private:
    int fold(int index, int parent, std::vector<ScopeNode>& out)
    {
        ScopeNode node = m_nodes[static_cast<std::size_t>(index)];
        const int self = static_cast<int>(out.size());
        m_foldedInto[static_cast<std::size_t>(index)] = self;
        // The root keeps its name; below it, merge a node into its only child when it holds nothing else.
        while (index != 0 && node.children.size() == 1 && node.layer < 0) {
            m_foldedInto[static_cast<std::size_t>(node.children.front())] = self;
            const ScopeNode& child = m_nodes[static_cast<std::size_t>(node.children.front())];
            if (child.bytes != node.bytes)
                break;
            node.name += "/" + child.name;
            node.path = child.path;
            node.layer = child.layer;
            node.children = child.children;
        }
        node.parent = parent;
        const std::vector<int> children = std::move(node.children);
        node.children.clear();
        out.push_back(std::move(node));
        for (const int child : children) {
            const int folded = fold(child, self, out);
            out[static_cast<std::size_t>(self)].children.push_back(folded);
        }
        return self;
    }

    std::vector<ScopeNode> m_nodes;
    std::unordered_map<std::string, int> m_children;
    std::vector<int> m_foldedInto;
};

} // namespace

void buildScopeTree(Analysis& analysis)
{
    TreeBuilder tree;
    std::vector<int> leaves;
    leaves.reserve(analysis.tensors.size());
    for (const TensorStats& tensor : analysis.tensors) {
        const LayerIndex layer = tensor.owner;
        std::vector<std::string> parts;
        if (tensor.graph != "main")
            parts = splitScope(tensor.graph.substr(5)); // below "main/"
        const auto own = splitScope(layer.valid() ? analysis.layer(layer).name : tensor.name);
        parts.insert(parts.end(), own.begin(), own.end());
        leaves.push_back(tree.add(parts, tensor.bytes, tensor.storedElements, layer.raw()));
    }
    analysis.scopes = tree.take();
    for (std::size_t t = 0; t < analysis.tensors.size(); ++t)
        analysis.tensors[t].scope = ScopeIndex(static_cast<std::size_t>(tree.foldedInto(leaves[t])));
}

} // namespace slimscope::core::analysis::detail

namespace slimscope::core::analysis {

void assignScopes(Analysis& analysis)
{
    detail::buildScopeTree(analysis);
}

} // namespace slimscope::core::analysis
