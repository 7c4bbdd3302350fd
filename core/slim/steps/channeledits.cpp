#include "channeledits.h"

#include "slim/stepsupport.h"
#include "support/copybytes.h"

#include <algorithm>
#include <cstring>

namespace slimscope::core::slim {

void keepOnePerPart(const ChannelGroup& group, const std::vector<double>& norms, std::vector<bool>& kept)
{
    for (const ChannelSplit& split : group.splits)
        for (const auto& [offset, length] : split.parts) {
            const auto begin = static_cast<std::size_t>(offset), end = begin + static_cast<std::size_t>(length);
            if (std::any_of(kept.begin() + static_cast<std::ptrdiff_t>(begin),
                    kept.begin() + static_cast<std::ptrdiff_t>(end), [](bool k) { return k; }))
                continue;
            std::size_t best = begin;
            for (std::size_t ch = begin; ch < end; ++ch)
                best = norms[ch] > norms[best] ? ch : best;
            kept[best] = true;
        }
}

void setSplitSizes(WorkingModel& model, GraphIndex& index, const ChannelSplit& split, const std::vector<bool>& kept)
{
    std::vector<std::int64_t> sizes;
    for (const auto& [offset, length] : split.parts)
        sizes.push_back(std::count(kept.begin() + static_cast<std::ptrdiff_t>(offset),
            kept.begin() + static_cast<std::ptrdiff_t>(offset + length), true));
    onnx::NodeProto& node = *split.node;
    auto* attributes = node.mutable_attribute();
    for (int a = attributes->size() - 1; a >= 0; --a) {
        if (attributes->Get(a).name() == "split") {
            attributes->Mutable(a)->clear_ints();
            for (const std::int64_t size : sizes)
                attributes->Mutable(a)->add_ints(size);
            return;
        }
        if (attributes->Get(a).name() == "num_outputs") // opset 18: the split input replaces it
            attributes->DeleteSubrange(a, 1);
    }
    if (index.opset() < 13) {
        auto* attribute = node.add_attribute();
        attribute->set_name("split");
        attribute->set_type(onnx::AttributeProto::INTS);
        for (const std::int64_t size : sizes)
            attribute->add_ints(size);
        return;
    }
    std::vector<std::byte> bytes(sizes.size() * sizeof(std::int64_t));
    copyBytes(bytes.data(), sizes.data(), bytes.size());
    if (node.input_size() > 1) { // sizes this node alone reads are rewritten where they are
        const auto stored = std::ranges::find(index.weights(), node.input(1), &InitializerRef::name);
        if (stored != index.weights().end() && index.uses(node.input(1)).size() == 1
            && stored->tensor->data_type() == onnx::TensorProto::INT64) {
            model.setData(*stored->tensor, std::move(bytes));
            return;
        }
    }
    onnx::GraphProto& graph = *index.graphs()[static_cast<std::size_t>(split.graph)].graph;
    const onnx::TensorProto& tensor = addInitializer(model, graph,
        index.uniqueName((node.name().empty() ? node.output(0) : node.name()) + "_sizes"), onnx::TensorProto::INT64,
        { static_cast<std::int64_t>(sizes.size()) }, std::move(bytes));
    if (node.input_size() < 2)
        node.add_input(tensor.name());
    else
        node.set_input(1, tensor.name());
}

void removeUnusedAliases(WorkingModel& model, const std::unordered_set<std::string>& originals)
{
    if (originals.empty())
        return;
    std::unordered_set<std::string> aliases = originals; // the originals and what Identity chains make of them
    for (bool grew = true; grew;) {
        grew = false;
        for (const auto& graph : model.graphs())
            for (const auto& node : graph.graph->node())
                if (node.op_type() == "Identity" && node.input_size() == 1 && node.output_size() == 1
                    && aliases.contains(node.input(0)))
                    grew = aliases.insert(node.output(0)).second || grew;
    }
    for (bool removed = true; removed;) {
        removed = false;
        const GraphIndex index(model);
        for (const auto& graph : index.graphs()) {
            auto* nodes = graph.graph->mutable_node();
            for (int n = nodes->size() - 1; n >= 0; --n) {
                const auto& node = nodes->Get(n);
                if (node.op_type() == "Identity" && node.output_size() == 1 && node.input_size() == 1
                    && aliases.contains(node.input(0)) && index.uses(node.output(0)).empty()
                    && !index.isGraphOutput(node.output(0))) {
                    nodes->DeleteSubrange(n, 1);
                    removed = true;
                }
            }
        }
    }
    const GraphIndex index(model);
    for (const auto& graph : index.graphs())
        eraseInitializers(model, *graph.graph, [&](const onnx::TensorProto& t) {
            return originals.contains(t.name()) && index.uses(t.name()).empty() && !index.isGraphOutput(t.name())
                && !index.isGraphInput(t.name());
        });
}

} // namespace slimscope::core::slim
