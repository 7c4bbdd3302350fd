// prune: unstructured magnitude pruning, per layer or with one global threshold. Exact zeros; the target
// sparsity is met exactly (up to rounding to whole elements), counting zeros already present.
#include "prune.h"

#include "pruneselect.h"
#include "slim/stepcache.h"
#include "slim/stepsupport.h"
#include "support/jsonreader.h"
#include "support/jsonwriter.h"

#include "support/format.h"
#include "support/parallel.h"

#include <algorithm>
#include <cmath>
#include <optional>

namespace slimscope::core::slim {

namespace {

// The pruned bytes of one tensor, computed when an export or a later step asks for them: a preview needs
// only their size, which pruning does not change.
class PrunedBytes final : public DeferredBytes {
public:
    PrunedBytes(TensorSource input, std::int32_t dataType, prune::TensorCut cut, std::uint64_t size)
        : m_input(std::move(input))
        , m_dataType(dataType)
        , m_cut(cut)
        , m_size(size)
    { }
    std::uint64_t byteSize() const override { return m_size; }
    Result<std::vector<std::byte>> materialize() const override
    {
        auto bytes = m_input.read();
        if (!bytes)
            return std::unexpected(bytes.error());
        if (m_dataType == onnx::TensorProto::FLOAT) { // one pass, one copy
            const CutFloatView cut(FloatView(bytes->bytes), { m_cut.threshold, m_cut.tieEnd });
            std::vector<std::byte> out(bytes->bytes.size());
            for (std::size_t i = 0; i < cut.size(); ++i) {
                const float v = cut[i];
                std::memcpy(out.data() + i * sizeof(float), &v, sizeof(float));
            }
            return out;
        }
        std::vector<float> values = decodeFloats(*bytes, m_dataType);
        prune::applyCut(values, m_cut);
        return encodeFloats(values, m_dataType);
    }
    Result<std::optional<FloatValues>> floatValues() const override
    {
        if (m_dataType != onnx::TensorProto::FLOAT)
            return std::optional<FloatValues> {};
        auto input = readFloatValues(m_input, m_dataType);
        if (!input)
            return std::unexpected(input.error());
        FloatValues values = std::move(*input).plain(); // a prune of a prune: the first one is computed
        values.cut = MagnitudeCut { m_cut.threshold, m_cut.tieEnd };
        return std::optional<FloatValues>(std::move(values));
    }
    const TensorSource* origin() const override { return &m_input; }

private:
    TensorSource m_input;
    std::int32_t m_dataType;
    prune::TensorCut m_cut;
    std::uint64_t m_size;
};

struct Target {
    onnx::TensorProto* tensor = nullptr;
    std::string name; ///< the value's name in its graph (an initializer's, or a Constant node's output)
    TensorSource input;
    std::uint64_t bytes = 0;
    FloatValues values;
    std::shared_ptr<const prune::MagnitudeProfile> profile;
    std::optional<prune::TensorCut> cut;
};

// Reads a target's values and its magnitude profile (from the cache when an earlier preview made it).
Result<void> prepare(Target& target, const WorkingModel& model, StepCache* cache)
{
    if (const TensorSource* source = model.source(*target.tensor))
        target.input = *source;
    auto values = readFloatValues(target.input, target.tensor->data_type());
    if (!values)
        return std::unexpected(values.error());
    target.bytes = model.payloadBytes(*target.tensor);
    target.values = std::move(*values).plain();
    const auto compute = [&] { return prune::profileOf(target.values.values); };
    target.profile = cache && target.input.identity()
        ? cache->get<prune::MagnitudeProfile>(target.input, "prune.magnitudes", compute)
        : std::make_shared<const prune::MagnitudeProfile>(compute());
    return {};
}

Result<StepOutcome> runPrune(const PruneStep& step, const Scope& scope, StepContext& context)
{
    WorkingModel& model = context.model;
    GraphIndex index(model);
    ScopeMatcher matcher(scope);
    std::vector<Target> targets;
    for (const auto& weight : index.weights())
        if (matcher.matches(weight, index)) {
            Target& target = targets.emplace_back();
            target.tensor = weight.tensor;
            target.name = weight.name;
        }
    StepOutcome outcome;
    if (targets.empty()) {
        outcome.summary = "no tensor in scope";
        return outcome;
    }
    std::vector<std::optional<Error>> errors(targets.size());
    const auto kOf = [&](std::uint64_t elements) {
        return static_cast<std::uint64_t>(std::llround(step.sparsity * static_cast<double>(elements)));
    };
    // Per layer, each tensor is cut on its own as soon as it is read (its values are still in cache).
    const bool perLayer = step.mode == PruneStep::Mode::Layer;
    parallelFor(
        targets.size(),
        [&](std::size_t t) {
            Target& target = targets[t];
            if (auto prepared = prepare(target, model, context.cache); !prepared) {
                errors[t] = prepared.error();
                return;
            }
            const std::uint64_t k = kOf(target.values.values.size());
            if (perLayer && k > target.profile->zeros)
                target.cut = prune::cutSmallest({ target.values.values }, { target.profile.get() }, k).front();
        },
        context.cancel);
    if (context.cancel && context.cancel->isCancelled())
        return fail(ErrorCode::Cancelled, "cancelled");
    for (const auto& error : errors)
        if (error)
            return std::unexpected(*error);

    std::uint64_t zeroed = 0;
    if (!perLayer) {
        std::vector<FloatView> values;
        std::vector<const prune::MagnitudeProfile*> profiles;
        std::uint64_t total = 0, zerosBefore = 0;
        for (const auto& target : targets) {
            values.push_back(target.values.values);
            profiles.push_back(target.profile.get());
            total += target.values.values.size();
            zerosBefore += target.profile->zeros;
        }
        const std::uint64_t k = kOf(total);
        if (k > 0) {
            auto cuts = prune::cutSmallest(values, profiles, k);
            for (std::size_t t = 0; t < targets.size(); ++t)
                targets[t].cut = cuts[t];
            zeroed = k > zerosBefore ? k - zerosBefore : 0;
        }
    }
    for (Target& target : targets) {
        if (!target.cut)
            continue;
        const prune::TensorCut& cut = *target.cut;
        const auto elements = static_cast<double>(target.values.values.size());
        if (perLayer)
            zeroed += cut.zerosAfter - target.profile->zeros;
        MeasuredError error = errorFromSums(target.profile->signal, cut.noise, cut.maxAbs);
        const TensorSource* original = target.input.originalWeight();
        error.againstOriginal = original == &target.input && original->weight->name == target.name;
        error.sparsityAfter = elements > 0 ? static_cast<double>(cut.zerosAfter) / elements : 0.0;
        outcome.errors[target.name] = error;
        outcome.tensors.push_back(target.name);
        model.setDeferred(
            *target.tensor, std::make_shared<PrunedBytes>(target.input, target.tensor->data_type(), cut, target.bytes));
    }
    char text[160];
    std::snprintf(text, sizeof text, "pruned %zu tensor(s) to %.1f %% zeros (%s), %llu values zeroed", targets.size(),
        step.sparsity * 100.0, step.mode == PruneStep::Mode::Global ? "global threshold" : "per layer",
        static_cast<unsigned long long>(zeroed));
    outcome.summary = text;
    return outcome;
}

const char* modeName(PruneStep::Mode mode)
{
    return mode == PruneStep::Mode::Global ? "global" : "layer";
}

class PruneType final : public TypedStepType<PruneStep> {
public:
    std::string_view title() const override { return "Prune"; }
    std::string_view help() const override
    {
        return "magnitude pruning to SPARSITY (0.5 or 50%): the smallest weights become exact zeros";
    }
    std::string_view valueName() const override { return "SPARSITY"; }
    Result<StepParams> fromValue(std::string_view value) const override
    {
        const auto fraction = parseShare(value);
        if (!fraction || !(*fraction >= 0.0 && *fraction <= 0.999))
            return fail(ErrorCode::InvalidArgument,
                "prune takes a sparsity between 0 and 0.999 (or 0% to 99.9%), not '" + std::string(value) + "'");
        return PruneStep { *fraction, PruneStep::Mode::Layer };
    }
    std::vector<StepOption> options() const override
    {
        return { { "mode", "MODE", "layer (default: each tensor reaches SPARSITY) or global (one threshold)",
            [](StepParams& params, std::string_view value) -> Result<void> {
                if (value != "layer" && value != "global")
                    return fail(ErrorCode::InvalidArgument,
                        "--prune-mode is layer or global, not '" + std::string(value) + "'");
                if (auto* prune = params.as<PruneStep>())
                    prune->mode = value == "global" ? PruneStep::Mode::Global : PruneStep::Mode::Layer;
                return {};
            },
            {}, false } };
    }

protected:
    std::string describeParams(const PruneStep& step) const override
    {
        char text[128];
        std::snprintf(text, sizeof text, "prune %.1f %% (%s)", step.sparsity * 100.0,
            step.mode == PruneStep::Mode::Global ? "global threshold" : "per layer");
        return text;
    }
    Result<PruneStep> readParams(JsonObjectReader& reader) const override
    {
        PruneStep step;
        if (auto read = reader.number("sparsity", step.sparsity, 0.0, 0.999); !read)
            return std::unexpected(read.error());
        std::string mode = modeName(step.mode);
        if (auto read = reader.text("mode", mode, { "layer", "global" }); !read)
            return std::unexpected(read.error());
        step.mode = mode == "global" ? PruneStep::Mode::Global : PruneStep::Mode::Layer;
        return step;
    }
    void writeParams(JsonWriter& json, const PruneStep& step) const override
    {
        json.field("sparsity", step.sparsity).field("mode", modeName(step.mode));
    }
    Result<void> validateParams(const PruneStep& step) const override
    {
        if (!(step.sparsity >= 0 && step.sparsity <= 0.999))
            return fail(ErrorCode::InvalidArgument, "key 'sparsity' is out of range [0, 0.999]");
        return {};
    }
    Result<StepOutcome> run(const PruneStep& step, const Scope& scope, StepContext& context) const override
    {
        return runPrune(step, scope, context);
    }
};

} // namespace

const StepType& pruneStepType()
{
    static const PruneType type;
    return type;
}

} // namespace slimscope::core::slim
