// Times the slimming preview the GUI recomputes when a step changes, on a model already loaded and analysed
// as in the GUI: each one-step recipe from scratch (slim::applyRecipe, best of N), then edits as a user makes
// them through one slim::PreviewSession (a slider moving, a setting toggled), exact and with sampled errors.
// usage: preview_benchmark MODEL [RUNS=3] [ONLY]   (ONLY: run just the edit sequences whose title contains it)
#include "analysis/analysis.h"
#include "cpuinfo.h"
#include "slim/slimmer.h"
#include "slim/steps/cleanup.h"
#include "slim/steps/lowrank.h"
#include "slim/steps/prune.h"
#include "slim/steps/quantize.h"
#include "slim/steps/sparsestorage.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

using namespace slimscope::core;

namespace {

slim::Recipe recipeOf(std::initializer_list<slim::StepParams> steps)
{
    slim::Recipe recipe;
    for (const auto& step : steps)
        recipe.steps.push_back({ step, slim::Scope {}, true });
    return recipe;
}

double seconds(std::chrono::steady_clock::time_point start)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

} // namespace

int main(int argc, char** argv)
{
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s MODEL [RUNS]\n", argv[0]);
        return 2;
    }
    const int runs = argc > 2 ? std::atoi(argv[2]) : 3;
    const std::string only = argc > 3 ? argv[3] : "";
    slimscope::bench::printCpu();
    analysis::AnalyzeOptions options;
    options.computeSha256 = false;
    auto analysed = analysis::analyzeFile(argv[1], {}, nullptr, options);
    if (!analysed) {
        std::fprintf(stderr, "%s\n", analysed.error().message.c_str());
        return 1;
    }
    const std::shared_ptr<const analysis::Analysis> a = std::move(*analysed);
    std::printf("model %s: %llu bytes\n\none-step recipes from scratch (applyRecipe, best of %d):\n", argv[1],
        static_cast<unsigned long long>(a->model.fileBytes), runs);
    struct Case {
        const char* name;
        slim::StepParams step;
    };
    const Case cases[] = {
        { "cleanup", slim::CleanupStep {} },
        { "prune 50 % per layer", slim::PruneStep { 0.5, slim::PruneStep::Mode::Layer } },
        { "prune 50 % global", slim::PruneStep { 0.5, slim::PruneStep::Mode::Global } },
        { "quantize int8 per channel", slim::QuantizeInt8Step {} },
        { "quantize fp16", slim::QuantizeFp16Step {} },
        { "sparse storage auto", slim::SparseStorageStep {} },
    };
    for (const auto& c : cases) {
        if (!only.empty())
            break;
        double best = 1e9;
        std::uint64_t predicted = 0;
        for (int r = 0; r < runs; ++r) {
            const auto start = std::chrono::steady_clock::now();
            auto result = slim::applyRecipe(a->modelFile, recipeOf({ c.step }), {}, nullptr, a.get());
            const double elapsed = seconds(start);
            if (!result) {
                std::fprintf(stderr, "%s: %s\n", c.name, result.error().message.c_str());
                return 1;
            }
            predicted = result->preview.predictedFileBytes;
            best = std::min(best, elapsed);
        }
        std::printf(
            "  %-32s %8.3f s   predicted %llu bytes\n", c.name, best, static_cast<unsigned long long>(predicted));
    }

    // Edits as a user makes them: the first preview of a sequence fills the session's cache, the others are
    // what a slider move or a toggle costs.
    struct Edit {
        const char* name;
        slim::Recipe recipe;
    };
    const auto prune = [](double sparsity, slim::PruneStep::Mode mode = slim::PruneStep::Mode::Layer) {
        return slim::StepParams { slim::PruneStep { sparsity, mode } };
    };
    const auto int8 = [](bool perChannel, bool symmetric) {
        slim::QuantizeInt8Step step;
        step.perChannel = perChannel;
        step.symmetric = symmetric;
        return slim::StepParams { step };
    };
    const std::vector<std::pair<const char*, std::vector<Edit>>> sequences = {
        { "prune slider, per layer",
            { { "50 %", recipeOf({ prune(0.5) }) }, { "60 %", recipeOf({ prune(0.6) }) },
                { "70 %", recipeOf({ prune(0.7) }) }, { "65 %", recipeOf({ prune(0.65) }) } } },
        { "prune slider, global",
            { { "50 %", recipeOf({ prune(0.5, slim::PruneStep::Mode::Global) }) },
                { "60 %", recipeOf({ prune(0.6, slim::PruneStep::Mode::Global) }) },
                { "70 %", recipeOf({ prune(0.7, slim::PruneStep::Mode::Global) }) } } },
        { "quantize int8 settings",
            { { "per channel, symmetric", recipeOf({ int8(true, true) }) },
                { "per tensor, symmetric", recipeOf({ int8(false, true) }) },
                { "per channel, asymmetric", recipeOf({ int8(true, false) }) },
                { "per channel, symmetric again", recipeOf({ int8(true, true) }) } } },
        { "cleanup, then the prune slider",
            { { "50 %", recipeOf({ slim::CleanupStep {}, prune(0.5) }) },
                { "60 %", recipeOf({ slim::CleanupStep {}, prune(0.6) }) } } },
        { "low-rank energy slider",
            { { "90 %", recipeOf({ slim::StepParams { slim::LowRankStep { 0.9 } } }) },
                { "80 %", recipeOf({ slim::StepParams { slim::LowRankStep { 0.8 } } }) },
                { "95 %", recipeOf({ slim::StepParams { slim::LowRankStep { 0.95 } } }) } } },
        { "prune slider before int8",
            { { "50 %", recipeOf({ prune(0.5), int8(true, true) }) },
                { "60 %", recipeOf({ prune(0.6), int8(true, true) }) },
                { "70 %", recipeOf({ prune(0.7), int8(true, true) }) } } },
    };
    for (const bool sampled : { false, true }) {
        std::printf("\nedits through one PreviewSession, %s errors:\n", sampled ? "sampled" : "exact");
        for (const auto& [title, edits] : sequences) {
            if (std::string(title).find(only) == std::string::npos)
                continue;
            slim::PreviewSession session(a->modelFile, a);
            std::printf("  %s:", title);
            for (const auto& edit : edits) {
                const auto start = std::chrono::steady_clock::now();
                auto result = session.preview(edit.recipe, sampled);
                const double elapsed = seconds(start);
                if (!result) {
                    std::fprintf(stderr, "%s: %s\n", edit.name, result.error().message.c_str());
                    return 1;
                }
                std::printf("  %s %.3f s", edit.name, elapsed);
            }
            std::printf("\n");
        }
    }
    return 0;
}
