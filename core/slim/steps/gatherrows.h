#pragma once

// Embedding tables as int8 rows for quantize:int8-static: a float32 table [rows, columns] read only by Gather on
// axis 0 is stored as int8 codes [rows, columns] with one float scale per row [rows, 1] (symmetric, the row's largest
// magnitude to ±127), and each Gather becomes Gather of the codes, Gather of the scales, Cast and Mul: only the rows
// an inference reads are dequantized (a DequantizeLinear before the Gather would dequantize the whole table on every
// run: BERT-base's 94 MB of word embeddings).

#include "slim/stepregistry.h"

#include <cstddef>
#include <cstdint>

namespace slimscope::core::slim {

/// Converts every qualifying table of at least `minElements` elements; adds each to `outcome` (tensors, errors,
/// storedAs) and returns how many it converted.
Result<std::size_t> quantizeGatheredRows(StepContext& context, std::uint64_t minElements, StepOutcome& outcome);

} // namespace slimscope::core::slim
