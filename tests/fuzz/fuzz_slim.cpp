// libFuzzer target: a model file's bytes -> load -> analyze -> one recipe -> export (with ONNX's checker) -> load
// and analyze the output again. The recipe is one step of each registered type in turn, or all of them in a row,
// picked by the input's size so that every step meets every kind of model. Slimming may refuse a model; what it
// writes must load again.

#include "fuzzsupport.h"
#include "slim/recipe.h"
#include "slim/stepregistry.h"

#include <string>
#include <vector>

using namespace slimscope::core;

namespace {

slim::Step everyTensor(slim::StepParams params)
{
    slim::Step step;
    step.params = std::move(params);
    step.scope.minElements = 1; // fuzzed models are small
    return step;
}

const std::vector<slim::Recipe>& recipes()
{
    static const std::vector<slim::Recipe> all = [] {
        std::vector<slim::Recipe> made;
        slim::Recipe everyStep;
        for (const slim::StepType* type : slim::stepTypes()) {
            made.push_back(slim::Recipe { { everyTensor(type->defaults()) } });
            everyStep.steps.push_back(everyTensor(type->defaults()));
        }
        made.push_back(std::move(everyStep));
        return made;
    }();
    return all;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const auto path = slimscope::fuzz::writeScratch("model.onnx", data, size);
    auto analyzed
        = analysis::analyzeFile(path.string(), {}, nullptr, analysis::AnalyzeOptions { .computeSha256 = false });
    if (!analyzed)
        return 0;
    slimscope::fuzz::slimExportAndReload(
        **analyzed, recipes()[size % recipes().size()], slimscope::fuzz::scratchFolder() / "slimmed.onnx");
    return 0;
}
