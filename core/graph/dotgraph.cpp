// The model as DOT (dotgraph.h).
#include "graph/dotgraph.h"

#include "support/format.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <map>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

namespace slimscope::core::graph {

namespace {

/// A DOT double-quoted string: quotes and backslashes escaped, newlines as DOT's \n.
std::string dotString(std::string_view text)
{
    std::string out = "\"";
    for (const char c : text) {
        if (c == '"' || c == '\\')
            out += '\\';
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out += c;
    }
    return out + "\"";
}

double valueOf(const analysis::LayerStats& layer, NodeMeasure measure)
{
    switch (measure) {
    case NodeMeasure::Bytes:
        return static_cast<double>(layer.bytes);
    case NodeMeasure::Params:
        return static_cast<double>(layer.params);
    case NodeMeasure::Macs:
        return layer.macs ? static_cast<double>(*layer.macs) : 0.0;
    case NodeMeasure::Sparsity:
        return layer.sparsity;
    case NodeMeasure::Dtype:
        return 0.0;
    }
    return 0.0;
}

std::string valueText(const analysis::LayerStats& layer, NodeMeasure measure)
{
    switch (measure) {
    case NodeMeasure::Bytes:
        return layer.bytes ? humanBytes(layer.bytes) : std::string();
    case NodeMeasure::Params:
        return layer.params ? humanCount(layer.params) + " params" : std::string();
    case NodeMeasure::Macs:
        return layer.macs && *layer.macs ? humanCount(*layer.macs) + " MACs" : std::string();
    case NodeMeasure::Sparsity:
        return layer.params ? humanPercent(layer.sparsity) + " zeros" : std::string();
    case NodeMeasure::Dtype:
        return {};
    }
    return {};
}

/// The dtype of the layer's largest weight, "" without weights.
std::string dtypeOf(const analysis::Analysis& a, const analysis::LayerStats& layer)
{
    const analysis::TensorStats* largest = nullptr;
    for (const auto index : layer.tensors) {
        const auto& t = a.tensors[index.get()];
        if (!largest || t.bytes > largest->bytes)
            largest = &t;
    }
    return largest ? std::string(model::dataTypeName(static_cast<std::int32_t>(largest->dtype))) : std::string();
}

std::string dtypeColour(const std::string& dtype)
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

} // namespace

std::optional<NodeMeasure> parseNodeMeasure(std::string_view text)
{
    for (const NodeMeasure m :
        { NodeMeasure::Bytes, NodeMeasure::Params, NodeMeasure::Macs, NodeMeasure::Sparsity, NodeMeasure::Dtype })
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
    }
    return "bytes";
}

std::string nodeColour(const analysis::Analysis& a, std::size_t layer, NodeMeasure measure)
{
    if (measure == NodeMeasure::Dtype)
        return dtypeColour(dtypeOf(a, a.layers[layer]));
    double largest = 0.0;
    for (const auto& l : a.layers)
        largest = std::max(largest, valueOf(l, measure));
    const double share = measure == NodeMeasure::Sparsity ? valueOf(a.layers[layer], measure)
        : largest > 0                                     ? valueOf(a.layers[layer], measure) / largest
                                                          : 0.0;
    const double t = std::sqrt(std::clamp(share, 0.0, 1.0));
    // White to a mid blue (#3b6fb6).
    const auto mix = [t](int to) { return static_cast<int>(std::lround(255.0 + (to - 255.0) * t)); };
    char colour[8];
    std::snprintf(colour, sizeof colour, "#%02x%02x%02x", mix(0x3b), mix(0x6f), mix(0xb6));
    return colour;
}

std::string toDot(const analysis::Analysis& a, const DotOptions& options)
{
    const auto& file = *a.modelFile;
    std::ostringstream out;
    out << "digraph model {\n  rankdir=TB;\n  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", "
           "fontsize=10];\n  edge [color=\"#666666\", arrowsize=0.6];\n";
    // Which layer writes each value (names are unique across graphs in exported models; the first writer wins).
    std::unordered_map<std::string, std::pair<std::size_t, std::size_t>> producer; // value -> (layer, output)
    std::vector<std::vector<std::size_t>> layersOf(file.graphs().size());
    std::size_t layer = 0;
    for (std::size_t g = 0; g < file.graphs().size(); ++g)
        for (const auto& node : file.graphs()[g].graph->node()) {
            layersOf[g].push_back(layer);
            for (int o = 0; o < node.output_size(); ++o)
                producer.try_emplace(node.output(o), layer, static_cast<std::size_t>(o));
            ++layer;
        }
    // Nodes that compute only from weights (Constant, and an Identity, Cast or Reshape of an initializer, which
    // exporters add to share or reshape weights) are folded away: they would be boxes without a flow.
    std::unordered_set<std::string> constantValues;
    for (const auto& info : file.graphs())
        for (const auto& initializer : info.graph->initializer())
            constantValues.insert(initializer.name());
    std::vector<bool> folded(a.layers.size(), false);
    layer = 0;
    for (std::size_t g = 0; g < file.graphs().size(); ++g)
        for (const auto& node : file.graphs()[g].graph->node()) {
            const bool fromWeights = node.op_type() == "Constant"
                || (node.input_size() > 0 && std::ranges::all_of(node.input(), [&](const std::string& input) {
                       return input.empty() || constantValues.contains(input);
                   }));
            if (fromWeights) {
                folded[layer] = true;
                for (const auto& output : node.output())
                    constantValues.insert(output);
            }
            ++layer;
        }
    const auto isConstant = [&](std::size_t l) { return folded[l]; };
    const auto shapeOf = [&](std::size_t l, std::size_t o) {
        const auto& shapes = a.layers[l].outputShapes;
        return o < shapes.size() ? shapes[o] : std::string("?");
    };
    // Each graph's nodes, its subgraphs (If/Loop/Scan bodies) as clusters nested inside it.
    const std::function<void(std::size_t, const std::string&)> emitGraph
        = [&](std::size_t g, const std::string& indent) {
              for (const std::size_t l : layersOf[g]) {
                  if (isConstant(l))
                      continue;
                  const auto& info = a.layers[l];
                  std::string label = info.opType + "\n" + shortenMiddle(info.name, 40);
                  const std::string value
                      = options.measure == NodeMeasure::Dtype ? dtypeOf(a, info) : valueText(info, options.measure);
                  if (!value.empty())
                      label += "\n" + value;
                  out << indent << "n" << l << " [label=" << dotString(label) << ", fillcolor=\""
                      << nodeColour(a, l, options.measure) << "\", tooltip=" << dotString(info.name) << "];\n";
              }
              for (std::size_t c = 1; c < file.graphs().size(); ++c) {
                  if (file.graphs()[c].parent != static_cast<int>(g))
                      continue;
                  out << indent << "subgraph cluster_" << c << " {\n"
                      << indent << "  label=" << dotString(shortenMiddle(file.graphs()[c].path, 60)) << ";\n"
                      << indent << "  style=dashed;\n"
                      << indent << "  color=\"#999999\";\n";
                  emitGraph(c, indent + "  ");
                  out << indent << "}\n";
              }
          };
    emitGraph(0, "  ");
    // Graph inputs and outputs of the main graph.
    const auto& main = *file.graphs().front().graph;
    std::unordered_map<std::string, std::size_t> inputIndex;
    for (int i = 0; i < main.input_size(); ++i) {
        const auto& input = main.input(i);
        if (std::ranges::any_of(main.initializer(), [&](const auto& t) { return t.name() == input.name(); }))
            continue; // IR < 4 lists initializers as inputs
        inputIndex[input.name()] = static_cast<std::size_t>(i);
        out << "  in" << i << " [shape=ellipse, style=filled, fillcolor=\"#eeeeee\", label=" << dotString(input.name())
            << "];\n";
    }
    for (int o = 0; o < main.output_size(); ++o)
        out << "  out" << o
            << " [shape=ellipse, style=filled, fillcolor=\"#eeeeee\", label=" << dotString(main.output(o).name())
            << "];\n";
    // Edges: a value from the node (or graph input) that writes it to each node that reads it.
    layer = 0;
    for (std::size_t g = 0; g < file.graphs().size(); ++g)
        for (const auto& node : file.graphs()[g].graph->node()) {
            const std::size_t self = layer++;
            if (isConstant(self))
                continue;
            for (const auto& input : node.input()) {
                if (input.empty())
                    continue;
                if (const auto from = producer.find(input); from != producer.end()) {
                    if (!isConstant(from->second.first))
                        out << "  n" << from->second.first << " -> n" << self
                            << " [tooltip=" << dotString(input + " " + shapeOf(from->second.first, from->second.second))
                            << "];\n";
                } else if (const auto in = inputIndex.find(input); in != inputIndex.end()) {
                    out << "  in" << in->second << " -> n" << self << " [tooltip=" << dotString(input) << "];\n";
                }
            }
        }
    for (int o = 0; o < main.output_size(); ++o)
        if (const auto from = producer.find(main.output(o).name()); from != producer.end())
            out << "  n" << from->second.first << " -> out" << o << ";\n";
    // The legend says what the colour means.
    std::string legend = "colour: " + std::string(nodeMeasureName(options.measure));
    legend += options.measure == NodeMeasure::Dtype ? " of each node's largest weight"
        : options.measure == NodeMeasure::Sparsity  ? " (white 0 %, blue 100 %; square root scale)"
                                                    : " (white none, blue the largest; square root scale)";
    out << "  legend [shape=note, style=filled, fillcolor=\"#fffbe6\", label=" << dotString(legend) << "];\n";
    out << "}\n";
    return out.str();
}

} // namespace slimscope::core::graph
