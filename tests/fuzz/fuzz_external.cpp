// libFuzzer target: a model whose weights live in external data files (externalbundle.h: the model and its files in
// one input) -> load (locations, offsets, lengths, mappings) -> analyze -> one slimming step -> export with external
// data (the streaming writer reads each weight from the mapped files) -> load and analyze the output again.

#include "externalbundle.h"
#include "fuzzsupport.h"
#include "slim/recipe.h"
#include "slim/stepregistry.h"

#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

using namespace slimscope::core;
namespace fs = std::filesystem;

namespace {

/// One step per recipe: one that only drops, two that rewrite every float weight (int8 also adds nodes), and one
/// that changes values in place.
const std::vector<slim::Recipe>& recipes()
{
    static const std::vector<slim::Recipe> all = [] {
        std::vector<slim::Recipe> made;
        for (const char* name : { "cleanup", "quantize:fp16", "quantize:int8", "prune" }) {
            const slim::StepType* type = slim::findStepType(name);
            slimscope::fuzz::require(type != nullptr, "the step types fuzz_external runs are registered");
            slim::Step step;
            step.params = type->defaults();
            step.scope.minElements = 1;
            made.push_back(slim::Recipe { { std::move(step) } });
        }
        return made;
    }();
    return all;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const fs::path folder = slimscope::fuzz::scratchFolder() / "bundle";
    std::error_code ignored;
    fs::remove_all(folder, ignored);
    fs::create_directories(folder / "sub");
    const auto& files = slimscope::fuzz::bundleFiles();
    const auto parts
        = slimscope::fuzz::splitBundle(std::string_view(reinterpret_cast<const char*>(data), size), files.size());
    for (std::size_t p = 0; p < parts.size(); ++p) {
        if (parts[p].empty())
            continue; // an empty or missing part is a missing file: the loader's error for it is covered too
        slimscope::fuzz::writeScratch(
            "bundle/" + files[p], reinterpret_cast<const std::uint8_t*>(parts[p].data()), parts[p].size());
    }
    const fs::path model = folder / files.front();
    if (!fs::exists(model))
        return 0;
    const analysis::AnalyzeOptions options { .computeSha256 = false };
    auto analyzed = analysis::analyzeFile(model.string(), {}, nullptr, options);
    if (!analyzed) {
        slimscope::fuzz::require(!analyzed.error().message.empty(), "a load or analysis error says why");
        return 0;
    }
    const fs::path output = slimscope::fuzz::scratchFolder() / "out" / "slimmed.onnx";
    fs::create_directories(output.parent_path());
    slimscope::fuzz::slimExportAndReload(
        **analyzed, recipes()[size % recipes().size()], output, slim::ExportOptions { .externalData = true });
    return 0;
}
