#pragma once

// The quantize formats; each is a step type of its own (recipe kind "quantize", "type" = the format).

#include "slim/stepparams.h"

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

const StepType& quantizeInt8StepType();
const StepType& quantizeFp16StepType();

} // namespace slimscope::core::slim
