#pragma once

// A plan to a target size: per-layer steps chosen from candidates by bytes saved per unit of measured sensitivity,
// the whole recipe verified in ONNX Runtime, and the most sensitive choices reverted until the fidelity floor holds.

#include "plan/sensitivity.h"
#include "slim/recipe.h"

#include <cstdint>
#include <string>
#include <vector>

namespace slimscope::core::plan {

inline constexpr std::string_view kPlanSchema = "slimscope.plan/1";

struct PlanOptions {
    std::uint64_t targetBytes = 0; ///< file size to reach (bytes)
    double minCosine = 0.99; ///< floor on the lowest output cosine
    /// Candidate step specs ("int8", "int4", "fp16", "bf16", "prune:0.5", "low_rank:0.95"), each a weight step.
    std::vector<std::string> steps { "int8", "int4", "fp16" };
    SensitivityOptions sensitivity;
};

/// A recipe the planner built and measured: one point of the size/fidelity frontier.
struct PlanPoint {
    slim::Recipe recipe;
    std::uint64_t predictedBytes = 0; ///< the file size the recipe writes (the preview's exact prediction)
    double minCosine = 1.0; ///< over every output, measured in ONNX Runtime
    std::size_t layers = 0; ///< layers the recipe changes
};

struct LayerChoice {
    std::string node;
    std::string step; ///< the candidate spec chosen for it
    double cosine = 1.0; ///< its sensitivity under that step
    std::uint64_t bytesSaved = 0;
};

struct Plan {
    std::uint64_t fileBytes = 0; ///< the input's size
    std::uint64_t targetBytes = 0;
    double minCosine = 0.99;
    bool met = false; ///< the best point reaches the target with every output at or above the floor
    PlanPoint best; ///< met: the point that did; else the smallest point that holds the floor (or the closest)
    std::vector<LayerChoice> choices; ///< of the best point
    std::vector<PlanPoint> evaluated; ///< every recipe verified, in order (the frontier chart's points)
    std::vector<Sensitivity> sweeps; ///< one per candidate step
    double seconds = 0.0;
    Diagnostics diagnostics;
};

/// Plans `file` down to options.targetBytes. Errors: a candidate that is not a weight step, ONNX Runtime missing,
/// unreadable inputs. A target that cannot be met is not an error: Plan::met says so.
Result<Plan> planToTarget(const std::shared_ptr<const model::ModelFile>& file, const analysis::Analysis& analysis,
    const PlanOptions& options, const Progress& progress = {}, const CancelToken* cancel = nullptr);

} // namespace slimscope::core::plan
