// Embedding tables for ONNX Runtime's com.microsoft GatherBlockQuantized: a float32 table [rows, columns] read only
// by Gather on axis 0 is stored as 4-bit codes [rows, columns / 2] (low nibble first) with a float scale per block
// of columns [rows, blocks]; the node gathers rows and dequantizes them ((code − 8) · scale). Part of quantize:int4.
#include "quantizegather.h"

#include "blockquant.h"
#include "model/nodeattributes.h"
#include "slim/stepsupport.h"

#include <unordered_set>

namespace slimscope::core::slim {

using namespace blockquant;

Result<std::size_t> quantizeEmbeddings(const QuantizeInt4Step& step, const Scope& scope, StepContext& context,
    StepOutcome& outcome, std::uint64_t& before, std::uint64_t& after)
{
    WorkingModel& model = context.model;
    GraphIndex index(model);
    ScopeMatcher matcher(scope);
    std::unordered_set<std::string> removed;
    std::size_t tables = 0;
    for (const InitializerRef& weight : index.weights()) {
        const onnx::TensorProto& tensor = *weight.tensor;
        if (weight.constantNode || tensor.dims_size() != 2 || tensor.data_type() != onnx::TensorProto::FLOAT
            || !matcher.matches(weight, index) || tensor.dims(1) % step.blockSize != 0
            || index.isGraphOutput(weight.name))
            continue;
        const auto& uses = index.uses(weight.name);
        const bool gathered = !uses.empty() && std::ranges::all_of(uses, [](const ValueUse& use) {
            return use.input == 0 && use.node->op_type() == "Gather" && use.node->domain().empty()
                && model::intAttribute(*use.node, "axis", 0) == 0;
        });
        if (!gathered)
            continue;
        const TensorSource* source = model.source(tensor);
        if (!source)
            continue;
        auto values = readFloatValues(*source, onnx::TensorProto::FLOAT);
        if (!values)
            return std::unexpected(values.error());
        const FloatValues plain = std::move(*values).plain();
        const std::int64_t rows = tensor.dims(0), columns = tensor.dims(1), blocks = columns / step.blockSize;
        const PackedWeight packed = quantizeBlocks(plain.values, columns, rows, true, step.blockSize, true);
        onnx::GraphProto& graph = *index.graphs()[static_cast<std::size_t>(weight.graph)].graph;
        const auto add = [&](const std::string& base, std::int32_t type, std::vector<std::int64_t> dims,
                             std::vector<std::byte> bytes) {
            after += bytes.size();
            return addInitializer(model, graph, index.uniqueName(base), type, dims, std::move(bytes)).name();
        };
        const std::string name = weight.name;
        before += model.payloadBytes(tensor);
        const std::string codes = add(name + "_int4", onnx::TensorProto::UINT8, { rows, columns / 2 }, packed.codes);
        const std::string scales
            = add(name + "_int4_scales", onnx::TensorProto::FLOAT, { rows, blocks }, floatBytes(packed.scales));
        for (const ValueUse& use : uses) {
            onnx::NodeProto& node = *use.node;
            const std::string indices = node.input(1), output = node.output(0), label = node.name();
            node.Clear();
            node.set_op_type("GatherBlockQuantized");
            node.set_domain("com.microsoft");
            node.set_name(label.empty() ? index.uniqueName(output + "_int4") : label);
            for (const std::string& in : { codes, indices, scales })
                node.add_input(in);
            node.add_output(output);
            for (const auto& [key, value] : { std::pair<const char*, std::int64_t> { "gather_axis", 0 },
                     { "quantize_axis", 1 }, { "block_size", step.blockSize }, { "bits", 4 } })
                *node.add_attribute() = intAttr(key, value);
        }
        removed.insert(name);
        outcome.tensors.push_back(name);
        outcome.errors[name] = errorFromSums(packed.signal, packed.noise, packed.maxAbs);
        outcome.storedAs[name] = { { codes, scales }, StorageAfter::Blockwise4Bit, model::DataType::Uint4 };
        ++tables;
    }
    for (const auto& graphRef : index.graphs()) {
        eraseInitializers(
            model, *graphRef.graph, [&](const onnx::TensorProto& t) { return removed.contains(t.name()); });
        auto* inputs = graphRef.graph->mutable_input();
        for (int i = inputs->size() - 1; i >= 0; --i)
            if (removed.contains(inputs->Get(i).name()))
                inputs->DeleteSubrange(i, 1);
    }
    if (tables > 0)
        importContribDomain(model.proto());
    return tables;
}

} // namespace slimscope::core::slim
