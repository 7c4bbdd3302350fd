// slimscope-cli: headless analysis, slimming and verification of ONNX models.
#include "args.h"
#include "stepflags.h"

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

Options for analyze:
  --format FORMAT          table (default), json, csv or markdown
  --rows ROWS              rows of csv output: tensors (default), layers or findings
  -o, --output FILE        write to FILE instead of standard output (- is standard output)
  --no-hash                skip the SHA-256 of the model file

Options for slim (step flags build a recipe in the order listed, appended after the steps of --recipe):
  -o, --output OUT         the slimmed model (never the input; - writes it to standard output and the
                           summary to standard error)
  --recipe FILE            recipe JSON (schema slimscope.recipe/1, see docs/recipes.md)
@STEP_FLAGS@  --include REGEX          only tensors whose name or consumer's name matches (repeatable)
  --exclude REGEX          skip tensors whose name or consumer's name matches (repeatable)
  --min-elements N         skip tensors with fewer elements (default 1024)
  --external-data          write weights to OUT.data next to OUT
  --dry-run                print the preview only; write nothing
  --verify                 also compare the written model with the input in ONNX Runtime
  --save-recipe FILE       write the recipe that was applied
  --format FORMAT          table (default) or json (schema slimscope.slim/1)

Options for verify:
  --inputs DIR             input tensors as DIR/<input name>.pb (TensorProto) or .npy (default: random, seed 12345)
  --runs N                 timed runs per model for latency (default 10)
  --dim NAME=VALUE         value of a symbolic dimension (default 1; repeatable)
  --format FORMAT          table (default) or json (schema slimscope.verify/1)
  -o, --output FILE        write to FILE instead of standard output

Options for report:
  -o, --output FILE        the report; its extension picks the format (- is standard output)
  --format FORMAT          html, pdf, md, json or csv (needed with -o -; overrides the extension)
  --recipe FILE            also preview this recipe (applied in memory; nothing is written)
  --verify                 also run the slimmed model in ONNX Runtime against the original (needs --recipe)

Options for compare:
  --format FORMAT          table (default), json, html or md
  -o, --output FILE        write to FILE instead of standard output (- is standard output)

General:
  -h, --help               show this help
  --version                show the version

Outputs: a regular file is replaced atomically (a symbolic link keeps pointing at it); a device or FIFO is
written through; an output that is one of the inputs is refused.

Exit status: 0 done; 1 a model, an input file or an output could not be read or written; 2 wrong usage
(a bad option or value, an output that is an input); 3 a threshold not met.
)";

// The usage text, with the step flags of the step registry in their place.
std::string usage()
{
    std::string text = kUsage;
    const std::string marker = "@STEP_FLAGS@";
    text.replace(text.find(marker), marker.size(), StepFlags::help());
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
        std::cout << "slimscope-cli " << SLIMSCOPE_VERSION << "\n";
        return kExitOk;
    }
    for (const auto& arg : args)
        if (arg == "-h" || arg == "--help") {
            std::cout << usage();
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
