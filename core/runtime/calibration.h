#pragma once

// Activation ranges for static quantization: a model (with the tensors of interest made graph outputs) is run on
// every sample of an input set in ONNX Runtime, and each tensor's range is taken by min-max or by percentile.

#include "runtime/inputset.h"
#include "support/error.h"
#include "support/progress.h"

#include <map>
#include <string>
#include <vector>

namespace slimscope::core::runtime {

enum class RangeMethod { MinMax, Percentile };

struct CalibrationOptions {
    InputSetSpec inputs;
    RangeMethod method = RangeMethod::Percentile;
    /// For RangeMethod::Percentile: the share of values kept inside the range, in percent; (100 − percentile) %
    /// of the values is clipped from each tail.
    double percentile = 99.99;
    unsigned threads = 0; ///< ONNX Runtime intra-op threads
};

/// A float tensor's range over every sample (min <= max; both 0 when the tensor never had a finite value).
struct ActivationRange {
    float min = 0.0f;
    float max = 0.0f;
};

struct Calibration {
    std::map<std::string, ActivationRange> ranges; ///< by tensor name, for every float32 tensor asked for
    int samples = 0;
    std::string inputSource; ///< InputSetSpec::describe()
};

/// Runs `modelBytes` (a serialized model whose graph outputs include `tensors`) on every sample and returns the
/// range of each of `tensors` that is float32. The percentile method runs the samples twice: once for the
/// extremes, once for a histogram of 4096 bins between them. `label` names the model in errors.
Result<Calibration> calibrateRanges(const std::string& modelBytes, const std::string& label,
    const std::vector<std::string>& tensors, const CalibrationOptions& options, const Progress& progress = {},
    const CancelToken* cancel = nullptr);

} // namespace slimscope::core::runtime
