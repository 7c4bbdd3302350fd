// slimscope-cli: headless analysis, slimming and verification of ONNX models.
#include "analysis/kernelset.h"
#include "args.h"
#include "runtime/versions.h"
#ifdef SLIMSCOPE_CLI_WITH_UI
#include "aboutdialog.h"
#endif

#include <csignal>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

namespace slimscope::cli {

namespace {

constexpr const char* kUsage = R"(Usage: slimscope-cli COMMAND [OPTIONS]

Commands:
  analyze MODEL            Measure where a model's bytes and compute go and list its bloat.
  slim MODEL -o OUT        Apply a slimming recipe and write the slimmed model.
  verify ORIGINAL SLIMMED  Run both models in ONNX Runtime on the same inputs and compare the outputs.
  report MODEL -o FILE     Write a review report: .html, .pdf, .md (charts as PNGs beside it), .json or .csv.
  compare A B              List what differs between two models' weights and layers.
  sensitivity MODEL        Rank the layers by how much the outputs move when a step is applied to each alone.
  graph MODEL              Write the model's graph as DOT or SVG, nodes coloured by bytes, MACs, sparsity or dtype.
  check MODEL [budgets]    Check the model against bloat budgets and growth against a baseline, for CI (exit 3).
  plan MODEL --target-size SIZE -o RECIPE
                           Choose per-layer steps that reach a size with the outputs above a cosine floor.

'slimscope-cli COMMAND --help' shows one command's options; all of them follow.

General:
  -h, --help               show this help
  --version                show the version

Outputs: a regular file is replaced atomically (a symbolic link keeps pointing at it); a device or FIFO is
written through; an output that is one of the inputs is refused.

Exit status: 0 done; 1 a model, an input file or an output could not be read or written; 2 wrong usage
(a bad option or value, an output that is an input); 3 a threshold or budget not met.
)";

// The overview and every command's own help (CLI11's, the one source of the options), each under a heading of its
// own ("Options of check:") so that help2man's man page keeps the commands apart.
std::string usage()
{
    std::string text = kUsage;
    const std::pair<const char*, std::string> commands[]
        = { { "analyze", analyzeHelp() }, { "slim", slimHelp() }, { "verify", verifyHelp() },
              { "report", reportHelp() }, { "compare", compareHelp() }, { "sensitivity", sensitivityHelp() },
              { "plan", planHelp() }, { "graph", graphHelp() }, { "check", checkHelp() } };
    for (const auto& [name, help] : commands) {
        // CLI11 writes the description, then "Usage: ...": both go indented under the command's heading.
        std::string section = help;
        const auto usageAt = section.find("Usage: ");
        const auto usageEnd = section.find('\n', usageAt);
        if (usageAt != std::string::npos && usageEnd != std::string::npos) {
            std::string description = section.substr(0, usageAt);
            while (!description.empty() && description.back() == '\n')
                description.pop_back();
            section = "  " + section.substr(usageAt + 7, usageEnd - usageAt - 7) + "\n  " + description
                + section.substr(usageEnd);
        }
        for (const auto& [heading, renamed] :
            { std::pair<std::string, std::string> { "\nPositionals:\n", std::string("\nArguments of ") + name + ":\n" },
                std::pair<std::string, std::string> { "\nOptions:\n", std::string("\nOptions of ") + name + ":\n" } })
            if (const auto at = section.find(heading); at != std::string::npos)
                section.replace(at, heading.size(), renamed);
        text += "\n" + std::string(name) + " command:\n" + section;
    }
    return text;
}

int run(int argc, char** argv)
{
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty())
        return usageError("no command given");
    const std::string command = args.front();
    args.erase(args.begin());
    if (command == "-h" || command == "--help" || command == "help") {
        std::cout << usage();
        return kExitOk;
    }
    if (command == "--version" || command == "version") {
#ifdef SLIMSCOPE_CLI_WITH_UI
        const auto libraries = ui::libraryVersions(); // reports draw charts with Qt and QCustomPlot
#else
        const auto libraries = core::coreLibraryVersions();
#endif
        std::cout << core::versionText("slimscope-cli", libraries)
                  << "statistics kernels: " << core::analysis::kernelSetName(core::analysis::defaultKernelSet())
                  << "\n";
        return kExitOk;
    }
    if (command == "analyze")
        return runAnalyze(args);
    if (command == "slim")
        return runSlim(args);
    if (command == "verify")
        return runVerify(args);
    if (command == "report")
        return runReport(args);
    if (command == "compare")
        return runCompare(args);
    if (command == "sensitivity")
        return runSensitivity(args);
    if (command == "plan")
        return runPlan(args);
    if (command == "graph")
        return runGraph(args);
    if (command == "check")
        return runCheck(args);
    return usageError("unknown command '" + command + "'");
}

} // namespace

int usageError(const std::string& message)
{
    std::cerr << "slimscope-cli: " << message << "\n"
              << "Try 'slimscope-cli --help' for more information.\n";
    return kExitUsage;
}

int emitOutput(
    const std::optional<std::string>& output, const std::string& text, const std::vector<core::InputFile>& inputs)
{
    auto target = core::Output::open(output.value_or("-"), inputs);
    if (!target)
        return errorExit(target.error());
    if (auto written = target->write(text); !written)
        return errorExit(written.error());
    return kExitOk;
}

std::optional<int> checkOutput(const std::optional<std::string>& output, const std::vector<core::InputFile>& inputs)
{
    if (!output)
        return std::nullopt;
    if (auto target = core::Output::open(*output, inputs); !target)
        return errorExit(target.error());
    return std::nullopt;
}

std::optional<int> readRecipeOption(const std::optional<std::string>& file, std::optional<core::slim::Recipe>& recipe)
{
    if (!file)
        return std::nullopt;
    auto read = core::slim::loadRecipeFile(*file);
    if (!read)
        return modelError(read.error().message);
    recipe = std::move(*read);
    return std::nullopt;
}

int errorExit(const core::Error& error)
{
    std::cerr << "slimscope-cli: error: " << error.message << "\n";
    return error.code == core::ErrorCode::Refused ? kExitUsage : kExitModelError;
}

int modelError(const std::string& message)
{
    std::cerr << "slimscope-cli: error: " << message << "\n";
    return kExitModelError;
}

} // namespace slimscope::cli

int main(int argc, char** argv)
{
    // A reader that goes away (a closed pipe or FIFO) is a write error with a message, not a silent death.
    std::signal(SIGPIPE, SIG_IGN);
    try {
        return slimscope::cli::run(argc, argv);
    } catch (const std::exception& error) {
        std::cerr << "slimscope-cli: error: internal: " << error.what() << "\n";
    } catch (...) {
        std::cerr << "slimscope-cli: error: internal failure\n";
    }
    return slimscope::cli::kExitModelError;
}
