#include "channelgroups.h"
#include "model/nodeattributes.h"

#include <algorithm>
#include <deque>
#include <map>
#include <numeric>
#include <optional>
#include <set>
#include <unordered_map>

namespace slimscope::core::slim {

using model::floatAttribute;
using model::intAttribute;

namespace {

// Ops that treat every channel alone and keep the channel axis where it is.
bool keepsChannels(const std::string& op)
{
    static const std::set<std::string> ops
        = { "Relu", "LeakyRelu", "Sigmoid", "HardSigmoid", "HardSwish", "Tanh", "Elu", "Selu", "Celu", "Softplus",
              "Softsign", "Mish", "Gelu", "Erf", "Dropout", "Identity", "Cast", "Clip", "Abs", "Neg", "Exp", "Sqrt",
              "Reciprocal", "Floor", "Ceil", "Round", "ThresholdedRelu", "MaxPool", "AveragePool", "LpPool" };
    return ops.contains(op);
}

bool isElementwise(const std::string& op)
{
    return op == "Add" || op == "Sub" || op == "Mul" || op == "Div" || op == "Max" || op == "Min";
}

/// Where the channels are in a value: an axis counted from the end (-3 for NCHW), the rank when known, and
/// whether the spatial dims are 1 (after global pooling, when Flatten keeps channels apart).
struct Flow {
    std::string value;
    int axis = -1;
    int rank = -1;
    bool spatialOne = false;
    int group = 0;
};

class GroupBuilder {
public:
    explicit GroupBuilder(const GraphIndex& index)
        : m_index(index)
    {
        for (const auto& weight : index.weights())
            m_weights.emplace(weight.name, &weight);
        for (const auto& graph : index.graphs())
            for (const auto& node : graph.graph->node())
                if (node.op_type() == "Identity" && node.domain().empty() && node.input_size() == 1
                    && node.output_size() == 1)
                    m_aliasOf.emplace(node.output(0), node.input(0));
    }

    std::vector<ChannelGroup> build()
    {
        for (int g = 0; g < static_cast<int>(m_index.graphs().size()); ++g)
            for (const auto& node : m_index.graphs()[static_cast<std::size_t>(g)].graph->node())
                addProducer(node, g);
        while (!m_work.empty()) {
            const Flow flow = m_work.front();
            m_work.pop_front();
            follow(flow);
        }
        // A Concat some of whose inputs no group makes: the groups that reach it cannot lose channels.
        for (const auto& [concat, arrived] : m_concatArrivals)
            if (!m_concatGroup.contains(concat))
                for (const int group : arrived)
                    freeze(group, "Concat '" + concat->name() + "' also joins values no channel group makes");
        // Operands of elementwise ops met before the flow that makes them was known.
        for (const auto& [group, value, op] : m_joins) {
            const auto other = m_groupOf.find(value);
            if (other == m_groupOf.end())
                freeze(group, op + " combines the channels with '" + value + "', which no channel group makes");
            else
                unite(group, other->second);
        }
        distributeConcats();
        distributeSplits();
        std::map<int, ChannelGroup> roots;
        for (int g = 0; g < static_cast<int>(m_groups.size()); ++g) {
            if (m_segments.contains(g) || m_windows.contains(g))
                continue; // a Concat's channels or a Split's part: handed to the groups they come from
            ChannelGroup& group = roots[find(g)];
            const ChannelGroup& part = m_groups[static_cast<std::size_t>(g)];
            if (group.channels != 0 && group.channels != part.channels && group.frozenReason.empty())
                group.frozenReason = "coupled producers differ in channel count";
            group.channels = group.channels ? group.channels : part.channels;
            group.producers.insert(group.producers.end(), part.producers.begin(), part.producers.end());
            group.depthwise.insert(group.depthwise.end(), part.depthwise.begin(), part.depthwise.end());
            group.splits.insert(group.splits.end(), part.splits.begin(), part.splits.end());
            group.values.insert(group.values.end(), part.values.begin(), part.values.end());
            group.ops.insert(group.ops.end(), part.ops.begin(), part.ops.end());
            for (const auto& member : part.members)
                if (std::ranges::none_of(group.members, [&](const ChannelMember& m) {
                        return m.tensor == member.tensor && m.axis == member.axis && m.reader == member.reader
                            && m.readerInput == member.readerInput && m.offset == member.offset;
                    }))
                    group.members.push_back(member);
            if (group.frozenReason.empty())
                group.frozenReason = m_reasons[static_cast<std::size_t>(g)];
        }
        std::vector<ChannelGroup> out;
        for (auto& [root, group] : roots)
            out.push_back(std::move(group));
        return out;
    }

private:
    // What reads a Concat's output reads each input group's channels at its offset: those members go to the
    // groups. A Concat whose channels meet another group (a residual Add after it) freezes them all.
    void distributeConcats()
    {
        for (const auto& [concat, segments] : m_segments) {
            const ChannelGroup& joined = m_groups[static_cast<std::size_t>(concat)];
            std::string reason = m_reasons[static_cast<std::size_t>(find(concat))];
            for (int g = 0; g < static_cast<int>(m_groups.size()); ++g)
                if (g != concat && find(g) == find(concat) && reason.empty())
                    reason = "they meet another group's channels after the Concat";
            if (!joined.depthwise.empty() && reason.empty())
                reason = "a depthwise Conv reads the Concat";
            if (!reason.empty())
                freeze(concat, reason); // and whatever group its channels met
            for (const auto& [group, offset] : segments) {
                if (!reason.empty()) {
                    freeze(group, "after Concat '" + joined.producers.front() + "': " + reason);
                    continue;
                }
                ChannelGroup& target = m_groups[static_cast<std::size_t>(group)];
                for (ChannelMember member : joined.members) {
                    member.offset = offset;
                    member.extent = joined.channels;
                    target.members.push_back(member);
                }
                target.values.insert(target.values.end(), joined.values.begin(), joined.values.end());
                target.ops.insert(target.ops.end(), joined.ops.begin(), joined.ops.end());
            }
        }
    }

    // What reads a part of a Split reads a window of the group's channels: those members go to the group. A
    // part whose channels meet another group's, or that a depthwise Conv reads, freezes the group.
    void distributeSplits()
    {
        for (const auto& [part, window] : m_windows) {
            const auto& [whole, offset] = window;
            const ChannelGroup& piece = m_groups[static_cast<std::size_t>(part)];
            std::string reason = m_reasons[static_cast<std::size_t>(find(part))];
            for (int g = 0; g < static_cast<int>(m_groups.size()); ++g)
                if (g != part && find(g) == find(part) && reason.empty())
                    reason = "a part of it meets another group's channels";
            if (!piece.depthwise.empty() && reason.empty())
                reason = "a depthwise Conv reads a part of it";
            const std::string split = piece.producers.front();
            if (!reason.empty()) {
                freeze(whole, "after Split '" + split + "': " + reason);
                continue;
            }
            ChannelGroup& target = m_groups[static_cast<std::size_t>(whole)];
            for (ChannelMember member : piece.members) {
                member.windowOffset = offset;
                member.windowLength = piece.channels;
                target.members.push_back(member);
            }
            target.values.insert(target.values.end(), piece.values.begin(), piece.values.end());
            target.ops.insert(target.ops.end(), piece.ops.begin(), piece.ops.end());
        }
    }

    void followSplit(const Flow& flow, const onnx::NodeProto& node, int graph, const std::string& where)
    {
        const std::int64_t axis = intAttribute(node, "axis", 0);
        const bool channelAxis = axis < 0 ? axis == flow.axis : flow.rank > 0 && axis - flow.rank == flow.axis;
        if (!channelAxis) {
            freeze(flow.group, "Split " + where + " cuts along another axis than the channels");
            return;
        }
        if (m_windows.contains(flow.group) || m_segments.contains(flow.group)) {
            freeze(flow.group, "Split " + where + " cuts a part of a Split or a Concat");
            return;
        }
        const std::int64_t channels = channelsOf(flow.group);
        std::optional<std::vector<std::int64_t>> sizes;
        for (const auto& attribute : node.attribute())
            if (attribute.name() == "split")
                sizes = std::vector<std::int64_t>(attribute.ints().begin(), attribute.ints().end());
        if (!sizes && node.input_size() > 1 && !node.input(1).empty())
            sizes = m_index.tracer().constantInts(node.input(1));
        else if (!sizes && node.output_size() > 0 && channels % node.output_size() == 0)
            sizes = std::vector<std::int64_t>(
                static_cast<std::size_t>(node.output_size()), channels / node.output_size());
        if (!sizes || static_cast<int>(sizes->size()) != node.output_size()
            || std::accumulate(sizes->begin(), sizes->end(), std::int64_t { 0 }) != channels) {
            freeze(flow.group, "Split " + where + " has sizes it cannot read");
            return;
        }
        ChannelSplit split { const_cast<onnx::NodeProto*>(&node), graph, {} };
        std::int64_t offset = 0;
        for (int i = 0; i < node.output_size(); ++i) {
            const std::int64_t size = (*sizes)[static_cast<std::size_t>(i)];
            split.parts.emplace_back(offset, size);
            const int part = newGroup(size, node.name().empty() ? node.output(0) : node.name());
            m_windows[part] = { flow.group, offset };
            if (!node.output(i).empty())
                m_work.push_back({ node.output(i), flow.axis, flow.rank, flow.spatialOne, part });
            offset += size;
        }
        m_groups[static_cast<std::size_t>(flow.group)].splits.push_back(std::move(split));
        m_groups[static_cast<std::size_t>(flow.group)].ops.push_back(&node);
    }

    // Pad and Resize keep the channels apart when they leave the channel axis alone: no padding there, a scale
    // of 1. Resize with explicit sizes names the channel count, which would have to change: left alone.
    bool spatialOnly(const Flow& flow, const onnx::NodeProto& node)
    {
        if (flow.rank <= 0)
            return false;
        const auto channel = static_cast<std::size_t>(flow.rank + flow.axis);
        if (node.op_type() == "Pad") {
            std::optional<std::vector<std::int64_t>> pads;
            for (const auto& attribute : node.attribute())
                if (attribute.name() == "pads" || attribute.name() == "paddings")
                    pads = std::vector<std::int64_t>(attribute.ints().begin(), attribute.ints().end());
            if (!pads && node.input_size() > 1)
                pads = m_index.tracer().constantInts(node.input(1));
            if (node.input_size() > 3 && !node.input(3).empty())
                return false; // opset 18 axes: rare, not read
            return pads && pads->size() == 2 * static_cast<std::size_t>(flow.rank) && (*pads)[channel] == 0
                && (*pads)[channel + static_cast<std::size_t>(flow.rank)] == 0;
        }
        // Resize / Upsample: scales at input 2 (Resize 11+), input 1 (Resize 10, Upsample 9) or the attribute.
        if (node.op_type() == "Resize" && node.input_size() > 3 && !node.input(3).empty())
            return false;
        std::optional<std::vector<double>> scales;
        for (const auto& attribute : node.attribute())
            if (attribute.name() == "scales")
                scales = std::vector<double>(attribute.floats().begin(), attribute.floats().end());
        const int at = node.op_type() == "Resize" && m_index.opset() >= 11 ? 2 : 1;
        if (!scales && node.input_size() > at && !node.input(at).empty())
            scales = m_index.constantFloats(node.input(at));
        return scales && scales->size() == static_cast<std::size_t>(flow.rank) && (*scales)[channel] == 1.0;
    }

    void arriveAtConcat(const Flow& flow, const onnx::NodeProto& node)
    {
        m_concatArrivals[&node].push_back(flow.group);
        if (m_concatGroup.contains(&node))
            return;
        std::vector<std::pair<int, std::int64_t>> segments;
        std::int64_t offset = 0;
        for (const auto& input : node.input()) {
            const auto known = m_groupOf.find(input);
            if (known == m_groupOf.end())
                return; // wait for the other inputs' flows
            const int group = known->second;
            if (m_windows.contains(group)) {
                freeze(flow.group, "Concat '" + node.name() + "' joins a part of a Split");
                m_concatGroup[&node] = -1;
                return;
            }
            if (m_segments.contains(group)) {
                freeze(flow.group, "Concat '" + node.name() + "' joins another Concat's channels");
                m_concatGroup[&node] = -1;
                return;
            }
            segments.emplace_back(group, offset);
            offset += channelsOf(group);
        }
        const int joined = newGroup(offset, node.name().empty() ? node.output(0) : node.name());
        m_concatGroup[&node] = joined;
        m_segments[joined] = std::move(segments);
        m_groups[static_cast<std::size_t>(joined)].ops.push_back(&node);
        m_work.push_back({ node.output(0), flow.axis, flow.rank, false, joined });
    }

    /// The stored weight a value is, through Identity aliases.
    const InitializerRef* weight(std::string name) const
    {
        for (int hops = 0; hops < 16; ++hops) {
            if (const auto found = m_weights.find(name); found != m_weights.end())
                return found->second;
            const auto alias = m_aliasOf.find(name);
            if (alias == m_aliasOf.end())
                return nullptr;
            name = alias->second;
        }
        return nullptr;
    }

    std::vector<std::int64_t> dimsOf(const InitializerRef& w) const
    {
        return { w.tensor->dims().begin(), w.tensor->dims().end() };
    }

    // A member is a float32 weight that input `input` of `node` (in graph `graph`) reads, directly or through
    // Identity; when other nodes read the same values the step gives this one a copy of its own.
    void addMember(int group, const onnx::NodeProto& node, int input, int graph, int axis, ChannelMember::Role role,
        std::int64_t channels)
    {
        const std::string& name = node.input(input);
        const InitializerRef* w = weight(name);
        if (!w) {
            freeze(group, "'" + name + "' is not a stored weight");
            return;
        }
        const auto dims = dimsOf(*w);
        if (axis < 0 || axis >= static_cast<int>(dims.size()) || dims[static_cast<std::size_t>(axis)] != channels)
            freeze(group, "'" + name + "' does not have the channels on the expected axis");
        else if (w->tensor->data_type() != onnx::TensorProto::FLOAT)
            freeze(group, "'" + name + "' is not float32");
        ChannelMember member { w->name, axis, role };
        member.node = &node;
        member.nodeGraph = graph;
        if (name != w->name || m_index.uses(w->name).size() != 1) {
            member.reader = const_cast<onnx::NodeProto*>(&node);
            member.readerInput = input;
            member.readerGraph = graph;
        }
        m_groups[static_cast<std::size_t>(group)].members.push_back(member);
    }

    void addProducer(const onnx::NodeProto& node, int graph)
    {
        const std::string& op = node.op_type();
        if (!node.domain().empty() || node.input_size() < 2 || node.output_size() < 1)
            return;
        const InitializerRef* w = weight(node.input(1));
        if (!w)
            return;
        const auto dims = dimsOf(*w);
        std::int64_t channels = 0;
        int axis = 0, flowAxis = -1, rank = -1;
        if (op == "Conv" && dims.size() >= 3 && intAttribute(node, "group", 1) == 1) {
            channels = dims[0];
            flowAxis = 1 - static_cast<int>(dims.size());
            rank = static_cast<int>(dims.size());
        } else if (op == "ConvTranspose" && dims.size() >= 3 && intAttribute(node, "group", 1) == 1) {
            // Weight [in, out, k...]: the output channels are axis 1.
            axis = 1;
            channels = dims[1];
            flowAxis = 1 - static_cast<int>(dims.size());
            rank = static_cast<int>(dims.size());
        } else if (op == "Gemm" && dims.size() == 2) {
            const bool transB = intAttribute(node, "transB", 0) != 0;
            axis = transB ? 0 : 1;
            channels = dims[static_cast<std::size_t>(axis)];
            rank = 2;
        } else if (op == "MatMul" && dims.size() == 2) {
            axis = 1;
            channels = dims[1];
        } else {
            return;
        }
        const int group = newGroup(channels, node.name().empty() ? node.output(0) : node.name());
        addMember(group, node, 1, graph, axis, ChannelMember::Role::Producer, channels);
        if (node.input_size() > 2 && !node.input(2).empty()) { // Conv and Gemm biases
            const InitializerRef* bias = weight(node.input(2));
            const auto biasDims = bias ? dimsOf(*bias) : std::vector<std::int64_t> {};
            if (!biasDims.empty() && biasDims.back() == channels)
                addMember(group, node, 2, graph, static_cast<int>(biasDims.size()) - 1,
                    ChannelMember::Role::ProducerBias, channels);
            else if (!bias || (!biasDims.empty() && biasDims.back() != 1))
                freeze(group, "the bias '" + node.input(2) + "' is not a per-channel constant");
        }
        m_work.push_back({ node.output(0), flowAxis, rank, false, group });
    }

    int newGroup(std::int64_t channels, const std::string& producer)
    {
        m_groups.push_back({ channels, { producer }, {}, {}, {}, {}, {}, {} });
        m_parent.push_back(static_cast<int>(m_parent.size()));
        m_reasons.emplace_back();
        return static_cast<int>(m_groups.size()) - 1;
    }

    int find(int g)
    {
        while (m_parent[static_cast<std::size_t>(g)] != g)
            g = m_parent[static_cast<std::size_t>(g)]
                = m_parent[static_cast<std::size_t>(m_parent[static_cast<std::size_t>(g)])];
        return g;
    }

    void unite(int a, int b)
    {
        a = find(a);
        b = find(b);
        if (a == b)
            return;
        m_parent[static_cast<std::size_t>(b)] = a;
        if (m_reasons[static_cast<std::size_t>(a)].empty())
            m_reasons[static_cast<std::size_t>(a)] = m_reasons[static_cast<std::size_t>(b)];
    }

    void freeze(int group, const std::string& reason)
    {
        std::string& current = m_reasons[static_cast<std::size_t>(find(group))];
        if (current.empty())
            current = reason;
    }

    std::int64_t channelsOf(int group) { return m_groups[static_cast<std::size_t>(group)].channels; }

    void follow(const Flow& flow)
    {
        if (const auto known = m_groupOf.find(flow.value); known != m_groupOf.end()) {
            unite(flow.group, known->second);
            return;
        }
        m_groupOf.emplace(flow.value, flow.group);
        m_groups[static_cast<std::size_t>(flow.group)].values.push_back(flow.value);
        if (m_index.isGraphOutput(flow.value))
            freeze(flow.group, "reaches the graph output '" + flow.value + "', whose shape must stay");
        for (const ValueUse& use : m_index.uses(flow.value))
            followInto(flow, *use.node, use.input, use.graph);
    }

    void next(const Flow& flow, const onnx::NodeProto& node, int axis, int rank, bool spatialOne)
    {
        m_groups[static_cast<std::size_t>(flow.group)].ops.push_back(&node);
        if (node.output_size() > 0 && !node.output(0).empty())
            m_work.push_back({ node.output(0), axis, rank, spatialOne, flow.group });
    }

    // A reduction over the spatial axes keeps the channels apart (squeeze-excite blocks exported with ReduceMean
    // instead of GlobalAveragePool); over the channel axis it mixes them.
    void followReduce(const Flow& flow, const onnx::NodeProto& node, const std::string& where)
    {
        std::optional<std::vector<std::int64_t>> axes;
        for (const auto& attribute : node.attribute())
            if (attribute.name() == "axes")
                axes = std::vector<std::int64_t>(attribute.ints().begin(), attribute.ints().end());
        if (!axes && node.input_size() > 1 && !node.input(1).empty())
            axes = m_index.tracer().constantInts(node.input(1));
        const bool keepDims = intAttribute(node, "keepdims", 1) != 0;
        if (!axes || axes->empty() || flow.rank <= 0) {
            freeze(flow.group, "the channels reach " + where + ", a reduction over axes it cannot read");
            return;
        }
        const int channel = flow.rank + flow.axis; // from the start
        int after = 0; // reduced axes after the channel axis: they leave the rank when keepdims is 0
        std::set<std::int64_t> reduced;
        for (std::int64_t a : *axes) {
            a = a < 0 ? a + flow.rank : a;
            if (a == channel) {
                freeze(flow.group, "the channels reach " + where + ", which reduces over them");
                return;
            }
            reduced.insert(a);
            after += a > channel ? 1 : 0;
        }
        const bool allSpatial = channel == 1 && static_cast<int>(reduced.size()) == flow.rank - 2
            && std::ranges::all_of(reduced, [](std::int64_t a) { return a >= 2; });
        if (keepDims)
            next(flow, node, flow.axis, flow.rank, allSpatial || flow.spatialOne);
        else
            next(flow, node, flow.axis + after, flow.rank - static_cast<int>(reduced.size()), false);
    }

    void followInto(const Flow& flow, const onnx::NodeProto& node, int input, int graph)
    {
        const std::string& op = node.op_type();
        const std::int64_t channels = channelsOf(flow.group);
        const std::string where = "'" + (node.name().empty() ? op : node.name()) + "'";
        if (!node.domain().empty()) {
            freeze(flow.group, "the channels reach " + where + " (" + node.domain() + "::" + op + ")");
            return;
        }
        if (keepsChannels(op) && input == 0) {
            next(flow, node, flow.axis, flow.rank, flow.spatialOne && !op.ends_with("Pool"));
            return;
        }
        if (op == "GlobalAveragePool" || op == "GlobalMaxPool" || op == "GlobalLpPool") {
            next(flow, node, flow.axis, flow.rank, true);
            return;
        }
        if ((op == "ReduceMean" || op == "ReduceMax" || op == "ReduceSum") && input == 0) {
            followReduce(flow, node, where);
            return;
        }
        if ((op == "BatchNormalization" || op == "InstanceNormalization") && input == 0) {
            for (int i = 1; i < node.input_size() && i <= 4; ++i)
                addMember(flow.group, node, i, graph, 0, ChannelMember::Role::Norm, channels);
            next(flow, node, flow.axis, flow.rank, flow.spatialOne);
            return;
        }
        if (op == "Conv" && input == 0) {
            const InitializerRef* w = node.input_size() > 1 ? weight(node.input(1)) : nullptr;
            const auto dims = w ? dimsOf(*w) : std::vector<std::int64_t> {};
            const std::int64_t groups = intAttribute(node, "group", 1);
            if (!w || dims.size() < 3 || flow.axis != 1 - static_cast<int>(dims.size())) {
                freeze(flow.group, "the channels reach " + where + ", a Conv without a constant weight");
            } else if (groups == 1) {
                addMember(flow.group, node, 1, graph, 1, ChannelMember::Role::Consumer, channels);
            } else if (groups == channels && dims[0] == channels && dims[1] == 1) {
                // Depthwise: channel c in, channel c out; its weight and bias go with the group.
                addMember(flow.group, node, 1, graph, 0, ChannelMember::Role::Depthwise, channels);
                if (node.input_size() > 2 && !node.input(2).empty())
                    addMember(flow.group, node, 2, graph, 0, ChannelMember::Role::Depthwise, channels);
                m_groups[static_cast<std::size_t>(flow.group)].depthwise.push_back(const_cast<onnx::NodeProto*>(&node));
                next(flow, node, flow.axis, flow.rank, false);
            } else {
                freeze(flow.group, "the channels reach " + where + ", a grouped Conv");
            }
            return;
        }
        if (op == "ConvTranspose" && input == 0) {
            const InitializerRef* w = node.input_size() > 1 ? weight(node.input(1)) : nullptr;
            const auto dims = w ? dimsOf(*w) : std::vector<std::int64_t> {};
            if (!w || dims.size() < 3 || flow.axis != 1 - static_cast<int>(dims.size())
                || intAttribute(node, "group", 1) != 1)
                freeze(flow.group,
                    "the channels reach " + where + ", a grouped ConvTranspose or one without a constant weight");
            else
                addMember(flow.group, node, 1, graph, 0, ChannelMember::Role::Consumer, channels);
            return;
        }
        if ((op == "Pad" || op == "Resize" || op == "Upsample") && input == 0) {
            if (spatialOnly(flow, node))
                next(flow, node, flow.axis, flow.rank, false);
            else
                freeze(flow.group, "the channels reach " + where + " (" + op + "), which may change the channel axis");
            return;
        }
        if (op == "Split" && input == 0) {
            followSplit(flow, node, graph, where);
            return;
        }
        if (op == "Gemm" && input == 0) {
            const InitializerRef* w = node.input_size() > 1 ? weight(node.input(1)) : nullptr;
            if (!w || flow.axis != -1 || flow.rank != 2 || intAttribute(node, "transA", 0) != 0)
                freeze(flow.group, "the channels reach " + where + " in a layout it does not read as features");
            else
                addMember(flow.group, node, 1, graph, intAttribute(node, "transB", 0) != 0 ? 1 : 0,
                    ChannelMember::Role::Consumer, channels);
            return;
        }
        if (op == "MatMul" && input == 0) {
            const InitializerRef* w = node.input_size() > 1 ? weight(node.input(1)) : nullptr;
            if (!w || flow.axis != -1 || dimsOf(*w).size() != 2)
                freeze(flow.group, "the channels reach " + where + " in a layout it does not read as features");
            else
                addMember(flow.group, node, 1, graph, 0, ChannelMember::Role::Consumer, channels);
            return;
        }
        if (op == "Flatten" && input == 0) {
            // [N, C, 1, 1] -> [N, C]: only after global pooling do the features stay one per channel.
            if (flow.spatialOne && flow.rank > 0 && flow.axis == 1 - flow.rank && intAttribute(node, "axis", 1) == 1)
                next(flow, node, -1, 2, false);
            else
                freeze(flow.group, "Flatten " + where + " mixes the channels with spatial positions");
            return;
        }
        if (op == "Reshape" && input == 0) {
            // [N, C, 1, 1] -> [N, C] with a constant shape whose feature entry is -1 (or 0 before it): the same as
            // Flatten after global pooling. A shape that names the channel count would have to change.
            const auto shape = node.input_size() > 1 ? m_index.tracer().constantInts(node.input(1)) : std::nullopt;
            if (flow.spatialOne && flow.rank > 0 && flow.axis == 1 - flow.rank && shape && shape->size() == 2
                && (*shape)[1] == -1 && (*shape)[0] != -1)
                next(flow, node, -1, 2, false);
            else
                freeze(flow.group, "Reshape " + where + " is not a flatten after global pooling it can follow");
            return;
        }
        if (isElementwise(op) || op == "PRelu") {
            const int other = input == 0 ? 1 : 0;
            if (node.input_size() != 2) {
                freeze(flow.group, "the channels reach " + where);
                return;
            }
            const std::string& operand = node.input(other);
            if (const InitializerRef* constant = weight(operand)) {
                const auto dims = dimsOf(*constant);
                const int position = static_cast<int>(dims.size()) + flow.axis;
                if (position >= 0 && dims[static_cast<std::size_t>(position)] != 1)
                    addMember(flow.group, node, other, graph, position, ChannelMember::Role::Norm, channels);
            } else if (op == "PRelu") {
                freeze(flow.group, "the PRelu slope of " + where + " is not a constant");
                return;
            } else {
                m_joins.emplace_back(flow.group, operand, op + " " + where);
            }
            next(flow, node, flow.axis, flow.rank, flow.spatialOne);
            return;
        }
        if (op == "Concat") {
            const std::int64_t axis = intAttribute(node, "axis", 0);
            const bool channelAxis = axis < 0 ? axis == flow.axis : flow.rank > 0 && axis - flow.rank == flow.axis;
            if (channelAxis)
                arriveAtConcat(flow, node);
            else
                freeze(flow.group, "Concat " + where + " joins along another axis than the channels");
            return;
        }
        freeze(flow.group, "the channels reach " + where + " (" + op + ")");
    }

    const GraphIndex& m_index;
    std::unordered_map<std::string, const InitializerRef*> m_weights;
    std::unordered_map<std::string, std::string> m_aliasOf; ///< Identity output -> input
    std::vector<ChannelGroup> m_groups;
    std::vector<int> m_parent;
    std::vector<std::string> m_reasons;
    std::unordered_map<std::string, int> m_groupOf;
    std::deque<Flow> m_work;
    std::vector<std::tuple<int, std::string, std::string>> m_joins;
    std::map<const onnx::NodeProto*, std::vector<int>> m_concatArrivals; ///< groups that reached each Concat
    std::map<const onnx::NodeProto*, int> m_concatGroup; ///< the group of a Concat's output (-1: none)
    std::map<int, std::vector<std::pair<int, std::int64_t>>> m_segments; ///< Concat group -> (group, offset)
    std::map<int, std::pair<int, std::int64_t>> m_windows; ///< Split part -> (the group split, offset)
};

} // namespace

std::vector<ChannelGroup> findChannelGroups(const GraphIndex& index)
{
    return GroupBuilder(index).build();
}

} // namespace slimscope::core::slim
