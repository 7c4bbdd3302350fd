#pragma once

// Sensitivity: which layers break the outputs when one step is applied to them alone. Weight-level error (SQNR)
// does not say it; only running the model does. One ONNX Runtime session serves the whole sweep: the weights of
// every layer are made overridable inputs of the original model, and for each layer the values its consumers would
// read after the step (slim/effectiveweights.h) are fed in their place.

#include "analysis/analysis.h"
#include "runtime/inputset.h"
#include "slim/stepparams.h"
#include "support/error.h"
#include "support/progress.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace slimscope::core::plan {

inline constexpr std::string_view kSensitivitySchema = "slimscope.sensitivity/1";

struct SensitivityOptions {
    runtime::InputSetSpec inputs = [] {
        runtime::InputSetSpec spec;
        spec.randomSamples = 8;
        return spec;
    }();
    unsigned threads = 0; ///< ONNX Runtime intra-op threads
};

/// One layer with the step applied to its weights alone, against the original model on the same samples.
struct LayerSensitivity {
    std::string node;
    std::string opType;
    std::vector<std::string> tensors; ///< the layer's weights the step changed
    std::uint64_t bytesBefore = 0;
    std::uint64_t bytesAfter = 0;
    double cosine = 1.0; ///< the minimum over outputs
    double sqnrDb = 0.0; ///< the minimum over outputs
    double maxAbs = 0.0; ///< the maximum over outputs
    std::optional<double> top1Agreement; ///< the minimum over the outputs that look like class scores
    double proxySqnrDb = 0.0; ///< weight-level SQNR of the layer's tensors together (what a preview shows)

    std::uint64_t bytesSaved() const { return bytesBefore > bytesAfter ? bytesBefore - bytesAfter : 0; }
};

struct Sensitivity {
    std::string step; ///< the step's spec ("quantize:int8")
    std::string stepDescription; ///< "quantize int8 per-channel symmetric"
    std::string inputSource;
    int samples = 0;
    std::vector<LayerSensitivity> layers; ///< most sensitive first (lowest cosine, then lowest SQNR)
    double seconds = 0.0; ///< wall time of the sweep
    Diagnostics diagnostics; ///< layers that could not be measured, and why
};

/// Applies `step` (its default scope) to the model once, then measures each layer with weights it changed, alone.
/// Weight steps (quantize int8/int4/fp16/bf16, prune, low_rank, sparse_storage) share one session; prune_channels
/// measures each channel group it cut (named after its first producer) in a session of its own. Steps that change
/// the inputs or activations (int8-static, int8-dynamic, prune_channels with inputs, cleanup) are refused with the
/// reason. Layers inside subgraphs are listed in the diagnostics, not measured.
Result<Sensitivity> sensitivity(const std::shared_ptr<const model::ModelFile>& file, const analysis::Analysis& analysis,
    const slim::StepParams& step, const SensitivityOptions& options, const Progress& progress = {},
    const CancelToken* cancel = nullptr);

} // namespace slimscope::core::plan
