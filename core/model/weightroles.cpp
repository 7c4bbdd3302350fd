#include "weightroles.h"

namespace slimscope::core::model {

bool isBiasOrNormUse(std::string_view opType, int inputIndex)
{
    if ((opType == "Conv" || opType == "Gemm" || opType == "ConvTranspose") && inputIndex == 2)
        return true;
    if ((opType == "LSTM" || opType == "GRU" || opType == "RNN") && inputIndex == 3)
        return true; // B: the recurrent layers' biases
    return opType == "BatchNormalization" || opType == "LayerNormalization" || opType == "InstanceNormalization"
        || opType == "GroupNormalization" || opType == "SimplifiedLayerNormalization";
}

} // namespace slimscope::core::model
