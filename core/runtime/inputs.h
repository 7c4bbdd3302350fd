#pragma once

#include "runtime/session.h"
#include "support/error.h"

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace slimscope::core::runtime {

/// Seed of the random inputs unless the caller picks another.
inline constexpr std::uint64_t kDefaultInputSeed = 12345;

/// The shape an input gets: fixed dimensions as the model says, symbolic ones from `dims` by their name
/// (e.g. {"batch", 4}), else 1. An error names the input when a dimension would be negative.
Result<std::vector<std::int64_t>> concreteShape(
    const TensorInfo& input, const std::map<std::string, std::int64_t>& dims);

/// Seeded random tensors for every input, in order. The generator is ../shared/tools/ort_compare.mjs's
/// (seed = (seed * 1103515245 + 12345) mod 2^31, value = seed / 2^31), restarted from `seed` and continued
/// across inputs: float16/float/double/bfloat16 uniform in [-1, 1); integers 0 or 1 (small and non-negative,
/// so valid as indices, masks and counts); bool false/true. Other types (strings, ...) give Unsupported.
Result<std::vector<HostTensor>> randomInputs(const std::vector<TensorInfo>& inputs,
    std::uint64_t seed = kDefaultInputSeed, const std::map<std::string, std::int64_t>& dims = {});

/// Tensors for every input read from `folder`: `<input name>.npy` or `<input name>.pb` (one of them; .npy wins
/// when both exist), else `input_<i>.pb` by the input's position (ONNX's backend test data). Each must match the
/// input's element type exactly and its fixed dimensions; symbolic dimensions take the file's size. Errors name the
/// file (or the missing one) and the reason.
Result<std::vector<HostTensor>> loadInputs(const std::vector<TensorInfo>& inputs, const std::filesystem::path& folder);

/// A numpy .npy file (format 1.0, 2.0 or 3.0; little-endian or single-byte dtype; C order) with dtype
/// f2 f4 f8 i1 i2 i4 i8 u1 u2 u4 u8 b1. The tensor's name is left empty.
Result<HostTensor> readNpy(const std::filesystem::path& file);

/// A serialized onnx.TensorProto: values in raw_data or the typed field (float_data, int32_data, ...);
/// external data is not supported. The tensor's name is the proto's.
Result<HostTensor> readTensorProto(const std::filesystem::path& file);

} // namespace slimscope::core::runtime
