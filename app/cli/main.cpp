// slimscope-cli: headless analysis (and, later, slimming and verification) of ONNX models.
#include "analysis/analysis.h"
#include "report/analysiswriters.h"
#include "support/atomicfile.h"

#include <cstdio>
#include <cstring>
#include <exception>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace {

using namespace slimscope::core;

constexpr int kExitOk = 0;
constexpr int kExitModelError = 1;
constexpr int kExitUsage = 2;

constexpr const char* kUsage = R"(Usage: slimscope-cli COMMAND [OPTIONS]

Commands:
  analyze MODEL     Measure where a model's bytes and compute go and list its bloat.

Options for analyze:
  --format FORMAT   table (default), json, csv or markdown
  --rows ROWS       rows of csv output: tensors (default), layers or findings
  -o, --output FILE write to FILE (atomically) instead of standard output
  --no-hash         skip the SHA-256 of the model file

General:
  -h, --help        show this help
  --version         show the version

Exit status: 0 done, 1 the model could not be read or is invalid, 2 wrong usage.
)";

int usageError(const std::string& message)
{
    std::cerr << "slimscope-cli: " << message << "\n"
              << "Try 'slimscope-cli --help' for more information.\n";
    return kExitUsage;
}

struct AnalyzeArgs {
    std::string model;
    std::string format = "table";
    std::string rows = "tensors";
    std::optional<std::string> output;
    bool hash = true;
};

std::optional<std::string> parseAnalyzeArgs(const std::vector<std::string>& args, AnalyzeArgs& parsed)
{
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        const auto needValue = [&](const char* option) -> std::optional<std::string> {
            if (i + 1 >= args.size())
                return std::nullopt;
            (void)option;
            return args[++i];
        };
        if (arg == "--format" || arg == "-f") {
            auto v = needValue("--format");
            if (!v)
                return "option '" + arg + "' needs a value";
            parsed.format = *v;
        } else if (arg.rfind("--format=", 0) == 0) {
            parsed.format = arg.substr(9);
        } else if (arg == "--rows") {
            auto v = needValue("--rows");
            if (!v)
                return "option '--rows' needs a value";
            parsed.rows = *v;
        } else if (arg == "-o" || arg == "--output") {
            auto v = needValue("--output");
            if (!v)
                return "option '" + arg + "' needs a value";
            parsed.output = *v;
        } else if (arg == "--no-hash") {
            parsed.hash = false;
        } else if (!arg.empty() && arg[0] == '-' && arg != "-") {
            return "unknown option '" + arg + "'";
        } else if (parsed.model.empty()) {
            parsed.model = arg;
        } else {
            return "unexpected argument '" + arg + "'";
        }
    }
    if (parsed.model.empty())
        return "analyze needs a MODEL file";
    if (parsed.format != "table" && parsed.format != "json" && parsed.format != "csv" && parsed.format != "markdown")
        return "unknown format '" + parsed.format + "' (use table, json, csv or markdown)";
    if (parsed.rows != "tensors" && parsed.rows != "layers" && parsed.rows != "findings")
        return "unknown rows '" + parsed.rows + "' (use tensors, layers or findings)";
    return std::nullopt;
}

int runAnalyze(const std::vector<std::string>& args)
{
    AnalyzeArgs parsed;
    if (const auto error = parseAnalyzeArgs(args, parsed))
        return usageError(*error);
    analysis::AnalyzeOptions options;
    options.computeSha256 = parsed.hash;
    const auto result = analysis::analyzeFile(parsed.model, {}, nullptr, options);
    if (!result) {
        std::cerr << "slimscope-cli: error: " << result.error().message << "\n";
        return kExitModelError;
    }
    const analysis::Analysis& a = **result;
    std::ostringstream text;
    if (parsed.format == "json")
        report::writeAnalysisJson(text, a);
    else if (parsed.format == "csv")
        report::writeAnalysisCsv(text, a,
            parsed.rows == "layers" ? report::Rows::Layers
                : parsed.rows == "findings" ? report::Rows::Findings
                                            : report::Rows::Tensors);
    else if (parsed.format == "markdown")
        report::writeAnalysisMarkdown(text, a);
    else
        report::writeAnalysisTable(text, a);
    if (parsed.output) {
        if (auto written = writeFileAtomically(*parsed.output, text.str()); !written) {
            std::cerr << "slimscope-cli: error: " << written.error().message << "\n";
            return kExitModelError;
        }
    } else {
        std::cout << text.str();
        std::cout.flush();
    }
    return kExitOk;
}

int run(int argc, char** argv)
{
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty())
        return usageError("no command given");
    const std::string command = args.front();
    args.erase(args.begin());
    if (command == "-h" || command == "--help" || command == "help") {
        std::cout << kUsage;
        return kExitOk;
    }
    if (command == "--version" || command == "version") {
        std::cout << "slimscope-cli " << SLIMSCOPE_VERSION << "\n";
        return kExitOk;
    }
    if (command == "analyze") {
        for (const auto& arg : args)
            if (arg == "-h" || arg == "--help") {
                std::cout << kUsage;
                return kExitOk;
            }
        return runAnalyze(args);
    }
    return usageError("unknown command '" + command + "'");
}

} // namespace

int main(int argc, char** argv)
{
    try {
        return run(argc, argv);
    } catch (const std::exception& error) {
        std::cerr << "slimscope-cli: error: internal: " << error.what() << "\n";
    } catch (...) {
        std::cerr << "slimscope-cli: error: internal failure\n";
    }
    return kExitModelError;
}
