#pragma once

// What a preview says when a recipe saves nothing: why (pruning zeroes weights that dense storage still keeps) and
// what would (sparse storage past its break-even, channel pruning), and the non-zero weights beside the dense count
// so that a prune visibly does something.

#include "recipe.h"
#include "slimmer.h"

#include <cstdint>
#include <optional>
#include <string>

namespace slimscope::core::slim {

/// Share of zeros past which sparse storage (COO: each value plus an 8-byte int64 index) is smaller than dense
/// storage of `bytesPerValue`-byte values: 8 / (bytesPerValue + 8), two thirds for float32.
double sparseBreakEven(std::uint64_t bytesPerValue);

struct NonZeroWeights {
    std::uint64_t before = 0;
    std::uint64_t after = 0;
};
/// Non-zero weights over the preview's rows, before and after (removed channels and tensors count as gone).
NonZeroWeights nonZeroWeights(const Preview& preview);

/// Empty when the recipe saves more than 0.5 % of the file; else a sentence that says why it saves (almost) nothing
/// and what would.
std::optional<std::string> noSavingsHint(const Recipe& recipe, const Preview& preview);

} // namespace slimscope::core::slim
