#pragma once

// Helpers the slimming steps share (float codecs, initializer edits). Internal to core/slim.

#include "finitefloat.h"
#include "floatview.h"
#include "graphindex.h"
#include "model/weighttrace.h"
#include "stepregistry.h"
#include "support/progress.h"
#include "workingmodel.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace slimscope::core::slim {

FloatValues viewFloats(const model::TensorBytes& bytes, std::int32_t dataType);
/// A source's values as float32: read in place when the source can be (original float32 bytes, a deferred
/// prune), decoded otherwise.
Result<FloatValues> readFloatValues(const TensorSource& source, std::int32_t dataType);
/// A working-model tensor's values as a float32 copy, whatever step produced them (for the steps that edit
/// small tensors or cut and rebuild them); an error names the tensor when it has no values.
Result<std::vector<float>> floatCopy(const WorkingModel& model, const onnx::TensorProto& tensor);

/// A step value written as a share: "0.3" or "30%" (CLI and step specs); nullopt for anything else.
std::optional<double> parseShare(std::string_view text);

/// Round to nearest even for |value| < 2^22, without a libm call (the values quantized here are within ±256).
inline float roundSmall(float value)
{
    constexpr float magic = 12582912.0f; // 1.5 * 2^23
    const float shifted = value + magic; // without -ffast-math the compiler may not fold (x + c) - c
    return shifted - magic;
}

/// Decodes a float tensor (float32/float16/bfloat16/float64) to float32 values.
std::vector<float> decodeFloats(const model::TensorBytes& bytes, std::int32_t dataType);
/// Encodes float32 values in the given float type (round to nearest even for the narrow ones).
std::vector<std::byte> encodeFloats(const std::vector<float>& values, std::int32_t dataType);
/// float32 -> float16 for a whole array (F16C when the CPU has it), same results as model::floatToHalf.
void floatsToHalf(std::span<const float> in, std::byte* out);

/// The weight tracer over the working model's graphs, reading constant shapes and axes through the model's
/// sources (its skeleton holds no payloads).
model::WeightTracer weightTracer(const WorkingModel& model, const GraphIndex& index);

/// Removes graph.initializer entries for which `remove` is true, forgetting their sources first.
void eraseInitializers(
    WorkingModel& model, onnx::GraphProto& graph, const std::function<bool(const onnx::TensorProto&)>& remove);
/// float32 values as raw_data bytes.
std::vector<std::byte> floatBytes(std::span<const float> values);
/// A new initializer of the graph holding `bytes` (raw_data layout), listed as an input when the IR version
/// requires it.
onnx::TensorProto& addInitializer(WorkingModel& model, onnx::GraphProto& graph, const std::string& name,
    std::int32_t dataType, const std::vector<std::int64_t>& dims, std::vector<std::byte> bytes);
/// IR versions before 4 require every initializer to be listed as a graph input: list a new one there too.
void listAsInputIfRequired(const WorkingModel& model, onnx::GraphProto& graph, const onnx::TensorProto& tensor);

/// A new node of the default domain reading `inputs` and writing `output`, named uniquely after `label`.
onnx::NodeProto newNode(GraphIndex& index, std::string_view op, std::vector<std::string> inputs,
    const std::string& output, const std::string& label);

/// Renames every use of `from` to `to` in the graph and its subgraphs.
void renameUses(onnx::GraphProto& graph, const std::string& from, const std::string& to);

} // namespace slimscope::core::slim
