// Scopes, bodies and runs of layers (layergroups.h).
#include "graph/layergroups.h"

#include "support/format.h"

#include <algorithm>
#include <cctype>
#include <functional>
#include <map>
#include <unordered_map>
#include <unordered_set>

namespace slimscope::core::graph {

namespace {

/// The tree while it is built: nodes are merged, dissolved and chunked before they get their final indices.
struct RawGroup {
    LayerGroup::Kind kind = LayerGroup::Kind::Scope;
    std::string name, path;
    int parent = -1;
    std::vector<int> children;
    std::vector<std::size_t> layers;
    std::map<std::string, int, std::less<>> scopeChild; ///< child scopes by name, while names are read
    int ownerLayer = -1;
    bool gone = false;
};

/// "/encoder/layer.3/attention/MatMul" -> {"encoder", "layer.3", "attention"}: the name's scopes, without the
/// node's own last part. Module paths joined by dots ("encoder.layer.3.attention/MatMul") split at each dot that does
/// not start a number, so "layer.3" and "features.12" stay one scope as PyTorch's exporter writes them.
std::vector<std::string> scopesOf(const std::string& name)
{
    std::vector<std::string> parts;
    const std::size_t last = name.rfind('/');
    if (last == std::string::npos)
        return parts;
    std::string current;
    for (std::size_t i = 0; i < last; ++i) {
        const char c = name[i];
        const bool split
            = c == '/' || (c == '.' && i + 1 < last && !std::isdigit(static_cast<unsigned char>(name[i + 1])));
        if (!split) {
            current += c;
            continue;
        }
        if (!current.empty())
            parts.push_back(std::move(current));
        current.clear();
    }
    if (!current.empty())
        parts.push_back(std::move(current));
    constexpr std::size_t kMaxDepth = 32; // hostile names must not make the tree arbitrarily deep
    if (parts.size() > kMaxDepth)
        parts.resize(kMaxDepth);
    return parts;
}

class TreeBuilder {
public:
    explicit TreeBuilder(std::size_t runSize)
        : m_runSize(std::max<std::size_t>(runSize, 2))
    {
        m_raw.emplace_back();
    }

    int add(RawGroup group)
    {
        const int index = static_cast<int>(m_raw.size());
        const int parent = group.parent;
        m_raw.push_back(std::move(group));
        m_raw[static_cast<std::size_t>(parent)].children.push_back(index);
        return index;
    }

    /// The scope group for `scopes` under `container`, created on first use.
    int scope(int container, const std::vector<std::string>& scopes)
    {
        int current = container;
        for (const auto& part : scopes) {
            auto& map = m_raw[static_cast<std::size_t>(current)].scopeChild;
            if (const auto found = map.find(part); found != map.end()) {
                current = found->second;
                continue;
            }
            RawGroup group;
            group.name = part;
            group.path = m_raw[static_cast<std::size_t>(current)].kind == LayerGroup::Kind::Scope && current != 0
                ? m_raw[static_cast<std::size_t>(current)].path + "/" + part
                : "/" + part;
            group.parent = current;
            const int child = add(std::move(group));
            m_raw[static_cast<std::size_t>(current)].scopeChild.emplace(part, child);
            current = child;
        }
        return current;
    }

    RawGroup& at(int index) { return m_raw[static_cast<std::size_t>(index)]; }

    /// Merges single-child chains and dissolves single-layer scopes, below `index` first.
    void simplify(int index)
    {
        for (const int child : std::vector<int>(at(index).children))
            simplify(child);
        auto& node = at(index);
        std::vector<int> kept;
        for (const int child : node.children) {
            RawGroup& c = at(child);
            if (c.kind == LayerGroup::Kind::Scope && c.children.empty() && c.layers.size() == 1) {
                node.layers.push_back(c.layers.front());
                c.gone = true;
            } else {
                kept.push_back(child);
            }
        }
        node.children = std::move(kept);
        // A scope holding nothing but one scope is that scope ("encoder" > "layer.3" reads "encoder/layer.3").
        while (index != 0 && node.kind == LayerGroup::Kind::Scope && node.layers.empty() && node.children.size() == 1
            && at(node.children.front()).kind == LayerGroup::Kind::Scope) {
            RawGroup& only = at(node.children.front());
            only.gone = true;
            node.name += "/" + only.name;
            node.path = only.path;
            node.layers = std::move(only.layers);
            node.children = std::move(only.children);
            for (const int grandchild : node.children)
                at(grandchild).parent = index;
        }
    }

    /// The first layer at or below a group, for ordering.
    std::size_t firstLayer(int index)
    {
        std::size_t first = SIZE_MAX;
        for (const std::size_t l : at(index).layers)
            first = std::min(first, l);
        for (const int child : at(index).children)
            first = std::min(first, firstLayer(child));
        return first;
    }

    /// Wherever a group holds more than runSize items directly, puts them into runs of consecutive items.
    void chunk(int index, const analysis::Analysis& a)
    {
        for (const int child : std::vector<int>(at(index).children))
            chunk(child, a);
        while (at(index).children.size() + at(index).layers.size() > m_runSize) {
            struct Item {
                std::size_t order;
                int group; // -1 for a layer
                std::size_t layer;
            };
            std::vector<Item> items;
            for (const int child : at(index).children)
                items.push_back({ firstLayer(child), child, 0 });
            for (const std::size_t l : at(index).layers)
                items.push_back({ l, -1, l });
            std::ranges::sort(items, {}, &Item::order);
            at(index).children.clear();
            at(index).layers.clear();
            const std::size_t runs = (items.size() + m_runSize - 1) / m_runSize;
            for (std::size_t r = 0; r < runs; ++r) {
                const std::size_t begin = r * m_runSize, end = std::min(items.size(), begin + m_runSize);
                RawGroup run;
                run.kind = LayerGroup::Kind::Run;
                const auto nameAt = [&](const Item& item) {
                    return item.group >= 0 ? at(item.group).name : a.layers[item.layer].name;
                };
                run.name = shortenMiddle(nameAt(items[begin]), 24) + " … " + shortenMiddle(nameAt(items[end - 1]), 24);
                run.path = (index == 0 ? std::string("model") : at(index).path) + " [" + std::to_string(begin + 1) + "–"
                    + std::to_string(end) + " of " + std::to_string(items.size()) + "]";
                run.parent = index;
                const int runIndex = add(std::move(run));
                for (std::size_t i = begin; i < end; ++i) {
                    if (items[i].group >= 0) {
                        at(items[i].group).parent = runIndex;
                        at(runIndex).children.push_back(items[i].group);
                    } else {
                        at(runIndex).layers.push_back(items[i].layer);
                    }
                }
            }
        }
    }

    /// Final indices in depth-first order, layer counts, and each layer's innermost group.
    GroupTree finish(std::size_t layerCount)
    {
        GroupTree tree;
        tree.groupOf.assign(layerCount, -1);
        const std::function<std::size_t(int, int)> emit = [&](int rawIndex, int finalParent) -> std::size_t {
            RawGroup& raw = at(rawIndex);
            std::ranges::sort(raw.layers);
            std::ranges::sort(raw.children, {}, [&](int c) { return firstLayer(c); });
            int self = -1;
            if (rawIndex != 0) {
                self = static_cast<int>(tree.groups.size());
                LayerGroup group;
                group.kind = raw.kind;
                group.name = raw.name;
                group.path = raw.path;
                group.parent = finalParent;
                group.layers = raw.layers;
                group.ownerLayer = raw.ownerLayer;
                tree.groups.push_back(std::move(group));
                if (finalParent >= 0)
                    tree.groups[static_cast<std::size_t>(finalParent)].groups.push_back(self);
                else
                    tree.topGroups.push_back(self);
            } else {
                tree.topLayers = raw.layers;
            }
            for (const std::size_t l : raw.layers)
                tree.groupOf[l] = self;
            std::size_t count = raw.layers.size();
            for (const int child : raw.children)
                count += emit(child, self);
            if (self >= 0)
                tree.groups[static_cast<std::size_t>(self)].layerCount = count;
            return count;
        };
        emit(0, -1);
        return tree;
    }

private:
    std::vector<RawGroup> m_raw;
    std::size_t m_runSize;
};

/// Nodes that compute only from weights: a Constant, or a node all of whose inputs are initializers or such nodes'
/// outputs (exporters add Identity, Cast or Reshape of weights to share or reshape them).
std::vector<bool> weightOnlyNodes(const model::ModelFile& file, std::size_t layerCount)
{
    std::unordered_set<std::string> constantValues;
    for (const auto& info : file.graphs())
        for (const auto& initializer : info.graph->initializer())
            constantValues.insert(initializer.name());
    std::vector<bool> folded(layerCount, false);
    std::size_t layer = 0;
    for (const auto& info : file.graphs())
        for (const auto& node : info.graph->node()) {
            const bool fromWeights = node.op_type() == "Constant"
                || (node.input_size() > 0 && std::ranges::all_of(node.input(), [&](const std::string& input) {
                       return input.empty() || constantValues.contains(input);
                   }));
            if (fromWeights && layer < layerCount) {
                folded[layer] = true;
                for (const auto& output : node.output())
                    constantValues.insert(output);
            }
            ++layer;
        }
    return folded;
}

} // namespace

GroupTree groupLayers(const analysis::Analysis& a, std::size_t runSize)
{
    const auto& file = *a.modelFile;
    const std::vector<bool> folded = weightOnlyNodes(file, a.layers.size());
    TreeBuilder builder(runSize);
    std::unordered_map<const onnx::NodeProto*, std::size_t> layerOfNode;
    std::vector<int> containerOfGraph(file.graphs().size(), 0);
    std::vector<int> rawOfLayer(a.layers.size(), 0);
    std::size_t layer = 0;
    for (std::size_t g = 0; g < file.graphs().size(); ++g) {
        const auto& info = file.graphs()[g];
        if (g > 0) {
            RawGroup body;
            body.kind = LayerGroup::Kind::Body;
            body.path = info.path;
            body.name = info.path.substr(info.path.rfind('/') + 1);
            const auto owner = layerOfNode.find(info.ownerNode);
            body.ownerLayer = owner != layerOfNode.end() ? static_cast<int>(owner->second) : -1;
            body.parent = body.ownerLayer >= 0 ? rawOfLayer[static_cast<std::size_t>(body.ownerLayer)]
                : info.parent >= 0             ? containerOfGraph[static_cast<std::size_t>(info.parent)]
                                               : 0;
            containerOfGraph[g] = builder.add(std::move(body));
        }
        for (const auto& node : info.graph->node()) {
            if (layer >= a.layers.size())
                break;
            layerOfNode.emplace(&node, layer);
            const int group = builder.scope(containerOfGraph[g], scopesOf(node.name()));
            rawOfLayer[layer] = group;
            if (!folded[layer])
                builder.at(group).layers.push_back(layer);
            ++layer;
        }
    }
    builder.simplify(0);
    builder.chunk(0, a);
    GroupTree tree = builder.finish(a.layers.size());
    tree.folded = folded; // a folded layer's groupOf stays -1: it is not drawn
    return tree;
}

Expansion expandAll(const GroupTree& tree)
{
    return Expansion(tree.groups.size(), true);
}

Expansion collapseAll(const GroupTree& tree)
{
    return Expansion(tree.groups.size(), false);
}

std::size_t visibleNodeCount(const GroupTree& tree, const Expansion& expansion)
{
    const std::function<std::size_t(int)> count = [&](int g) -> std::size_t {
        const auto& group = tree.groups[static_cast<std::size_t>(g)];
        if (!expansion[static_cast<std::size_t>(g)])
            return 1;
        std::size_t n = group.layers.size();
        for (const int child : group.groups)
            n += count(child);
        return n;
    };
    std::size_t n = tree.topLayers.size();
    for (const int g : tree.topGroups)
        n += count(g);
    return n;
}

Expansion expandUpTo(const GroupTree& tree, std::size_t maxNodes)
{
    // A level opens whole or not at all, so that siblings (twelve encoder layers) look alike in the outline.
    Expansion expansion = collapseAll(tree);
    std::size_t count = tree.topLayers.size() + tree.topGroups.size();
    std::vector<int> level = tree.topGroups;
    while (!level.empty()) {
        std::size_t opened = count;
        std::vector<int> next;
        for (const int g : level) {
            const auto& group = tree.groups[static_cast<std::size_t>(g)];
            opened = opened - 1 + group.groups.size() + group.layers.size();
            next.insert(next.end(), group.groups.begin(), group.groups.end());
        }
        if (opened > maxNodes)
            break;
        for (const int g : level)
            expansion[static_cast<std::size_t>(g)] = true;
        count = opened;
        level = std::move(next);
    }
    return expansion;
}

int hiddenBy(const GroupTree& tree, const Expansion& expansion, std::size_t layer)
{
    int outermost = -1;
    for (int g = tree.groupOf[layer]; g >= 0; g = tree.groups[static_cast<std::size_t>(g)].parent)
        if (!expansion[static_cast<std::size_t>(g)])
            outermost = g;
    return outermost;
}

void reveal(const GroupTree& tree, Expansion& expansion, std::size_t layer)
{
    for (int g = tree.groupOf[layer]; g >= 0; g = tree.groups[static_cast<std::size_t>(g)].parent)
        expansion[static_cast<std::size_t>(g)] = true;
}

} // namespace slimscope::core::graph
