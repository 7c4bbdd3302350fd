#pragma once

// The graph side of quantize:int8-static: which values get a QuantizeLinear → DequantizeLinear pair, which weights
// and biases become integers, which values must share one scale; then the edit that puts the pairs in. Internal to
// the step (steps/quantizestatic.cpp), which calibrates the ranges in between.

#include "slim/graphindex.h"
#include "slim/workingmodel.h"

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace slimscope::core::slim::staticquant {

/// A Conv or Gemm whose float bias becomes int32 (scale = input scale × weight scale per channel), so that ONNX
/// Runtime's fusion takes the bias into QLinearConv / QGemm.
struct BiasUse {
    onnx::NodeProto* node = nullptr;
    std::string input; ///< the activation the node reads (its scale is one factor)
    std::string weight; ///< the weight's value name (after weight quantization, a DequantizeLinear's output)
    std::string bias;
};

struct Plan {
    /// Float values produced by nodes or fed as graph inputs that get a Q → DQ pair, in graph order.
    std::vector<std::string> activations;
    /// Float constants read as data by quantized ops (an Add's bias, a Mul's scale): quantized like activations,
    /// with their range taken from their values.
    std::vector<std::string> constants;
    /// Weights read by Conv, MatMul and Gemm: int8 symmetric per output channel.
    std::vector<std::string> weights;
    std::vector<BiasUse> biases;
    /// Values that must share one scale and zero point: the input and output of ops that only move values (a
    /// Reshape, a MaxPool: ONNX Runtime then drops their pair and runs them on the integers), all inputs and the
    /// output of a Concat (so QLinearConcat only copies). Each group lists its members.
    std::vector<std::vector<std::string>> sharedScales;
    std::map<std::string, int> quantizedOps; ///< op type → nodes that run on integers
    std::map<std::string, int> floatOps; ///< op type → nodes between pairs that stay float (no integer kernel)
    std::vector<std::string> excluded; ///< nodes left in float by name or op type
    /// The first output of each excluded node: those nodes read the float values, never a dequantized copy.
    std::set<std::string> excludedOutputs;
};

struct PlanOptions {
    std::vector<std::string> excludeNodes;
    std::vector<std::string> excludeOps;
};

/// Plans the main graph of `model`. `isFloat` tells whether a value is float32 (from shape inference).
Plan planStatic(WorkingModel& model, GraphIndex& index, const PlanOptions& options,
    const std::function<bool(const std::string&)>& isFloat);

/// The stored constant (initializer or Constant value of the main graph) that `value` is, directly or through
/// Identity nodes (exporters alias equal biases that way); empty when it is computed.
std::string storedConstant(const GraphIndex& index, const std::string& value);

/// uint8 asymmetric parameters for a range (made to include 0, as QuantizeLinear's zero point must be exact).
struct UintParams {
    float scale = 1.0f;
    std::uint8_t zeroPoint = 0;
};
UintParams uintParamsOf(float low, float high);

/// Puts a QuantizeLinear → DequantizeLinear pair on every activation and constant that has parameters (those
/// without, for instance values calibration found no range for, stay float). Consumers, in every graph, read the
/// DequantizeLinear; graph outputs keep their float value. Returns how many values got a pair.
std::size_t insertPairs(
    WorkingModel& model, GraphIndex& index, const Plan& plan, const std::map<std::string, UintParams>& params);

} // namespace slimscope::core::slim::staticquant
