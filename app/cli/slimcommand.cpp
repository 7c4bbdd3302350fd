// slimscope-cli slim
#include "args.h"
#include "inputsetflags.h"
#include "stepflags.h"

#include "model/modelfile.h"
#include "report/slimwriters.h"
#include "report/verifywriters.h"
#include "runtime/session.h"
#include "runtime/verify.h"
#include "slim/exporter.h"
#include "slim/opsetupgrade.h"
#include "slim/recipe.h"
#include "slim/slimmer.h"
#include "slim/steps/quantize.h"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>

namespace slimscope::cli {

using namespace slimscope::core;

namespace {

struct SlimArgs {
    std::string model;
    std::optional<std::string> output;
    std::optional<std::string> recipeFile;
    StepFlags steps;
    std::vector<std::string> include;
    std::vector<std::string> exclude;
    std::optional<std::uint64_t> minElements;
    bool externalData = false;
    bool dryRun = false;
    bool verify = false;
    InputSetArgs inputs;
    runtime::FidelityThresholds floors;
    std::optional<std::string> saveRecipe;
    std::string format = "table";
};

std::unique_ptr<CLI::App> slimCommand(SlimArgs& args)
{
    auto app = makeCommand("slim",
        "Apply a slimming recipe and write the slimmed model. Step flags build a recipe in the order listed, "
        "appended after the steps of --recipe.");
    app->add_option("MODEL", args.model, "the ONNX model")->required()->type_name("");
    addOutputOption(*app, args.output,
        "the slimmed model (never the input; - writes it to standard output and the summary to standard error)");
    app->add_option("--recipe", args.recipeFile, "recipe JSON (schema slimscope.recipe/1, see docs/recipes.md)")
        ->type_name("FILE");
    args.steps.define(*app);
    app->add_option("--include", args.include, "only tensors whose name or consumer's name matches (repeatable)")
        ->type_name("REGEX")
        ->allow_extra_args(false);
    app->add_option("--exclude", args.exclude, "skip tensors whose name or consumer's name matches (repeatable)")
        ->type_name("REGEX")
        ->allow_extra_args(false);
    app->add_option("--min-elements", args.minElements, "skip tensors with fewer elements (default 1024)")
        ->type_name("N");
    app->add_flag("--external-data", args.externalData, "write weights to OUT.data next to OUT");
    app->add_flag("--dry-run", args.dryRun, "print the preview only; write nothing");
    app->add_flag("--verify", args.verify, "also compare the written model with the input in ONNX Runtime");
    addInputSetOptions(*app, args.inputs,
        "random:1 for --verify; int8-static steps calibrate on random:8 unless given here or in the recipe",
        "--calibration");
    app->add_option("--save-recipe", args.saveRecipe, "write the recipe that was applied")->type_name("FILE");
    app->add_option("--format", args.format, "table (default) or json (schema slimscope.slim/1)")
        ->check(CLI::IsMember({ "table", "json" }).description(""))
        ->type_name("FORMAT");
    return app;
}

/// Checks what CLI11 cannot: the step values, where standard output goes, the patterns.
std::optional<std::string> check(SlimArgs& parsed)
{
    if (auto problem = parsed.steps.finish())
        return problem;
    if (!parsed.output && !parsed.dryRun)
        return "slim needs -o OUT (or --dry-run)";
    // Standard output holds one document: the model (-o -), the saved recipe (--save-recipe -) or the summary.
    const bool modelToStdout = parsed.output == "-" && !parsed.dryRun;
    const bool recipeToStdout = parsed.saveRecipe == "-";
    if (modelToStdout && recipeToStdout)
        return "-o - and --save-recipe - would both write to standard output";
    if ((modelToStdout || recipeToStdout) && parsed.format == "json")
        return std::string(modelToStdout ? "-o -" : "--save-recipe -")
            + " writes to standard output, where --format json would go too (write one of them to a file)";
    if (parsed.output && parsed.saveRecipe && *parsed.output != "-") {
        std::error_code ignored;
        if (std::filesystem::weakly_canonical(*parsed.output, ignored)
            == std::filesystem::weakly_canonical(*parsed.saveRecipe, ignored))
            return "-o and --save-recipe name the same file '" + *parsed.output + "'";
    }
    for (const auto* patterns : { &parsed.include, &parsed.exclude })
        for (const auto& pattern : *patterns) {
            try {
                [[maybe_unused]] const std::regex check(pattern); // throws when invalid
            } catch (const std::regex_error&) {
                return "invalid regular expression '" + pattern + "'";
            }
        }
    return std::nullopt;
}

Result<slim::Recipe> buildRecipe(const SlimArgs& args)
{
    slim::Recipe recipe;
    if (args.recipeFile) {
        auto parsed = slim::loadRecipeFile(*args.recipeFile);
        if (!parsed)
            return std::unexpected(parsed.error());
        recipe = std::move(*parsed);
    }
    slim::Scope scope;
    scope.include = args.include;
    scope.exclude = args.exclude;
    if (args.minElements)
        scope.minElements = *args.minElements;
    for (auto& step : args.steps.steps(scope))
        recipe.steps.push_back(std::move(step));
    // --inputs (--calibration), --seed and --dim given here are the samples every int8-static step calibrates on,
    // the recipe's included.
    if (!args.inputs.inputs.empty() || args.inputs.seed != runtime::kDefaultInputSeed || !args.inputs.dims.empty())
        for (auto& step : recipe.steps)
            if (auto* quantize = step.params.as<slim::QuantizeInt8StaticStep>()) {
                if (!args.inputs.inputs.empty())
                    quantize->inputs = args.inputs.inputs;
                quantize->seed = args.inputs.seed;
                if (!args.inputs.dims.empty())
                    quantize->dims = args.inputs.dims;
            }
    if (recipe.steps.empty())
        return fail(
            ErrorCode::InvalidArgument, "nothing to do: give --recipe or at least one of " + StepFlags::flagList());
    return recipe;
}

} // namespace

std::string slimHelp()
{
    SlimArgs args;
    return slimCommand(args)->help();
}

int runSlim(const std::vector<std::string>& raw)
{
    SlimArgs args;
    if (auto exit = parseCommand(*slimCommand(args), raw))
        return *exit;
    if (const auto error = check(args))
        return usageError(*error);
    std::vector<InputFile> inputs { { args.model, "the input model" } };
    if (args.recipeFile)
        inputs.push_back({ *args.recipeFile, "the recipe" });
    std::optional<Output> output;
    if (!args.dryRun) {
        if (!args.output)
            return usageError("slim needs -o OUT (or --dry-run)");
        auto opened = Output::open(*args.output, inputs);
        if (!opened)
            return errorExit(opened.error());
        output = std::move(*opened);
        if (args.externalData && !output->isRegularFile())
            return usageError(
                "--external-data needs a regular file as output (its data file goes beside it), not " + output->name());
        if (args.verify && !output->isRegularFile())
            return usageError(
                "--verify runs the written model, so it needs a regular file as output, not " + output->name());
    }
    if (auto refused = checkOutput(args.saveRecipe, inputs))
        return *refused;
    auto inputSet = inputSetFrom(args.inputs);
    if (!inputSet)
        return usageError(inputSet.error().message);
    if (!inputSet->isRandom())
        inputs.push_back({ inputSet->folder, "the inputs folder" });
    auto recipe = buildRecipe(args);
    if (!recipe)
        return recipe.error().code == ErrorCode::InvalidArgument && !args.recipeFile
            ? usageError(recipe.error().message)
            : modelError(recipe.error().message);
    auto file = model::ModelFile::load(args.model);
    if (!file)
        return modelError(file.error().message);
    auto result = slim::applyRecipe(*file, *recipe);
    if (!result)
        return modelError(args.model + ": " + result.error().message);
    std::optional<slim::ExportResult> written;
    if (!args.dryRun) {
        slim::ExportOptions options;
        options.externalData = args.externalData;
        auto exported = slim::exportModel(*result->model, args.output.value(), options);
        if (!exported)
            return errorExit(exported.error());
        written = std::move(*exported);
        result->preview.diagnostics.insert(
            result->preview.diagnostics.end(), written->diagnostics.begin(), written->diagnostics.end());
    }
    if (args.saveRecipe) {
        std::vector<InputFile> notThese = (*file)->inputFiles();
        if (args.recipeFile)
            notThese.push_back({ *args.recipeFile, "the recipe" });
        if (written && output && output->isRegularFile())
            notThese.push_back({ written->path, "the slimmed model" });
        if (auto saved = writeOutput(*args.saveRecipe, slim::recipeToJson(*recipe), notThese); !saved)
            return errorExit(saved.error());
    }

    report::SlimReport slimReport;
    slimReport.modelPath = args.model;
    slimReport.recipe = &*recipe;
    slimReport.preview = &result->preview;
    slimReport.written = written ? &*written : nullptr;
    // A model the slimmer upgraded to a newer opset is compared with the input in ONNX Runtime even unasked:
    // the version converter rewrote more than the steps did.
    const bool verifyUpgrade = slim::upgradedOpset(result->preview.diagnostics) && !args.verify && written && output
        && output->isRegularFile() && runtime::runtimeAvailable();
    std::optional<runtime::Verification> verification;
    if (args.verify || verifyUpgrade) {
        if (!written)
            return usageError("--verify needs a written model (drop --dry-run)");
        runtime::VerifyOptions options;
        options.inputs = *inputSet;
        auto verified = runtime::verify(args.model, written->path, options);
        if (!verified)
            return modelError(verified.error().message);
        verification = std::move(*verified);
        slimReport.verificationJson
            = [&](JsonWriter& json) { report::writeVerificationJson(json, *verification, args.floors); };
        slimReport.verificationTable
            = [&](std::ostream& out) { report::writeVerificationTable(out, *verification, args.floors); };
    }
    std::ostringstream text;
    if (args.format == "json")
        report::writeSlimJson(text, slimReport);
    else
        report::writeSlimTable(text, slimReport);
    // When the model or the recipe went to standard output, the summary goes to standard error.
    const bool stdoutTaken = (written && args.output == "-") || args.saveRecipe == "-";
    (stdoutTaken ? std::cerr : std::cout) << text.str();
    // The model is written either way; an output below a floor is the threshold status.
    return verification && runtime::verdictOf(*verification, args.floors) == runtime::Verdict::Fail ? kExitThreshold
                                                                                                    : kExitOk;
}

} // namespace slimscope::cli
