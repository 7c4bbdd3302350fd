// quantize:int8-static: weights and activations in INT8 for ONNX Runtime's integer kernels. The plan
// (staticplan.cpp) picks the values; calibration (runtime/calibration.h) runs the model as it comes into the step
// on the input set and measures each value's range; weights become int8 per output channel through the int8
// step itself (same bytes, same preview errors), biases int32 with the scale the fused kernel expects, and every
// planned value gets a QuantizeLinear → DequantizeLinear pair with uint8 parameters from its range.
#include "quantize.h"

#include "blockquant.h"
#include "gatherrows.h"
#include "staticplan.h"

#include "analysis/shapes.h"
#include "runtime/calibration.h"
#include "slim/exporter.h"
#include "slim/opsetupgrade.h"
#include "slim/stepcache.h"
#include "slim/stepregistry.h"
#include "slim/stepsupport.h"
#include "support/copybytes.h"
#include "support/format.h"
#include "support/jsonreader.h"
#include "support/jsonwriter.h"
#include "support/sha256.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <set>
#include <span>
#include <sstream>

namespace slimscope::core::slim {

namespace {

using staticquant::UintParams;

Result<runtime::InputSetSpec> inputSetOf(const QuantizeInt8StaticStep& step)
{
    auto spec = runtime::parseInputSetSpec(step.inputs);
    if (!spec)
        return std::unexpected(spec.error());
    spec->seed = step.seed;
    for (const std::string& dim : step.dims) {
        auto assignment = runtime::parseDimAssignment(dim);
        if (!assignment)
            return std::unexpected(assignment.error());
        spec->dims[assignment->first] = assignment->second;
    }
    return spec;
}

/// Calibration results kept between previews; holds every weight source alive so that the key, made of their
/// identities, cannot match a later model by accident.
struct CachedCalibration {
    runtime::Calibration calibration;
    std::vector<std::shared_ptr<const void>> keepAlive;
};

/// The ranges of `values` in the model as it is now (float), from ONNX Runtime on the step's input set.
Result<runtime::Calibration> calibrate(WorkingModel& model, GraphIndex& index, const std::vector<std::string>& values,
    const QuantizeInt8StaticStep& step, const runtime::InputSetSpec& spec, StepContext& context)
{
    const auto compute = [&]() -> Result<runtime::Calibration> {
        auto copy = model.clone();
        onnx::GraphProto& graph = *copy->proto().mutable_graph();
        for (const std::string& value : values)
            if (!index.isGraphInput(value) && !index.isGraphOutput(value)) {
                onnx::ValueInfoProto* output = graph.add_output();
                output->set_name(value);
                output->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
            }
        auto bytes = serializeToString(*copy);
        if (!bytes)
            return std::unexpected(bytes.error());
        runtime::CalibrationOptions options;
        options.inputs = spec;
        options.method = step.method == "minmax" ? runtime::RangeMethod::MinMax : runtime::RangeMethod::Percentile;
        options.percentile = step.percentile;
        return runtime::calibrateRanges(*bytes, "the model being quantized", values, options, {}, context.cancel);
    };
    // The cache anchor is the first weight with a source; the key adds the graph, the settings and every source.
    const TensorSource* anchor = nullptr;
    std::vector<std::shared_ptr<const void>> keepAlive;
    std::ostringstream key;
    key << step.inputs << '|' << step.seed << '|' << step.method << '|' << step.percentile << '|';
    for (const auto& dim : step.dims)
        key << dim << ',';
    model.forEachTensor([&](const onnx::TensorProto& tensor) {
        if (const TensorSource* source = model.source(tensor)) {
            anchor = anchor ? anchor : source;
            keepAlive.push_back(source->keepAlive());
            key << source->identity() << ',';
        }
    });
    key << model.proto().SerializeAsString();
    if (!context.cache || !anchor || !anchor->identity())
        return compute();
    std::optional<Error> failure;
    const std::function<CachedCalibration()> fill = [&]() -> CachedCalibration {
        auto result = compute();
        if (!result) {
            failure = result.error();
            return {};
        }
        return { std::move(*result), keepAlive };
    };
    const std::string keyText = key.str();
    const std::string digest = sha256Hex(std::as_bytes(std::span(keyText.data(), keyText.size())));
    auto cached = context.cache->get<CachedCalibration>(*anchor, "static-calibration:" + digest, fill);
    if (failure)
        return std::unexpected(*failure);
    if (cached->calibration.samples == 0) // an earlier failure was cached: compute again to report it
        return compute();
    return cached->calibration;
}

/// Float values of a stored constant (initializer or Constant value) of the main graph.
std::optional<std::vector<float>> constantValues(WorkingModel& model, const GraphIndex& index, const std::string& name)
{
    const std::string stored = staticquant::storedConstant(index, name);
    const auto it = std::ranges::find(index.weights(), stored, &InitializerRef::name);
    if (stored.empty() || it == index.weights().end())
        return std::nullopt;
    auto values = floatCopy(model, *it->tensor);
    return values ? std::optional(std::move(*values)) : std::nullopt;
}

/// The int8 weight's scales: the DequantizeLinear the int8 step put before `weight` reads them.
std::optional<std::vector<float>> weightScales(WorkingModel& model, GraphIndex& index, const std::string& weight)
{
    // The weight may be read through Identity aliases of the dequantized value.
    std::string name = weight;
    for (int hops = 0; hops < 16; ++hops) {
        const onnx::NodeProto* producer = nullptr;
        for (const onnx::NodeProto& node : index.graphs().front().graph->node())
            if (node.output_size() == 1 && node.output(0) == name)
                producer = &node;
        if (!producer || producer->input_size() < 1)
            return std::nullopt;
        if (producer->op_type() == "DequantizeLinear" && producer->input_size() >= 2)
            return constantValues(model, index, producer->input(1));
        if (producer->op_type() != "Identity")
            return std::nullopt;
        name = producer->input(0);
    }
    return std::nullopt;
}

/// Biases of Conv and Gemm become int32 with scale = input scale × weight scale, read through a DequantizeLinear.
std::size_t quantizeBiases(WorkingModel& model, const staticquant::Plan& plan,
    const std::map<std::string, UintParams>& params, Diagnostics& diagnostics)
{
    GraphIndex index(model);
    onnx::GraphProto& graph = *index.graphs().front().graph;
    std::vector<onnx::NodeProto> front;
    std::size_t done = 0;
    for (const staticquant::BiasUse& use : plan.biases) {
        const auto input = params.find(use.input);
        const auto bias = constantValues(model, index, use.bias);
        const auto scales = weightScales(model, index, use.weight);
        if (input == params.end() || !bias || !scales || (scales->size() != 1 && scales->size() != bias->size()))
            continue;
        std::vector<float> biasScales(bias->size());
        std::vector<std::int32_t> codes(bias->size());
        for (std::size_t c = 0; c < bias->size(); ++c) {
            biasScales[c] = input->second.scale * (*scales)[scales->size() == 1 ? 0 : c];
            const double code = biasScales[c] > 0 ? std::nearbyint((*bias)[c] / static_cast<double>(biasScales[c])) : 0;
            codes[c] = static_cast<std::int32_t>(std::clamp(code, -2147483648.0, 2147483647.0));
        }
        const auto dims = std::vector<std::int64_t> { static_cast<std::int64_t>(bias->size()) };
        std::vector<std::byte> bytes(codes.size() * 4);
        copyBytes(bytes.data(), codes.data(), bytes.size());
        const std::string codesName = addInitializer(
            model, graph, index.uniqueName(use.bias + "_int32"), onnx::TensorProto::INT32, dims, std::move(bytes))
                                          .name();
        const std::string scaleName = addInitializer(model, graph, index.uniqueName(use.bias + "_int32_scale"),
            onnx::TensorProto::FLOAT, dims, floatBytes(biasScales))
                                          .name();
        const std::string output = index.uniqueName(use.bias + "/dequantized");
        onnx::NodeProto dq;
        dq.set_op_type("DequantizeLinear");
        dq.set_name(index.uniqueName(output + "/DequantizeLinear"));
        dq.add_input(codesName);
        dq.add_input(scaleName);
        dq.add_output(output);
        if (bias->size() > 1)
            *dq.add_attribute() = blockquant::intAttr("axis", 0);
        front.push_back(std::move(dq));
        for (onnx::NodeProto& node : *graph.mutable_node())
            if (node.op_type() == use.node->op_type() && node.input_size() > 2 && node.input(2) == use.bias
                && node.input(0) == use.input && node.input(1) == use.weight)
                node.set_input(2, output);
        ++done;
    }
    auto* nodes = graph.mutable_node();
    for (auto it = front.rbegin(); it != front.rend(); ++it) {
        *nodes->Add() = std::move(*it);
        for (int i = nodes->size() - 1; i > 0; --i)
            nodes->SwapElements(i, i - 1);
    }
    // A float bias nothing reads any more goes (its int32 copy replaced it), with the Identity aliases exporters
    // read it through.
    std::set<std::string> stale;
    for (const auto& use : plan.biases)
        stale.insert(use.bias);
    for (bool removed = true; removed;) {
        removed = false;
        GraphIndex now(model);
        for (int i = graph.node_size() - 1; i >= 0; --i) {
            const onnx::NodeProto& node = graph.node(i);
            if (node.op_type() != "Identity" || node.output_size() != 1 || !stale.contains(node.output(0))
                || !now.uses(node.output(0)).empty() || now.isGraphOutput(node.output(0)))
                continue;
            stale.insert(node.input(0));
            graph.mutable_node()->DeleteSubrange(i, 1);
            removed = true;
        }
    }
    GraphIndex after(model);
    eraseInitializers(model, graph, [&](const onnx::TensorProto& tensor) {
        return stale.contains(tensor.name()) && after.uses(tensor.name()).empty()
            && !after.isGraphOutput(tensor.name());
    });
    if (done < plan.biases.size())
        diagnostics.push_back({ Diagnostic::Severity::Info, {},
            "quantize int8-static: " + std::to_string(plan.biases.size() - done)
                + " bias(es) stay float (no range for their input, or a weight scale that does not fit)" });
    return done;
}

std::string opCounts(const std::map<std::string, int>& ops)
{
    std::string text;
    for (const auto& [op, n] : ops)
        text += (text.empty() ? "" : ", ") + std::to_string(n) + " " + op;
    return text;
}

Result<StepOutcome> runStatic(const QuantizeInt8StaticStep& step, StepContext& context)
{
    WorkingModel& model = context.model;
    auto spec = inputSetOf(step);
    if (!spec)
        return std::unexpected(spec.error().withContext("quantize int8-static"));
    if (const GraphIndex probe(model);
        probe.opset() < 13 && !upgradeOpset(model, 13, "quantize int8-static", context.diagnostics))
        return fail(ErrorCode::Unsupported,
            "quantize int8-static needs opset 13 (DequantizeLinear per channel) and ONNX's version converter could "
            "not upgrade the model from opset "
                + std::to_string(probe.opset()));
    GraphIndex index(model);
    Diagnostics shapeNotes;
    const analysis::ShapeTable shapes = analysis::inferShapes(model.withShapeConstants(), shapeNotes);
    const auto isFloat = [&](const std::string& name) {
        if (const auto it = shapes.values.find(name); it != shapes.values.end())
            return it->second.elemType == onnx::TensorProto::FLOAT;
        const auto weight = std::ranges::find(index.weights(), name, &InitializerRef::name);
        return weight != index.weights().end() && weight->tensor->data_type() == onnx::TensorProto::FLOAT;
    };
    const staticquant::Plan plan
        = staticquant::planStatic(model, index, { step.excludeNodes, step.excludeOps }, isFloat);
    StepOutcome outcome;
    if (plan.quantizedOps.empty()) {
        outcome.summary = "nothing quantized: no Conv, MatMul, Gemm, Add, Mul, Concat or pool reads float values";
        return outcome;
    }

    auto calibration = calibrate(model, index, plan.activations, step, *spec, context);
    if (!calibration)
        return std::unexpected(calibration.error().withContext("quantize int8-static: calibration"));
    std::map<std::string, runtime::ActivationRange> ranges = calibration->ranges;
    for (const std::string& constant : plan.constants)
        if (const auto values = constantValues(model, index, constant); values && !values->empty()) {
            const auto [low, high] = std::ranges::minmax(*values);
            ranges[constant] = { low, high };
        }
    // Values that share a scale take the union of their ranges.
    for (const auto& group : plan.sharedScales) {
        std::optional<runtime::ActivationRange> joint;
        for (const std::string& member : group)
            if (const auto it = ranges.find(member); it != ranges.end())
                joint = joint ? runtime::ActivationRange { std::min(joint->min, it->second.min),
                    std::max(joint->max, it->second.max) }
                              : it->second;
        if (joint)
            for (const std::string& member : group)
                if (ranges.contains(member))
                    ranges[member] = *joint;
    }
    std::map<std::string, UintParams> params;
    for (const auto& [name, range] : ranges)
        params[name] = staticquant::uintParamsOf(range.min, range.max);

    // Weights: int8 symmetric per output channel, by the int8 step (the preview measures them as it does there).
    std::vector<std::string> weightNames;
    if (!plan.weights.empty()) {
        Scope scope;
        scope.tensors = plan.weights;
        scope.onlyTensors = true;
        scope.minElements = 0;
        scope.skipBiasAndNorm = false;
        Diagnostics weightNotes;
        StepContext inner { model, weightNotes, context.cancel, context.cache, context.sampleErrors };
        auto weights = quantizeInt8StepType().apply(StepParams(QuantizeInt8Step { true, true }), scope, inner);
        if (!weights)
            return std::unexpected(weights.error());
        for (Diagnostic& note : weightNotes) // the int8 step's "smaller, not faster" is not true of this format
            if (note.message.find("not faster") == std::string::npos)
                context.diagnostics.push_back(std::move(note));
        outcome = std::move(*weights);
    }
    // Embedding tables: int8 rows, dequantized after the Gather (only the rows an inference reads).
    auto tables = quantizeGatheredRows(context, 1024, outcome);
    if (!tables)
        return std::unexpected(tables.error());
    const std::size_t biases = quantizeBiases(model, plan, params, context.diagnostics);
    GraphIndex edited(model);
    const std::size_t pairs = staticquant::insertPairs(model, edited, plan, params);

    outcome.summary = std::to_string(outcome.tensors.size() - *tables) + " weight(s) int8 per channel, "
        + (*tables ? std::to_string(*tables) + " embedding table(s) int8 per row (gathered, then dequantized), "
                   : std::string())
        + std::to_string(biases) + " bias(es) int32, " + std::to_string(pairs) + " value(s) uint8 (ranges by "
        + (step.method == "minmax" ? std::string("min-max") : "percentile " + shortDouble(step.percentile)) + " over "
        + calibration->inputSource + "); integer ops: " + opCounts(plan.quantizedOps);
    if (!plan.floatOps.empty())
        context.diagnostics.push_back({ Diagnostic::Severity::Info, {},
            "quantize int8-static: these ops read quantized values but run in float (no integer kernel in ONNX "
            "Runtime), with a DequantizeLinear before and a QuantizeLinear after: "
                + opCounts(plan.floatOps) });
    if (!plan.excluded.empty())
        context.diagnostics.push_back({ Diagnostic::Severity::Info, {},
            "quantize int8-static: " + std::to_string(plan.excluded.size()) + " node(s) left in float as asked" });
    if (spec->isRandom())
        context.diagnostics.push_back({ Diagnostic::Severity::Warning, {},
            "quantize int8-static: calibrated on random inputs; ranges from real samples (--inputs DIR) keep the "
            "outputs closer on real data" });
    return outcome;
}

Result<void> applyList(std::vector<std::string>& list, std::string_view value)
{
    for (auto& item : splitCommaList(value))
        list.push_back(std::move(item));
    return {};
}

class QuantizeInt8StaticType final : public TypedStepType<QuantizeInt8StaticStep> {
public:
    std::string_view title() const override { return "Quantize int8 static"; }
    std::string_view help() const override
    {
        return "weights and activations INT8, activation ranges calibrated in ONNX Runtime (QDQ that ONNX Runtime "
               "runs as QLinearConv/QLinearMatMul): about 4x smaller and faster on CPUs with VNNI";
    }
    bool usesScope() const override { return false; }
    std::string_view valueName() const override { return "TYPE"; }
    std::vector<StepPreset> presets() const override
    {
        return { { "int8-static", "weights and activations int8, calibrated on --inputs (default random:8)",
            QuantizeInt8StaticStep {} } };
    }
    std::vector<StepOption> options() const override
    {
        const auto staticStep = [](StepParams& params, const char* flag) -> Result<QuantizeInt8StaticStep*> {
            auto* step = params.as<QuantizeInt8StaticStep>();
            if (!step)
                return fail(ErrorCode::InvalidArgument, std::string(flag) + " applies to --quantize int8-static");
            return step;
        };
        return {
            { "method", "METHOD", "int8-static: activation ranges by minmax or percentile (default)",
                [staticStep](StepParams& params, std::string_view value) -> Result<void> {
                    auto step = staticStep(params, "--quantize-method");
                    if (!step)
                        return std::unexpected(step.error());
                    if (value != "minmax" && value != "percentile")
                        return fail(ErrorCode::InvalidArgument,
                            "--quantize-method is minmax or percentile, not '" + std::string(value) + "'");
                    (*step)->method = std::string(value);
                    return {};
                },
                {}, false },
            { "percentile", "P", "int8-static: percent of values kept in range (default 99.99)",
                [staticStep](StepParams& params, std::string_view value) -> Result<void> {
                    auto step = staticStep(params, "--quantize-percentile");
                    if (!step)
                        return std::unexpected(step.error());
                    char* end = nullptr;
                    const std::string text(value);
                    const double p = std::strtod(text.c_str(), &end);
                    if (text.empty() || *end != '\0' || !(p > 50.0 && p <= 100.0))
                        return fail(ErrorCode::InvalidArgument,
                            "--quantize-percentile is above 50 and at most 100, not '" + text + "'");
                    (*step)->percentile = p;
                    return {};
                },
                {}, false },
            { "exclude-nodes", "NAMES", "int8-static: comma-separated node names left in float",
                [staticStep](StepParams& params, std::string_view value) -> Result<void> {
                    auto step = staticStep(params, "--quantize-exclude-nodes");
                    if (!step)
                        return std::unexpected(step.error());
                    return applyList((*step)->excludeNodes, value);
                },
                {}, false },
            { "exclude-ops", "OPS", "int8-static: comma-separated op types left in float (Add,Concat)",
                [staticStep](StepParams& params, std::string_view value) -> Result<void> {
                    auto step = staticStep(params, "--quantize-exclude-ops");
                    if (!step)
                        return std::unexpected(step.error());
                    return applyList((*step)->excludeOps, value);
                },
                {}, false },
        };
    }

protected:
    std::string describeParams(const QuantizeInt8StaticStep& step) const override
    {
        return "quantize int8 static, calibrated on " + step.inputs + " ("
            + (step.method == "minmax" ? std::string("min-max") : "percentile " + shortDouble(step.percentile)) + ")";
    }
    Result<QuantizeInt8StaticStep> readParams(JsonObjectReader& reader) const override
    {
        QuantizeInt8StaticStep step;
        std::uint64_t seed = step.seed;
        for (auto read : { reader.text("inputs", step.inputs),
                 reader.count("seed", seed, 0, std::numeric_limits<std::uint32_t>::max()),
                 reader.strings("dims", step.dims), reader.choice("method", step.method, { "minmax", "percentile" }),
                 reader.number("percentile", step.percentile, 50.0, 100.0),
                 reader.strings("exclude_nodes", step.excludeNodes), reader.strings("exclude_ops", step.excludeOps) })
            if (!read)
                return std::unexpected(read.error());
        step.seed = seed;
        if (auto valid = validateParams(step); !valid)
            return std::unexpected(reader.error("inputs", valid.error().message));
        return step;
    }
    void writeParams(JsonWriter& json, const QuantizeInt8StaticStep& step) const override
    {
        json.field("inputs", step.inputs).field("seed", step.seed).stringArray("dims", step.dims);
        json.field("method", step.method).field("percentile", step.percentile);
        json.stringArray("exclude_nodes", step.excludeNodes).stringArray("exclude_ops", step.excludeOps);
    }
    Result<void> validateParams(const QuantizeInt8StaticStep& step) const override
    {
        if (auto spec = inputSetOf(step); !spec)
            return std::unexpected(spec.error());
        if (step.method != "minmax" && step.method != "percentile")
            return fail(ErrorCode::InvalidArgument, "method is minmax or percentile");
        if (!(step.percentile > 50.0 && step.percentile <= 100.0))
            return fail(ErrorCode::InvalidArgument, "percentile is above 50 and at most 100");
        return {};
    }
    Result<StepOutcome> run(const QuantizeInt8StaticStep& step, const Scope&, StepContext& context) const override
    {
        return runStatic(step, context);
    }
};

} // namespace

const StepType& quantizeInt8StaticStepType()
{
    static const QuantizeInt8StaticType type;
    return type;
}

} // namespace slimscope::core::slim
