#pragma once

// The float values a slimmed model's consumers read in place of an original weight, whatever form the steps left
// it in: int8 dequantized, float16/bfloat16 widened, sparse densified, int4 blocks decoded, low-rank factors
// multiplied. Sensitivity feeds them to the original model one layer at a time.

#include "slimmer.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace slimscope::core::slim {

/// The values of original weight `name` (same shape and element order as the original tensor) as `result`'s
/// consumers read them; nullopt when the weight is gone or changed shape (prune_channels), or stored in a form not
/// rebuilt here.
std::optional<std::vector<float>> effectiveWeight(
    SlimResult& result, const model::ModelFile& original, const std::string& name);

} // namespace slimscope::core::slim
