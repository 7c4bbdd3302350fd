// libFuzzer target: a budget file's JSON (check --budget FILE) -> parseBudget; a budget that parses is measured
// against a fixture model (with a second fixture as its baseline when it names one) and written in every format
// check offers.

#include "analysis/analysis.h"
#include "check/budget.h"
#include "fixtures.h"
#include "fuzzsupport.h"

#include <sstream>

using namespace slimscope::core;

namespace {

std::shared_ptr<const analysis::Analysis> analyzedFixture(
    const slimscope::fixtures::Fixture& fixture, std::string_view name)
{
    const auto path = slimscope::fuzz::scratchFolder() / name;
    slimscope::fuzz::require(fixture.builder.save(path).has_value(), "the fixture model is written");
    auto analyzed = analysis::analyzeFile(path.string());
    slimscope::fuzz::require(analyzed.has_value(), "the fixture model is analysed");
    return *analyzed;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    static const auto model = analyzedFixture(slimscope::fixtures::bloated(), "bloated.onnx");
    static const auto baseline = analyzedFixture(slimscope::fixtures::linearChain(), "linear.onnx");

    const std::string_view json(reinterpret_cast<const char*>(data), size);
    auto budget = check::parseBudget(json, "fuzz.budget.json", slimscope::fuzz::scratchFolder());
    if (!budget) {
        slimscope::fuzz::require(!budget.error().message.empty(), "a budget error says why");
        return 0;
    }
    const check::CheckResult result
        = check::checkBudget(*model, "bloated.onnx", *budget, budget->baseline ? baseline.get() : nullptr);
    if (budget->empty())
        slimscope::fuzz::require(result.budgets.empty(), "an empty budget measures nothing");
    std::ostringstream sink;
    check::writeCheckText(sink, result);
    check::writeCheckJson(sink, result);
    check::writeCheckJunit(sink, result);
    check::writeCheckGithub(sink, result);
    return 0;
}
