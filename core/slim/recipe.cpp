#include "recipe.h"

#include "stepregistry.h"
#include "support/jsonreader.h"
#include "support/jsonwriter.h"

#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>

namespace slimscope::core::slim {

std::string describeStep(const Step& step)
{
    const auto type = stepTypeOf(step.params);
    return type ? (*type)->describe(step.params) : "(" + type.error().message + ")";
}

namespace {

#define SLIMSCOPE_TRY(expression)                                                                                      \
    if (auto result_ = (expression); !result_)                                                                         \
        return std::unexpected(result_.error());

std::string kindList()
{
    std::string list;
    for (const auto kind : stepKinds())
        list += (list.empty() ? "" : ", ") + std::string(kind);
    return list;
}

Result<Scope> parseScope(JsonObjectReader& reader)
{
    Scope scope;
    SLIMSCOPE_TRY(reader.strings("include", scope.include));
    SLIMSCOPE_TRY(reader.strings("exclude", scope.exclude));
    SLIMSCOPE_TRY(reader.strings("op_types", scope.opTypes));
    SLIMSCOPE_TRY(reader.strings("exclude_op_types", scope.excludeOpTypes));
    SLIMSCOPE_TRY(reader.strings("tensors", scope.tensors));
    SLIMSCOPE_TRY(reader.boolean("only_tensors", scope.onlyTensors));
    SLIMSCOPE_TRY(reader.count("min_elements", scope.minElements, 0, std::uint64_t { 1000000000000000000 }));
    SLIMSCOPE_TRY(reader.boolean("skip_bias_and_norm", scope.skipBiasAndNorm));
    SLIMSCOPE_TRY(reader.finish());
    return scope;
}

// The step's type: its kind, and for a kind with several types (quantize) its "type" key, whose documented
// default is the kind's first registered type.
Result<const StepType*> readStepType(JsonObjectReader& reader)
{
    if (!reader.has("kind"))
        return std::unexpected(reader.error("kind", "is missing (" + kindList() + ")"));
    std::string kind;
    std::vector<std::string> kinds;
    for (const auto k : stepKinds())
        kinds.emplace_back(k);
    SLIMSCOPE_TRY(reader.choice("kind", kind, kinds));
    reader.setContext(reader.context() + " (" + kind + ")");
    const auto types = stepTypesOfKind(kind);
    if (types.size() == 1 && types.front()->variant().empty())
        return types.front();
    std::vector<std::string> variants;
    variants.reserve(types.size());
    for (const StepType* type : types)
        variants.emplace_back(type->variant());
    std::string variant = variants.front();
    SLIMSCOPE_TRY(reader.choice("type", variant, variants));
    return findStepType(kind + ":" + variant);
}

Result<Step> parseStep(JsonObjectReader& reader)
{
    Step step;
    auto type = readStepType(reader);
    if (!type)
        return std::unexpected(type.error());
    SLIMSCOPE_TRY(reader.boolean("enabled", step.enabled));
    auto params = (*type)->read(reader);
    if (!params)
        return std::unexpected(params.error());
    step.params = std::move(*params);
    // A scope is read for every step, including those that do not use one, so that the round trip keeps it.
    if (reader.has("scope")) {
        auto scopeReader = reader.object("scope");
        if (!scopeReader)
            return std::unexpected(scopeReader.error());
        auto scope = parseScope(*scopeReader);
        if (!scope)
            return std::unexpected(scope.error());
        step.scope = std::move(*scope);
    }
    SLIMSCOPE_TRY(reader.finish());
    return step;
}

void writeScope(JsonWriter& json, const Scope& scope)
{
    json.key("scope").beginObject();
    json.stringArray("include", scope.include).stringArray("exclude", scope.exclude);
    json.stringArray("op_types", scope.opTypes).stringArray("exclude_op_types", scope.excludeOpTypes);
    json.field("min_elements", scope.minElements).field("skip_bias_and_norm", scope.skipBiasAndNorm);
    if (!scope.tensors.empty())
        json.stringArray("tensors", scope.tensors);
    if (scope.onlyTensors)
        json.field("only_tensors", true);
    json.endObject();
}

} // namespace

Result<void> validateRecipe(const Recipe& recipe)
{
    for (std::size_t i = 0; i < recipe.steps.size(); ++i) {
        const Step& step = recipe.steps[i];
        const auto type = stepTypeOf(step.params);
        if (!type)
            return fail(ErrorCode::InvalidArgument, "step " + std::to_string(i + 1) + ": " + type.error().message);
        const std::string context = "step " + std::to_string(i + 1) + " (" + std::string((*type)->kind()) + ")";
        for (const auto* patterns : { &step.scope.include, &step.scope.exclude }) {
            for (const auto& pattern : *patterns) {
                try {
                    [[maybe_unused]] const std::regex compiled(pattern, std::regex::ECMAScript); // throws when invalid
                } catch (const std::regex_error& error) {
                    std::string message = context;
                    message += " scope: key '";
                    message += patterns == &step.scope.include ? "include" : "exclude";
                    message += "' has an invalid pattern '" + pattern + "': " + error.what();
                    return fail(ErrorCode::InvalidArgument, message);
                }
            }
        }
        if (auto valid = (*type)->validate(step.params); !valid)
            return std::unexpected(valid.error().withContext(context));
    }
    return {};
}

Result<Recipe> parseRecipe(std::string_view json)
{
    auto reader = JsonObjectReader::parse(json, "recipe");
    if (!reader)
        return std::unexpected(reader.error());
    std::string schema(kRecipeSchema);
    SLIMSCOPE_TRY(reader->text("schema", schema, { kRecipeSchema }));
    auto steps = reader->objects("steps", "step");
    if (!steps)
        return std::unexpected(steps.error());
    Recipe recipe;
    for (auto& stepReader : *steps) {
        auto step = parseStep(stepReader);
        if (!step)
            return std::unexpected(step.error());
        recipe.steps.push_back(std::move(*step));
    }
    SLIMSCOPE_TRY(reader->finish());
    SLIMSCOPE_TRY(validateRecipe(recipe));
    return recipe;
}

Result<Recipe> loadRecipeFile(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return fail(ErrorCode::NotFound, path + ": cannot read the recipe");
    std::stringstream text;
    text << in.rdbuf();
    auto recipe = parseRecipe(text.str());
    if (!recipe)
        return std::unexpected(recipe.error().withContext(path));
    return recipe;
}

std::string recipeToJson(const Recipe& recipe)
{
    std::ostringstream out;
    JsonWriter json(out);
    writeRecipe(json, recipe);
    return out.str();
}

void writeRecipe(JsonWriter& json, const Recipe& recipe)
{
    json.beginObject().field("schema", kRecipeSchema).key("steps").beginArray();
    for (const Step& step : recipe.steps) {
        const auto type = stepTypeOf(step.params);
        if (!type)
            throw std::logic_error("writeRecipe: " + type.error().message);
        json.beginObject().field("kind", (*type)->kind());
        if (!(*type)->variant().empty())
            json.field("type", (*type)->variant());
        json.field("enabled", step.enabled);
        (*type)->write(json, step.params);
        // A step that does not use a scope keeps one that was given, for the round trip.
        if ((*type)->usesScope() || step.scope != Scope {})
            writeScope(json, step.scope);
        json.endObject();
    }
    json.endArray().endObject();
}

} // namespace slimscope::core::slim
