// slimscope-cli plan: a recipe that reaches a target size with every output above a fidelity floor.
#include "args.h"
#include "inputsetflags.h"

#include "analysis/analysis.h"
#include "plan/planner.h"
#include "report/sensitivitywriters.h"
#include "slim/recipe.h"
#include "slim/stepregistry.h"
#include "support/format.h"
#include "support/quantities.h"

#include <iostream>
#include <sstream>

namespace slimscope::cli {

using namespace slimscope::core;

namespace {

struct PlanArgs {
    std::string model;
    std::optional<std::string> targetSize;
    std::optional<double> targetRatio;
    double minCosine = 0.99;
    std::string steps = "int8,int4,fp16";
    InputSetArgs inputs;
    unsigned threads = 0;
    std::string format = "table";
    std::optional<std::string> output;
};

std::unique_ptr<CLI::App> planCommand(PlanArgs& args)
{
    auto app = makeCommand("plan",
        "Choose per-layer steps that bring the model to a target size with every output above a cosine floor, "
        "verify the recipe in ONNX Runtime and write it.");
    app->add_option("MODEL", args.model, "the ONNX model")->required()->type_name("");
    auto* size = app->add_option("--target-size", args.targetSize,
                        "file size to reach: bytes, or KB/MB/GB (10^3, 10^6, 10^9) or KiB/MiB/GiB (2^10, ...)")
                     ->type_name("SIZE");
    auto* ratio = app->add_option("--target-ratio", args.targetRatio, "times smaller than the input (4: a quarter)")
                      ->type_name("R")
                      ->check(CLI::Range(1.0, 1e6));
    size->excludes(ratio);
    app->add_option("--min-cosine", args.minCosine, "floor on every output's cosine (default 0.99)")
        ->type_name("C")
        ->check(CLI::Range(-1.0, 1.0));
    app->add_option("--steps", args.steps,
           "candidate steps, comma-separated: int8, int4, fp16, bf16, prune:0.5, low_rank:0.95 (default "
           "int8,int4,fp16)")
        ->type_name("STEPS");
    addInputSetOptions(*app, args.inputs, "random:8");
    app->add_option("--threads", args.threads, "ONNX Runtime intra-op threads (default 0: one per core)")
        ->type_name("N")
        ->check(CLI::Range(0, 1024));
    app->add_option("--format", args.format, "the summary: table (default) or json (schema slimscope.plan/1)")
        ->check(CLI::IsMember({ "table", "json" }).description(""))
        ->type_name("FORMAT");
    addOutputOption(*app, args.output,
        "write the recipe (slimscope.recipe/1, for slim --recipe) to FILE; - writes it to standard output and the "
        "summary to standard error");
    return app;
}

} // namespace

std::string planHelp()
{
    PlanArgs args;
    return planCommand(args)->help();
}

int runPlan(const std::vector<std::string>& raw)
{
    PlanArgs args;
    if (auto exit = parseCommand(*planCommand(args), raw))
        return *exit;
    if (!args.targetSize && !args.targetRatio)
        return usageError("plan needs --target-size SIZE or --target-ratio R");
    std::optional<std::uint64_t> targetBytes;
    if (args.targetSize) {
        auto parsed = parseByteSize(*args.targetSize);
        if (!parsed)
            return usageError("--target-size: " + parsed.error().message);
        targetBytes = *parsed;
    }
    runtime::InputSetSpec fallback;
    fallback.randomSamples = 8;
    auto inputSet = inputSetFrom(args.inputs, fallback);
    if (!inputSet)
        return usageError(inputSet.error().message);
    plan::PlanOptions options;
    options.minCosine = args.minCosine;
    options.steps = splitCommaList(args.steps);
    for (const auto& step : options.steps)
        if (auto parsed = slim::parseStepSpec(step); !parsed)
            return usageError("--steps: " + parsed.error().message);
    options.sensitivity.inputs = *inputSet;
    options.sensitivity.threads = args.threads;
    std::vector<InputFile> inputs { { args.model, "the input model" } };
    if (!inputSet->isRandom())
        inputs.push_back({ inputSet->folder, "the inputs folder" });
    if (auto refused = checkOutput(args.output, inputs))
        return *refused;
    const auto analysis = analysis::analyzeFile(args.model);
    if (!analysis)
        return modelError(analysis.error().message);
    const std::uint64_t fileBytes = (*analysis)->modelFile->fileSize();
    options.targetBytes = targetBytes ? *targetBytes : static_cast<std::uint64_t>(fileBytes / *args.targetRatio);
    auto result = plan::planToTarget((*analysis)->modelFile, **analysis, options);
    if (!result)
        return result.error().code == ErrorCode::Unsupported ? usageError(result.error().message)
                                                             : modelError(args.model + ": " + result.error().message);
    if (args.output) {
        if (auto written
            = writeOutput(*args.output, slim::recipeToJson(result->best.recipe), (*analysis)->modelFile->inputFiles());
            !written)
            return errorExit(written.error());
    }
    std::ostringstream text;
    if (args.format == "json")
        report::writePlanDocument(text, *result);
    else
        report::writePlanTable(text, *result);
    (args.output == "-" ? std::cerr : std::cout) << text.str();
    return result->met ? kExitOk : kExitThreshold;
}

} // namespace slimscope::cli
