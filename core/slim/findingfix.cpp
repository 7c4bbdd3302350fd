#include "findingfix.h"

#include "steps/cleanup.h"
#include "steps/lowrank.h"
#include "steps/prunechannels.h"
#include "steps/quantize.h"
#include "steps/sparsestorage.h"

#include <algorithm>
#include <array>

namespace slimscope::core::slim {

namespace {

using analysis::FindingKind;

constexpr std::array kCleanupKinds { FindingKind::DuplicateTensor, FindingKind::UnusedTensor, FindingKind::DeadNode,
    FindingKind::InitializerAsInput };

} // namespace

bool hasFix(FindingKind kind)
{
    return std::ranges::find(kCleanupKinds, kind) != kCleanupKinds.end() || kind == FindingKind::DenseZeros
        || kind == FindingKind::Float64Weights || kind == FindingKind::ZeroChannels
        || kind == FindingKind::DeadInputFeatures || kind == FindingKind::LowRank;
}

std::optional<Recipe> withFix(const Recipe& recipe, const analysis::Finding& finding)
{
    Recipe fixed = recipe;
    Scope only;
    only.tensors = finding.tensors;
    only.onlyTensors = true;
    if (std::ranges::find(kCleanupKinds, finding.kind) != kCleanupKinds.end()) {
        const bool present = std::ranges::any_of(fixed.steps, [](const Step& s) { return s.params.is<CleanupStep>(); });
        if (!present)
            fixed.steps.insert(fixed.steps.begin(), Step { CleanupStep {}, Scope {}, true });
    } else if (finding.kind == FindingKind::DenseZeros) {
        fixed.steps.push_back({ SparseStorageStep {}, only, true });
    } else if (finding.kind == FindingKind::Float64Weights) {
        fixed.steps.push_back({ QuantizeInt8Step {}, only, true });
    } else if (finding.kind == FindingKind::ZeroChannels) {
        // Exactly the channels whose output stays zero go (a zero-weight channel with a non-zero bias stays).
        PruneChannelsStep zero;
        zero.zeroOnly = true;
        fixed.steps.push_back({ zero, only, true });
    } else if (finding.kind == FindingKind::DeadInputFeatures) {
        // The input gets narrower: the step's summary and the slim report say which features callers leave out.
        PruneChannelsStep inputs;
        inputs.zeroOnly = true;
        inputs.inputs = true;
        fixed.steps.push_back({ inputs, only, true });
    } else if (finding.kind == FindingKind::LowRank) {
        fixed.steps.push_back({ LowRankStep { 0.99 }, only, true }); // the energy the finding measured
    } else {
        return std::nullopt;
    }
    return fixed;
}

} // namespace slimscope::core::slim
