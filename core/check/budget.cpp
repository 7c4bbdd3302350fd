// Budgets read and measured (budget.h).
#include "check/budget.h"

#include "report/compare.h"
#include "support/format.h"
#include "support/jsonreader.h"
#include "support/quantities.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <unordered_map>

namespace slimscope::core::check {

namespace {

constexpr std::size_t kBiggestChanges = 10;

std::string amount(double value, const std::string& unit)
{
    const auto whole = static_cast<std::uint64_t>(std::llround(std::max(value, 0.0)));
    if (unit == "bytes")
        return humanBytes(whole) + " (" + groupedCount(whole) + " bytes)";
    if (unit == "percent")
        return humanPercent(value);
    return groupedCount(whole);
}

/// A limit on an amount the model has: passes at or below the limit.
BudgetCheck limitCheck(std::string key, std::string title, std::string unit, std::uint64_t limit, std::uint64_t value)
{
    BudgetCheck check { std::move(key), std::move(title), std::move(unit), static_cast<double>(limit),
        static_cast<double>(value), value <= limit, {} };
    check.message = check.title + " " + amount(check.value, check.unit)
        + (check.passed ? " is within the budget of " : " is over the budget of ") + amount(check.limit, check.unit);
    if (!check.passed && limit > 0)
        check.message += " by " + humanPercent(static_cast<double>(value - limit) / static_cast<double>(limit));
    return check;
}

/// A budget value as the user wrote it: the file may hold a number or the command line's text ("25MB").
Result<std::optional<std::uint64_t>> readAmount(
    JsonObjectReader& reader, std::string_view key, Result<std::uint64_t> (*parse)(std::string_view))
{
    if (!reader.has(key))
        return std::optional<std::uint64_t> {};
    std::string text;
    if (auto asText = reader.amount(key, text); !asText)
        return std::unexpected(asText.error());
    auto parsed = parse(text);
    if (!parsed)
        return std::unexpected(reader.error(key, parsed.error().message));
    return std::optional<std::uint64_t>(*parsed);
}

} // namespace

std::optional<analysis::Severity> parseSeverity(std::string_view text)
{
    for (const auto severity :
        { analysis::Severity::Info, analysis::Severity::Low, analysis::Severity::Medium, analysis::Severity::High })
        if (text == analysis::severityName(severity))
            return severity;
    return std::nullopt;
}

Budget Budget::overriddenBy(const Budget& other) const
{
    Budget merged = *this;
    const auto take = [](auto& into, const auto& from) {
        if (from)
            into = from;
    };
    take(merged.maxFileSize, other.maxFileSize);
    take(merged.maxWeightBytes, other.maxWeightBytes);
    take(merged.maxParams, other.maxParams);
    take(merged.maxMacs, other.maxMacs);
    take(merged.maxFindingsBytes, other.maxFindingsBytes);
    take(merged.failOn, other.failOn);
    take(merged.baseline, other.baseline);
    take(merged.maxGrowth, other.maxGrowth);
    return merged;
}

bool Budget::empty() const
{
    return !maxFileSize && !maxWeightBytes && !maxParams && !maxMacs && !maxFindingsBytes && !failOn && !baseline
        && !maxGrowth;
}

Result<Budget> parseBudget(std::string_view json, const std::string& origin, const std::filesystem::path& folder)
{
    auto parsed = JsonObjectReader::parse(json, origin);
    if (!parsed)
        return std::unexpected(parsed.error());
    JsonObjectReader& reader = *parsed;
    std::string schema;
    if (auto read = reader.text("schema", schema); !read)
        return std::unexpected(read.error());
    if (schema != kBudgetSchema)
        return std::unexpected(reader.error("schema", "must be \"" + std::string(kBudgetSchema) + "\""));
    Budget budget;
    const std::pair<std::string_view, std::optional<std::uint64_t>*> sizes[]
        = { { "max_file_size", &budget.maxFileSize }, { "max_weight_bytes", &budget.maxWeightBytes },
              { "max_findings_bytes", &budget.maxFindingsBytes } };
    for (const auto& [key, into] : sizes) {
        auto value = readAmount(reader, key, parseByteSize);
        if (!value)
            return std::unexpected(value.error());
        *into = *value;
    }
    const std::pair<std::string_view, std::optional<std::uint64_t>*> counts[]
        = { { "max_params", &budget.maxParams }, { "max_macs", &budget.maxMacs } };
    for (const auto& [key, into] : counts) {
        auto value = readAmount(reader, key, parseCount);
        if (!value)
            return std::unexpected(value.error());
        *into = *value;
    }
    if (reader.has("fail_on")) {
        std::string severity;
        if (auto read = reader.text("fail_on", severity, { "high", "medium", "low", "info" }); !read)
            return std::unexpected(read.error());
        budget.failOn = parseSeverity(severity);
    }
    if (reader.has("baseline")) {
        std::string baseline;
        if (auto read = reader.text("baseline", baseline); !read)
            return std::unexpected(read.error());
        const std::filesystem::path path(baseline);
        budget.baseline = path.is_relative() && !folder.empty() ? folder / path : path;
    }
    if (reader.has("max_growth")) {
        std::string text;
        if (auto read = reader.amount("max_growth", text); !read)
            return std::unexpected(read.error());
        auto growth = parsePercent(text);
        if (!growth)
            return std::unexpected(reader.error("max_growth", growth.error().message));
        budget.maxGrowth = *growth;
    }
    if (auto done = reader.finish(); !done)
        return std::unexpected(done.error());
    if (budget.baseline.has_value() != budget.maxGrowth.has_value())
        return fail(ErrorCode::InvalidArgument,
            origin + ": 'baseline' and 'max_growth' go together (the growth allowed against that model)");
    return budget;
}

Result<Budget> loadBudgetFile(const std::filesystem::path& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return fail(ErrorCode::IoError, path.string() + ": cannot read the budget file");
    std::ostringstream text;
    text << in.rdbuf();
    return parseBudget(text.str(), path.string(), path.parent_path());
}

bool CheckResult::passed() const
{
    return std::ranges::all_of(budgets, &BudgetCheck::passed);
}

CheckResult checkBudget(
    const analysis::Analysis& a, const std::string& modelName, const Budget& budget, const analysis::Analysis* baseline)
{
    CheckResult result;
    result.model = modelName;
    const auto& m = a.model;
    const auto fileSize = [](const analysis::ModelSummary& s) { return s.fileBytes + s.externalFileBytes; };
    if (budget.maxFileSize)
        result.budgets.push_back(
            limitCheck("max_file_size", "file size (with external data)", "bytes", *budget.maxFileSize, fileSize(m)));
    if (budget.maxWeightBytes)
        result.budgets.push_back(
            limitCheck("max_weight_bytes", "weight bytes", "bytes", *budget.maxWeightBytes, m.weightBytes));
    if (budget.maxParams)
        result.budgets.push_back(limitCheck("max_params", "params", "count", *budget.maxParams, m.params));
    if (budget.maxMacs)
        result.budgets.push_back(limitCheck("max_macs", "MACs", "count", *budget.maxMacs, m.macs));
    std::uint64_t recoverable = 0, failing = 0;
    for (const auto& finding : a.findings) {
        recoverable += finding.bytesRecoverable;
        const bool fails = budget.failOn && finding.severity >= *budget.failOn;
        failing += fails;
        result.findings.push_back({ finding.severity, std::string(analysis::findingKindName(finding.kind)),
            finding.message, finding.bytesRecoverable, fails });
    }
    if (budget.maxFindingsBytes)
        result.budgets.push_back(limitCheck(
            "max_findings_bytes", "bytes the findings could recover", "bytes", *budget.maxFindingsBytes, recoverable));
    if (budget.failOn) {
        BudgetCheck check = limitCheck("fail_on",
            "findings of severity " + std::string(analysis::severityName(*budget.failOn)) + " or higher", "findings", 0,
            failing);
        check.message = failing == 0
            ? "no finding of severity " + std::string(analysis::severityName(*budget.failOn)) + " or higher"
            : groupedCount(failing) + " finding(s) of severity " + std::string(analysis::severityName(*budget.failOn))
                + " or higher";
        result.budgets.push_back(std::move(check));
    }
    if (baseline && budget.maxGrowth) {
        result.baseline = baseline->model.path;
        const auto& b = baseline->model;
        const std::tuple<std::string, std::string, std::uint64_t, std::uint64_t> figures[]
            = { { "growth_file_size", "file size", fileSize(b), fileSize(m) },
                  { "growth_params", "params", b.params, m.params }, { "growth_macs", "MACs", b.macs, m.macs } };
        for (const auto& [key, title, before, after] : figures) {
            if (before == 0)
                continue; // MACs not counted in the baseline (or an empty model): no growth to speak of
            const double growth
                = (static_cast<double>(after) - static_cast<double>(before)) / static_cast<double>(before);
            BudgetCheck check { key, title + " growth against the baseline", "percent", *budget.maxGrowth, growth,
                growth <= *budget.maxGrowth + 1e-12, {} };
            check.message = title + " " + (growth >= 0 ? "grew " : "shrank ") + humanPercent(std::abs(growth)) + " ("
                + groupedCount(before) + " → " + groupedCount(after) + "), " + (check.passed ? "within " : "over ")
                + "the allowed " + humanPercent(*budget.maxGrowth);
            result.budgets.push_back(std::move(check));
        }
        // The tensors behind the change, largest change first.
        if (auto comparison = report::compareModels(*baseline, a)) {
            std::unordered_map<std::string, std::uint64_t> bytesNow, bytesBefore;
            for (const auto& t : a.tensors)
                bytesNow.emplace(t.name, t.bytes);
            for (const auto& t : baseline->tensors)
                bytesBefore.emplace(t.name, t.bytes);
            for (const auto& match : comparison->matched)
                if (match.bytesA != match.bytesB)
                    result.biggestChanges.push_back({ match.nameB, static_cast<std::int64_t>(match.bytesA),
                        static_cast<std::int64_t>(match.bytesB) });
            for (const auto& name : comparison->added)
                result.biggestChanges.push_back({ name, -1, static_cast<std::int64_t>(bytesNow[name]) });
            for (const auto& name : comparison->removed)
                result.biggestChanges.push_back({ name, static_cast<std::int64_t>(bytesBefore[name]), -1 });
            const auto change = [](const TensorGrowth& g) {
                return std::abs(std::max<std::int64_t>(g.bytesAfter, 0) - std::max<std::int64_t>(g.bytesBefore, 0));
            };
            std::ranges::stable_sort(result.biggestChanges, std::greater<>(), change);
            if (result.biggestChanges.size() > kBiggestChanges)
                result.biggestChanges.resize(kBiggestChanges);
        }
    }
    return result;
}

} // namespace slimscope::core::check
