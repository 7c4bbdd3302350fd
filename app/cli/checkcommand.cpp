// slimscope-cli check: the model against bloat budgets (command line, a budget file, growth against a baseline), as
// text, JSON, JUnit XML or GitHub Actions commands; exit 3 when a budget is exceeded.
#include "args.h"

#include "analysis/analysis.h"
#include "check/budget.h"
#include "support/quantities.h"

#include <sstream>

namespace slimscope::cli {

using namespace slimscope::core;

namespace {

struct CheckArgs {
    std::string model;
    std::optional<std::string> maxFileSize, maxWeightBytes, maxParams, maxMacs, maxFindingsBytes, maxGrowth;
    std::optional<std::string> failOn;
    std::optional<std::string> baseline;
    std::optional<std::string> budgetFile;
    std::string format = "text";
    std::optional<std::string> output;
};

std::unique_ptr<CLI::App> checkCommand(CheckArgs& args)
{
    auto app = makeCommand("check",
        "Check the model against bloat budgets (exit 3 when one is exceeded): for CI. Sizes: KB/MB/GB = 10^3/6/9, "
        "KiB/MiB/GiB = 2^10/20/30, a bare number is bytes; counts: K/M/G; a share: 5 or 5%.");
    app->add_option("MODEL", args.model, "the ONNX model")->required()->type_name("");
    app->add_option("--max-file-size", args.maxFileSize, "the model file plus its external data")->type_name("SIZE");
    app->add_option("--max-weight-bytes", args.maxWeightBytes, "bytes of all weight tensors")->type_name("SIZE");
    app->add_option("--max-params", args.maxParams, "stored weight elements")->type_name("COUNT");
    app->add_option("--max-macs", args.maxMacs, "multiply-accumulates of one inference")->type_name("COUNT");
    app->add_option("--max-findings-bytes", args.maxFindingsBytes, "bytes the findings could recover")
        ->type_name("SIZE");
    app->add_option("--fail-on", args.failOn,
           "fail on any finding of this severity or higher: high, medium, low, info (without it findings are "
           "reported, never failed)")
        ->check(CLI::IsMember({ "high", "medium", "low", "info" }).description(""))
        ->type_name("SEVERITY");
    app->add_option("--baseline", args.baseline, "an older model to compare against (with --max-growth)")
        ->type_name("OLD.onnx");
    app->add_option("--max-growth", args.maxGrowth, "growth of file size, params or MACs allowed against --baseline")
        ->type_name("PCT");
    app->add_option("--budget", args.budgetFile,
           "budgets as JSON (schema slimscope.budget/1), meant to sit beside the model; options given here win")
        ->type_name("FILE");
    app->add_option("--format", args.format,
           "text (default), json (schema slimscope.check/1), junit (JUnit XML) or github (workflow commands)")
        ->check(CLI::IsMember({ "text", "json", "junit", "github" }).description(""))
        ->type_name("FORMAT");
    addOutputOption(*app, args.output, "write to FILE instead of standard output");
    return app;
}

/// The command line's budgets; an error names the option and the value it could not read.
std::optional<std::string> parseCommandLine(const CheckArgs& args, check::Budget& budget)
{
    const auto read = [](const std::optional<std::string>& text, const char* option,
                          Result<std::uint64_t> (*parse)(std::string_view),
                          std::optional<std::uint64_t>& into) -> std::optional<std::string> {
        if (!text)
            return std::nullopt;
        auto value = parse(*text);
        if (!value)
            return std::string(option) + ": " + value.error().message;
        into = *value;
        return std::nullopt;
    };
    for (const auto& error : { read(args.maxFileSize, "--max-file-size", parseByteSize, budget.maxFileSize),
             read(args.maxWeightBytes, "--max-weight-bytes", parseByteSize, budget.maxWeightBytes),
             read(args.maxParams, "--max-params", parseCount, budget.maxParams),
             read(args.maxMacs, "--max-macs", parseCount, budget.maxMacs),
             read(args.maxFindingsBytes, "--max-findings-bytes", parseByteSize, budget.maxFindingsBytes) })
        if (error)
            return error;
    if (args.failOn)
        budget.failOn = check::parseSeverity(*args.failOn);
    if (args.baseline)
        budget.baseline = *args.baseline;
    if (args.maxGrowth) {
        auto growth = parsePercent(*args.maxGrowth);
        if (!growth)
            return "--max-growth: " + growth.error().message;
        budget.maxGrowth = *growth;
    }
    return std::nullopt;
}

} // namespace

std::string checkHelp()
{
    CheckArgs args;
    return checkCommand(args)->help();
}

int runCheck(const std::vector<std::string>& raw)
{
    CheckArgs args;
    if (auto exit = parseCommand(*checkCommand(args), raw))
        return *exit;
    check::Budget commandLine;
    if (const auto error = parseCommandLine(args, commandLine))
        return usageError(*error);
    std::vector<InputFile> inputs { { args.model, "the input model" } };
    if (args.baseline)
        inputs.push_back({ *args.baseline, "the baseline model" });
    if (args.budgetFile)
        inputs.push_back({ *args.budgetFile, "the budget file" });
    if (auto refused = checkOutput(args.output, inputs))
        return *refused;
    check::Budget budget;
    if (args.budgetFile) {
        auto loaded = check::loadBudgetFile(*args.budgetFile);
        if (!loaded)
            return modelError(loaded.error().message);
        budget = *loaded;
    }
    budget = budget.overriddenBy(commandLine);
    if (budget.baseline.has_value() != budget.maxGrowth.has_value())
        return usageError(budget.baseline ? "--baseline needs --max-growth (the growth allowed against it)"
                                          : "--max-growth needs --baseline (the model to compare against)");
    const auto analysis = analysis::analyzeFile(args.model);
    if (!analysis)
        return modelError(analysis.error().message);
    std::shared_ptr<const analysis::Analysis> baseline;
    if (budget.baseline) {
        auto old = analysis::analyzeFile(budget.baseline->string());
        if (!old)
            return modelError("the baseline: " + old.error().message);
        baseline = *old;
    }
    if (budget.baseline && !args.baseline)
        inputs.push_back({ budget.baseline->string(), "the baseline model" }); // named by the budget file
    const check::CheckResult result = check::checkBudget(**analysis, args.model, budget, baseline.get());
    std::ostringstream text;
    if (args.format == "json")
        check::writeCheckJson(text, result);
    else if (args.format == "junit")
        check::writeCheckJunit(text, result);
    else if (args.format == "github")
        check::writeCheckGithub(text, result);
    else
        check::writeCheckText(text, result);
    if (const int written = emitOutput(args.output, text.str(), inputs); written != kExitOk)
        return written;
    return result.passed() ? kExitOk : kExitThreshold;
}

} // namespace slimscope::cli
