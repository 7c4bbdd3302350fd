#pragma once

// What a weight is for, as the default slimming scope sees it. The one home of the bias/normalisation rule:
// the slimmer's scope and the analysis (and through it the GUI) both ask here.

#include <string_view>

namespace slimscope::core::model {

/// True when reading a tensor as input `inputIndex` of an `opType` node makes it a bias or a normalisation
/// parameter: input 2 of Conv, ConvTranspose or Gemm, input 3 (B) of LSTM, GRU or RNN, any input of a
/// normalisation op, or of Mul (elementwise scales).
bool isBiasOrNormUse(std::string_view opType, int inputIndex);

/// Tensors of rank 0 or 1 are biases, scales or shifts whatever reads them.
inline bool isBiasOrNormRank(int rank)
{
    return rank <= 1;
}

} // namespace slimscope::core::model
