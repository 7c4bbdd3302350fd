#pragma once

// The slim command's step flags, made from the step registry: --KIND [VALUE] adds a step of that kind and
// --KIND-OPTION VALUE edits it (--prune 0.5 --prune-mode global). The steps go into the recipe in registry
// order, whatever the order on the command line.

#include "args.h"
#include "slim/recipe.h"
#include "slim/stepregistry.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace slimscope::cli {

class StepFlags {
public:
    /// Consumes the current argument when it is a step flag or option; `error` is set for a bad value.
    bool take(Args& args, std::string& error);
    /// Applies the options to their steps; an error for an option whose step flag was not given.
    std::optional<std::string> finish();

    bool empty() const { return m_steps.empty(); }
    /// The steps, each with `scope`, in registry order.
    std::vector<core::slim::Step> steps(const core::slim::Scope& scope) const;

    /// "--cleanup, --prune, --quantize or --sparse-storage".
    static std::string flagList();
    /// The --help lines of every step flag and option.
    static std::string help();

private:
    struct PendingOption {
        std::string kind;
        std::string flag;
        core::slim::StepOption option;
        std::string value;
    };
    std::map<std::string, core::slim::StepParams, std::less<>> m_steps; // by kind
    std::vector<PendingOption> m_options;
};

} // namespace slimscope::cli
