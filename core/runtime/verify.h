#pragma once

#include "model/datatype.h"
#include "runtime/inputs.h"
#include "runtime/inputset.h"
#include "runtime/session.h"
#include "support/error.h"
#include "support/progress.h"

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace slimscope::core::runtime {

/// SQNR reported when the outputs are equal (the true value, +infinity, does not fit JSON or a table), and its
/// negative when the reference is all zeros but the output is not. float32 rounding noise is about 150 dB.
inline constexpr double kSqnrCapDb = 200.0;

struct VerifyOptions {
    unsigned threads = 0; ///< ONNX Runtime intra-op threads per session (0: one per core)
    int runs = 10; ///< timed runs per model, after one warm-up run; at least 1
    /// The samples both models get (runtime/inputset.h): files, or seeded random values. Outputs are compared
    /// over all samples at once (one cosine over their concatenation); timed runs go through them in turn.
    InputSetSpec inputs;
};

/// One output of the original model against the same-named output of the slimmed one, both read as double.
struct OutputComparison {
    std::string name;
    model::DataType dtype = model::DataType::Undefined; ///< the original's
    std::vector<std::int64_t> shape;
    double maxAbs = 0; ///< max |ref - out| over positions where both are finite
    double meanAbs = 0;
    double cosine = 1; ///< 1 when both are all zeros, 0 when only one is
    double sqnrDb = kSqnrCapDb; ///< 10·log10(Σref² / Σ(ref−out)²), clamped to ±kSqnrCapDb
    bool identical = false; ///< every value equal (NaN counts as equal to NaN)
    std::uint64_t nonFiniteMismatches = 0; ///< positions where NaN/infinity appear in one output but not the other
    std::optional<double> top1Agreement; ///< rank >= 2, last dim >= 2: share of rows whose argmax agrees
};

struct Verification {
    std::filesystem::path original;
    std::filesystem::path slimmed;
    std::vector<TensorInfo> inputs; ///< what was fed (the first sample): names, element types, concrete shapes
    int samples = 1; ///< how many samples were fed
    std::vector<OutputComparison> outputs; ///< in the original's output order
    double originalLatencyMs = 0; ///< median of `runs` runs
    double slimmedLatencyMs = 0;
    int runs = 0;
    unsigned threads = 0; ///< intra-op threads per session as asked (0: ONNX Runtime's default, one per core)
    std::string inputSource; ///< "random (1 sample, seed 12345)" or "files in DIR"
    std::string runtimeVersion; ///< of the ONNX Runtime library used
    Diagnostics diagnostics; ///< outputs that could not be compared, inputs converted or ignored
};

/// The outputs of every sample joined per output: along the first axis when the samples agree on the others (so
/// rows, and top-1 agreement, stay rows), else flattened. One sample's outputs are returned as they are.
std::vector<HostTensor> joinSamples(std::vector<std::vector<HostTensor>> perSample);

/// Floors on the outputs' fidelity (verify --min-cosine / --min-top1, the Slim panel's spin boxes).
struct FidelityThresholds {
    double minCosine = 0.99;
    double minTop1Agreement = 0.99;
};

/// How far above the cosine floor an output must be for a plain pass; closer is a warning.
inline constexpr double kVerdictWarnMargin = 0.005;

/// fail: an output is below a floor (or NaN/infinity appear in one model only); warn: every output holds the floors
/// but one is within kVerdictWarnMargin of the cosine floor; pass otherwise (identical outputs always pass).
enum class Verdict { Pass, Warn, Fail };
std::string_view verdictName(Verdict verdict); ///< "pass", "warn", "fail"
std::string_view verdictTitle(Verdict verdict); ///< "PASS", "WARN", "FAIL" (headings, tables)
Verdict outputVerdict(const OutputComparison& output, const FidelityThresholds& thresholds);
/// The worst verdict over the outputs; fail when there is no output to compare.
Verdict verdictOf(const Verification& verification, const FidelityThresholds& thresholds);

/// Compares `candidate` against `reference` (same shape required; any numeric element types). Needs no
/// ONNX Runtime.
Result<OutputComparison> compareOutputs(const HostTensor& reference, const HostTensor& candidate);

/// Loads both models into ONNX Runtime, feeds them the same inputs, compares every output by name and measures
/// latency (runs alternate between the models, so a machine that slows down hurts both alike).
/// Without ONNX Runtime at build time: Error{Unsupported, "built without ONNX Runtime"}.
Result<Verification> verify(const std::filesystem::path& original, const std::filesystem::path& slimmed,
    const VerifyOptions& options, const Progress& progress = {}, const CancelToken* cancel = nullptr);

} // namespace slimscope::core::runtime
