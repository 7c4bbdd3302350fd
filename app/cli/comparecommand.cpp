// slimscope-cli compare: what differs between two models' weights and layers (e.g. a model and its slimmed copy).
#include "args.h"

#include "analysis/analysis.h"
#include "report/compare.h"

#include <iostream>
#include <sstream>

namespace slimscope::cli {

using namespace slimscope::core;

namespace {

struct CompareArgs {
    std::string a;
    std::string b;
    std::string format = "table";
    std::optional<std::string> output;
};

std::optional<std::string> parse(const std::vector<std::string>& raw, CompareArgs& parsed)
{
    Args args(raw);
    std::string error;
    while (!args.done()) {
        std::optional<std::string> value;
        if (args.option("-o", value, error) || args.option("--output", value, error)) {
            parsed.output = value;
        } else if (args.option("--format", value, error)) {
            if (value)
                parsed.format = *value == "markdown" ? "md" : *value;
        } else if (auto problem = args.positional({ &parsed.a, &parsed.b })) {
            return problem;
        }
        if (!error.empty())
            return error;
    }
    if (parsed.a.empty() || parsed.b.empty())
        return "compare needs two MODEL files";
    if (parsed.format != "table" && parsed.format != "json" && parsed.format != "html" && parsed.format != "md")
        return "unknown format '" + parsed.format + "' (use table, json, html or md)";
    return std::nullopt;
}

} // namespace

int runCompare(const std::vector<std::string>& raw)
{
    CompareArgs args;
    if (const auto error = parse(raw, args))
        return usageError(*error);
    const std::vector<InputFile> inputs { { args.a, "the first model" }, { args.b, "the second model" } };
    if (auto refused = checkOutput(args.output, inputs))
        return *refused;
    const auto a = analysis::analyzeFile(args.a);
    if (!a)
        return modelError(a.error().message);
    const auto b = analysis::analyzeFile(args.b);
    if (!b)
        return modelError(b.error().message);
    const auto comparison = report::compareModels(**a, **b);
    if (!comparison)
        return modelError(comparison.error().message);
    std::ostringstream text;
    if (args.format == "json")
        report::writeComparisonJson(text, *comparison);
    else if (args.format == "html")
        report::writeComparisonHtml(text, *comparison);
    else if (args.format == "md")
        report::writeComparisonMarkdown(text, *comparison);
    else
        report::writeComparisonTable(text, *comparison);
    std::vector<InputFile> all = (*a)->modelFile->inputFiles();
    for (auto& file : (*b)->modelFile->inputFiles())
        all.push_back(std::move(file));
    return emitOutput(args.output, text.str(), all);
}

} // namespace slimscope::cli
