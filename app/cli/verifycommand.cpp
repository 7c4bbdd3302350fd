// slimscope-cli verify
#include "args.h"

#include "report/verifywriters.h"
#include "runtime/verify.h"

#include <iostream>
#include <sstream>

namespace slimscope::cli {

using namespace slimscope::core;

int runVerify(const std::vector<std::string>& raw)
{
    Args args(raw);
    std::vector<std::string> models;
    runtime::VerifyOptions options;
    std::string format = "table";
    std::optional<std::string> output;
    std::string error;
    while (!args.done()) {
        std::optional<std::string> value;
        if (args.option("--inputs", value, error)) {
            if (value)
                options.inputsDir = *value;
        } else if (args.option("--runs", value, error)) {
            if (value) {
                try {
                    options.runs = std::stoi(*value);
                } catch (...) {
                    options.runs = 0;
                }
                if (options.runs < 1 || options.runs > 100000)
                    return usageError("--runs takes a number from 1 to 100000, not '" + *value + "'");
            }
        } else if (args.option("--dim", value, error)) {
            if (value) {
                const auto equals = value->find('=');
                try {
                    if (equals == std::string::npos)
                        throw std::invalid_argument("no =");
                    options.dims[value->substr(0, equals)] = std::stoll(value->substr(equals + 1));
                } catch (...) {
                    return usageError("--dim takes NAME=VALUE, not '" + *value + "'");
                }
            }
        } else if (args.option("-o", value, error) || args.option("--output", value, error)) {
            output = value;
        } else if (args.option("--format", value, error)) {
            if (value && *value != "table" && *value != "json")
                return usageError("unknown format '" + *value + "' (use table or json)");
            if (value)
                format = *value;
        } else if (!args.peek().empty() && args.peek()[0] == '-') {
            return usageError("unknown option '" + args.peek() + "'");
        } else {
            models.push_back(args.next());
        }
        if (!error.empty())
            return usageError(error);
    }
    if (models.size() != 2)
        return usageError("verify needs ORIGINAL and SLIMMED model files");
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
