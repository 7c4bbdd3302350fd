// Times slim::applyRecipe (the preview the GUI recomputes when a slider moves) on a model, per one-step recipe,
// with the model already loaded and analysed as in the GUI. Best of N runs.
// usage: preview_benchmark MODEL [RUNS=3]
#include "analysis/analysis.h"
#include "slim/slimmer.h"
#include "slim/steps/cleanup.h"
#include "slim/steps/prune.h"
#include "slim/steps/quantize.h"
#include "slim/steps/sparsestorage.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>

using namespace slimscope::core;

int main(int argc, char** argv)
{
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s MODEL [RUNS]\n", argv[0]);
        return 2;
    }
    const int runs = argc > 2 ? std::atoi(argv[2]) : 3;
    analysis::AnalyzeOptions options;
    options.computeSha256 = false;
    auto analysed = analysis::analyzeFile(argv[1], {}, nullptr, options);
    if (!analysed) {
        std::fprintf(stderr, "%s\n", analysed.error().message.c_str());
        return 1;
    }
    const auto& a = **analysed;
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
    std::printf("model %s: %llu bytes\n", argv[1], static_cast<unsigned long long>(a.model.fileBytes));
    for (const auto& c : cases) {
        slim::Recipe recipe;
        recipe.steps.push_back({ c.step, slim::Scope {}, true });
        double best = 1e9;
        std::uint64_t predicted = 0;
        for (int r = 0; r < runs; ++r) {
            const auto start = std::chrono::steady_clock::now();
            auto result = slim::applyRecipe(a.modelFile, recipe, {}, nullptr, &a);
            const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            if (!result) {
                std::fprintf(stderr, "%s: %s\n", c.name, result.error().message.c_str());
                return 1;
            }
            predicted = result->preview.predictedFileBytes;
            best = std::min(best, seconds);
        }
        std::printf("%-28s %8.3f s   predicted %llu bytes\n", c.name, best, static_cast<unsigned long long>(predicted));
    }
    return 0;
}
