#pragma once

// Finding -> fix: the one place that knows which recipe step repairs which kind of finding (the GUI's
// "Apply fix", and the CLI's to come).

#include "analysis/analysis.h"
#include "recipe.h"

#include <optional>
#include <string_view>

namespace slimscope::core::slim {

/// Whether Slimscope can fix findings of this kind by a recipe step.
bool hasFix(analysis::FindingKind kind);

/// `recipe` with the step that fixes `finding`: a cleanup step at the front for duplicate, unused, dead and
/// initializer-as-input findings (none added when the recipe already has one); sparse storage or quantization
/// limited to the finding's tensors for dense_zeros and float64_weights. nullopt when there is no fix.
std::optional<Recipe> withFix(const Recipe& recipe, const analysis::Finding& finding);

} // namespace slimscope::core::slim
