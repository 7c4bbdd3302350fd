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
    bool noHash = false;
};

std::unique_ptr<CLI::App> analyzeCommand(AnalyzeArgs& args)
{
    auto app = makeCommand("analyze", "Measure where a model's bytes and compute go and list its bloat.");
    app->add_option("MODEL", args.model, "the ONNX model")->required()->type_name("");
    app->add_option("--format", args.format, "table (default), json, csv or markdown")
        ->check(CLI::IsMember({ "table", "json", "csv", "markdown" }).description(""))
        ->type_name("FORMAT");
    app->add_option("--rows", args.rows, "rows of csv output: tensors (default), layers or findings")
        ->check(CLI::IsMember({ "tensors", "layers", "findings" }).description(""))
        ->type_name("ROWS");
    addOutputOption(*app, args.output, "write to FILE instead of standard output (- is standard output)");
    app->add_flag("--no-hash", args.noHash, "skip the SHA-256 of the model file");
    return app;
}

} // namespace

std::string analyzeHelp()
{
    AnalyzeArgs args;
    return analyzeCommand(args)->help();
}

int runAnalyze(const std::vector<std::string>& args)
{
    AnalyzeArgs parsed;
    if (auto exit = parseCommand(*analyzeCommand(parsed), args))
        return *exit;
    if (auto refused = checkOutput(parsed.output, { { parsed.model, "the input model" } }))
        return *refused;
    analysis::AnalyzeOptions options;
    options.computeSha256 = !parsed.noHash;
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
