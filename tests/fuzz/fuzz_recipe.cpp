// libFuzzer target: a recipe's JSON -> parseRecipe. A recipe that parses must write back to JSON that parses to
// the same recipe; then it is checked against, and previewed and serialized on, two fixture models (a small CNN and
// the model with every kind of bloat), as the CLI's slim and the GUI's preview do with a recipe from a file.

#include "analysis/analysis.h"
#include "fixtures.h"
#include "fuzzsupport.h"
#include "model/modelfile.h"
#include "slim/exporter.h"
#include "slim/recipe.h"
#include "slim/recipenames.h"
#include "slim/slimmer.h"

#include <string_view>
#include <vector>

using namespace slimscope::core;

namespace {

struct Target {
    std::shared_ptr<const model::ModelFile> file;
    std::shared_ptr<const analysis::Analysis> analysis;
};

Target loadFixture(const slimscope::fixtures::Fixture& fixture, std::string_view name)
{
    const auto path = slimscope::fuzz::scratchFolder() / name;
    slimscope::fuzz::require(fixture.builder.save(path).has_value(), "the fixture model is written");
    auto analyzed = analysis::analyzeFile(path.string());
    slimscope::fuzz::require(analyzed.has_value(), "the fixture model is analysed");
    return { (*analyzed)->modelFile, *analyzed };
}

const std::vector<Target>& targets()
{
    static const std::vector<Target> loaded { loadFixture(slimscope::fixtures::convNet(), "convnet.onnx"),
        loadFixture(slimscope::fixtures::bloated(), "bloated.onnx") };
    return loaded;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view json(reinterpret_cast<const char*>(data), size);
    auto recipe = slim::parseRecipe(json);
    if (!recipe) {
        slimscope::fuzz::require(!recipe.error().message.empty(), "a recipe error says why");
        return 0;
    }
    slimscope::fuzz::require(slim::validateRecipe(*recipe).has_value(), "a parsed recipe is valid");
    const std::string written = slim::recipeToJson(*recipe);
    auto reread = slim::parseRecipe(written);
    slimscope::fuzz::require(reread.has_value(), "a written recipe parses");
    slimscope::fuzz::require(*reread == *recipe, "a written recipe reads back the same");

    for (const Target& target : targets()) {
        if (!slim::checkRecipeNames(*target.file, *recipe))
            continue;
        auto slimmed = slim::applyRecipe(target.file, *recipe, {}, nullptr, target.analysis.get());
        if (!slimmed)
            continue;
        auto bytes = slim::serializeToString(*slimmed->model);
        slimscope::fuzz::require(bytes.has_value() || !bytes.error().message.empty(), "a serialize error says why");
    }
    return 0;
}
