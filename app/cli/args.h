#pragma once

#include "support/output.h"

#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

namespace slimscope::cli {

/// Walks command-line arguments: options with values (`--x V` or `--x=V`), flags, positionals.
class Args {
public:
    explicit Args(std::vector<std::string> args)
        : m_args(std::move(args))
    { }

    bool done() const { return m_index >= m_args.size(); }
    const std::string& peek() const { return m_args[m_index]; }

    /// True (and consumes it) when the current argument is `name`; a value is taken into `value` when given.
    bool option(const std::string& name, std::optional<std::string>& value, std::string& error)
    {
        const std::string& arg = m_args[m_index];
        if (arg == name) {
            if (m_index + 1 >= m_args.size()) {
                error = "option '" + name + "' needs a value";
                ++m_index;
                return true;
            }
            value = m_args[m_index + 1];
            m_index += 2;
            return true;
        }
        if (arg.rfind(name + "=", 0) == 0) {
            value = arg.substr(name.size() + 1);
            ++m_index;
            return true;
        }
        return false;
    }

    bool flag(const std::string& name)
    {
        if (m_args[m_index] != name)
            return false;
        ++m_index;
        return true;
    }

    std::string next() { return m_args[m_index++]; }

    /// The current argument as the next unfilled positional slot; an error for an unknown option or one
    /// positional too many.
    std::optional<std::string> positional(std::initializer_list<std::string*> slots)
    {
        const std::string& arg = m_args[m_index];
        if (!arg.empty() && arg[0] == '-' && arg != "-")
            return "unknown option '" + arg + "'";
        for (std::string* slot : slots)
            if (slot->empty()) {
                *slot = next();
                return std::nullopt;
            }
        return "unexpected argument '" + arg + "'";
    }

private:
    std::vector<std::string> m_args;
    std::size_t m_index = 0;
};

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
/// Writes a command's document to `output` through the output module (`-` or no output: standard output; a
/// regular file atomically; a device or FIFO written through), refusing any of `inputs`; the exit status.
int emitOutput(
    const std::optional<std::string>& output, const std::string& text, const std::vector<core::InputFile>& inputs = {});

int runAnalyze(const std::vector<std::string>& args);
int runSlim(const std::vector<std::string>& args);
int runVerify(const std::vector<std::string>& args);
int runReport(const std::vector<std::string>& args);
int runCompare(const std::vector<std::string>& args);

} // namespace slimscope::cli
