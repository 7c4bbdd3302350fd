// A budget check as text, JSON, JUnit XML and GitHub Actions workflow commands (budget.h).
#include "check/budget.h"

#include "report/reportcontent.h"
#include "support/format.h"
#include "support/jsonwriter.h"

#include <cstdio>

namespace slimscope::core::check {

namespace {

std::size_t failures(const CheckResult& result)
{
    return static_cast<std::size_t>(std::ranges::count_if(result.budgets, [](const auto& b) { return !b.passed; }));
}

std::string bytesText(std::int64_t bytes)
{
    return bytes < 0 ? std::string("-") : humanBytes(static_cast<std::uint64_t>(bytes));
}

/// GitHub's workflow command escaping: the message escapes %, CR and LF; a property value also ':' and ','.
std::string githubEscape(std::string_view text, bool property)
{
    std::string out;
    for (const char c : text) {
        if (c == '%')
            out += "%25";
        else if (c == '\r')
            out += "%0D";
        else if (c == '\n')
            out += "%0A";
        else if (property && c == ':')
            out += "%3A";
        else if (property && c == ',')
            out += "%2C";
        else
            out += c;
    }
    return out;
}

} // namespace

void writeCheckText(std::ostream& out, const CheckResult& result)
{
    out << "Budget check of " << result.model << "\n";
    if (result.budgets.empty())
        out << "  no budget set: findings are listed, nothing can fail\n";
    for (const auto& budget : result.budgets)
        out << "  " << (budget.passed ? "pass" : "FAIL") << "  " << budget.message << "\n";
    if (!result.findings.empty()) {
        out << "Findings (" << result.findings.size() << "):\n";
        for (const auto& finding : result.findings)
            out << "  " << (finding.failing ? "FAIL " : "     ") << analysis::severityName(finding.severity) << "  "
                << finding.kind << "  " << finding.message
                << (finding.bytes ? " (" + humanBytes(finding.bytes) + " recoverable)" : std::string()) << "\n";
    }
    if (!result.baseline.empty()) {
        out << "Against the baseline " << result.baseline << ", the largest changes:\n";
        if (result.biggestChanges.empty())
            out << "  no tensor changed its bytes\n";
        for (const auto& change : result.biggestChanges)
            out << "  " << change.name << "  " << bytesText(change.bytesBefore) << " → " << bytesText(change.bytesAfter)
                << (change.bytesBefore < 0         ? " (new)"
                           : change.bytesAfter < 0 ? " (gone)"
                                                   : "")
                << "\n";
    }
    const std::size_t failed = failures(result);
    out << (failed
            ? "FAIL: " + std::to_string(failed) + " of " + std::to_string(result.budgets.size()) + " budgets exceeded"
            : "pass: every budget holds")
        << "\n";
}

void writeCheckJson(std::ostream& out, const CheckResult& result)
{
    JsonWriter json(out);
    json.beginObject();
    json.field("schema", std::string(kCheckSchema));
    json.field("model", result.model);
    json.field("passed", result.passed());
    json.key("budgets").beginArray();
    for (const auto& budget : result.budgets) {
        json.beginObject();
        json.field("key", budget.key);
        json.field("title", budget.title);
        json.field("unit", budget.unit);
        json.field("limit", budget.limit);
        json.field("value", budget.value);
        json.field("verdict", std::string(budget.passed ? "pass" : "fail"));
        json.field("message", budget.message);
        json.endObject();
    }
    json.endArray();
    json.key("findings").beginArray();
    for (const auto& finding : result.findings) {
        json.beginObject();
        json.field("severity", std::string(analysis::severityName(finding.severity)));
        json.field("kind", finding.kind);
        json.field("message", finding.message);
        json.field("bytes_recoverable", finding.bytes);
        json.field("failing", finding.failing);
        json.endObject();
    }
    json.endArray();
    if (!result.baseline.empty()) {
        json.key("baseline").beginObject();
        json.field("model", result.baseline);
        json.key("biggest_changes").beginArray();
        for (const auto& change : result.biggestChanges) {
            json.beginObject();
            json.field("tensor", change.name);
            json.key("bytes_before");
            change.bytesBefore < 0 ? json.null() : json.value(change.bytesBefore);
            json.key("bytes_after");
            change.bytesAfter < 0 ? json.null() : json.value(change.bytesAfter);
            json.endObject();
        }
        json.endArray();
        json.endObject();
    }
    json.endObject();
    out << "\n";
}

void writeCheckJunit(std::ostream& out, const CheckResult& result)
{
    using report::detail::xmlEscape;
    out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        << "<testsuite name=\"" << xmlEscape("slimscope budgets: " + result.model) << "\" tests=\""
        << result.budgets.size() << "\" failures=\"" << failures(result) << "\" errors=\"0\" skipped=\"0\">\n";
    for (const auto& budget : result.budgets) {
        out << "  <testcase classname=\"slimscope.budgets\" name=\"" << xmlEscape(budget.key + ": " + budget.title)
            << "\"";
        if (budget.passed) {
            out << ">\n    <system-out>" << xmlEscape(budget.message) << "</system-out>\n  </testcase>\n";
            continue;
        }
        out << ">\n    <failure type=\"budget\" message=\"" << xmlEscape(budget.message) << "\">"
            << xmlEscape(budget.message) << "</failure>\n  </testcase>\n";
    }
    out << "</testsuite>\n";
}

void writeCheckGithub(std::ostream& out, const CheckResult& result)
{
    const std::string file = githubEscape(result.model, true);
    for (const auto& budget : result.budgets) {
        if (budget.passed)
            out << "slimscope: " << githubEscape(budget.message, false) << "\n";
        else
            out << "::error file=" << file << ",title=" << githubEscape("Budget exceeded: " + budget.key, true)
                << "::" << githubEscape(budget.message, false) << "\n";
    }
    for (const auto& finding : result.findings)
        out << (finding.failing ? "::error" : "::warning") << " file=" << file << ",title="
            << githubEscape(std::string(analysis::severityName(finding.severity)) + " finding: " + finding.kind, true)
            << "::" << githubEscape(finding.message, false) << "\n";
    const std::size_t failed = failures(result);
    out << "slimscope: " << (failed ? std::to_string(failed) + " budget(s) exceeded" : "every budget holds") << "\n";
}

} // namespace slimscope::core::check
