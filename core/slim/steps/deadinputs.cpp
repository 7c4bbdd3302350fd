#include "deadinputs.h"

#include "model/nodeattributes.h"
#include "slim/graphindex.h"
#include "slim/stepsupport.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <unordered_set>

namespace slimscope::core::slim {

namespace {

/// A weight that reads the input's features: feature k is row k (MatMul, Gemm) or column k (Gemm with transB).
struct FeatureReader {
    const InitializerRef* weight = nullptr;
    bool rows = true;
};

/// The readers of `input` when every one is a product with a constant 2-D float32 weight that nothing else reads.
std::optional<std::vector<FeatureReader>> featureReaders(const GraphIndex& index, const std::string& input)
{
    std::vector<FeatureReader> readers;
    for (const ValueUse& use : index.uses(input)) {
        const onnx::NodeProto& node = *use.node;
        const bool gemm = node.op_type() == "Gemm", matmul = node.op_type() == "MatMul";
        if (use.graph != 0 || use.input != 0 || !node.domain().empty() || !(gemm || matmul) || node.input_size() < 2)
            return std::nullopt;
        if (gemm && model::intAttribute(node, "transA", 0) != 0)
            return std::nullopt;
        const auto weight = std::ranges::find(index.weights(), node.input(1), &InitializerRef::name);
        if (weight == index.weights().end() || weight->tensor->dims_size() != 2
            || weight->tensor->data_type() != onnx::TensorProto::FLOAT || index.uses(weight->name).size() != 1)
            return std::nullopt;
        readers.push_back({ &*weight, !(gemm && model::intAttribute(node, "transB", 0) != 0) });
    }
    if (readers.empty())
        return std::nullopt;
    return readers;
}

std::string metadataValue(const onnx::ModelProto& proto)
{
    for (const auto& entry : proto.metadata_props())
        if (entry.key() == model::kRemovedInputFeaturesKey)
            return entry.value();
    return {};
}

void writeMetadata(onnx::ModelProto& proto, const std::vector<RemovedInputFeatures>& removed)
{
    for (auto& entry : *proto.mutable_metadata_props())
        if (entry.key() == model::kRemovedInputFeaturesKey) {
            entry.set_value(model::writeRemovedInputFeatures(removed));
            return;
        }
    auto* entry = proto.add_metadata_props();
    entry->set_key(model::kRemovedInputFeaturesKey);
    entry->set_value(model::writeRemovedInputFeatures(removed));
}

} // namespace

Result<void> removeDeadInputFeatures(WorkingModel& working, StepOutcome& outcome)
{
    const GraphIndex index(working);
    onnx::GraphProto& main = *index.graphs().front().graph;
    const std::string recorded = metadataValue(working.proto());
    auto parsed = recorded.empty() ? std::optional(std::vector<RemovedInputFeatures> {})
                                   : model::readRemovedInputFeatures(recorded);
    if (!parsed)
        return fail(ErrorCode::InvalidModel,
            std::string("the model's metadata '") + model::kRemovedInputFeaturesKey + "' is not what Slimscope writes");
    std::vector<RemovedInputFeatures> earlier = std::move(*parsed);
    std::vector<RemovedInputFeatures> removedNow;
    std::unordered_set<std::string> initializers;
    for (const auto& tensor : main.initializer())
        initializers.insert(tensor.name());
    for (auto& input : *main.mutable_input()) {
        if (initializers.contains(input.name()) || !input.type().has_tensor_type())
            continue;
        const auto readers = featureReaders(index, input.name());
        if (!readers)
            continue;
        const std::int64_t features = readers->front().weight->tensor->dims(readers->front().rows ? 0 : 1);
        auto* shape = input.mutable_type()->mutable_tensor_type()->mutable_shape();
        if (shape->dim_size() < 1
            || (shape->dim(shape->dim_size() - 1).has_dim_value()
                && shape->dim(shape->dim_size() - 1).dim_value() != features))
            continue;
        std::vector<std::vector<float>> values;
        std::vector<bool> dead(static_cast<std::size_t>(features), true);
        bool readable = true;
        for (const FeatureReader& r : *readers) {
            const onnx::TensorProto& w = *r.weight->tensor;
            auto read = floatCopy(working, w);
            if (!read)
                return std::unexpected(read.error());
            if (w.dims(r.rows ? 0 : 1) != features) {
                readable = false;
                break;
            }
            const auto cols = static_cast<std::size_t>(w.dims(1));
            const std::size_t width = r.rows ? cols : static_cast<std::size_t>(w.dims(0));
            std::vector<double> norms(static_cast<std::size_t>(features), 0.0);
            for (std::size_t k = 0; k < norms.size(); ++k)
                for (std::size_t j = 0; j < width; ++j) {
                    const double v = (*read)[r.rows ? k * cols + j : j * cols + k];
                    norms[k] += v * v;
                }
            const double largest = std::sqrt(*std::ranges::max_element(norms));
            for (std::size_t k = 0; k < norms.size(); ++k)
                dead[k] = dead[k] && std::sqrt(norms[k]) <= 1e-6 * largest;
            values.push_back(std::move(*read));
        }
        const auto deadCount = static_cast<std::int64_t>(std::ranges::count(dead, true));
        if (!readable || deadCount == 0 || deadCount == features)
            continue;
        for (std::size_t i = 0; i < readers->size(); ++i) {
            const FeatureReader& r = (*readers)[i];
            onnx::TensorProto& w = *r.weight->tensor;
            const auto cols = static_cast<std::size_t>(w.dims(1));
            std::vector<float> kept;
            double signal = 0.0, noise = 0.0, maxAbs = 0.0;
            for (std::size_t v = 0; v < values[i].size(); ++v) {
                const double value = values[i][v];
                signal += value * value;
                if (!dead[r.rows ? v / cols : v % cols]) {
                    kept.push_back(values[i][v]);
                } else {
                    noise += value * value;
                    maxAbs = std::max(maxAbs, std::fabs(value));
                }
            }
            outcome.errors[r.weight->name] = errorFromSums(signal, noise, maxAbs);
            outcome.tensors.push_back(r.weight->name);
            w.set_dims(r.rows ? 0 : 1, features - deadCount);
            working.setData(w, floatBytes(kept));
        }
        shape->mutable_dim(shape->dim_size() - 1)->set_dim_value(features - deadCount);
        // The metadata keeps positions of the original input: an earlier run may already have removed some.
        auto previous = std::ranges::find(earlier, input.name(), &RemovedInputFeatures::input);
        std::vector<std::int64_t> original;
        if (previous == earlier.end()) {
            earlier.push_back({ input.name(), features, {} });
            previous = earlier.end() - 1;
        }
        for (std::int64_t k = 0; k < previous->featuresBefore; ++k)
            if (!std::ranges::binary_search(previous->indices, k))
                original.push_back(k);
        if (static_cast<std::int64_t>(original.size()) != features)
            return fail(ErrorCode::InvalidModel,
                "input '" + input.name() + "': the metadata '" + model::kRemovedInputFeaturesKey
                    + "' does not match the input's features");
        RemovedInputFeatures now { input.name(), features, {} };
        for (std::size_t k = 0; k < dead.size(); ++k)
            if (dead[k]) {
                now.indices.push_back(static_cast<std::int64_t>(k));
                previous->indices.push_back(original[k]);
            }
        std::ranges::sort(previous->indices);
        removedNow.push_back(std::move(now));
    }
    if (!removedNow.empty())
        writeMetadata(working.proto(), earlier);
    outcome.removedInputFeatures = std::move(removedNow);
    return {};
}

} // namespace slimscope::core::slim
