#pragma once

#include "slim/recipe.h"
#include "support/output.h"

#include <CLI/CLI.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace slimscope::cli {

/// A command's options in CLI11 (one source for parsing and --help). `name` is "analyze"; `summary` one line.
std::unique_ptr<CLI::App> makeCommand(const std::string& name, const std::string& summary);
/// Adds `-o, --output FILE` (`-` is standard output).
CLI::Option* addOutputOption(CLI::App& app, std::optional<std::string>& output, const std::string& what);
/// Parses a command's arguments: --help prints the command's help (exit status 0), a bad or unknown option or
/// a missing value is a usage error (2). nullopt: go on.
std::optional<int> parseCommand(CLI::App& app, const std::vector<std::string>& args);

/// Exit status, the same for every command (docs/cli.md): 0 done; 1 a model, an input file or an output could
/// not be read or written; 2 wrong usage (a bad option or value, an output that is an input); 3 a threshold not met.
constexpr int kExitOk = 0;
constexpr int kExitModelError = 1;
constexpr int kExitUsage = 2;
constexpr int kExitThreshold = 3;

int usageError(const std::string& message);
int modelError(const std::string& message);
/// Prints the error; its exit status (2 for a refused output, 1 otherwise).
int errorExit(const core::Error& error);
/// Checks before long work that `output` (when given) can be written and is none of `inputs`; the exit status
/// of the refusal, or nullopt when the output is fine.
std::optional<int> checkOutput(const std::optional<std::string>& output, const std::vector<core::InputFile>& inputs);
/// Reads the recipe file of a --recipe option into `recipe` when one was given; the exit status of a file that does
/// not read or parse (its message printed), or nullopt.
std::optional<int> readRecipeOption(const std::optional<std::string>& file, std::optional<core::slim::Recipe>& recipe);
/// Writes a command's document to `output` through the output module (`-` or no output: standard output; a
/// regular file atomically; a device or FIFO written through), refusing any of `inputs`; the exit status.
int emitOutput(
    const std::optional<std::string>& output, const std::string& text, const std::vector<core::InputFile>& inputs = {});

/// Each command's help, as --help prints it (for the global --help).
std::string analyzeHelp();
std::string slimHelp();
std::string verifyHelp();
std::string reportHelp();
std::string compareHelp();
std::string sensitivityHelp();
std::string planHelp();
std::string graphHelp();
std::string checkHelp();

int runAnalyze(const std::vector<std::string>& args);
int runSlim(const std::vector<std::string>& args);
int runVerify(const std::vector<std::string>& args);
int runReport(const std::vector<std::string>& args);
int runCompare(const std::vector<std::string>& args);
int runSensitivity(const std::vector<std::string>& args);
int runPlan(const std::vector<std::string>& args);
int runGraph(const std::vector<std::string>& args);
int runCheck(const std::vector<std::string>& args);

} // namespace slimscope::cli
