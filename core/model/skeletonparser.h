#pragma once

#include "support/error.h"

#include <onnx/onnx_pb.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <unordered_map>

namespace slimscope::core::model {

/// Where a tensor's raw_data lies in the model file.
struct ByteRange {
    std::uint64_t offset = 0;
    std::uint64_t size = 0;
};

/// A ModelProto without its large raw_data payloads, plus where each payload lies in the file.
struct Skeleton {
    std::unique_ptr<onnx::ModelProto> model;
    /// Every TensorProto (initializers, sparse values/indices, Constant and attribute tensors in every graph)
    /// that had raw_data, keyed by its address inside `model`.
    std::unordered_map<const onnx::TensorProto*, ByteRange> rawData;
};

struct SkeletonOptions {
    /// raw_data up to this size stays in the skeleton too: shape inference reads small tensors (Reshape
    /// shapes, Tile repeats) and they cost next to nothing.
    std::uint64_t keepRawDataUpTo = 4096;
    /// Graphs nested deeper than this (If inside Loop inside ...) are rejected, so hostile files cannot
    /// exhaust the stack.
    int maxGraphDepth = 64;
};

/// Parses an ONNX model from `file` (normally a memory mapping) by walking the protobuf wire format itself
/// down to each TensorProto, so that weight bytes are not copied: protobuf would copy every raw_data into a
/// std::string, doubling the memory of a large model. Everything else is parsed by protobuf.
Result<Skeleton> parseSkeleton(std::span<const std::byte> file, const SkeletonOptions& options = {});

} // namespace slimscope::core::model
