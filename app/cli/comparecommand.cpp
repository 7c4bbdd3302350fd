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

std::unique_ptr<CLI::App> compareCommand(CompareArgs& args)
{
    auto app = makeCommand("compare", "List what differs between two models' weights and layers.");
    app->add_option("A", args.a, "the first model")->required()->type_name("");
    app->add_option("B", args.b, "the second model")->required()->type_name("");
    app->add_option("--format", args.format, "table (default), json, html or md")
        ->check(CLI::IsMember({ "table", "json", "html", "md", "markdown" }).description(""))
        ->type_name("FORMAT");
    addOutputOption(*app, args.output, "write to FILE instead of standard output (- is standard output)");
    return app;
}

} // namespace

std::string compareHelp()
{
    CompareArgs args;
    return compareCommand(args)->help();
}

int runCompare(const std::vector<std::string>& raw)
{
    CompareArgs args;
    if (auto exit = parseCommand(*compareCommand(args), raw))
        return *exit;
    if (args.format == "markdown")
        args.format = "md";
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
