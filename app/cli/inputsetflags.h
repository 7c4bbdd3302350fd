#pragma once

// The options every command that runs a model shares: --inputs DIR|random:N, --seed, --dim; and the verdict's
// floors, --min-cosine and --min-top1.

#include "runtime/inputset.h"
#include "runtime/verify.h"

#include <CLI/CLI.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace slimscope::cli {

struct InputSetArgs {
    std::string inputs; ///< empty: the command's default
    std::uint64_t seed = core::runtime::kDefaultInputSeed;
    std::vector<std::string> dims;
};

/// Adds --inputs (with `alias`, e.g. "--calibration", when not empty), --seed and --dim. `defaultText` says what
/// an absent --inputs means ("random:1").
void addInputSetOptions(
    CLI::App& app, InputSetArgs& args, const std::string& defaultText, const std::string& alias = {});

/// The spec the options give; `fallback` when --inputs is absent. An error quotes the bad value.
core::Result<core::runtime::InputSetSpec> inputSetFrom(
    const InputSetArgs& args, const core::runtime::InputSetSpec& fallback = {});

/// Adds --min-cosine (default 0.99) and --min-top1 (default 0.99, a share or a percentage such as 99%).
void addFloorOptions(CLI::App& app, core::runtime::FidelityThresholds& floors);

} // namespace slimscope::cli
