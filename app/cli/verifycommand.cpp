// slimscope-cli verify
#include "args.h"
#include "inputsetflags.h"

#include "report/verifywriters.h"
#include "runtime/verify.h"

#include <iostream>
#include <sstream>

namespace slimscope::cli {

using namespace slimscope::core;

namespace {

struct VerifyArgs {
    std::string original;
    std::string slimmed;
    InputSetArgs inputs;
    int runs = 10;
    unsigned threads = 0;
    runtime::FidelityThresholds floors;
    std::string format = "table";
    std::optional<std::string> output;
};

std::unique_ptr<CLI::App> verifyCommand(VerifyArgs& args)
{
    auto app = makeCommand("verify", "Run both models in ONNX Runtime on the same inputs and compare the outputs.");
    app->add_option("ORIGINAL", args.original, "the original model")->required()->type_name("");
    app->add_option("SLIMMED", args.slimmed, "the slimmed model")->required()->type_name("");
    addInputSetOptions(*app, args.inputs, "random:1");
    addFloorOptions(*app, args.floors);
    app->add_option("--runs", args.runs, "timed runs per model for latency (default 10)")
        ->type_name("N")
        ->check(CLI::Range(1, 100000));
    app->add_option("--threads", args.threads, "ONNX Runtime intra-op threads per model (default 0: one per core)")
        ->type_name("N")
        ->check(CLI::Range(0, 1024));
    app->add_option("--format", args.format, "table (default) or json (schema slimscope.verify/1)")
        ->check(CLI::IsMember({ "table", "json" }).description(""))
        ->type_name("FORMAT");
    addOutputOption(*app, args.output, "write to FILE instead of standard output");
    return app;
}

} // namespace

std::string verifyHelp()
{
    VerifyArgs args;
    return verifyCommand(args)->help();
}

int runVerify(const std::vector<std::string>& raw)
{
    VerifyArgs args;
    if (auto exit = parseCommand(*verifyCommand(args), raw))
        return *exit;
    runtime::VerifyOptions options;
    auto spec = inputSetFrom(args.inputs);
    if (!spec)
        return usageError(spec.error().message);
    options.inputs = std::move(*spec);
    options.runs = args.runs;
    options.threads = args.threads;
    const std::vector<std::string> models { args.original, args.slimmed };
    const std::optional<std::string>& output = args.output;
    const std::string& format = args.format;
    std::vector<InputFile> inputs { { models[0], "the original model" }, { models[1], "the slimmed model" } };
    if (!options.inputs.isRandom())
        inputs.push_back({ options.inputs.folder, "the inputs folder" });
    if (auto refused = checkOutput(output, inputs))
        return *refused;
    auto verification = runtime::verify(models[0], models[1], options);
    if (!verification)
        return modelError(verification.error().message);
    std::ostringstream text;
    if (format == "json")
        report::writeVerifyDocument(text, *verification, args.floors);
    else
        report::writeVerificationTable(text, *verification, args.floors);
    if (const int status = emitOutput(output, text.str(), inputs); status != kExitOk)
        return status;
    // An output below a floor is the threshold status (docs/cli.md), after the verdict was written.
    return runtime::verdictOf(*verification, args.floors) == runtime::Verdict::Fail ? kExitThreshold : kExitOk;
}

} // namespace slimscope::cli
