// The drawn graph: visible nodes, edges, clusters and colours (visiblegraph.h).
#include "graph/visiblegraph.h"

#include "plan/sensitivity.h"
#include "slim/slimmer.h"
#include "support/format.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <map>
#include <unordered_map>
#include <unordered_set>

namespace slimscope::core::graph {

namespace {

constexpr NodeMeasure kMeasures[] = { NodeMeasure::Bytes, NodeMeasure::Params, NodeMeasure::Macs, NodeMeasure::Sparsity,
    NodeMeasure::Dtype, NodeMeasure::Sensitivity };

/// SQNR at or above this is drawn white, at or below kSqnrRed fully red.
constexpr double kSqnrWhite = 45.0;
constexpr double kSqnrRed = 10.0;

std::string fixed(double value, int decimals)
{
    char text[32];
    std::snprintf(text, sizeof text, "%.*f", decimals, value);
    return text;
}

/// The figures of a node: one layer's, or a group's summed over its layers.
LayerFigures sum(const LayerFigures& into, const LayerFigures& add)
{
    LayerFigures s = into;
    s.bytes += add.bytes;
    s.bytesBefore += add.bytesBefore;
    s.params += add.params;
    s.zeros += add.zeros;
    s.macs += add.macs;
    s.macsKnown = s.macsKnown || add.macsKnown;
    if (add.dtypeBytes > s.dtypeBytes) {
        s.dtype = add.dtype;
        s.dtypeBytes = add.dtypeBytes;
    }
    if (add.sqnrDb && (!s.sqnrDb || *add.sqnrDb < *s.sqnrDb))
        s.sqnrDb = add.sqnrDb;
    s.removed = s.removed && add.removed;
    return s;
}

double valueOf(const LayerFigures& f, NodeMeasure measure)
{
    switch (measure) {
    case NodeMeasure::Bytes:
        return static_cast<double>(f.bytes);
    case NodeMeasure::Params:
        return static_cast<double>(f.params);
    case NodeMeasure::Macs:
        return static_cast<double>(f.macs);
    case NodeMeasure::Sparsity:
        return f.params ? static_cast<double>(f.zeros) / static_cast<double>(f.params) : 0.0;
    case NodeMeasure::Dtype:
    case NodeMeasure::Sensitivity:
        return 0.0;
    }
    return 0.0;
}

std::string valueText(const LayerFigures& f, NodeMeasure measure, bool afterRecipe)
{
    switch (measure) {
    case NodeMeasure::Bytes:
        if (afterRecipe && f.bytesBefore != f.bytes)
            return humanBytes(f.bytesBefore) + " → " + humanBytes(f.bytes);
        return f.bytes ? humanBytes(f.bytes) : std::string();
    case NodeMeasure::Params:
        return f.params ? humanCount(f.params) + " params" : std::string();
    case NodeMeasure::Macs:
        return f.macsKnown && f.macs ? humanCount(f.macs) + " MACs" : std::string();
    case NodeMeasure::Sparsity:
        return f.params ? humanPercent(valueOf(f, measure)) + " zeros" : std::string();
    case NodeMeasure::Dtype:
        return f.dtype;
    case NodeMeasure::Sensitivity:
        return f.sqnrDb ? "SQNR " + fixed(*f.sqnrDb, 1) + " dB" : std::string();
    }
    return {};
}

std::string sensitivityColour(const std::optional<double>& sqnr)
{
    if (!sqnr)
        return "#ffffff";
    const double t = std::clamp((kSqnrWhite - *sqnr) / (kSqnrWhite - kSqnrRed), 0.0, 1.0);
    const auto mix = [t](int to) { return static_cast<int>(std::lround(255.0 + (to - 255.0) * t)); };
    char colour[8];
    std::snprintf(colour, sizeof colour, "#%02x%02x%02x", mix(0xc0), mix(0x39), mix(0x2b));
    return colour;
}

std::string legendOf(NodeMeasure measure, const Figures& figures)
{
    std::string legend = "colour: " + std::string(nodeMeasureName(measure));
    if (figures.afterRecipe && measure != NodeMeasure::Sensitivity)
        legend += " after the recipe (dashed: removed)";
    switch (measure) {
    case NodeMeasure::Dtype:
        return legend + " of each node's largest weight";
    case NodeMeasure::Sparsity:
        return legend + " (white 0 %, blue 100 %; square root scale)";
    case NodeMeasure::Sensitivity:
        return legend + (figures.hasSensitivity ? " of " + figures.sensitivityStep : std::string()) + " (white ≥ "
            + fixed(kSqnrWhite, 0) + " dB output SQNR, red ≤ " + fixed(kSqnrRed, 0) + " dB; unmeasured white)";
    default:
        return legend + " (white none, blue the largest shown; square root scale; wider is larger)";
    }
}

/// The name below the innermost scope around it ("squeeze/Conv" inside "/features/features.3"; "query/MatMul" of
/// "encoder.layer.0.attention.query/MatMul" inside "/encoder/layer.0/attention"): the frame already says the rest.
std::string nameInScope(const GroupTree& tree, const std::string& name, int group)
{
    while (group >= 0 && tree.groups[static_cast<std::size_t>(group)].kind == LayerGroup::Kind::Run)
        group = tree.groups[static_cast<std::size_t>(group)].parent;
    if (group < 0 || tree.groups[static_cast<std::size_t>(group)].kind != LayerGroup::Kind::Scope)
        return name;
    const std::string_view path = std::string_view(tree.groups[static_cast<std::size_t>(group)].path).substr(1);
    const std::string_view bare = std::string_view(name).substr(name.starts_with('/') ? 1 : 0);
    // The path joins scopes with '/', the name may join them with '.' (module paths).
    const auto separator = [](char c) { return c == '/' || c == '.'; };
    if (bare.size() <= path.size() + 1)
        return name;
    for (std::size_t i = 0; i < path.size(); ++i)
        if (bare[i] != path[i] && !(path[i] == '/' && separator(bare[i])))
            return name;
    return separator(bare[path.size()]) ? std::string(bare.substr(path.size() + 1)) : name;
}

} // namespace

std::optional<NodeMeasure> parseNodeMeasure(std::string_view text)
{
    for (const NodeMeasure m : kMeasures)
        if (text == nodeMeasureName(m))
            return m;
    return std::nullopt;
}

std::string_view nodeMeasureName(NodeMeasure measure)
{
    switch (measure) {
    case NodeMeasure::Bytes:
        return "bytes";
    case NodeMeasure::Params:
        return "params";
    case NodeMeasure::Macs:
        return "macs";
    case NodeMeasure::Sparsity:
        return "sparsity";
    case NodeMeasure::Dtype:
        return "dtype";
    case NodeMeasure::Sensitivity:
        return "sensitivity";
    }
    return "bytes";
}

std::string shareColour(double t)
{
    t = std::sqrt(std::clamp(t, 0.0, 1.0));
    const auto mix = [t](int to) { return static_cast<int>(std::lround(255.0 + (to - 255.0) * t)); };
    char colour[8];
    std::snprintf(colour, sizeof colour, "#%02x%02x%02x", mix(0x3b), mix(0x6f), mix(0xb6));
    return colour;
}

std::string dtypeColour(std::string_view dtype)
{
    static const std::map<std::string, std::string, std::less<>> colours {
        { "float32", "#7aa6d6" },
        { "float16", "#f2a65a" },
        { "bfloat16", "#ffb3ba" },
        { "float64", "#9c755f" },
        { "int8", "#e57373" },
        { "uint8", "#80cbc4" },
        { "int4", "#81c784" },
        { "uint4", "#a5d6a7" },
        { "int32", "#ffd54f" },
        { "int64", "#ce93d8" },
    };
    const auto it = colours.find(dtype);
    return dtype.empty() ? "#ffffff" : it != colours.end() ? it->second : "#bdbdbd";
}

Figures figuresOf(const analysis::Analysis& a)
{
    Figures figures;
    figures.layers.reserve(a.layers.size());
    for (const auto& layer : a.layers) {
        LayerFigures f;
        f.bytes = f.bytesBefore = layer.bytes;
        f.params = layer.params;
        f.zeros = layer.zeros;
        f.macsKnown = layer.macs.has_value();
        f.macs = layer.macs.value_or(0);
        for (const auto index : layer.tensors) {
            const auto& t = a.tensors[index.get()];
            if (f.dtype.empty() || t.bytes > f.dtypeBytes) {
                f.dtype = model::dataTypeName(static_cast<std::int32_t>(t.dtype));
                f.dtypeBytes = t.bytes;
            }
        }
        figures.layers.push_back(std::move(f));
    }
    return figures;
}

void applyPreview(
    Figures& figures, const analysis::Analysis& a, const slim::Preview& preview, const std::vector<bool>& removed)
{
    figures.afterRecipe = true;
    const auto changes = slim::changesByTensor(preview, a.tensors.size());
    for (std::size_t l = 0; l < a.layers.size() && l < figures.layers.size(); ++l) {
        LayerFigures& f = figures.layers[l];
        f.removed = l < removed.size() && removed[l];
        if (a.layers[l].tensors.empty())
            continue;
        f.bytes = f.params = f.zeros = f.dtypeBytes = 0;
        f.dtype.clear();
        for (const auto index : a.layers[l].tensors) {
            const slim::TensorChange* change = changes[index.get()];
            if (!change) {
                const auto& t = a.tensors[index.get()];
                f.bytes += t.bytes;
                f.params += t.elements;
                f.zeros += t.zeros;
                continue;
            }
            if (change->removed)
                continue;
            const double kept = change->channelsBefore > 0
                ? static_cast<double>(change->channelsAfter) / static_cast<double>(change->channelsBefore)
                : 1.0;
            const auto params = static_cast<std::uint64_t>(std::llround(static_cast<double>(change->elements) * kept));
            f.bytes += change->bytesAfter;
            f.params += params;
            f.zeros += static_cast<std::uint64_t>(std::llround(change->sparsityAfter * static_cast<double>(params)));
            if (change->bytesAfter > f.dtypeBytes) {
                f.dtype = slim::dtypeAfterName(change->dtypeAfter);
                f.dtypeBytes = change->bytesAfter;
            }
            if (change->channelsBefore > 0 && change->channelsAfter < change->channelsBefore
                && change->channelsBefore > f.channelsBefore) {
                f.channelsBefore = change->channelsBefore;
                f.channelsAfter = change->channelsAfter;
            }
        }
    }
}

std::vector<bool> removedLayers(const analysis::Analysis& a, slim::WorkingModel& slimmed)
{
    std::unordered_set<std::string> names, outputs;
    for (const auto& graph : slimmed.graphs())
        for (const auto& node : graph.graph->node()) {
            if (!node.name().empty())
                names.insert(node.name());
            for (const auto& output : node.output())
                outputs.insert(output);
        }
    std::vector<bool> removed(a.layers.size(), false);
    std::size_t layer = 0;
    for (const auto& info : a.modelFile->graphs())
        for (const auto& node : info.graph->node()) {
            if (layer >= removed.size())
                return removed;
            removed[layer++] = node.name().empty() ? node.output_size() > 0 && !outputs.contains(node.output(0))
                                                   : !names.contains(node.name());
        }
    return removed;
}

void applySensitivity(Figures& figures, const analysis::Analysis& a, const plan::Sensitivity& sensitivity)
{
    std::unordered_map<std::string, std::size_t> byName;
    for (std::size_t l = 0; l < a.layers.size(); ++l)
        byName.try_emplace(a.layers[l].name, l);
    figures.hasSensitivity = true;
    figures.sensitivityStep = sensitivity.step;
    for (const auto& measured : sensitivity.layers)
        if (const auto found = byName.find(measured.node);
            found != byName.end() && found->second < figures.layers.size()) {
            auto& sqnr = figures.layers[found->second].sqnrDb;
            if (!sqnr || measured.sqnrDb < *sqnr)
                sqnr = measured.sqnrDb;
        }
}

VisibleGraph visibleGraph(const analysis::Analysis& a, const GroupTree& tree, const Expansion& expansion,
    const Figures& figures, NodeMeasure measure)
{
    VisibleGraph out;
    out.measure = measure;
    out.legend = legendOf(measure, figures);
    const auto& file = *a.modelFile;
    const std::size_t layerCount = std::min(a.layers.size(), figures.layers.size());

    // Each group's figures, and the node every drawn layer shows as: itself, or the outermost closed group around it.
    std::vector<LayerFigures> groupFigures(tree.groups.size());
    for (auto& g : groupFigures)
        g.removed = true;
    for (std::size_t l = 0; l < layerCount; ++l)
        for (int g = tree.groupOf[l]; g >= 0; g = tree.groups[static_cast<std::size_t>(g)].parent)
            groupFigures[static_cast<std::size_t>(g)]
                = sum(groupFigures[static_cast<std::size_t>(g)], figures.layers[l]);
    std::vector<std::string> shownAs(layerCount);
    for (std::size_t l = 0; l < layerCount; ++l) {
        if (tree.folded[l])
            continue;
        const int hidden = hiddenBy(tree, expansion, l);
        shownAs[l] = hidden >= 0 ? "g" + std::to_string(hidden) : "n" + std::to_string(l);
    }

    const auto layerNode = [](std::size_t l, int cluster) {
        GraphNode node;
        node.id = "n" + std::to_string(l);
        node.index = static_cast<int>(l);
        node.cluster = cluster;
        return node;
    };
    // Nodes: open groups become clusters, closed groups with open parents and layers with open groups become nodes.
    const std::function<void(int, int)> visit = [&](int g, int cluster) {
        const auto& group = tree.groups[static_cast<std::size_t>(g)];
        if (!expansion[static_cast<std::size_t>(g)]) {
            const auto& f = groupFigures[static_cast<std::size_t>(g)];
            GraphNode node;
            node.kind = GraphNode::Kind::Group;
            node.id = "g" + std::to_string(g);
            node.index = g;
            node.cluster = cluster;
            std::string kind = group.kind == LayerGroup::Kind::Body ? " (body)" : "";
            node.label = "▸ " + shortenMiddle(group.name, 40) + kind + "\n" + std::to_string(group.layerCount)
                + (group.layerCount == 1 ? " node" : " nodes");
            if (const std::string value = valueText(f, measure, figures.afterRecipe); !value.empty())
                node.label += "\n" + value;
            node.tooltip = group.path + " — click to open";
            node.removed = figures.afterRecipe && f.removed;
            out.nodes.push_back(std::move(node));
            return;
        }
        out.clusters.push_back({ g, cluster,
            shortenMiddle(group.kind == LayerGroup::Kind::Run ? group.path : group.name, 60)
                + (group.kind == LayerGroup::Kind::Body ? " (body)" : "") });
        for (const std::size_t l : group.layers)
            out.nodes.push_back(layerNode(l, g));
        for (const int child : group.groups)
            visit(child, g);
    };
    for (const std::size_t l : tree.topLayers)
        out.nodes.push_back(layerNode(l, -1));
    for (const int g : tree.topGroups)
        visit(g, -1);

    // Labels, values and colours of the layer nodes; shares against the largest shown.
    double largest = 0.0;
    const auto figuresOfNode = [&](const GraphNode& node) -> const LayerFigures& {
        return node.kind == GraphNode::Kind::Group ? groupFigures[static_cast<std::size_t>(node.index)]
                                                   : figures.layers[static_cast<std::size_t>(node.index)];
    };
    for (const auto& node : out.nodes)
        largest = std::max(largest, valueOf(figuresOfNode(node), measure));
    for (auto& node : out.nodes) {
        const LayerFigures& f = figuresOfNode(node);
        if (node.kind == GraphNode::Kind::Layer) {
            const auto& layer = a.layers[static_cast<std::size_t>(node.index)];
            node.label = layer.opType + "\n" + shortenMiddle(nameInScope(tree, layer.name, node.cluster), 40);
            if (const std::string value = valueText(f, measure, figures.afterRecipe); !value.empty())
                node.label += "\n" + value;
            if (f.channelsAfter < f.channelsBefore)
                node.label
                    += "\n" + std::to_string(f.channelsAfter) + " of " + std::to_string(f.channelsBefore) + " channels";
            node.removed = f.removed;
            if (node.removed)
                node.label += "\n(removed)";
            node.tooltip = layer.name;
        }
        const double value = valueOf(f, measure);
        node.share = measure == NodeMeasure::Sparsity ? value : largest > 0 ? value / largest : 0.0;
        node.fill = node.removed                  ? std::string("#eeeeee")
            : measure == NodeMeasure::Dtype       ? dtypeColour(f.dtype)
            : measure == NodeMeasure::Sensitivity ? sensitivityColour(f.sqnrDb)
                                                  : shareColour(node.share);
        if (measure == NodeMeasure::Dtype || measure == NodeMeasure::Sensitivity || measure == NodeMeasure::Sparsity)
            node.share = 0.0; // only amounts widen nodes
    }

    // Graph inputs (not initializers listed as inputs, as IR < 4 did) and outputs of the main graph.
    const auto& main = *file.graphs().front().graph;
    std::unordered_set<std::string> initializers;
    for (const auto& t : main.initializer())
        initializers.insert(t.name());
    const auto addEnd = [&](GraphNode::Kind kind, const char* prefix, int index, const std::string& name) {
        GraphNode node;
        node.kind = kind;
        node.id = prefix + std::to_string(index);
        node.index = index;
        node.label = node.tooltip = name;
        node.fill = "#eeeeee";
        out.nodes.push_back(std::move(node));
        return out.nodes.back().id;
    };
    std::unordered_map<std::string, std::string> inputNode;
    for (int i = 0; i < main.input_size(); ++i)
        if (!initializers.contains(main.input(i).name()))
            inputNode[main.input(i).name()] = addEnd(GraphNode::Kind::Input, "in", i, main.input(i).name());
    for (int o = 0; o < main.output_size(); ++o)
        addEnd(GraphNode::Kind::Output, "out", o, main.output(o).name());

    // Edges: a value from the node that writes it (or a graph input) to each node that reads it, between the nodes
    // they show as; the values between two nodes are one edge.
    std::unordered_map<std::string, std::pair<std::size_t, std::size_t>> producer; // value -> (layer, output)
    std::size_t layer = 0;
    for (const auto& info : file.graphs())
        for (const auto& node : info.graph->node()) {
            for (int o = 0; o < node.output_size(); ++o)
                producer.try_emplace(node.output(o), layer, static_cast<std::size_t>(o));
            ++layer;
        }
    struct Values {
        std::vector<std::string> names;
        std::string shape;
    };
    std::map<std::pair<std::string, std::string>, Values> between;
    std::vector<std::pair<std::string, std::string>> order; // first appearance, so DOT output is stable
    const auto connect
        = [&](const std::string& tail, const std::string& head, const std::string& value, const std::string& shape) {
              if (tail == head || tail.empty() || head.empty())
                  return;
              auto [it, added] = between.try_emplace({ tail, head });
              if (added)
                  order.emplace_back(tail, head);
              if (std::ranges::find(it->second.names, value) == it->second.names.end()) {
                  it->second.names.push_back(value);
                  it->second.shape = shape;
              }
          };
    const auto shapeOf = [&](std::size_t l, std::size_t o) {
        const auto& shapes = a.layers[l].outputShapes;
        return o < shapes.size() ? shapes[o] : std::string("?");
    };
    layer = 0;
    for (const auto& info : file.graphs())
        for (const auto& node : info.graph->node()) {
            const std::size_t self = layer++;
            if (self >= layerCount || tree.folded[self])
                continue;
            for (const auto& input : node.input()) {
                if (input.empty())
                    continue;
                if (const auto from = producer.find(input); from != producer.end()) {
                    if (from->second.first < layerCount && !tree.folded[from->second.first])
                        connect(shownAs[from->second.first], shownAs[self], input,
                            shapeOf(from->second.first, from->second.second));
                } else if (const auto in = inputNode.find(input); in != inputNode.end()) {
                    connect(in->second, shownAs[self], input, "");
                }
            }
        }
    for (int o = 0; o < main.output_size(); ++o)
        if (const auto from = producer.find(main.output(o).name());
            from != producer.end() && from->second.first < layerCount && !tree.folded[from->second.first])
            connect(shownAs[from->second.first], "out" + std::to_string(o), main.output(o).name(),
                shapeOf(from->second.first, from->second.second));
    for (const auto& key : order) {
        const Values& values = between.at(key);
        GraphEdge edge;
        edge.tail = key.first;
        edge.head = key.second;
        edge.label = values.names.size() == 1 ? (values.shape == "?" ? std::string() : values.shape)
                                              : std::to_string(values.names.size()) + " values";
        for (const auto& name : values.names)
            edge.tooltip += (edge.tooltip.empty() ? "" : "\n") + name;
        if (values.names.size() == 1 && !values.shape.empty())
            edge.tooltip += " " + values.shape;
        out.edges.push_back(std::move(edge));
    }
    // A closed body hangs from the node that owns it.
    for (const auto& node : out.nodes)
        if (node.kind == GraphNode::Kind::Group) {
            const auto& group = tree.groups[static_cast<std::size_t>(node.index)];
            if (group.kind == LayerGroup::Kind::Body && group.ownerLayer >= 0
                && static_cast<std::size_t>(group.ownerLayer) < layerCount && !tree.folded[group.ownerLayer]) {
                GraphEdge edge;
                edge.tail = shownAs[static_cast<std::size_t>(group.ownerLayer)];
                edge.head = node.id;
                edge.ownership = true;
                edge.tooltip = group.path;
                if (edge.tail != edge.head)
                    out.edges.push_back(std::move(edge));
            }
        }
    return out;
}

} // namespace slimscope::core::graph
