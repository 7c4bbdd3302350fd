#include "recipe.h"

#include "support/json.h"
#include "support/jsonwriter.h"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

namespace slimscope::core::slim {

std::string_view stepKindName(const StepParams& params)
{
    return std::visit(
        [](const auto& step) -> std::string_view {
            using T = std::decay_t<decltype(step)>;
            if constexpr (std::is_same_v<T, CleanupStep>)
                return "cleanup";
            else if constexpr (std::is_same_v<T, PruneStep>)
                return "prune";
            else if constexpr (std::is_same_v<T, QuantizeStep>)
                return "quantize";
            else
                return "sparse_storage";
        },
        params);
}

std::string describeStep(const Step& step)
{
    char text[128];
    if (const auto* prune = std::get_if<PruneStep>(&step.params)) {
        std::snprintf(text, sizeof text, "prune %.1f %% (%s)", prune->sparsity * 100.0,
            prune->mode == PruneStep::Mode::Global ? "global threshold" : "per layer");
        return text;
    }
    if (const auto* quantize = std::get_if<QuantizeStep>(&step.params)) {
        if (quantize->type == QuantizeStep::Type::Fp16)
            return "quantize fp16";
        return std::string("quantize int8 ") + (quantize->perChannel ? "per-channel" : "per-tensor")
            + (quantize->symmetric ? " symmetric" : " asymmetric");
    }
    if (const auto* sparse = std::get_if<SparseStorageStep>(&step.params))
        return std::string("sparse storage (")
            + (sparse->policy == SparseStorageStep::Policy::Auto          ? "auto"
                    : sparse->policy == SparseStorageStep::Policy::Always ? "always"
                                                                          : "never")
            + ")";
    return "cleanup";
}

namespace {

// Reads members of one JSON object, remembering which keys were used so that the rest can be reported.
class ObjectReader {
public:
    ObjectReader(const JsonValue& object, std::string context)
        : m_object(object)
        , m_context(std::move(context))
    { }

    Error error(const std::string& key, const std::string& what) const
    {
        return Error { ErrorCode::InvalidArgument, m_context + ": key '" + key + "' " + what };
    }

    const JsonValue* take(const std::string& key)
    {
        m_used.insert(key);
        return m_object.find(key);
    }

    Result<void> boolean(const std::string& key, bool& out)
    {
        if (const JsonValue* value = take(key)) {
            if (!value->isBool())
                return std::unexpected(error(key, "must be true or false, not " + std::string(value->typeName())));
            out = value->asBool();
        }
        return {};
    }

    Result<void> number(const std::string& key, double& out, double low, double high)
    {
        if (const JsonValue* value = take(key)) {
            if (!value->isNumber())
                return std::unexpected(error(key, "must be a number, not " + std::string(value->typeName())));
            const double v = value->asNumber();
            if (!(v >= low && v <= high)) {
                std::ostringstream range;
                range << "is " << v << ", out of range [" << low << ", " << high << "]";
                return std::unexpected(error(key, range.str()));
            }
            out = v;
        }
        return {};
    }

    Result<void> choice(const std::string& key, std::string& out, std::initializer_list<std::string_view> allowed)
    {
        if (const JsonValue* value = take(key)) {
            if (!value->isString())
                return std::unexpected(error(key, "must be a string, not " + std::string(value->typeName())));
            for (const auto option : allowed)
                if (value->asString() == option) {
                    out = value->asString();
                    return {};
                }
            std::string options;
            for (const auto option : allowed)
                options += (options.empty() ? "" : ", ") + std::string(option);
            return std::unexpected(error(key, "is '" + value->asString() + "'; expected one of " + options));
        }
        return {};
    }

    Result<void> strings(const std::string& key, std::vector<std::string>& out)
    {
        if (const JsonValue* value = take(key)) {
            if (!value->isArray())
                return std::unexpected(
                    error(key, "must be an array of strings, not " + std::string(value->typeName())));
            out.clear();
            for (const auto& item : value->asArray()) {
                if (!item.isString())
                    return std::unexpected(error(key, "must hold strings only"));
                out.push_back(item.asString());
            }
        }
        return {};
    }

    Result<void> finish() const
    {
        for (const auto& [key, value] : m_object.asObject())
            if (!m_used.contains(key))
                return fail(ErrorCode::InvalidArgument, m_context + ": unknown key '" + key + "'");
        return {};
    }

    const std::string& context() const { return m_context; }

private:
    const JsonValue& m_object;
    std::string m_context;
    std::set<std::string> m_used;
};

#define SLIMSCOPE_TRY(expression)                                                                                      \
    if (auto result_ = (expression); !result_)                                                                         \
        return std::unexpected(result_.error());

Result<Scope> parseScope(const JsonValue& value, const std::string& context)
{
    Scope scope;
    if (!value.isObject())
        return fail(ErrorCode::InvalidArgument, context + ": key 'scope' must be an object");
    ObjectReader reader(value, context + " scope");
    SLIMSCOPE_TRY(reader.strings("include", scope.include));
    SLIMSCOPE_TRY(reader.strings("exclude", scope.exclude));
    SLIMSCOPE_TRY(reader.strings("op_types", scope.opTypes));
    SLIMSCOPE_TRY(reader.strings("exclude_op_types", scope.excludeOpTypes));
    SLIMSCOPE_TRY(reader.strings("tensors", scope.tensors));
    double minElements = static_cast<double>(scope.minElements);
    SLIMSCOPE_TRY(reader.number("min_elements", minElements, 0, 1e18));
    if (minElements != std::floor(minElements))
        return std::unexpected(reader.error("min_elements", "must be a whole number"));
    scope.minElements = static_cast<std::uint64_t>(minElements);
    SLIMSCOPE_TRY(reader.boolean("skip_bias_and_norm", scope.skipBiasAndNorm));
    SLIMSCOPE_TRY(reader.finish());
    return scope;
}

Result<Step> parseStep(const JsonValue& value, std::size_t index)
{
    const std::string base = "step " + std::to_string(index + 1);
    if (!value.isObject())
        return fail(ErrorCode::InvalidArgument, base + ": must be an object");
    const JsonValue* kindValue = value.find("kind");
    if (!kindValue || !kindValue->isString())
        return fail(
            ErrorCode::InvalidArgument, base + ": key 'kind' is missing (cleanup, prune, quantize, sparse_storage)");
    const std::string kind = kindValue->asString();
    ObjectReader reader(value, base + " (" + kind + ")");
    reader.take("kind");
    Step step;
    SLIMSCOPE_TRY(reader.boolean("enabled", step.enabled));
    if (kind == "cleanup") {
        CleanupStep cleanup;
        SLIMSCOPE_TRY(reader.boolean("dedupe", cleanup.dedupe));
        SLIMSCOPE_TRY(reader.boolean("remove_unused", cleanup.removeUnused));
        SLIMSCOPE_TRY(reader.boolean("remove_dead_nodes", cleanup.removeDeadNodes));
        SLIMSCOPE_TRY(reader.boolean("drop_initializer_inputs", cleanup.dropInitializerInputs));
        step.params = cleanup;
    } else if (kind == "prune") {
        PruneStep prune;
        SLIMSCOPE_TRY(reader.number("sparsity", prune.sparsity, 0.0, 0.999));
        std::string mode = "layer";
        SLIMSCOPE_TRY(reader.choice("mode", mode, { "layer", "global" }));
        prune.mode = mode == "global" ? PruneStep::Mode::Global : PruneStep::Mode::Layer;
        step.params = prune;
    } else if (kind == "quantize") {
        QuantizeStep quantize;
        std::string type = "int8";
        SLIMSCOPE_TRY(reader.choice("type", type, { "int8", "fp16" }));
        quantize.type = type == "fp16" ? QuantizeStep::Type::Fp16 : QuantizeStep::Type::Int8;
        SLIMSCOPE_TRY(reader.boolean("per_channel", quantize.perChannel));
        SLIMSCOPE_TRY(reader.boolean("symmetric", quantize.symmetric));
        step.params = quantize;
    } else if (kind == "sparse_storage") {
        SparseStorageStep sparse;
        std::string policy = "auto";
        SLIMSCOPE_TRY(reader.choice("policy", policy, { "auto", "always", "never" }));
        sparse.policy = policy == "always" ? SparseStorageStep::Policy::Always
            : policy == "never"            ? SparseStorageStep::Policy::Never
                                           : SparseStorageStep::Policy::Auto;
        step.params = sparse;
    } else {
        return fail(ErrorCode::InvalidArgument,
            base + ": key 'kind' is '" + kind + "'; expected one of cleanup, prune, quantize, sparse_storage");
    }
    if (const JsonValue* scope = reader.take("scope")) {
        auto parsed = parseScope(*scope, reader.context());
        if (!parsed)
            return std::unexpected(parsed.error());
        step.scope = std::move(*parsed);
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
    json.endObject();
}

} // namespace

Result<void> validateRecipe(const Recipe& recipe)
{
    for (std::size_t i = 0; i < recipe.steps.size(); ++i) {
        const Step& step = recipe.steps[i];
        const std::string context
            = "step " + std::to_string(i + 1) + " (" + std::string(stepKindName(step.params)) + ")";
        for (const auto* patterns : { &step.scope.include, &step.scope.exclude }) {
            for (const auto& pattern : *patterns) {
                try {
                    std::regex compiled(pattern, std::regex::ECMAScript);
                } catch (const std::regex_error& error) {
                    return fail(ErrorCode::InvalidArgument,
                        context + " scope: key '" + (patterns == &step.scope.include ? "include" : "exclude")
                            + "' has an invalid pattern '" + pattern + "': " + error.what());
                }
            }
        }
        if (const auto* prune = std::get_if<PruneStep>(&step.params);
            prune && !(prune->sparsity >= 0 && prune->sparsity <= 0.999))
            return fail(ErrorCode::InvalidArgument, context + ": key 'sparsity' is out of range [0, 0.999]");
    }
    return {};
}

Result<Recipe> parseRecipe(std::string_view json)
{
    auto document = parseJson(json);
    if (!document)
        return std::unexpected(document.error());
    if (!document->isObject())
        return fail(ErrorCode::InvalidArgument, "recipe: must be a JSON object");
    ObjectReader reader(*document, "recipe");
    std::string schema(kRecipeSchema);
    SLIMSCOPE_TRY(reader.choice("schema", schema, { kRecipeSchema }));
    Recipe recipe;
    const JsonValue* steps = reader.take("steps");
    if (!steps)
        return fail(ErrorCode::InvalidArgument, "recipe: key 'steps' is missing");
    if (!steps->isArray())
        return fail(ErrorCode::InvalidArgument, "recipe: key 'steps' must be an array");
    for (std::size_t i = 0; i < steps->asArray().size(); ++i) {
        auto step = parseStep(steps->asArray()[i], i);
        if (!step)
            return std::unexpected(step.error());
        recipe.steps.push_back(std::move(*step));
    }
    SLIMSCOPE_TRY(reader.finish());
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
        json.beginObject().field("kind", stepKindName(step.params)).field("enabled", step.enabled);
        if (const auto* cleanup = std::get_if<CleanupStep>(&step.params)) {
            json.field("dedupe", cleanup->dedupe).field("remove_unused", cleanup->removeUnused);
            json.field("remove_dead_nodes", cleanup->removeDeadNodes);
            json.field("drop_initializer_inputs", cleanup->dropInitializerInputs);
            if (step.scope != Scope {}) // cleanup does not use a scope; keep one that was given, for the round trip
                writeScope(json, step.scope);
        } else if (const auto* prune = std::get_if<PruneStep>(&step.params)) {
            json.field("sparsity", prune->sparsity)
                .field("mode", prune->mode == PruneStep::Mode::Global ? "global" : "layer");
            writeScope(json, step.scope);
        } else if (const auto* quantize = std::get_if<QuantizeStep>(&step.params)) {
            json.field("type", quantize->type == QuantizeStep::Type::Fp16 ? "fp16" : "int8");
            json.field("per_channel", quantize->perChannel).field("symmetric", quantize->symmetric);
            writeScope(json, step.scope);
        } else if (const auto* sparse = std::get_if<SparseStorageStep>(&step.params)) {
            json.field("policy",
                sparse->policy == SparseStorageStep::Policy::Always      ? "always"
                    : sparse->policy == SparseStorageStep::Policy::Never ? "never"
                                                                         : "auto");
            writeScope(json, step.scope);
        }
        json.endObject();
    }
    json.endArray().endObject();
}

} // namespace slimscope::core::slim
