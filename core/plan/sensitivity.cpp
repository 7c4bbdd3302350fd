// Per-layer sensitivity in one ONNX Runtime session (sensitivity.h).
#include "plan/sensitivity.h"

#include "runtime/session.h"
#include "runtime/verify.h"
#include "slim/effectiveweights.h"
#include "slim/exporter.h"
#include "slim/stepregistry.h"
#include "slim/steps/prunechannels.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <map>
#include <set>

namespace slimscope::core::plan {

namespace {

struct Candidate {
    const analysis::LayerStats* layer = nullptr;
    std::vector<std::size_t> weights; ///< indices into ModelFile::weights() / Analysis::tensors
    /// prune_channels: the producers' weights that put the layer's channel group in scope; the group is pruned
    /// alone in a session of its own (its shapes change, so no weight can be fed in place of another).
    std::vector<std::string> aloneScope;
};

/// Σw² of a tensor from its statistics (count · (std² + mean²)), for the layer's weight-level SQNR.
double signalOf(const analysis::TensorStats& t)
{
    const auto& v = t.values;
    return static_cast<double>(v.count) * (v.std * v.std + v.mean * v.mean);
}

/// The original model with the candidates' weights as graph inputs (an initializer listed as an input is a
/// default ONNX Runtime lets a run override); weights held by Constant nodes of the main graph become such
/// initializers first.
Result<std::string> overridableModel(
    const std::shared_ptr<const model::ModelFile>& file, const std::set<std::string>& names)
{
    slim::WorkingModel copy(file);
    onnx::GraphProto& graph = *copy.proto().mutable_graph();
    for (int i = graph.node_size() - 1; i >= 0; --i) {
        onnx::NodeProto& node = *graph.mutable_node(i);
        if (node.op_type() != "Constant" || node.output_size() != 1 || !names.contains(node.output(0))
            || node.attribute_size() != 1 || !node.attribute(0).has_t())
            continue;
        onnx::TensorProto& initializer = *graph.add_initializer();
        initializer = node.attribute(0).t();
        initializer.set_name(node.output(0));
        copy.shareSource(node.attribute(0).t(), initializer);
        copy.forgetAllIn(node);
        graph.mutable_node()->DeleteSubrange(i, 1);
    }
    std::set<std::string> listed;
    for (const auto& input : graph.input())
        listed.insert(input.name());
    for (const auto& initializer : graph.initializer()) {
        if (!names.contains(initializer.name()) || listed.contains(initializer.name()))
            continue;
        onnx::ValueInfoProto* input = graph.add_input();
        input->set_name(initializer.name());
        auto* type = input->mutable_type()->mutable_tensor_type();
        type->set_elem_type(initializer.data_type());
        for (const auto d : initializer.dims())
            type->mutable_shape()->add_dim()->set_dim_value(d);
    }
    return slim::serializeToString(copy);
}

runtime::HostTensor floatTensor(
    const std::string& name, const std::vector<std::int64_t>& shape, const std::vector<float>& values)
{
    runtime::HostTensor tensor { name, model::DataType::Float, shape, {} };
    tensor.data.resize(values.size() * sizeof(float));
    std::memcpy(tensor.data.data(), values.data(), tensor.data.size());
    return tensor;
}

/// ONNX Runtime runs a MatMul (or Gemm) whose weight comes from a DequantizeLinear of int8 constants as its own
/// MatMulNBits kernel, with int8 activations (accuracy level 4): feeding the dequantized values to the float model
/// would not show that. Such layers are measured in a session of their own, with the step applied to them alone.
bool runsItsOwnKernel(const analysis::LayerStats& layer, const slim::StepType& type)
{
    return type.name().starts_with("quantize:int8") && (layer.opType == "MatMul" || layer.opType == "Gemm");
}

/// Every sample through `session`, each with `overrides` (weights fed in place of their stored values), the outputs
/// joined over the samples.
Result<std::vector<runtime::HostTensor>> runSamples(const runtime::ModelSession& session,
    const std::vector<runtime::InputSample>& samples, const std::vector<runtime::HostTensor>& overrides)
{
    std::vector<std::vector<runtime::HostTensor>> outputs;
    for (const runtime::InputSample& sample : samples) {
        std::vector<runtime::HostTensor> feeds = sample;
        feeds.insert(feeds.end(), overrides.begin(), overrides.end());
        auto out = session.run(feeds);
        if (!out)
            return std::unexpected(out.error());
        outputs.push_back(std::move(*out));
    }
    return runtime::joinSamples(std::move(outputs));
}

Result<std::vector<runtime::HostTensor>> runAlone(const std::shared_ptr<const model::ModelFile>& file,
    const analysis::Analysis& analysis, const slim::StepParams& step, const std::vector<std::string>& tensors,
    const std::vector<runtime::InputSample>& samples, const SensitivityOptions& options, const CancelToken* cancel)
{
    slim::Scope scope;
    scope.tensors = tensors;
    scope.onlyTensors = true;
    scope.minElements = 0;
    scope.skipBiasAndNorm = false;
    auto applied
        = slim::applyRecipe(file, slim::Recipe { { slim::Step { step, scope, true } } }, {}, cancel, &analysis);
    if (!applied)
        return std::unexpected(applied.error());
    auto bytes = slim::serializeToString(*applied->model);
    if (!bytes)
        return std::unexpected(bytes.error());
    auto session
        = runtime::ModelSession::openFromMemory(*bytes, file->path(), runtime::SessionSettings { options.threads, {} });
    if (!session)
        return std::unexpected(session.error());
    return runSamples(*session, samples, {});
}

std::string stepSpec(const slim::StepParams& step)
{
    auto type = slim::stepTypeOf(step);
    return type ? std::string((*type)->name()) : std::string("?");
}

} // namespace

Result<Sensitivity> sensitivity(const std::shared_ptr<const model::ModelFile>& file, const analysis::Analysis& analysis,
    const slim::StepParams& step, const SensitivityOptions& options, const Progress& progress,
    const CancelToken* cancel)
{
    const auto started = std::chrono::steady_clock::now();
    const auto cancelled = [&] { return cancel && cancel->isCancelled(); };
    if (!runtime::runtimeAvailable())
        return fail(ErrorCode::Unsupported, "sensitivity runs the model in ONNX Runtime, which is not available");
    auto type = slim::stepTypeOf(step);
    if (!type)
        return std::unexpected(type.error());
    const auto* channels = step.as<slim::PruneChannelsStep>();
    if ((channels && channels->inputs) || (*type)->kind() == "cleanup" || (*type)->name() == "quantize:int8-static"
        || (*type)->name() == "quantize:int8-dynamic")
        return fail(ErrorCode::Unsupported,
            "sensitivity of " + std::string((*type)->name())
                + ": the step changes more than each layer's weights (the inputs, activations or the graph), so one "
                  "layer at a time cannot stand for it; give a weight step (quantize:int8, int4, fp16, bf16, prune, "
                  "low_rank) or prune_channels without inputs");

    Sensitivity result;
    result.step = stepSpec(step);
    result.stepDescription = (*type)->describe(step);
    progress.report("Applying the step to every layer", 0.0);
    slim::Recipe recipe { { slim::Step { step, slim::Scope {}, true } } };
    auto applied = slim::applyRecipe(file, recipe, {}, cancel, &analysis);
    if (!applied)
        return std::unexpected(applied.error());
    const auto rows = slim::changesByTensor(applied->preview, analysis.tensors.size());

    // Layers of the main graph with weights the step changed, each with the values its consumers would read.
    std::vector<Candidate> candidates;
    std::map<std::size_t, std::vector<float>> effective;
    std::set<std::string> overridable;
    std::map<std::string, std::size_t> weightIndex;
    for (std::size_t w = 0; w < file->weights().size(); ++w)
        weightIndex.emplace(file->weights()[w].name, w);
    for (const slim::ChannelGroupReport& group : applied->preview.channelGroups) {
        if (!channels || group.channelsAfter >= group.channelsBefore || group.producers.empty())
            continue;
        const auto layer = std::ranges::find(analysis.layers, group.producers.front(), &analysis::LayerStats::name);
        if (layer == analysis.layers.end())
            continue;
        Candidate candidate { &*layer, {}, {} };
        for (std::size_t m = 0; m < group.members.size(); ++m) {
            const auto w = weightIndex.find(group.members[m]);
            if (w != weightIndex.end() && rows[w->second])
                candidate.weights.push_back(w->second);
            if (m < group.producerMembers)
                candidate.aloneScope.push_back(group.members[m]);
        }
        if (!candidate.aloneScope.empty())
            candidates.push_back(std::move(candidate));
    }
    for (const analysis::LayerStats& layer : analysis.layers) {
        if (channels)
            break; // prune_channels: the channel groups above
        Candidate candidate { &layer, {}, {} };
        for (const analysis::TensorIndex index : layer.tensors) {
            const slim::TensorChange* row = rows[index.get()];
            if (!row || !row->changed || row->removed)
                continue;
            const auto& weight = file->weights()[index.get()];
            if (layer.graph != "main" || weight.graphIndex != 0 || weight.dataType != onnx::TensorProto::FLOAT
                || weight.storage == model::Storage::SparseInitializer) {
                result.diagnostics.push_back({ Diagnostic::Severity::Info, layer.name,
                    "not measured: its weight '" + weight.name
                        + "' is not a float32 tensor of the main graph (subgraph weights cannot be fed)" });
                candidate.weights.clear();
                break;
            }
            auto values = slim::effectiveWeight(*applied, *file, weight.name);
            if (!values) {
                result.diagnostics.push_back({ Diagnostic::Severity::Info, layer.name,
                    "not measured: the step left '" + weight.name + "' in a form whose values are not rebuilt" });
                candidate.weights.clear();
                break;
            }
            effective[index.get()] = std::move(*values);
            candidate.weights.push_back(index.get());
        }
        if (candidate.weights.empty())
            continue;
        for (const std::size_t w : candidate.weights)
            overridable.insert(file->weights()[w].name);
        candidates.push_back(std::move(candidate));
    }
    if (cancelled())
        return fail(ErrorCode::Cancelled, "cancelled");

    progress.report("Loading the model with overridable weights", 0.1);
    auto bytes = overridableModel(file, overridable);
    if (!bytes)
        return std::unexpected(bytes.error());
    auto session
        = runtime::ModelSession::openFromMemory(*bytes, file->path(), runtime::SessionSettings { options.threads, {} });
    if (!session)
        return std::unexpected(session.error());
    std::vector<runtime::TensorInfo> modelInputs;
    for (const auto& input : session->inputs())
        if (!overridable.contains(input.name))
            modelInputs.push_back(input);
    auto samples = runtime::loadInputSet(modelInputs, options.inputs);
    if (!samples)
        return std::unexpected(samples.error());
    result.inputSource = options.inputs.describe();
    result.samples = static_cast<int>(samples->size());

    const auto runAll
        = [&](const std::vector<runtime::HostTensor>& overrides) { return runSamples(*session, *samples, overrides); };
    auto reference = runAll({});
    if (!reference)
        return std::unexpected(reference.error());

    for (std::size_t c = 0; c < candidates.size(); ++c) {
        if (cancelled())
            return fail(ErrorCode::Cancelled, "cancelled");
        const Candidate& candidate = candidates[c];
        progress.report("Measuring " + candidate.layer->name,
            0.15 + 0.85 * static_cast<double>(c) / static_cast<double>(candidates.size()));
        LayerSensitivity layer;
        layer.node = candidate.layer->name;
        layer.opType = candidate.layer->opType;
        std::vector<runtime::HostTensor> overrides;
        double signal = 0, noise = 0;
        for (const std::size_t w : candidate.weights) {
            const auto& weight = file->weights()[w];
            const slim::TensorChange& row = *rows[w];
            layer.tensors.push_back(weight.name);
            layer.bytesBefore += row.bytesBefore;
            layer.bytesAfter += row.bytesAfter;
            const double s = signalOf(analysis.tensors[w]);
            signal += s;
            noise += row.hasError ? s * row.relativeL2 * row.relativeL2 : 0.0;
            if (const auto values = effective.find(w); values != effective.end())
                overrides.push_back(floatTensor(weight.name, weight.shape, values->second));
        }
        layer.proxySqnrDb = noise > 0 && signal > 0 ? std::min(runtime::kSqnrCapDb, 10.0 * std::log10(signal / noise))
                                                    : runtime::kSqnrCapDb;
        auto outputs = !candidate.aloneScope.empty()
            ? runAlone(file, analysis, step, candidate.aloneScope, *samples, options, cancel)
            : runsItsOwnKernel(*candidate.layer, **type)
            ? runAlone(file, analysis, step, layer.tensors, *samples, options, cancel)
            : runAll(overrides);
        if (!outputs)
            return std::unexpected(outputs.error().withContext("layer '" + layer.node + "'"));
        bool first = true;
        for (std::size_t o = 0; o < reference->size(); ++o) {
            auto compared = runtime::compareOutputs((*reference)[o], (*outputs)[o]);
            if (!compared)
                continue;
            layer.cosine = first ? compared->cosine : std::min(layer.cosine, compared->cosine);
            layer.sqnrDb = first ? compared->sqnrDb : std::min(layer.sqnrDb, compared->sqnrDb);
            layer.maxAbs = std::max(layer.maxAbs, compared->maxAbs);
            if (compared->top1Agreement)
                layer.top1Agreement = layer.top1Agreement ? std::min(*layer.top1Agreement, *compared->top1Agreement)
                                                          : *compared->top1Agreement;
            first = false;
        }
        result.layers.push_back(std::move(layer));
    }
    std::ranges::stable_sort(result.layers, [](const LayerSensitivity& a, const LayerSensitivity& b) {
        return a.cosine != b.cosine ? a.cosine < b.cosine : a.sqnrDb < b.sqnrDb;
    });
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    progress.report("Done", 1.0);
    return result;
}

} // namespace slimscope::core::plan
