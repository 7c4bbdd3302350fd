#pragma once

// The one reader of input samples, shared by verify, static INT8 calibration and (to come) sensitivity and plan:
// `--inputs DIR|random:N`. A folder holds one sample (`<input name>.npy|.pb`) or several, in sub-folders
// `test_data_set_<k>/` as ONNX's backend test data lays them out (`input_<i>.pb` by input index, or
// `<input name>.npy|.pb`).

#include "runtime/inputs.h"
#include "runtime/session.h"
#include "support/error.h"

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace slimscope::core::runtime {

/// Largest number of random samples an input set may ask for.
inline constexpr int kMaxRandomSamples = 100000;

/// Where samples come from: files in `folder`, or `randomSamples` seeded random samples when it is empty.
struct InputSetSpec {
    std::filesystem::path folder;
    int randomSamples = 1;
    std::uint64_t seed = kDefaultInputSeed; ///< sample k of a random set uses seed + k
    std::map<std::string, std::int64_t> dims; ///< sizes of symbolic dimensions by name (random samples); others 1

    bool isRandom() const { return folder.empty(); }
    /// "random (8 samples, seed 12345)", "files in DIR".
    std::string describe() const;
    /// The spec as the command line takes it: "random:8" or the folder.
    std::string toText() const;
    bool operator==(const InputSetSpec&) const = default;
};

/// One sample: a tensor for every input of the model, in the model's input order.
using InputSample = std::vector<HostTensor>;

/// "random", "random:N" (1 <= N <= kMaxRandomSamples) or a folder path; seed and dims stay at their defaults.
/// An error says what was wrong ("random:0", "random:x").
Result<InputSetSpec> parseInputSetSpec(std::string_view text);

/// Parses "NAME=VALUE" (a symbolic dimension's size, --dim); an error quotes the text.
Result<std::pair<std::string, std::int64_t>> parseDimAssignment(std::string_view text);

/// The sub-folders `test_data_set_<k>` of `folder`, ordered by k; empty when there are none.
std::vector<std::filesystem::path> testDataSets(const std::filesystem::path& folder);

/// Reads or makes every sample of the set for `inputs`. A folder's files must match the inputs' element types
/// and fixed dimensions; every error names the file (or the missing one) and the reason.
Result<std::vector<InputSample>> loadInputSet(const std::vector<TensorInfo>& inputs, const InputSetSpec& spec);

} // namespace slimscope::core::runtime
