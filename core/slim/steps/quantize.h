#pragma once

// The quantize formats; each is a step type of its own (recipe kind "quantize", "type" = the format).

#include "slim/stepparams.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

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

/// quantize:fp16: float16 storage with a Cast back to float32 where the consumers read it. Values beyond ±65504
/// saturate (the preview counts them); tensors in `keep` stay float32.
struct QuantizeFp16Step {
    static constexpr std::string_view kName = "quantize:fp16";
    std::vector<std::string> keep;
    bool operator==(const QuantizeFp16Step&) const = default;
};

/// quantize:bf16: bfloat16 storage (float32's exponent, 8 bits of mantissa) with a Cast back to float32; a Cast
/// from bfloat16 needs opset 13 (older models are upgraded with ONNX's version converter).
struct QuantizeBf16Step {
    static constexpr std::string_view kName = "quantize:bf16";
    std::vector<std::string> keep;
    bool operator==(const QuantizeBf16Step&) const = default;
};

/// quantize:int4: MatMul and Gemm weights block-wise in 4 bits for ONNX Runtime's com.microsoft MatMulNBits
/// (packed nibbles, one float scale per block of `blockSize` along K, zero points when asymmetric); embedding
/// tables read by Gather for GatherBlockQuantized; the other weights in scope get int8 per channel (`othersInt8`).
struct QuantizeInt4Step {
    static constexpr std::string_view kName = "quantize:int4";
    std::int64_t blockSize = 32; ///< a power of two from 16 to 256
    bool symmetric = true; ///< codes around an implicit zero point of 8; else a zero point per block
    std::int64_t accuracyLevel = 0; ///< MatMulNBits accuracy_level: 0 as the model's type, 4 int8 compute
    bool othersInt8 = true;
    bool operator==(const QuantizeInt4Step&) const = default;
};

/// quantize:int8-dynamic: MatMul/Gemm weights int8 per output column read by ONNX Runtime's com.microsoft
/// DynamicQuantizeMatMul (activations quantized per batch at run time, integer products).
struct QuantizeInt8DynamicStep {
    static constexpr std::string_view kName = "quantize:int8-dynamic";
    bool operator==(const QuantizeInt8DynamicStep&) const = default;
};

/// quantize:int8-static: activations and weights in INT8 (QDQ: uint8 asymmetric activations with ranges calibrated
/// in ONNX Runtime, int8 symmetric weights per output channel, int32 biases), laid out so that ONNX Runtime fuses
/// Conv, MatMul, Gemm, Add, Mul, Concat and the pools into their integer kernels (QLinearConv, QLinearMatMul, ...).
struct QuantizeInt8StaticStep {
    static constexpr std::string_view kName = "quantize:int8-static";
    std::string inputs = "random:8"; ///< calibration samples: a folder or random:N (runtime/inputset.h)
    std::uint64_t seed = 12345; ///< of random samples
    std::vector<std::string> dims; ///< "NAME=VALUE" sizes of symbolic dimensions for random samples
    std::string method = "percentile"; ///< "minmax" or "percentile"
    double percentile = 99.99; ///< share of values kept in range, in percent
    std::vector<std::string> excludeNodes; ///< node names left in float
    std::vector<std::string> excludeOps; ///< op types left in float
    bool operator==(const QuantizeInt8StaticStep&) const = default;
};

const StepType& quantizeInt8StepType();
const StepType& quantizeInt8StaticStepType();
const StepType& quantizeInt8DynamicStepType();
const StepType& quantizeInt4StepType();
const StepType& quantizeFp16StepType();
const StepType& quantizeBf16StepType();

} // namespace slimscope::core::slim
