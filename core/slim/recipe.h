#pragma once

#include "stepparams.h"
#include "support/error.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace slimscope::core {
class JsonWriter;
}

namespace slimscope::core::slim {

inline constexpr std::string_view kRecipeSchema = "slimscope.recipe/1";

/// Which weight tensors a step touches. A tensor is in scope when it is a float initializer of at least
/// `minElements` elements, not a bias or normalisation parameter (unless `skipBiasAndNorm` is false), some
/// `include` pattern matches its name or a consumer's name (or `include` is empty), no `exclude` pattern
/// matches, and a consumer's op type is in `opTypes` (or `opTypes` is empty) and none in `excludeOpTypes`.
/// Patterns are ECMAScript regular expressions searched anywhere in the name.
struct Scope {
    std::vector<std::string> include;
    std::vector<std::string> exclude;
    std::vector<std::string> opTypes;
    std::vector<std::string> excludeOpTypes;
    std::uint64_t minElements = 1024;
    bool skipBiasAndNorm = true;
    std::vector<std::string> tensors; ///< explicit tensor names (ticked in the GUI); in scope regardless of patterns
    bool onlyTensors = false; ///< only `tensors` are in scope (a finding's fix, "Limit to ticked layers")

    bool operator==(const Scope&) const = default;
};

struct Step {
    StepParams params;
    Scope scope;
    bool enabled = true;
    bool operator==(const Step&) const = default;
};

/// An ordered list of slimming steps; the same recipe drives the GUI and the CLI.
struct Recipe {
    std::vector<Step> steps;
    bool operator==(const Recipe&) const = default;
};

/// A one-line description from the step's type: "prune 50.0 % (per layer)", "quantize int8 per-channel
/// symmetric"; for parameters of no registered type, a text that says so.
std::string describeStep(const Step& step);

/// Parses a recipe (schema slimscope.recipe/1). Unknown kinds, unknown keys, wrong types and out-of-range values
/// are errors that name the step and the key. Each step's keys are read by its registered type.
Result<Recipe> parseRecipe(std::string_view json);

/// Writes the recipe as a JSON object into a larger document (reports embed the recipe they applied).
void writeRecipe(JsonWriter& json, const Recipe& recipe);

/// Reads and parses a recipe file; errors start with the file's path.
Result<Recipe> loadRecipeFile(const std::string& path);

/// The recipe as JSON, every field written (so a saved recipe documents its defaults). The recipe must be valid
/// (validateRecipe): a step of no registered type is a programming error (std::logic_error).
std::string recipeToJson(const Recipe& recipe);

/// Checks every step is of a registered type, patterns compile and values are in range (parseRecipe does this
/// too).
Result<void> validateRecipe(const Recipe& recipe);

} // namespace slimscope::core::slim
