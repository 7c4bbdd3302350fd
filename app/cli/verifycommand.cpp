// slimscope-cli verify
#include "args.h"

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
    std::string inputsDir;
    int runs = 10;
    std::vector<std::string> dims;
    std::string format = "table";
    std::optional<std::string> output;
};

std::unique_ptr<CLI::App> verifyCommand(VerifyArgs& args)
{
    auto app = makeCommand("verify", "Run both models in ONNX Runtime on the same inputs and compare the outputs.");
    app->add_option("ORIGINAL", args.original, "the original model")->required()->type_name("");
    app->add_option("SLIMMED", args.slimmed, "the slimmed model")->required()->type_name("");
    app->add_option("--inputs", args.inputsDir,
           "input tensors as DIR/<input name>.pb (TensorProto) or .npy (default: random, seed 12345)")
        ->type_name("DIR");
    app->add_option("--runs", args.runs, "timed runs per model for latency (default 10)")
        ->type_name("N")
        ->check(CLI::Range(1, 100000));
    app->add_option("--dim", args.dims, "value of a symbolic dimension (default 1; repeatable)")
        ->type_name("NAME=VALUE")
        ->allow_extra_args(false);
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
    options.inputsDir = args.inputsDir;
    options.runs = args.runs;
    for (const std::string& dim : args.dims) {
        const auto equals = dim.find('=');
        try {
            std::size_t used = 0;
            if (equals == std::string::npos || equals == 0)
                throw std::invalid_argument("no NAME=");
            const std::string value = dim.substr(equals + 1);
            options.dims[dim.substr(0, equals)] = std::stoll(value, &used);
            if (used != value.size())
                throw std::invalid_argument("trailing text");
        } catch (...) {
            return usageError("--dim takes NAME=VALUE, not '" + dim + "'");
        }
    }
    const std::vector<std::string> models { args.original, args.slimmed };
    const std::optional<std::string>& output = args.output;
    const std::string& format = args.format;
    std::vector<InputFile> inputs { { models[0], "the original model" }, { models[1], "the slimmed model" } };
    if (!options.inputsDir.empty())
        inputs.push_back({ options.inputsDir, "the inputs folder" });
    if (auto refused = checkOutput(output, inputs))
        return *refused;
    auto verification = runtime::verify(models[0], models[1], options);
    if (!verification)
        return modelError(verification.error().message);
    std::ostringstream text;
    if (format == "json")
        report::writeVerifyDocument(text, *verification);
    else
        report::writeVerificationTable(text, *verification);
    return emitOutput(output, text.str(), inputs);
}

} // namespace slimscope::cli
