// Embedding tables as int8 rows gathered before they are dequantized (see gatherrows.h).
#include "gatherrows.h"

#include "model/nodeattributes.h"
#include "slim/stepsupport.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <unordered_set>

namespace slimscope::core::slim {

namespace {

struct RowCodes {
    std::vector<std::byte> codes;
    std::vector<float> scales;
    double signal = 0, noise = 0, maxAbs = 0;
};

RowCodes quantizeRows(const FloatView& values, std::size_t rows, std::size_t columns)
{
    RowCodes out;
    out.codes.resize(rows * columns);
    out.scales.resize(rows);
    for (std::size_t r = 0; r < rows; ++r) {
        float extreme = 0.0f;
        for (std::size_t c = 0; c < columns; ++c)
            extreme = std::max(extreme, std::fabs(finiteOrZero(values[r * columns + c])));
        const float scale = extreme / 127.0f;
        out.scales[r] = scale;
        const float inverse = scale > 0.0f ? 1.0f / scale : 0.0f;
        for (std::size_t c = 0; c < columns; ++c) {
            const float v = values[r * columns + c];
            const int code = std::clamp(static_cast<int>(std::nearbyint(roundable(v * inverse))), -127, 127);
            out.codes[r * columns + c] = static_cast<std::byte>(static_cast<std::int8_t>(code));
            if (!std::isfinite(v))
                continue; // no error to measure against NaN or an infinity
            const double restored = static_cast<double>(code) * scale, error = v - restored;
            out.signal += static_cast<double>(v) * v;
            out.noise += error * error;
            out.maxAbs = std::max(out.maxAbs, std::fabs(error));
        }
    }
    return out;
}

onnx::NodeProto makeNode(GraphIndex& index, const char* op, std::vector<std::string> inputs, const std::string& output)
{
    return newNode(index, op, std::move(inputs), output, output + "/" + op);
}

} // namespace

Result<std::size_t> quantizeGatheredRows(StepContext& context, std::uint64_t minElements, StepOutcome& outcome)
{
    WorkingModel& model = context.model;
    GraphIndex index(model);
    std::unordered_set<std::string> removed;
    std::map<const onnx::NodeProto*, std::vector<onnx::NodeProto>> before; // new nodes before each old Gather
    std::size_t tables = 0;
    for (const InitializerRef& weight : index.weights()) {
        const onnx::TensorProto& tensor = *weight.tensor;
        if (weight.constantNode || weight.graph != 0 || tensor.dims_size() != 2
            || tensor.data_type() != onnx::TensorProto::FLOAT || elementCount(tensor) < minElements
            || index.isGraphOutput(weight.name) || index.isGraphInput(weight.name))
            continue;
        const auto& uses = index.uses(weight.name);
        const bool gathered = !uses.empty() && std::ranges::all_of(uses, [](const ValueUse& use) {
            return use.graph == 0 && use.input == 0 && use.node->op_type() == "Gather" && use.node->domain().empty()
                && model::intAttribute(*use.node, "axis", 0) == 0;
        });
        const TensorSource* source = model.source(tensor);
        if (!gathered || !source)
            continue;
        auto values = readFloatValues(*source, onnx::TensorProto::FLOAT);
        if (!values)
            return std::unexpected(values.error());
        const FloatValues plain = std::move(*values).plain();
        const std::int64_t rows = tensor.dims(0), columns = tensor.dims(1);
        const RowCodes codes
            = quantizeRows(plain.values, static_cast<std::size_t>(rows), static_cast<std::size_t>(columns));
        onnx::GraphProto& graph = *index.graphs().front().graph;
        const std::string name = weight.name;
        const std::string codesName = addInitializer(model, graph, index.uniqueName(name + "_int8_rows"),
            onnx::TensorProto::INT8, { rows, columns }, codes.codes)
                                          .name();
        const std::string scalesName = addInitializer(model, graph, index.uniqueName(name + "_int8_row_scales"),
            onnx::TensorProto::FLOAT, { rows, 1 }, floatBytes(codes.scales))
                                           .name();
        for (const ValueUse& use : uses) {
            onnx::NodeProto& gather = *use.node;
            const std::string ids = gather.input(1), output = gather.output(0);
            const std::string rowCodes = index.uniqueName(output + "/int8_rows");
            const std::string rowScales = index.uniqueName(output + "/row_scales");
            const std::string rowFloats = index.uniqueName(output + "/rows_float");
            auto& added = before[&gather];
            onnx::NodeProto codesGather = makeNode(index, "Gather", { codesName, ids }, rowCodes);
            onnx::NodeProto scalesGather = makeNode(index, "Gather", { scalesName, ids }, rowScales);
            onnx::NodeProto cast = makeNode(index, "Cast", { rowCodes }, rowFloats);
            onnx::AttributeProto to;
            to.set_name("to");
            to.set_type(onnx::AttributeProto::INT);
            to.set_i(onnx::TensorProto::FLOAT);
            *cast.add_attribute() = to;
            added.push_back(std::move(codesGather));
            added.push_back(std::move(scalesGather));
            added.push_back(std::move(cast));
            // The Gather itself becomes the Mul, under its name and output, after the three nodes above.
            const std::string label = gather.name();
            gather.Clear();
            gather.set_op_type("Mul");
            gather.set_name(label.empty() ? index.uniqueName(output + "/Mul") : label);
            gather.add_input(rowFloats);
            gather.add_input(rowScales);
            gather.add_output(output);
        }
        removed.insert(name);
        outcome.tensors.push_back(name);
        outcome.errors[name] = errorFromSums(codes.signal, codes.noise, codes.maxAbs);
        outcome.storedAs[name] = { { codesName, scalesName }, StorageAfter::Quantized, model::DataType::Int8 };
        ++tables;
    }
    if (tables == 0)
        return tables;
    onnx::GraphProto& graph = *index.graphs().front().graph;
    auto* nodes = graph.mutable_node();
    std::vector<onnx::NodeProto*> old;
    while (!nodes->empty())
        old.push_back(nodes->ReleaseLast());
    std::ranges::reverse(old);
    for (onnx::NodeProto* node : old) {
        if (const auto it = before.find(node); it != before.end())
            for (onnx::NodeProto& added : it->second)
                *nodes->Add() = std::move(added);
        nodes->AddAllocated(node);
    }
    eraseInitializers(model, graph, [&](const onnx::TensorProto& t) { return removed.contains(t.name()); });
    return tables;
}

} // namespace slimscope::core::slim
