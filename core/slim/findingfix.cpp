#include "findingfix.h"

#include "steps/cleanup.h"
#include "steps/quantize.h"
#include "steps/sparsestorage.h"

#include <algorithm>
#include <array>

namespace slimscope::core::slim {

namespace {

constexpr std::array kCleanupKinds { std::string_view("duplicate_tensor"), std::string_view("unused_tensor"),
    std::string_view("dead_node"), std::string_view("initializer_as_input") };

} // namespace

bool hasFix(std::string_view findingKind)
{
    return std::ranges::find(kCleanupKinds, findingKind) != kCleanupKinds.end() || findingKind == "dense_zeros"
        || findingKind == "float64_weights";
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
    } else if (finding.kind == "dense_zeros") {
        fixed.steps.push_back({ SparseStorageStep {}, only, true });
    } else if (finding.kind == "float64_weights") {
        fixed.steps.push_back({ QuantizeInt8Step {}, only, true });
    } else {
        return std::nullopt;
    }
    return fixed;
}

} // namespace slimscope::core::slim
