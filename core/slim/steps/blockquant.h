#pragma once

// 4-bit block quantization shared by the formats ONNX Runtime reads it in: MatMulNBits (steps/quantizematmul.cpp)
// and GatherBlockQuantized (steps/quantizegather.cpp). Internal to core/slim/steps.

#include "slim/floatview.h"

#include <onnx/onnx_pb.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace slimscope::core::slim::blockquant {

/// A weight read by MatMulNBits: packed codes [N, blocks, blockSize / 2], scales [N · blocks], zero points
/// [N · ⌈blocks / 2⌉] (empty when symmetric); or by DynamicQuantizeMatMul: int8 codes [K, N], scales [N]. With
/// the error of the dequantized values.
struct PackedWeight {
    std::vector<std::byte> codes;
    std::vector<float> scales;
    std::vector<std::byte> zeroPoints;
    double signal = 0, noise = 0, maxAbs = 0;
};

/// 4-bit codes (low nibble first) in blocks of `blockSize` along K, for each of N rows. `values` is the weight as
/// stored: [K, N] (transposed = false, MatMul) or [N, K] (Gemm with transB; an embedding table [rows, columns]).
PackedWeight quantizeBlocks(
    const FloatView& values, std::int64_t k, std::int64_t n, bool transposed, std::int64_t blockSize, bool symmetric);

onnx::AttributeProto intAttr(const std::string& name, std::int64_t value);
/// Imports com.microsoft version 1 unless the model already does.
void importContribDomain(onnx::ModelProto& proto);

} // namespace slimscope::core::slim::blockquant
