#pragma once

// The quantize formats; each is a step type of its own (recipe kind "quantize", "type" = the format).

#include "slim/stepparams.h"

#include <cstdint>
#include <string_view>

namespace slimscope::core::slim {

class StepType;

/// quantize:int8: weight-only INT8 through DequantizeLinear, per channel or per tensor, symmetric (int8, zero
/// point 0) or asymmetric (uint8).
struct QuantizeInt8Step {
    static constexpr std::string_view kName = "quantize:int8";
    bool perChannel = true;
    bool symmetric = true;
    bool operator==(const QuantizeInt8Step&) const = default;
};

/// quantize:fp16: float16 storage with a Cast back to float32 where the consumers read it.
struct QuantizeFp16Step {
    static constexpr std::string_view kName = "quantize:fp16";
    bool operator==(const QuantizeFp16Step&) const = default;
};

/// quantize:int4: MatMul and Gemm weights block-wise in 4 bits for ONNX Runtime's com.microsoft MatMulNBits
/// (packed nibbles, one float scale per block of `blockSize` along K, zero points when asymmetric); the other
/// weights in scope get int8 per channel (`othersInt8`), since MatMulNBits reads only MatMul weights.
struct QuantizeInt4Step {
    static constexpr std::string_view kName = "quantize:int4";
    std::int64_t blockSize = 32; ///< a power of two from 16 to 256
    bool symmetric = true; ///< codes around an implicit zero point of 8; else a zero point per block
    std::int64_t accuracyLevel = 0; ///< MatMulNBits accuracy_level: 0 as the model's type, 4 int8 compute
    bool othersInt8 = true;
    bool operator==(const QuantizeInt4Step&) const = default;
};

const StepType& quantizeInt8StepType();
const StepType& quantizeInt4StepType();
const StepType& quantizeFp16StepType();

} // namespace slimscope::core::slim
