// prune: unstructured magnitude pruning, per layer or with one global threshold. Exact zeros; the target
// sparsity is met exactly (up to rounding to whole elements), counting zeros already present.
#include "prune.h"

#include "slim/stepsupport.h"
#include "support/jsonreader.h"
#include "support/jsonwriter.h"

#include "support/format.h"
#include "support/parallel.h"

#include <algorithm>
#include <atomic>
#include <bit>
#include <cmath>
#include <optional>

namespace slimscope::core::slim {

namespace {

struct Target {
    onnx::TensorProto* tensor;
    std::vector<float> values;
};

std::uint32_t magnitudeBits(float v)
{
    return std::bit_cast<std::uint32_t>(v) & 0x7FFFFFFFu;
}

// The k-th smallest magnitude (0-based) over several tensors, by radix selection: non-negative floats order
// like their bit patterns, so a histogram of the high 16 bits finds the bucket, and one of the low 16 bits
// inside that bucket the value. Two passes over the data, no copy.
float kthMagnitude(const std::vector<const std::vector<float>*>& tensors, std::uint64_t k)
{
    std::vector<std::uint64_t> counts(65536, 0);
    for (const auto* values : tensors)
        for (const float v : *values)
            ++counts[magnitudeBits(v) >> 16];
    std::uint32_t high = 0;
    for (; high < 65536; ++high) {
        if (k < counts[high])
            break;
        k -= counts[high];
    }
    std::ranges::fill(counts, 0);
    for (const auto* values : tensors)
        for (const float v : *values) {
            const std::uint32_t bits = magnitudeBits(v);
            if ((bits >> 16) == high)
                ++counts[bits & 0xFFFFu];
        }
    std::uint32_t low = 0;
    for (; low < 65536; ++low) {
        if (k < counts[low])
            break;
        k -= counts[low];
    }
    return std::bit_cast<float>((high << 16) | low);
}

// Zeros every value whose magnitude is below `threshold` (a branch-free pass the compiler vectorizes), then
// `ties` more of the values equal to it, in element order, so that the zero count is exact.
void zeroBelow(std::vector<float>& values, float threshold, std::uint64_t ties)
{
    for (float& v : values)
        v = std::fabs(v) < threshold ? 0.0f : v;
    for (std::size_t i = 0; i < values.size() && ties > 0; ++i)
        if (values[i] != 0.0f && std::fabs(values[i]) == threshold) {
            values[i] = 0.0f;
            --ties;
        }
}

std::uint64_t countBelow(const std::vector<float>& values, float threshold)
{
    std::uint64_t count = 0;
    for (const float v : values)
        count += std::fabs(v) < threshold ? 1 : 0;
    return count;
}

std::uint64_t countZeros(const std::vector<float>& values)
{
    std::uint64_t count = 0;
    for (const float v : values)
        count += v == 0.0f ? 1 : 0;
    return count;
}

Result<StepOutcome> runPrune(const PruneStep& step, const Scope& scope, StepContext& context)
{
    WorkingModel& model = context.model;
    GraphIndex index(model);
    ScopeMatcher matcher(scope);
    std::vector<Target> targets;
    for (const auto& initializer : index.initializers())
        if (matcher.matches(initializer, index))
            targets.push_back({ initializer.tensor, {} });
    std::vector<std::optional<Error>> errors(targets.size());
    parallelFor(
        targets.size(),
        [&](std::size_t t) {
            auto bytes = model.data(*targets[t].tensor);
            if (!bytes)
                errors[t] = bytes.error();
            else
                targets[t].values = decodeFloats(*bytes, targets[t].tensor->data_type());
        },
        context.cancel);
    if (context.cancel && context.cancel->isCancelled())
        return fail(ErrorCode::Cancelled, "cancelled");
    for (const auto& error : errors)
        if (error)
            return std::unexpected(*error);
    StepOutcome outcome;
    if (targets.empty()) {
        outcome.summary = "no tensor in scope";
        return outcome;
    }
    std::atomic<std::uint64_t> zeroed { 0 };
    if (step.mode == PruneStep::Mode::Layer) {
        parallelFor(
            targets.size(),
            [&](std::size_t t) {
                auto& target = targets[t];
                const std::size_t n = target.values.size();
                const auto k = static_cast<std::uint64_t>(std::llround(step.sparsity * static_cast<double>(n)));
                if (k == 0)
                    return;
                const std::uint64_t zerosBefore = countZeros(target.values);
                if (zerosBefore >= k)
                    return;
                const float threshold = kthMagnitude({ &target.values }, k - 1);
                // Everything strictly below the k-th magnitude goes, then ties at it until k zeros.
                zeroBelow(target.values, threshold, k - countBelow(target.values, threshold));
                zeroed += k - zerosBefore;
            },
            context.cancel);
    } else {
        std::vector<const std::vector<float>*> all;
        std::uint64_t total = 0;
        for (const auto& target : targets) {
            all.push_back(&target.values);
            total += target.values.size();
        }
        const auto k = static_cast<std::uint64_t>(std::llround(step.sparsity * static_cast<double>(total)));
        if (k > 0) {
            const float threshold = kthMagnitude(all, k - 1);
            std::uint64_t below = 0;
            for (const auto& target : targets)
                below += countBelow(target.values, threshold);
            std::uint64_t zerosBefore = 0;
            for (const auto& target : targets)
                zerosBefore += countZeros(target.values);
            // Ties at the threshold are spent in tensor order; each tensor takes what is left of the budget.
            std::uint64_t ties = k - below;
            for (auto& target : targets) {
                const std::uint64_t equal = static_cast<std::uint64_t>(std::ranges::count_if(
                    target.values, [&](float v) { return v != 0.0f && std::fabs(v) == threshold; }));
                const std::uint64_t spent = std::min(ties, equal);
                zeroBelow(target.values, threshold, spent);
                ties -= spent;
            }
            zeroed = k > zerosBefore ? k - zerosBefore : 0;
        }
    }
    std::vector<std::vector<std::byte>> encoded(targets.size());
    parallelFor(targets.size(),
        [&](std::size_t t) { encoded[t] = encodeFloats(targets[t].values, targets[t].tensor->data_type()); });
    for (std::size_t t = 0; t < targets.size(); ++t) {
        model.setData(*targets[t].tensor, std::move(encoded[t]));
        outcome.tensors.push_back(targets[t].tensor->name());
    }
    char text[160];
    std::snprintf(text, sizeof text, "pruned %zu tensor(s) to %.1f %% zeros (%s), %llu values zeroed", targets.size(),
        step.sparsity * 100.0, step.mode == PruneStep::Mode::Global ? "global threshold" : "per layer",
        static_cast<unsigned long long>(zeroed.load()));
    outcome.summary = text;
    return outcome;
}

std::optional<double> parseFraction(std::string_view text)
{
    const std::string value(text);
    try {
        std::size_t used = 0;
        double fraction = std::stod(value, &used);
        if (used < value.size() && value.substr(used) == "%")
            fraction /= 100.0;
        else if (used != value.size())
            return std::nullopt;
        return fraction;
    } catch (...) {
        return std::nullopt;
    }
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
        const auto fraction = parseFraction(value);
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
            } } };
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
