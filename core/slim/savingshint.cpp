// Why a recipe saves nothing, and what would (savingshint.h).
#include "savingshint.h"

#include "model/datatype.h"
#include "stepregistry.h"
#include "support/format.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace slimscope::core::slim {

double sparseBreakEven(std::uint64_t bytesPerValue)
{
    return 8.0 / (static_cast<double>(bytesPerValue) + 8.0);
}

NonZeroWeights nonZeroWeights(const Preview& preview)
{
    NonZeroWeights counts;
    for (const TensorChange& row : preview.tensors) {
        const auto nonZero = [](double elements, double sparsity) {
            return static_cast<std::uint64_t>(std::llround(elements * (1.0 - sparsity)));
        };
        counts.before += nonZero(static_cast<double>(row.elements), row.sparsityBefore);
        if (row.removed)
            continue;
        // A tensor that lost channels keeps that share of its elements.
        const double kept = row.channelsBefore > 0 && row.channelsAfter < row.channelsBefore
            ? static_cast<double>(row.channelsAfter) / static_cast<double>(row.channelsBefore)
            : 1.0;
        counts.after += nonZero(static_cast<double>(row.elements) * kept, row.sparsityAfter);
    }
    return counts;
}

std::optional<std::string> noSavingsHint(const Recipe& recipe, const Preview& preview)
{
    const double before = static_cast<double>(preview.fileBytesBefore);
    if (before <= 0 || static_cast<double>(preview.predictedFileBytes) < before * 0.995)
        return std::nullopt;
    bool prunes = false, sparse = false, channels = false;
    for (const Step& step : recipe.steps) {
        if (!step.enabled)
            continue;
        const auto type = stepTypeOf(step.params);
        if (!type)
            continue;
        prunes = prunes || (*type)->kind() == "prune";
        sparse = sparse || (*type)->kind() == "sparse_storage";
        channels = channels || (*type)->kind() == "prune_channels";
    }
    // The tensors pruning zeroed: how sparse they are against sparse storage's break-even for their type.
    std::size_t zeroed = 0, pastBreakEven = 0;
    double breakEven = 0.0, sparsest = 0.0;
    for (const TensorChange& row : preview.tensors) {
        if (row.removed || row.sparsityAfter <= row.sparsityBefore + 1e-9)
            continue;
        const auto info = model::dataTypeInfo(static_cast<std::int32_t>(row.dtypeAfter));
        const std::uint64_t width = info && info->bits >= 8 ? info->bits / 8 : 4;
        const double threshold = sparseBreakEven(width);
        breakEven = std::max(breakEven, threshold);
        sparsest = std::max(sparsest, row.sparsityAfter);
        ++zeroed;
        pastBreakEven += row.sparsityAfter > threshold ? 1 : 0;
    }
    std::string text;
    if (prunes && zeroed > 0) {
        text = "Pruning zeroed weights in " + std::to_string(zeroed)
            + " tensor(s), but dense storage keeps every zero, so the file does not shrink. Sparse storage (an 8-byte "
              "index per kept value) pays past "
            + humanPercent(breakEven) + " zeros";
        text += pastBreakEven > 0 ? ": " + std::to_string(pastBreakEven)
                + " of them are past it now; add a Sparse "
                  "storage step"
                                  : "; these reach " + humanPercent(sparsest)
                + ", so prune further first, then add "
                  "a Sparse storage step";
        text += sparse ? " (the recipe's sparse storage found none worth storing sparse yet)." : ".";
        text += channels ? "" : " Prune channels removes whole channels instead and shrinks the file at any amount.";
        return text;
    }
    if (channels)
        return std::string("No channel group in scope could lose channels (each group says why in the Channels "
                           "column): widen the scope or lower the amount.");
    return std::string("No step changed a weight in its scope: check the scope (include/exclude patterns, minimum "
                       "elements, the ticked layers) and that the steps are enabled.");
}

} // namespace slimscope::core::slim
