#include "weightroles.h"

namespace slimscope::core::model {

bool isBiasOrNormUse(std::string_view opType, int inputIndex)
{
    if ((opType == "Conv" || opType == "Gemm" || opType == "ConvTranspose") && inputIndex == 2)
        return true;
    if ((opType == "LSTM" || opType == "GRU" || opType == "RNN") && inputIndex == 3)
        return true; // B: the recurrent layers' biases
    // Mul takes elementwise scales (LayerScale gammas, the scales of int8 values stored for old opsets): they
    // stay out of the default scope like normalisation parameters.
    return opType == "BatchNormalization" || opType == "LayerNormalization" || opType == "InstanceNormalization"
        || opType == "GroupNormalization" || opType == "SimplifiedLayerNormalization" || opType == "Mul";
}

} // namespace slimscope::core::model
