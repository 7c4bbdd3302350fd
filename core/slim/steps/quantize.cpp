// quantize: weight-only INT8 through DequantizeLinear (QDQ), per channel or per tensor, symmetric (int8,
// zero point 0) or asymmetric (uint8); or FP16 storage with a Cast back to float32. Consumers keep reading
// the original name, now produced by the new node, so graph inputs and outputs keep their types.
#include "quantize.h"

#include "model/elementdecode.h"
#include "quantizecodec.h"
#include "slim/opsetupgrade.h"
#include "slim/stepcache.h"
#include "slim/stepsupport.h"
#include "support/jsonreader.h"
#include "support/jsonwriter.h"

#include "support/format.h"
#include "support/parallel.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <optional>
#include <unordered_set>

namespace slimscope::core::slim {

namespace {

constexpr std::int32_t kFloat = onnx::TensorProto::FLOAT;
constexpr std::int32_t kInt8 = onnx::TensorProto::INT8;
constexpr std::int32_t kUint8 = onnx::TensorProto::UINT8;
constexpr std::int32_t kFloat16 = onnx::TensorProto::FLOAT16;

// Nodes created by a step go first in their graph: they read only initializers, so any position before their
// consumers is valid, and the front is before all of them. Node pointers stay stable.
void prependNodes(onnx::GraphProto& graph, std::vector<onnx::NodeProto>& nodes)
{
    if (nodes.empty())
        return;
    auto* field = graph.mutable_node();
    std::vector<onnx::NodeProto*> existing(static_cast<std::size_t>(field->size()));
    field->ExtractSubrange(0, field->size(), existing.data());
    for (auto& node : nodes)
        *field->Add() = std::move(node);
    for (auto* node : existing)
        field->AddAllocated(node);
    nodes.clear();
}

void removeFromInputs(onnx::GraphProto& graph, const std::string& name)
{
    auto* inputs = graph.mutable_input();
    for (int i = inputs->size() - 1; i >= 0; --i)
        if (inputs->Get(i).name() == name)
            inputs->DeleteSubrange(i, 1);
}

// The int8 form for models older than DequantizeLinear needs: q (int8, or uint8 with zero points) -> Cast to
// float -> [Sub zero points] -> Mul scales -> `name`. Scales and zero points are float tensors shaped to
// broadcast along the channel axis ([C, 1, 1, 1] for a Conv weight; a scalar per tensor). The nodes come in
// order, the last one producing `name`.
std::vector<onnx::NodeProto> castAndScale(WorkingModel& model, GraphIndex& index, onnx::GraphProto& graph,
    std::int32_t floatType, const std::string& name, const std::vector<std::int64_t>& dims, int axis,
    const quant::ChannelLayout& layout, const quant::Int8Params& params, const TensorSource& input,
    std::uint64_t elements)
{
    std::vector<std::int64_t> channelDims;
    if (axis >= 0) {
        channelDims.assign(dims.size(), 1);
        channelDims[static_cast<std::size_t>(axis)] = dims[static_cast<std::size_t>(axis)];
    }
    const std::string quantName = index.uniqueName(name + "_quantized");
    onnx::TensorProto& quantized = addInitializer(model, graph, quantName, params.symmetric ? kInt8 : kUint8, dims, {});
    if (elements > 0)
        model.setDeferred(
            quantized, std::make_shared<quant::QuantizedBytes>(input, floatType, layout, params, elements));
    const auto makeNode = [&](const char* op, std::vector<std::string> inputs, const std::string& output) {
        return newNode(index, op, std::move(inputs), output, name + "_" + op);
    };
    std::vector<onnx::NodeProto> nodes;
    std::string value = index.uniqueName(name + "_int8_as_float");
    nodes.push_back(makeNode("Cast", { quantName }, value));
    auto* to = nodes.back().add_attribute();
    to->set_name("to");
    to->set_type(onnx::AttributeProto::INT);
    to->set_i(kFloat);
    if (!params.symmetric) {
        std::vector<float> zeros(params.zeroPoints.begin(), params.zeroPoints.end());
        const std::string zeroName = index.uniqueName(name + "_zero_point");
        addInitializer(model, graph, zeroName, kFloat, channelDims, floatBytes(zeros));
        const std::string centred = index.uniqueName(name + "_centred");
        nodes.push_back(makeNode("Sub", { value, zeroName }, centred));
        value = centred;
    }
    const std::string scaleName = index.uniqueName(name + "_scale");
    addInitializer(model, graph, scaleName, kFloat, channelDims, floatBytes(params.scales));
    nodes.push_back(makeNode("Mul", { value, scaleName }, name));
    return nodes;
}

// What the two formats share one implementation on.
struct QuantizeSettings {
    bool int8 = true;
    bool perChannel = true;
    bool symmetric = true;
    bool bfloat16 = false; ///< for !int8: bfloat16 storage instead of float16
    std::vector<std::string> keepFloat32 = {}; ///< for !int8: tensors left in float32 (the fp16 step's `keep`)
};

Result<StepOutcome> runQuantize(const QuantizeSettings& step, const Scope& scope, StepContext& context)
{
    WorkingModel& model = context.model;
    ScopeMatcher matcher(scope);
    // DequantizeLinear needs opset 10, per axis 13: an older model is upgraded first with ONNX's converter, if
    // there is anything to quantize; where the converter cannot, the values are stored another way (viaCast).
    if (step.bfloat16) { // a Cast from bfloat16 needs opset 13
        const GraphIndex probe(model);
        if (std::ranges::any_of(probe.weights(), [&](const InitializerRef& w) { return matcher.matches(w, probe); })
            && probe.opset() < 13 && !upgradeOpset(model, 13, "quantize bf16", context.diagnostics)) {
            StepOutcome none;
            none.summary = "nothing stored as bfloat16: a Cast from bfloat16 needs opset 13, and ONNX's version "
                           "converter could not upgrade the model from opset "
                + std::to_string(probe.opset());
            return none;
        }
    }
    if (step.int8) {
        const GraphIndex probe(model);
        if (std::ranges::any_of(probe.weights(), [&](const InitializerRef& w) { return matcher.matches(w, probe); })) {
            // Per channel wants 13, per tensor 10; when the converter cannot get there, Cast and Mul below.
            upgradeOpset(model, step.perChannel ? 13 : 10, "quantize int8", context.diagnostics);
        }
    }
    GraphIndex index(model);
    StepOutcome outcome;
    const bool int8 = step.int8;
    const bool perChannel = int8 && step.perChannel;
    // Where the converter could not reach the opset DequantizeLinear needs, the int8 values are Cast to float
    // and multiplied by their scales (opset 7 broadcasting): the same bytes and the same accuracy, per channel
    // too, at the model's own opset. (Per tensor at opset 10 was the alternative: on PaddleOCR's recognizer it
    // took the output's cosine from 0.994 to 0.75.)
    const bool viaCast = int8 && index.opset() < (perChannel ? 13 : 10);
    if (viaCast)
        context.diagnostics.push_back({ Diagnostic::Severity::Info, {},
            "quantize int8: the model imports opset " + std::to_string(index.opset()) + ", older than "
                + (perChannel ? "per-channel DequantizeLinear (13)" : "DequantizeLinear (10)")
                + ", so the int8 values are stored with a Cast to float and a Mul by their scales" });
    std::vector<std::vector<onnx::NodeProto>> newNodes(index.graphs().size());
    std::vector<std::pair<int, std::string>> replaced; // (graph, original initializer name)
    std::vector<std::pair<int, onnx::NodeProto*>> replacedConstants; // (graph, Constant node holding the weight)
    std::uint64_t before = 0, after = 0;
    // Decide what to do sequentially, measure in parallel (the heavy part), then edit the graph sequentially.
    struct Job {
        InitializerRef initializer;
        int axis = -1;
        std::vector<std::int64_t> dims;
        TensorSource input;
        std::uint64_t elements = 0;
        std::uint64_t bytesBefore = 0;
        quant::ChannelLayout layout;
        quant::Int8Params params;
        MeasuredError error;
        std::uint64_t saturated = 0; ///< fp16: values beyond ±65504
        std::uint64_t nonFinite = 0; ///< int8: NaN and infinities (stored as the zero point, the extreme level)
        std::optional<Error> failure;
    };
    std::vector<Job> jobs;
    const model::WeightTracer tracer = weightTracer(model, index);
    for (const auto& initializer : index.weights()) {
        const onnx::TensorProto& tensor = *initializer.tensor;
        if (!matcher.matches(initializer, index))
            continue;
        if (!int8 && tensor.data_type() != kFloat)
            continue; // fp16 storage applies to float32 weights
        if (!int8 && std::ranges::find(step.keepFloat32, initializer.name) != step.keepFloat32.end())
            continue;
        Job job;
        job.initializer = initializer;
        job.dims.assign(tensor.dims().begin(), tensor.dims().end());
        // Per channel along the axis every real consumer agrees on, found through the ops that only move or
        // cut the weight (Identity, Reshape, Transpose, Slice, ...); per tensor otherwise.
        if (int8 && perChannel)
            job.axis = tracer.agreedChannelAxis(initializer.name, job.dims);
        if (const TensorSource* source = model.source(tensor))
            job.input = *source;
        job.elements = elementCount(tensor);
        job.bytesBefore = model.payloadBytes(tensor);
        jobs.push_back(std::move(job));
    }
    const std::string variant = int8 ? "int8:axis=" : step.bfloat16 ? "bf16" : "fp16";
    parallelFor(
        jobs.size(),
        [&](std::size_t j) {
            Job& job = jobs[j];
            const onnx::TensorProto& tensor = *job.initializer.tensor;
            // The values are read only when a cache misses: a repeated preview reads nothing. Errors are
            // measured against the original weight when the input derives from it (an earlier prune).
            std::optional<FloatValues> values, originals;
            const TensorSource* original = job.input.originalWeight();
            if (original && original->weight->name != job.initializer.name)
                original = nullptr;
            const auto readSource
                = [&](const TensorSource& source, std::optional<FloatValues>& into) -> const FloatValues& {
                if (!into) {
                    auto read = readFloatValues(source, tensor.data_type());
                    if (!read) {
                        job.failure = read.error();
                        into.emplace();
                    } else {
                        into = std::move(*read);
                    }
                }
                return *into;
            };
            const auto read = [&] { return readSource(job.input, values); };
            const auto reference
                = [&] { return original && original != &job.input ? readSource(*original, originals) : read(); };
            const auto cached = [&]<class T>(const std::string& kind, const std::function<T()>& compute) {
                return context.cache && job.input.identity() ? context.cache->get<T>(job.input, kind, compute)
                                                             : std::make_shared<const T>(compute());
            };
            const bool sample = context.sampleErrors && job.elements > kSampledValues;
            const std::string errorKind
                = (int8 ? variant + std::to_string(job.axis) + (step.symmetric ? ":symmetric" : ":asymmetric")
                        : variant)
                + (sample ? ":errors sampled" : ":errors");
            if (int8) {
                const auto layout = quant::layoutOf(job.dims, job.axis, job.elements);
                if (!layout)
                    return; // an empty tensor: nothing to store, nothing to measure
                job.layout = *layout;
                const auto ranges = cached(variant + std::to_string(job.axis) + ":ranges",
                    std::function<quant::ChannelRanges()>(
                        [&] { return read().visit([&](auto view) { return quant::rangesOf(view, job.layout); }); }));
                job.params = quant::int8ParamsOf(*ranges, step.symmetric);
                job.nonFinite = ranges->nonFinite;
                job.error = *cached(errorKind, std::function<MeasuredError()>([&] {
                    const FloatValues& before = reference();
                    return before
                        .visit([&](auto original) {
                            return read().visit([&](auto view) {
                                return quant::int8Errors(original, view, job.layout, job.params, sample);
                            });
                        })
                        .measured(sample);
                }));
            } else {
                if (!step.bfloat16)
                    job.saturated = *cached("fp16:saturated", std::function<std::uint64_t()>([&] {
                        return read().visit([](auto view) {
                            std::uint64_t count = 0;
                            for (std::size_t i = 0; i < view.size(); ++i)
                                count += model::beyondHalfRange(view[i]) ? 1 : 0;
                            return count;
                        });
                    }));
                job.error = *cached(errorKind, std::function<MeasuredError()>([&] {
                    const FloatValues& before = reference();
                    return before
                        .visit([&](auto original) {
                            return read().visit([&](auto view) {
                                return step.bfloat16 ? quant::bfloat16Errors(original, view, sample)
                                                     : quant::float16Errors(original, view, sample);
                            });
                        })
                        .measured(sample);
                }));
            }
            job.error.againstOriginal = original != nullptr;
        },
        context.cancel);
    if (context.cancel && context.cancel->isCancelled())
        return fail(ErrorCode::Cancelled, "cancelled");
    for (Job& job : jobs) {
        if (job.failure)
            return std::unexpected(*job.failure);
        const std::string name = job.initializer.name;
        if (job.nonFinite > 0)
            context.diagnostics.push_back({ Diagnostic::Severity::Warning, name,
                std::to_string(job.nonFinite) + (job.nonFinite == 1 ? " value is" : " values are")
                    + " NaN or infinite: int8 stores NaN as the zero point (0.0) and an infinity as the channel's "
                      "extreme level" });
        onnx::GraphProto& graph = *index.graphs()[static_cast<std::size_t>(job.initializer.graph)].graph;
        onnx::NodeProto node;
        before += job.bytesBefore;
        if (int8 && viaCast) {
            after += job.elements + job.params.scales.size() * (step.symmetric ? 4 : 8);
            auto nodes = castAndScale(model, index, graph, job.initializer.tensor->data_type(), name, job.dims,
                job.axis, job.layout, job.params, job.input, job.elements);
            auto& into = newNodes[static_cast<std::size_t>(job.initializer.graph)];
            into.insert(into.end(), std::make_move_iterator(nodes.begin()), std::make_move_iterator(nodes.end() - 1));
            node = std::move(nodes.back());
        } else if (int8) {
            const quant::Int8Params& params = job.params;
            const std::int32_t quantType = step.symmetric ? kInt8 : kUint8;
            const std::vector<std::int64_t> channelDims = job.axis >= 0
                ? std::vector<std::int64_t> { job.dims[static_cast<std::size_t>(job.axis)] }
                : std::vector<std::int64_t> {};
            const std::string quantName = index.uniqueName(name + "_quantized");
            const std::string scaleName = index.uniqueName(name + "_scale");
            const std::string zeroName = index.uniqueName(name + "_zero_point");
            std::vector<std::byte> zeroPoints(params.zeroPoints.size());
            for (std::size_t c = 0; c < zeroPoints.size(); ++c)
                zeroPoints[c] = static_cast<std::byte>(params.zeroPoints[c]);
            after += job.elements + params.scales.size() * 4 + zeroPoints.size();
            onnx::TensorProto& quantized = addInitializer(model, graph, quantName, quantType, job.dims, {});
            if (job.elements > 0)
                model.setDeferred(quantized,
                    std::make_shared<quant::QuantizedBytes>(
                        job.input, job.initializer.tensor->data_type(), job.layout, params, job.elements));
            addInitializer(model, graph, scaleName, kFloat, channelDims, floatBytes(params.scales));
            addInitializer(model, graph, zeroName, quantType, channelDims, std::move(zeroPoints));
            node.set_op_type("DequantizeLinear");
            node.set_name(index.uniqueName(name + "_DequantizeLinear"));
            node.add_input(quantName);
            node.add_input(scaleName);
            node.add_input(zeroName);
            if (job.axis >= 0) {
                auto* attribute = node.add_attribute();
                attribute->set_name("axis");
                attribute->set_type(onnx::AttributeProto::INT);
                attribute->set_i(job.axis);
            }
        } else {
            const std::string halfName = index.uniqueName(name + (step.bfloat16 ? "_bf16" : "_fp16"));
            after += job.elements * 2;
            onnx::TensorProto& half = addInitializer(
                model, graph, halfName, step.bfloat16 ? onnx::TensorProto::BFLOAT16 : kFloat16, job.dims, {});
            model.setDeferred(half, std::make_shared<quant::HalfBytes>(job.input, job.elements, step.bfloat16));
            node.set_op_type("Cast");
            node.set_name(index.uniqueName(name + "_Cast"));
            node.add_input(halfName);
            auto* attribute = node.add_attribute();
            attribute->set_name("to");
            attribute->set_type(onnx::AttributeProto::INT);
            attribute->set_i(kFloat);
        }
        if (node.output_size() == 0)
            node.add_output(name);
        newNodes[static_cast<std::size_t>(job.initializer.graph)].push_back(std::move(node));
        if (job.initializer.constantNode)
            replacedConstants.emplace_back(job.initializer.graph, job.initializer.constantNode);
        else
            replaced.emplace_back(job.initializer.graph, name);
        outcome.tensors.push_back(name);
        if (job.elements > 0)
            outcome.errors[name] = job.error;
    }
    // Remove the float originals (pointers from the index are not used past this point).
    // A weight held by a Constant node: the node goes, its output name now comes from the new node.
    for (const auto& [graphIndex, constant] : replacedConstants) {
        onnx::GraphProto& graph = *index.graphs()[static_cast<std::size_t>(graphIndex)].graph;
        model.forgetAllIn(*constant);
        auto* nodes = graph.mutable_node();
        for (int n = 0; n < nodes->size(); ++n)
            if (nodes->Mutable(n) == constant) {
                nodes->DeleteSubrange(n, 1);
                break;
            }
    }
    for (std::size_t g = 0; g < index.graphs().size(); ++g) {
        onnx::GraphProto& graph = *index.graphs()[g].graph;
        std::unordered_set<std::string> names;
        for (const auto& [graphIndex, name] : replaced)
            if (graphIndex == static_cast<int>(g))
                names.insert(name);
        if (!names.empty())
            eraseInitializers(model, graph, [&](const onnx::TensorProto& t) { return names.contains(t.name()); });
        for (const auto& name : names)
            removeFromInputs(graph, name); // now produced by a node, it cannot also be an input
        prependNodes(graph, newNodes[g]);
    }
    std::uint64_t saturated = 0;
    std::string saturatedTensors;
    for (const Job& job : jobs)
        if (job.saturated > 0) {
            saturated += job.saturated;
            saturatedTensors += (saturatedTensors.empty() ? "" : ", ") + job.initializer.name;
        }
    if (saturated > 0)
        context.diagnostics.push_back({ Diagnostic::Severity::Warning, {},
            "quantize fp16: " + std::to_string(saturated) + " value(s) beyond ±65504 saturate (" + saturatedTensors
                + "); keep those tensors in float32 (keep), or store bfloat16" });
    outcome.summary = std::string(int8        ? "quantized "
                              : step.bfloat16 ? "stored as bfloat16: "
                                              : "stored as float16: ")
        + std::to_string(outcome.tensors.size()) + " tensor(s), " + humanBytes(before) + " -> " + humanBytes(after);
    if (int8)
        outcome.summary += std::string(perChannel ? " (per channel where the op has channels" : " (per tensor")
            + (viaCast ? "; Cast and Mul)" : ")");
    // Measured (docs/performance.md): the dequantization runs at every inference.
    if (int8 && !outcome.tensors.empty())
        context.diagnostics.push_back({ Diagnostic::Severity::Warning, {},
            "weight-only int8 is smaller, not faster: ONNX Runtime dequantizes the weights at every inference "
            "(mobilenet_v2: 4.1 -> 12.4 ms on CPU); quantize int8-static runs Conv and MatMul on integers instead "
            "(mobilenet_v2: 4.0 -> 2.8 ms); verify measures the latency of this model" });
    return outcome;
}

class QuantizeInt8Type final : public TypedStepType<QuantizeInt8Step> {
public:
    std::string_view title() const override { return "Quantize int8"; }
    std::string_view help() const override
    {
        return "weight-only INT8 (DequantizeLinear): about 4x smaller float32 weights";
    }
    std::string_view valueName() const override { return "TYPE"; }
    std::vector<StepPreset> presets() const override
    {
        return { { "int8", "per output channel, symmetric", QuantizeInt8Step { true, true } },
            { "int8-per-tensor", "one scale per tensor, symmetric", QuantizeInt8Step { false, true } },
            { "int8-asymmetric", "per channel, uint8 with a zero point", QuantizeInt8Step { true, false } } };
    }

protected:
    std::string describeParams(const QuantizeInt8Step& step) const override
    {
        return std::string("quantize int8 ") + (step.perChannel ? "per-channel" : "per-tensor")
            + (step.symmetric ? " symmetric" : " asymmetric");
    }
    Result<QuantizeInt8Step> readParams(JsonObjectReader& reader) const override
    {
        QuantizeInt8Step step;
        if (auto read = reader.boolean("per_channel", step.perChannel); !read)
            return std::unexpected(read.error());
        if (auto read = reader.boolean("symmetric", step.symmetric); !read)
            return std::unexpected(read.error());
        return step;
    }
    void writeParams(JsonWriter& json, const QuantizeInt8Step& step) const override
    {
        json.field("per_channel", step.perChannel).field("symmetric", step.symmetric);
    }
    Result<StepOutcome> run(const QuantizeInt8Step& step, const Scope& scope, StepContext& context) const override
    {
        return runQuantize({ true, step.perChannel, step.symmetric }, scope, context);
    }
};

// fp16 and bf16: two bytes per float32 weight, a Cast back where it is read; `keep` leaves listed tensors in
// float32 (values a 16-bit float cannot hold).
template <class Step, bool Bfloat16> class HalfFloatType final : public TypedStepType<Step> {
public:
    std::string_view title() const override { return Bfloat16 ? "Quantize bf16" : "Quantize fp16"; }
    std::string_view help() const override
    {
        return Bfloat16 ? "bfloat16 storage with a Cast to float32: half the bytes, float32's range"
                        : "float16 storage with a Cast to float32: half the bytes";
    }
    std::string_view valueName() const override { return "TYPE"; }
    std::vector<StepPreset> presets() const override
    {
        return { Bfloat16 ? StepPreset { "bf16", "bfloat16 storage, Cast back to float32 (opset 13)", Step {} }
                          : StepPreset { "fp16", "float16 storage, Cast back to float32", Step {} } };
    }
    std::vector<StepOption> options() const override
    {
        return { { "keep", "NAMES", "fp16/bf16: comma-separated tensors left in float32",
            // One flag for both types (the CLI defines an option name once per kind).
            [](StepParams& params, std::string_view value) -> Result<void> {
                std::vector<std::string>* keep = nullptr;
                if (auto* fp16 = params.as<QuantizeFp16Step>())
                    keep = &fp16->keep;
                else if (auto* bf16 = params.as<QuantizeBf16Step>())
                    keep = &bf16->keep;
                if (!keep)
                    return fail(ErrorCode::InvalidArgument, "--quantize-keep applies to --quantize fp16 or bf16");
                for (auto& name : splitCommaList(value))
                    keep->push_back(std::move(name));
                return {};
            },
            {}, false } };
    }

protected:
    std::string describeParams(const Step& step) const override
    {
        return std::string(Bfloat16 ? "quantize bf16" : "quantize fp16")
            + (step.keep.empty() ? "" : ", " + std::to_string(step.keep.size()) + " tensor(s) kept in float32");
    }
    Result<Step> readParams(JsonObjectReader& reader) const override
    {
        Step step;
        if (auto read = reader.strings("keep", step.keep); !read)
            return std::unexpected(read.error());
        return step;
    }
    void writeParams(JsonWriter& json, const Step& step) const override { json.stringArray("keep", step.keep); }
    Result<void> validateParams(const Step&) const override { return {}; }
    Result<StepOutcome> run(const Step& step, const Scope& scope, StepContext& context) const override
    {
        return runQuantize({ false, false, false, Bfloat16, step.keep }, scope, context);
    }
};

} // namespace

const StepType& quantizeInt8StepType()
{
    static const QuantizeInt8Type type;
    return type;
}

const StepType& quantizeFp16StepType()
{
    static const HalfFloatType<QuantizeFp16Step, false> type;
    return type;
}

const StepType& quantizeBf16StepType()
{
    static const HalfFloatType<QuantizeBf16Step, true> type;
    return type;
}

} // namespace slimscope::core::slim
