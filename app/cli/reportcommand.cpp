// slimscope-cli report: the review report of a model (and of a recipe's preview) as HTML, PDF, Markdown, JSON or CSV.
#include "args.h"
#include "inputsetflags.h"
#include "plan/sensitivity.h"
#include "slim/stepregistry.h"

#include "analysis/analysis.h"
#include "report/report.h"
#include "runtime/verify.h"
#include "slim/exporter.h"
#include "slim/opsetupgrade.h"
#include "slim/recipe.h"
#include "slim/slimmer.h"
#include "support/output.h"

#ifdef SLIMSCOPE_CLI_WITH_UI
#include "reports/reportactions.h"

#include <QApplication>
#include <QString>
#endif

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

namespace slimscope::cli {

using namespace slimscope::core;

namespace {

struct ReportArgs {
    std::string model;
    std::optional<std::string> recipeFile;
    bool verify = false;
    std::optional<std::string> sensitivity;
    InputSetArgs inputs;
    runtime::FidelityThresholds floors;
    std::string output;
    std::string format; ///< html, pdf, md, json or csv: --format, else the output's extension
};

std::unique_ptr<CLI::App> reportCommand(ReportArgs& args)
{
    auto app
        = makeCommand("report", "Write a review report: .html, .pdf, .md (charts as PNGs beside it), .json or .csv.");
    app->add_option("MODEL", args.model, "the ONNX model")->required()->type_name("");
    app->add_option("-o,--output", args.output, "the report; its extension picks the format (- is standard output)")
        ->type_name("FILE")
        ->required();
    app->add_option("--format", args.format, "html, pdf, md, json or csv (needed with -o -; overrides the extension)")
        ->check(CLI::IsMember({ "html", "htm", "pdf", "md", "markdown", "json", "csv" }).description(""))
        ->type_name("FORMAT");
    app->add_option("--recipe", args.recipeFile, "also preview this recipe (applied in memory; nothing is written)")
        ->type_name("FILE");
    app->add_flag(
        "--verify", args.verify, "also run the slimmed model in ONNX Runtime against the original (needs --recipe)");
    app->add_option("--sensitivity", args.sensitivity,
           "also measure each layer's sensitivity to STEP (int8, int4, fp16, bf16, prune:0.5, ...) in ONNX Runtime")
        ->type_name("STEP");
    addInputSetOptions(*app, args.inputs, "random:1 for --verify, random:8 for --sensitivity");
    addFloorOptions(*app, args.floors);
    return app;
}

/// Checks what CLI11 cannot: the format from the extension, --verify with --recipe.
std::optional<std::string> check(ReportArgs& parsed)
{
    parsed.format = parsed.format == "markdown" ? "md" : parsed.format == "htm" ? "html" : parsed.format;
    if (parsed.format.empty() && parsed.output == "-")
        return "report -o - needs --format (html, pdf, md, json or csv): standard output has no extension";
    if (parsed.format.empty()) {
        parsed.format = report::reportFormatFor(parsed.output);
        if (parsed.format.empty())
            return "cannot tell the report format from '" + parsed.output
                + "' (use .html, .pdf, .md, .json or .csv, or --format)";
    }
    if (parsed.verify && !parsed.recipeFile)
        return "--verify needs --recipe (it compares the slimmed model with the original)";
    return std::nullopt;
}

std::string nowUtc()
{
    const std::time_t now = std::time(nullptr);
    std::tm utc {};
    gmtime_r(&now, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return text;
}

/// A folder for the slimmed model that --verify runs, removed with this object.
class TemporaryFolder {
public:
    TemporaryFolder()
    {
        std::string pattern = (std::filesystem::temp_directory_path() / "slimscope-report-XXXXXX").string();
        if (mkdtemp(pattern.data()))
            m_path = pattern;
    }
    ~TemporaryFolder()
    {
        std::error_code ignored;
        if (!m_path.empty())
            std::filesystem::remove_all(m_path, ignored);
    }
    TemporaryFolder(const TemporaryFolder&) = delete;
    TemporaryFolder& operator=(const TemporaryFolder&) = delete;
    const std::filesystem::path& path() const { return m_path; }

private:
    std::filesystem::path m_path;
};

#ifdef SLIMSCOPE_CLI_WITH_UI
/// Charts and PDF pages are drawn by Qt widgets; without a display they render on the offscreen platform.
std::unique_ptr<QApplication> makeApplication()
{
    static int argc = 1;
    static char name[] = "slimscope-cli";
    static char* argv[] = { name, nullptr };
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    return std::make_unique<QApplication>(argc, argv);
}
#endif

/// Writes the report in its format; the Markdown report's chart images go next to it.
Result<void> writeReport(const ReportArgs& args, const report::ReportInput& input, const std::vector<InputFile>& inputs)
{
#ifdef SLIMSCOPE_CLI_WITH_UI
    if (args.format == "html" || args.format == "md" || args.format == "pdf") {
        const auto application = makeApplication();
        return ui::writeReportFile(args.output, input, args.format, inputs);
    }
#endif
    std::ostringstream text;
    if (args.format == "json")
        report::writeReportJson(text, input);
    else if (args.format == "csv")
        report::writeReportCsv(text, input);
    else if (args.format == "md")
        report::writeReportMarkdown(text, input, {});
    else if (args.format == "html")
        report::writeReportHtml(text, input, {});
    else
        return fail(ErrorCode::Unsupported,
            "PDF reports are drawn by the GUI's charts: slimscope-cli was built without the GUI");
    if (auto written = writeOutput(args.output, text.str(), inputs); !written)
        return std::unexpected(written.error());
    return {};
}

} // namespace

std::string reportHelp()
{
    ReportArgs args;
    return reportCommand(args)->help();
}

int runReport(const std::vector<std::string>& raw)
{
    ReportArgs args;
    if (auto exit = parseCommand(*reportCommand(args), raw))
        return *exit;
    if (const auto error = check(args))
        return usageError(*error);
    std::vector<InputFile> inputs { { args.model, "the input model" } };
    if (args.recipeFile)
        inputs.push_back({ *args.recipeFile, "the recipe" });
    if (auto refused = checkOutput(args.output, inputs))
        return *refused;
    std::optional<slim::Recipe> recipe;
    if (auto unreadable = readRecipeOption(args.recipeFile, recipe))
        return *unreadable;
    auto analysis = analysis::analyzeFile(args.model);
    if (!analysis)
        return modelError(analysis.error().message);

    report::ReportInput input;
    input.analysis = *analysis;
    input.generatedAt = nowUtc();
    input.thresholds = args.floors;
    std::optional<slim::SlimResult> slimmed;
    std::optional<runtime::Verification> verification;
    TemporaryFolder temporary;
    if (recipe) {
        auto applied = slim::applyRecipe((*analysis)->modelFile, *recipe, {}, nullptr, analysis->get());
        if (!applied)
            return modelError(args.model + ": " + applied.error().message);
        slimmed = std::move(*applied);
        input.recipe = &*recipe;
        input.preview = &slimmed->preview;
        // A model the slimmer upgraded to a newer opset is run in ONNX Runtime even unasked, as slim does.
        if (args.verify || (slim::upgradedOpset(slimmed->preview.diagnostics) && runtime::runtimeAvailable())) {
            if (temporary.path().empty())
                return modelError("cannot create a temporary folder for the slimmed model");
            auto exported = slim::exportModel(*slimmed->model, temporary.path() / "slimmed.onnx", {});
            if (!exported)
                return modelError(exported.error().message);
            runtime::VerifyOptions options;
            if (auto spec = inputSetFrom(args.inputs); spec)
                options.inputs = *spec;
            auto verified = runtime::verify(args.model, exported->path, options);
            if (!verified)
                return modelError(verified.error().message);
            verification = std::move(*verified);
            input.verification = &*verification;
        }
    }
    std::optional<plan::Sensitivity> sensitivity;
    if (args.sensitivity) {
        auto step = slim::parseStepSpec(*args.sensitivity);
        if (!step)
            return usageError("--sensitivity: " + step.error().message);
        runtime::InputSetSpec fallback;
        fallback.randomSamples = 8;
        auto spec = inputSetFrom(args.inputs, fallback);
        if (!spec)
            return usageError(spec.error().message);
        plan::SensitivityOptions options;
        options.inputs = *spec;
        auto measured = plan::sensitivity((*analysis)->modelFile, **analysis, *step, options);
        if (!measured)
            return modelError(args.model + ": " + measured.error().message);
        measured->step = *args.sensitivity;
        sensitivity = std::move(*measured);
        input.sensitivity = &*sensitivity;
    }
    inputs = (*analysis)->modelFile->inputFiles();
    if (args.recipeFile)
        inputs.push_back({ *args.recipeFile, "the recipe" });
    if (auto written = writeReport(args, input, inputs); !written)
        return errorExit(written.error());
    return verification && runtime::verdictOf(*verification, args.floors) == runtime::Verdict::Fail ? kExitThreshold
                                                                                                    : kExitOk;
}

} // namespace slimscope::cli
