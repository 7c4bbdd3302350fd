// The planner (planner.h): sensitivity sweeps, a greedy choice by bytes saved per unit of sensitivity, then
// verification of the whole recipe and back-off until the floor holds.
#include "plan/planner.h"

#include "runtime/verify.h"
#include "slim/exporter.h"
#include "slim/slimmer.h"
#include "slim/stepregistry.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <unistd.h>

namespace slimscope::core::plan {

namespace {

struct Option {
    std::string node;
    std::size_t sweep = 0; ///< index into the candidates
    double cosine = 1.0;
    std::uint64_t saved = 0;
    std::vector<std::string> tensors;
};

/// Kinds that reshape or rewrite weights go first, quantization last, so that each weight's step sees the
/// original (every weight gets one step, so the order only matters for readability).
int stepOrder(std::string_view kind)
{
    return kind == "prune" || kind == "prune_channels" ? 0 : kind == "low_rank" ? 1 : 2;
}

slim::Recipe recipeOf(const std::map<std::string, Option>& assigned, const std::vector<slim::StepParams>& candidates)
{
    std::map<std::size_t, std::vector<std::string>> tensorsBySweep;
    for (const auto& [node, option] : assigned)
        for (const auto& tensor : option.tensors)
            tensorsBySweep[option.sweep].push_back(tensor);
    std::vector<std::pair<int, slim::Step>> steps;
    for (auto& [sweep, tensors] : tensorsBySweep) {
        slim::Scope scope;
        scope.tensors = std::move(tensors);
        std::ranges::sort(scope.tensors);
        scope.onlyTensors = true;
        scope.minElements = 0;
        scope.skipBiasAndNorm = false;
        const auto type = slim::stepTypeOf(candidates[sweep]);
        steps.emplace_back(type ? stepOrder((*type)->kind()) : 2, slim::Step { candidates[sweep], scope, true });
    }
    std::ranges::stable_sort(steps, {}, &std::pair<int, slim::Step>::first);
    slim::Recipe recipe;
    for (auto& [order, step] : steps)
        recipe.steps.push_back(std::move(step));
    return recipe;
}

/// Applies the recipe, writes it to a temporary file and compares it with the original in ONNX Runtime.
Result<PlanPoint> evaluate(const std::shared_ptr<const model::ModelFile>& file, const analysis::Analysis& analysis,
    slim::Recipe recipe, std::size_t layers, const PlanOptions& options, const CancelToken* cancel)
{
    PlanPoint point;
    point.recipe = std::move(recipe);
    point.layers = layers;
    if (point.recipe.steps.empty()) {
        point.predictedBytes = file->fileSize();
        return point;
    }
    auto applied = slim::applyRecipe(file, point.recipe, {}, cancel, &analysis);
    if (!applied)
        return std::unexpected(applied.error());
    point.predictedBytes = applied->preview.predictedFileBytes;
    static std::atomic<int> counter { 0 };
    const auto path = std::filesystem::temp_directory_path()
        / ("slimscope-plan-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + ".onnx");
    auto written = slim::exportModel(*applied->model, path, {}, cancel);
    if (!written)
        return std::unexpected(written.error());
    runtime::VerifyOptions verifyOptions;
    verifyOptions.inputs = options.sensitivity.inputs;
    verifyOptions.threads = options.sensitivity.threads;
    verifyOptions.runs = 1;
    auto verified = runtime::verify(file->path(), path, verifyOptions, {}, cancel);
    std::error_code ignored;
    std::filesystem::remove(path, ignored);
    if (!verified)
        return std::unexpected(verified.error());
    for (const auto& output : verified->outputs)
        point.minCosine = std::min(point.minCosine, output.cosine);
    return point;
}

} // namespace

Result<Plan> planToTarget(const std::shared_ptr<const model::ModelFile>& file, const analysis::Analysis& analysis,
    const PlanOptions& options, const Progress& progress, const CancelToken* cancel)
{
    const auto started = std::chrono::steady_clock::now();
    Plan plan;
    plan.fileBytes = file->fileSize();
    plan.targetBytes = options.targetBytes;
    plan.minCosine = options.minCosine;
    if (options.steps.empty())
        return fail(ErrorCode::InvalidArgument, "plan: no candidate steps");

    // 1. One sensitivity sweep per candidate.
    std::vector<slim::StepParams> candidates;
    std::vector<Option> options_;
    for (std::size_t c = 0; c < options.steps.size(); ++c) {
        auto step = slim::parseStepSpec(options.steps[c]);
        if (!step)
            return std::unexpected(step.error().withContext("plan: step '" + options.steps[c] + "'"));
        candidates.push_back(*step);
        const double share = 0.6 / static_cast<double>(options.steps.size());
        const Progress sweepProgress([&](std::string_view what, double fraction) {
            progress.report(options.steps[c] + ": " + std::string(what), share * (static_cast<double>(c) + fraction));
        });
        auto sweep = sensitivity(file, analysis, *step, options.sensitivity, sweepProgress, cancel);
        if (!sweep)
            return std::unexpected(sweep.error().withContext("plan: sensitivity of " + options.steps[c]));
        sweep->step = options.steps[c];
        for (const LayerSensitivity& layer : sweep->layers)
            if (layer.bytesSaved() > 0 && layer.cosine >= options.minCosine)
                options_.push_back({ layer.node, c, layer.cosine, layer.bytesSaved(), layer.tensors });
        plan.sweeps.push_back(std::move(*sweep));
    }

    // 2. Greedy: the most bytes per unit of sensitivity first; a layer takes a later option only when it saves more
    // (int8, then int4 where that is still cheap).
    std::ranges::stable_sort(options_, [](const Option& a, const Option& b) {
        const double ra = static_cast<double>(a.saved) / std::max(1.0 - a.cosine, 1e-9);
        const double rb = static_cast<double>(b.saved) / std::max(1.0 - b.cosine, 1e-9);
        return ra != rb ? ra > rb : a.saved > b.saved;
    });
    std::map<std::string, Option> assigned;
    std::uint64_t saved = 0;
    std::vector<std::map<std::string, Option>> path; // the assignment after each choice, for the frontier
    for (const Option& option : options_) {
        if (plan.fileBytes - std::min(saved, plan.fileBytes) <= options.targetBytes)
            break;
        const auto current = assigned.find(option.node);
        if (current == assigned.end()) {
            assigned.emplace(option.node, option);
            saved += option.saved;
        } else if (option.saved > current->second.saved) {
            saved += option.saved - current->second.saved;
            current->second = option;
        } else {
            continue;
        }
        path.push_back(assigned);
    }
    // A few points along the way (a quarter, half and three quarters of the choices), verified too: the frontier
    // chart shows what less slimming would give.
    for (const std::size_t quarter : { 1, 2, 3 }) {
        const std::size_t k = path.size() * quarter / 4;
        if (k == 0 || k >= path.size() || (quarter > 1 && k == path.size() * (quarter - 1) / 4))
            continue;
        progress.report("Verifying points of the frontier", 0.6);
        auto point = evaluate(file, analysis, recipeOf(path[k - 1], candidates), path[k - 1].size(), options, cancel);
        if (!point)
            return std::unexpected(point.error().withContext("plan: verifying a recipe"));
        plan.evaluated.push_back(std::move(*point));
    }

    // 3. Verify the whole recipe; revert the most sensitive choice until every output holds the floor.
    for (int round = 0;; ++round) {
        if (cancel && cancel->isCancelled())
            return fail(ErrorCode::Cancelled, "cancelled");
        progress.report(
            "Verifying the plan (" + std::to_string(assigned.size()) + " layers)", std::min(0.99, 0.6 + 0.02 * round));
        auto point = evaluate(file, analysis, recipeOf(assigned, candidates), assigned.size(), options, cancel);
        if (!point)
            return std::unexpected(point.error().withContext("plan: verifying a recipe"));
        plan.evaluated.push_back(*point);
        if (point->minCosine >= options.minCosine || assigned.empty())
            break;
        const auto worst
            = std::ranges::min_element(assigned, {}, [](const auto& entry) { return entry.second.cosine; });
        assigned.erase(worst);
    }

    // The best point: the target met with the floor held; else the smallest that holds the floor; else the closest.
    const auto holds = [&](const PlanPoint& p) { return p.minCosine >= options.minCosine; };
    const PlanPoint* best = nullptr;
    for (const PlanPoint& p : plan.evaluated)
        if (holds(p) && (!best || p.predictedBytes < best->predictedBytes))
            best = &p;
    if (!best)
        best = &*std::ranges::max_element(plan.evaluated, {}, &PlanPoint::minCosine);
    plan.best = *best;
    plan.met = holds(*best) && best->predictedBytes <= options.targetBytes;
    for (const auto& [node, option] : assigned)
        plan.choices.push_back({ node, options.steps[option.sweep], option.cosine, option.saved });
    if (!plan.met)
        plan.diagnostics.push_back({ Diagnostic::Severity::Warning, {},
            "the target " + std::to_string(options.targetBytes) + " bytes cannot be met with every output at cosine >= "
                + std::to_string(options.minCosine) + " from these steps; the best recipe found writes "
                + std::to_string(best->predictedBytes) + " bytes" });
    plan.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    progress.report("Planned", 1.0);
    return plan;
}

} // namespace slimscope::core::plan
