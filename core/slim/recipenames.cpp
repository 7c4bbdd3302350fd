// Names a recipe gives, checked against the model (recipenames.h).
#include "slim/recipenames.h"

#include "slim/stepregistry.h"
#include "slim/steps/quantize.h"

#include <regex>
#include <unordered_set>

namespace slimscope::core::slim {

namespace {

/// "'a', 'b' and 3 more": the first few missing names.
std::string listed(const std::vector<std::string>& names)
{
    std::string text;
    const std::size_t shown = std::min<std::size_t>(names.size(), 3);
    for (std::size_t i = 0; i < shown; ++i)
        text += (i ? ", '" : "'") + names[i] + "'";
    if (names.size() > shown)
        text += " and " + std::to_string(names.size() - shown) + " more";
    return text;
}

} // namespace

Result<void> checkRecipeNames(const model::ModelFile& file, const Recipe& recipe)
{
    std::unordered_set<std::string> weights, nodes;
    for (const auto& weight : file.weights())
        weights.insert(weight.name);
    for (const auto& info : file.graphs())
        for (const auto& node : info.graph->node())
            if (!node.name().empty())
                nodes.insert(node.name());
    const auto missing = [](const std::vector<std::string>& names, const std::unordered_set<std::string>& known) {
        std::vector<std::string> absent;
        for (const auto& name : names)
            if (!known.contains(name))
                absent.push_back(name);
        return absent;
    };
    for (std::size_t i = 0; i < recipe.steps.size(); ++i) {
        const Step& step = recipe.steps[i];
        if (!step.enabled)
            continue;
        const std::string context = "step " + std::to_string(i + 1) + " (" + std::string(step.params.name()) + ")";
        if (const auto absent = missing(step.scope.tensors, weights); !absent.empty())
            return fail(ErrorCode::InvalidArgument,
                context + " scope: tensors " + listed(absent) + " are not weights of the model");
        // Patterns beside explicit tensors may well select nothing more ("these tensors and nothing else").
        for (const auto& pattern : step.scope.tensors.empty() ? step.scope.include : std::vector<std::string> {}) {
            const std::regex compiled(pattern, std::regex::ECMAScript); // validateRecipe compiled it already
            const auto matches = [&](const std::unordered_set<std::string>& names) {
                return std::ranges::any_of(
                    names, [&](const std::string& name) { return std::regex_search(name, compiled); });
            };
            if (!matches(weights) && !matches(nodes))
                return fail(ErrorCode::InvalidArgument,
                    context + " scope: include pattern '" + pattern + "' matches no weight or node name of the model");
        }
        const std::vector<std::string>* keep = nullptr;
        if (const auto* fp16 = step.params.as<QuantizeFp16Step>())
            keep = &fp16->keep;
        else if (const auto* bf16 = step.params.as<QuantizeBf16Step>())
            keep = &bf16->keep;
        if (keep)
            if (const auto absent = missing(*keep, weights); !absent.empty())
                return fail(ErrorCode::InvalidArgument,
                    context + ": keep names " + listed(absent) + ", which are not weights of the model");
        if (const auto* statics = step.params.as<QuantizeInt8StaticStep>())
            if (const auto absent = missing(statics->excludeNodes, nodes); !absent.empty())
                return fail(ErrorCode::InvalidArgument,
                    context + ": exclude_nodes names " + listed(absent) + ", which are not nodes of the model");
    }
    return {};
}

} // namespace slimscope::core::slim
