#pragma once

// How a weight is stored after slimming, and the form a step gives a weight it re-expresses under other names
// (shared by the steps' outcome and the preview).

#include "model/datatype.h"

#include <string>
#include <string_view>
#include <vector>

namespace slimscope::core::slim {

/// How a weight is stored after slimming.
enum class StorageAfter {
    Initializer,
    SparseInitializer,
    Constant,
    SparseConstant,
    Quantized,
    Float16,
    LowRank,
    Blockwise4Bit,
    Removed
};
/// "initializer", "sparse_initializer", "constant", "sparse_constant", "quantized", "float16", "low_rank",
/// "int4_blocks", "removed".
std::string_view storageAfterName(StorageAfter storage);

/// A weight a step stores under other names: low_rank's two factors; int4's packed codes, scales and zero points
/// read by MatMulNBits. The preview counts the parts' bytes as the weight's "after".
struct StoredAs {
    std::vector<std::string> parts;
    StorageAfter storage = StorageAfter::LowRank;
    model::DataType dtype = model::DataType::Float; ///< what a row shows as the dtype after
};

} // namespace slimscope::core::slim
