#pragma once

// The slim command's step flags, made from the step registry: --KIND [VALUE] adds a step of that kind and
// --KIND-OPTION VALUE edits it (--prune 0.5 --prune-mode global). The steps go into the recipe in registry
// order, whatever the order on the command line.

#include "slim/recipe.h"
#include "slim/stepregistry.h"

#include <CLI/CLI.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace slimscope::cli {

class StepFlags {
public:
    /// Adds every step flag and option of the registry to `app` (with their help from the registry).
    void define(CLI::App& app);
    /// After parsing: turns the values into steps; an error names the flag and the values it takes.
    std::optional<std::string> finish();

    bool empty() const { return m_steps.empty(); }
    /// The steps, each with `scope`, in registry order.
    std::vector<core::slim::Step> steps(const core::slim::Scope& scope) const;

    /// "--cleanup, --prune, --quantize or --sparse-storage".
    static std::string flagList();

private:
    struct Given {
        std::string kind;
        std::string flag;
        std::vector<std::string> values; ///< the presets' values, when the kind has presets
        bool takesValue = false;
        bool set = false; ///< a flag without a value
        std::optional<std::string> value;
    };
    struct GivenOption {
        std::string kind;
        std::string flag;
        core::slim::StepOption option;
        std::optional<std::string> value;
        bool set = false; ///< a switch was given
    };
    // Lists of stable nodes: CLI11 keeps pointers to the values.
    std::map<std::string, Given, std::less<>> m_given; // by kind
    std::vector<std::unique_ptr<GivenOption>> m_options;
    std::map<std::string, core::slim::StepParams, std::less<>> m_steps; // by kind, after finish()
};

} // namespace slimscope::cli
