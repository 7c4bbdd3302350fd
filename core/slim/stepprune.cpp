// prune: unstructured magnitude pruning, per layer or with one global threshold. Exact zeros; the target
// sparsity is met exactly (up to rounding to whole elements), counting zeros already present.
#include "steps.h"

#include "support/format.h"

#include <algorithm>
#include <cmath>

namespace slimscope::core::slim {

namespace {

struct Target {
    onnx::TensorProto* tensor;
    std::vector<float> values;
};

// The k-th smallest magnitude (0-based) of `magnitudes`, which it reorders.
float kthMagnitude(std::vector<float>& magnitudes, std::size_t k)
{
    std::nth_element(magnitudes.begin(), magnitudes.begin() + static_cast<std::ptrdiff_t>(k), magnitudes.end());
    return magnitudes[k];
}

// Zeros every value below `threshold`, then values equal to it until `budget` more ties have been zeroed.
void zeroBelow(std::vector<float>& values, float threshold, std::uint64_t& tieBudget)
{
    for (float& v : values) {
        const float magnitude = std::fabs(v);
        if (magnitude < threshold) {
            v = 0.0f;
        } else if (magnitude == threshold && tieBudget > 0 && v != 0.0f) {
            v = 0.0f;
            --tieBudget;
        }
    }
}

std::uint64_t countBelow(const std::vector<float>& values, float threshold)
{
    return static_cast<std::uint64_t>(std::ranges::count_if(values, [&](float v) { return std::fabs(v) < threshold; }));
}

} // namespace

Result<StepOutcome> runPrune(const PruneStep& step, const Scope& scope, StepContext& context)
{
    WorkingModel& model = context.model;
    GraphIndex index(model);
    ScopeMatcher matcher(scope);
    std::vector<Target> targets;
    for (const auto& initializer : index.initializers()) {
        if (!matcher.matches(initializer, index))
            continue;
        auto bytes = model.data(*initializer.tensor);
        if (!bytes)
            return std::unexpected(bytes.error());
        targets.push_back({ initializer.tensor, decodeFloats(*bytes, initializer.tensor->data_type()) });
        if (context.cancel && context.cancel->isCancelled())
            return fail(ErrorCode::Cancelled, "cancelled");
    }
    StepOutcome outcome;
    if (targets.empty()) {
        outcome.summary = "no tensor in scope";
        return outcome;
    }
    std::uint64_t total = 0, zeroed = 0;
    if (step.mode == PruneStep::Mode::Layer) {
        for (auto& target : targets) {
            const std::size_t n = target.values.size();
            const auto k = static_cast<std::uint64_t>(std::llround(step.sparsity * static_cast<double>(n)));
            total += n;
            if (k == 0)
                continue;
            std::vector<float> magnitudes(n);
            std::ranges::transform(target.values, magnitudes.begin(), [](float v) { return std::fabs(v); });
            const float threshold = kthMagnitude(magnitudes, k - 1);
            // Everything strictly below the k-th magnitude goes, then ties at it until k zeros.
            std::uint64_t ties = k - countBelow(target.values, threshold);
            const auto before = std::ranges::count(target.values, 0.0f);
            zeroBelow(target.values, threshold, ties);
            zeroed += static_cast<std::uint64_t>(std::ranges::count(target.values, 0.0f) - before);
        }
    } else {
        std::vector<float> magnitudes;
        for (const auto& target : targets)
            for (const float v : target.values)
                magnitudes.push_back(std::fabs(v));
        total = magnitudes.size();
        const auto k = static_cast<std::uint64_t>(std::llround(step.sparsity * static_cast<double>(total)));
        if (k > 0) {
            const float threshold = kthMagnitude(magnitudes, k - 1);
            std::uint64_t below = 0;
            for (const auto& target : targets)
                below += countBelow(target.values, threshold);
            std::uint64_t ties = k - below;
            for (auto& target : targets) {
                const auto before = std::ranges::count(target.values, 0.0f);
                zeroBelow(target.values, threshold, ties);
                zeroed += static_cast<std::uint64_t>(std::ranges::count(target.values, 0.0f) - before);
            }
        }
    }
    for (auto& target : targets) {
        model.setData(*target.tensor, encodeFloats(target.values, target.tensor->data_type()));
        outcome.tensors.push_back(target.tensor->name());
    }
    char text[160];
    std::snprintf(text, sizeof text, "pruned %zu tensor(s) to %.1f %% zeros (%s), %llu values zeroed", targets.size(),
        step.sparsity * 100.0, step.mode == PruneStep::Mode::Global ? "global threshold" : "per layer",
        static_cast<unsigned long long>(zeroed));
    outcome.summary = text;
    (void)total;
    return outcome;
}

} // namespace slimscope::core::slim
