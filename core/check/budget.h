#pragma once

// Bloat budgets, as a CI gate: limits on a model's file size, weight bytes, params, MACs, findings and the bytes
// they could recover, and on how much it grew against an older model. `slimscope-cli check` reads them from the
// command line or from a budget file (schema slimscope.budget/1) committed beside the model, measures the model
// against each, and says which held, in text, JSON, JUnit XML or GitHub Actions commands.

#include "analysis/analysis.h"
#include "support/error.h"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace slimscope::core::check {

inline constexpr std::string_view kBudgetSchema = "slimscope.budget/1";
inline constexpr std::string_view kCheckSchema = "slimscope.check/1";

struct Budget {
    std::optional<std::uint64_t> maxFileSize; ///< the model file plus its external data files, bytes
    std::optional<std::uint64_t> maxWeightBytes;
    std::optional<std::uint64_t> maxParams;
    std::optional<std::uint64_t> maxMacs;
    std::optional<std::uint64_t> maxFindingsBytes; ///< bytes the findings could recover
    /// Any finding at or above this severity fails; without it findings are reported and never fail.
    std::optional<analysis::Severity> failOn;
    std::optional<std::filesystem::path> baseline; ///< an older model to compare against
    std::optional<double> maxGrowth; ///< fraction: 0.05 fails growth above 5 % of file size, params or MACs

    /// This budget with every limit `other` sets replacing its own (the command line over the budget file).
    Budget overriddenBy(const Budget& other) const;
    bool empty() const;
};

/// "high", "medium", "low", "info"; nullopt for any other text.
std::optional<analysis::Severity> parseSeverity(std::string_view text);

/// A budget file's JSON; sizes and counts as numbers or as the command line writes them ("25MB", "1.5G", "5%").
/// A relative baseline path is read from `folder` (the budget file's). Errors name `origin` and the key.
Result<Budget> parseBudget(std::string_view json, const std::string& origin, const std::filesystem::path& folder = {});
Result<Budget> loadBudgetFile(const std::filesystem::path& path);

/// One budget measured: within it or not.
struct BudgetCheck {
    std::string key; ///< "max_file_size", "growth_params", "fail_on", ...
    std::string title; ///< "file size", "params growth against the baseline", ...
    std::string unit; ///< "bytes", "count", "percent", "findings"
    double limit = 0.0;
    double value = 0.0;
    bool passed = true;
    std::string message; ///< "file size 4.95 MB is over the budget of 4.50 MB (by 10.0 %)"
};

struct FindingNote {
    analysis::Severity severity = analysis::Severity::Info;
    std::string kind;
    std::string message;
    std::uint64_t bytes = 0;
    bool failing = false; ///< at or above the budget's fail-on severity
};

/// A tensor whose bytes changed most against the baseline.
struct TensorGrowth {
    std::string name;
    std::int64_t bytesBefore = 0; ///< -1: not in the baseline
    std::int64_t bytesAfter = 0; ///< -1: not in the model
};

struct CheckResult {
    std::string model; ///< as the user named it (annotations point at it)
    std::string baseline;
    std::vector<BudgetCheck> budgets;
    std::vector<FindingNote> findings;
    std::vector<TensorGrowth> biggestChanges; ///< against the baseline, largest change first
    bool passed() const;
};

/// Measures `model` against every limit `budget` sets (and `baseline`, the older model, when given).
CheckResult checkBudget(const analysis::Analysis& model, const std::string& modelName, const Budget& budget,
    const analysis::Analysis* baseline = nullptr);

void writeCheckText(std::ostream& out, const CheckResult& result);
/// Schema slimscope.check/1: every budget with limit, value and verdict, the findings, the baseline's changes.
void writeCheckJson(std::ostream& out, const CheckResult& result);
/// One testsuite, one testcase per budget (a failure with the message when it is exceeded).
void writeCheckJunit(std::ostream& out, const CheckResult& result);
/// GitHub Actions workflow commands: ::error for an exceeded budget or a failing finding, ::warning for a finding
/// below the fail level, ::notice for a budget that held.
void writeCheckGithub(std::ostream& out, const CheckResult& result);

} // namespace slimscope::core::check
