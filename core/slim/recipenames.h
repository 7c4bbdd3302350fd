#pragma once

// A recipe that names what the model does not have is an error, not a silent no-op: a typo in a tensor's name, a
// pattern that matches nothing, a node left out of int8-static that is not there would otherwise leave the model
// unchanged while the user believes otherwise.

#include "model/modelfile.h"
#include "recipe.h"
#include "support/error.h"

namespace slimscope::core::slim {

/// Checks every name a recipe's steps give against the model: scope tensors (weights of any graph), include
/// patterns (each must match a weight's or a node's name, unless explicit tensors are given too), fp16/bf16 `keep`
/// (weights) and int8-static's node exclusions (nodes). The error says which step, which key and which names.
Result<void> checkRecipeNames(const model::ModelFile& file, const Recipe& recipe);

} // namespace slimscope::core::slim
