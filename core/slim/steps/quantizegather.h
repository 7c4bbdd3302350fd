#pragma once

#include "quantize.h"
#include "slim/stepregistry.h"

#include <cstddef>
#include <cstdint>

namespace slimscope::core::slim {

/// quantize:int4's embedding tables: float32 [rows, columns] weights read only by Gather on axis 0, with columns a
/// multiple of the block size, become GatherBlockQuantized inputs (symmetric 4-bit blocks). Adds each to `outcome`
/// and its bytes to `before`/`after`; returns how many tables it converted.
Result<std::size_t> quantizeEmbeddings(const QuantizeInt4Step& step, const Scope& scope, StepContext& context,
    StepOutcome& outcome, std::uint64_t& before, std::uint64_t& after);

} // namespace slimscope::core::slim
