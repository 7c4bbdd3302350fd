// slimscope-cli analyze
#include "args.h"

#include "analysis/analysis.h"
#include "report/analysiswriters.h"

#include <iostream>
#include <sstream>

namespace slimscope::cli {

using namespace slimscope::core;

namespace {

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

} // namespace

int runAnalyze(const std::vector<std::string>& args)
{
    AnalyzeArgs parsed;
    if (const auto error = parseAnalyzeArgs(args, parsed))
        return usageError(*error);
    if (auto refused = checkOutput(parsed.output, { { parsed.model, "the input model" } }))
        return *refused;
    analysis::AnalyzeOptions options;
    options.computeSha256 = parsed.hash;
    const auto result = analysis::analyzeFile(parsed.model, {}, nullptr, options);
    if (!result) {
        return modelError(result.error().message);
    }
    const analysis::Analysis& a = **result;
    std::ostringstream text;
    if (parsed.format == "json")
        report::writeAnalysisJson(text, a);
    else if (parsed.format == "csv")
        report::writeAnalysisCsv(text, a,
            parsed.rows == "layers"         ? report::Rows::Layers
                : parsed.rows == "findings" ? report::Rows::Findings
                                            : report::Rows::Tensors);
    else if (parsed.format == "markdown")
        report::writeAnalysisMarkdown(text, a);
    else
        report::writeAnalysisTable(text, a);
    return emitOutput(parsed.output, text.str(), a.modelFile->inputFiles());
}

} // namespace slimscope::cli
