// slimscope-cli sensitivity: which layers break the outputs when a step is applied to each alone.
#include "args.h"
#include "inputsetflags.h"

#include "analysis/analysis.h"
#include "plan/sensitivity.h"
#include "report/sensitivitywriters.h"
#include "slim/stepregistry.h"

#include <iostream>
#include <sstream>

namespace slimscope::cli {

using namespace slimscope::core;

namespace {

struct SensitivityArgs {
    std::string model;
    std::string step = "int8";
    InputSetArgs inputs;
    unsigned threads = 0;
    std::string format = "table";
    std::optional<std::string> output;
};

std::unique_ptr<CLI::App> sensitivityCommand(SensitivityArgs& args)
{
    auto app = makeCommand("sensitivity",
        "Apply a step to each layer alone, run the model in ONNX Runtime and rank the layers by how much the outputs "
        "move.");
    app->add_option("MODEL", args.model, "the ONNX model")->required()->type_name("");
    app->add_option("--step", args.step,
           "the step and its amount: quantize:int8, int8, int4, fp16, bf16, prune:0.5, prune_channels:0.3, "
           "low_rank:0.95 (default int8)")
        ->type_name("STEP");
    addInputSetOptions(*app, args.inputs, "random:8");
    app->add_option("--threads", args.threads, "ONNX Runtime intra-op threads (default 0: one per core)")
        ->type_name("N")
        ->check(CLI::Range(0, 1024));
    app->add_option("--format", args.format, "table (default), json (schema slimscope.sensitivity/1) or csv")
        ->check(CLI::IsMember({ "table", "json", "csv" }).description(""))
        ->type_name("FORMAT");
    addOutputOption(*app, args.output, "write to FILE instead of standard output");
    return app;
}

} // namespace

std::string sensitivityHelp()
{
    SensitivityArgs args;
    return sensitivityCommand(args)->help();
}

int runSensitivity(const std::vector<std::string>& raw)
{
    SensitivityArgs args;
    if (auto exit = parseCommand(*sensitivityCommand(args), raw))
        return *exit;
    auto step = slim::parseStepSpec(args.step);
    if (!step)
        return usageError("--step: " + step.error().message);
    runtime::InputSetSpec fallback;
    fallback.randomSamples = 8;
    auto inputSet = inputSetFrom(args.inputs, fallback);
    if (!inputSet)
        return usageError(inputSet.error().message);
    std::vector<InputFile> inputs { { args.model, "the input model" } };
    if (!inputSet->isRandom())
        inputs.push_back({ inputSet->folder, "the inputs folder" });
    if (auto refused = checkOutput(args.output, inputs))
        return *refused;
    const auto analysis = analysis::analyzeFile(args.model);
    if (!analysis)
        return modelError(analysis.error().message);
    plan::SensitivityOptions options;
    options.inputs = *inputSet;
    options.threads = args.threads;
    auto result = plan::sensitivity((*analysis)->modelFile, **analysis, *step, options);
    if (!result)
        return result.error().code == ErrorCode::Unsupported ? usageError(result.error().message)
                                                             : modelError(args.model + ": " + result.error().message);
    result->step = args.step;
    std::ostringstream text;
    if (args.format == "json")
        report::writeSensitivityDocument(text, *result);
    else if (args.format == "csv")
        report::writeSensitivityCsv(text, *result);
    else
        report::writeSensitivityTable(text, *result);
    std::vector<InputFile> all = (*analysis)->modelFile->inputFiles();
    return emitOutput(args.output, text.str(), all);
}

} // namespace slimscope::cli
