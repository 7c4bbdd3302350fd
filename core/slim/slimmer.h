#pragma once

#include "analysis/ids.h"
#include "channelreport.h"
#include "model/modelfile.h"
#include "recipe.h"
#include "storedas.h"
#include "support/error.h"
#include "support/progress.h"
#include "workingmodel.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace slimscope::core::analysis {
struct Analysis;
}

namespace slimscope::core::slim {

/// What happened to one weight tensor of the original model.
struct TensorChange {
    /// The original tensor: its index into ModelFile::weights(), which is also its index into Analysis::tensors.
    analysis::TensorIndex weightIndex;
    std::string name;
    std::string graph;
    model::DataType dtypeBefore = model::DataType::Undefined;
    model::DataType dtypeAfter
        = model::DataType::Undefined; ///< Int8 for QDQ, Float16 for Cast storage; Undefined when removed
    StorageAfter storageAfter = StorageAfter::Initializer;
    std::uint64_t elements = 0;
    std::uint64_t bytesBefore = 0;
    std::uint64_t bytesAfter = 0; ///< everything that now stores it (values, scales, zero points, indices)
    double sparsityBefore = 0.0;
    double sparsityAfter = 0.0;
    bool changed = false;
    bool removed = false;
    /// prune_channels: the channel group that holds this tensor's channels (index into Preview::channelGroups;
    /// -1 for none) and how many that axis had and has.
    int channelGroup = -1;
    std::int64_t channelsBefore = 0;
    std::int64_t channelsAfter = 0;
    bool hasError = false; ///< the error fields are set (float tensors that still exist)
    double relativeL2 = 0.0; ///< ||w' - w|| / ||w||
    double sqnrDb = 0.0; ///< 10 log10(Σw² / Σ(w' - w)²); +inf when exact
    double maxAbs = 0.0;
    bool errorSampled = false; ///< the error numbers come from a sample of the values (a preview following a slider)
};

/// The dtype as the slim reports spell it: the type's name, "-" for a removed tensor (Undefined).
std::string_view dtypeAfterName(model::DataType dtype);

struct StepReport {
    std::string kind;
    std::string description;
    std::string summary;
    bool enabled = true;
};

struct DtypeBytes {
    std::string dtype;
    std::uint64_t bytes = 0;
};

/// The result of a recipe before anything is written: sizes, params, per-tensor changes and errors.
struct Preview {
    std::uint64_t fileBytesBefore = 0;
    std::uint64_t predictedFileBytes = 0; ///< exact size of the single-file model as exportModel writes it
    std::uint64_t paramsBefore = 0;
    std::uint64_t paramsAfter = 0;
    std::uint64_t weightBytesBefore = 0;
    std::uint64_t weightBytesAfter = 0;
    std::vector<DtypeBytes> weightBytesByDtypeBefore;
    std::vector<DtypeBytes> weightBytesByDtypeAfter;
    std::vector<TensorChange> tensors; ///< one per original weight tensor, in model order
    std::vector<StepReport> steps;
    /// Multiply-accumulates of one inference (as the analysis counts them); after: counted again only when a
    /// step changed shapes (prune_channels, low_rank).
    std::uint64_t macsBefore = 0;
    std::uint64_t macsAfter = 0;
    std::vector<ChannelGroupReport> channelGroups; ///< the last prune_channels step's groups
    /// Input features the slimmed model no longer reads (prune_channels with inputs), as positions of the
    /// original model's inputs: callers drop them before feeding it.
    std::vector<model::RemovedInputFeatures> removedInputFeatures;
    Diagnostics diagnostics;
};

/// The preview's rows by original tensor: element i is the change of weight i (Analysis::tensors[i]), or null for
/// a tensor the preview has no row for (a Constant's value_float(s)/value_int(s)). Joins by index, never by name.
std::vector<const TensorChange*> changesByTensor(const Preview& preview, std::size_t tensorCount);

struct SlimResult {
    std::shared_ptr<WorkingModel> model;
    Preview preview;
    /// Original weights the steps re-expressed under other names (low_rank's factors, int4's packed blocks).
    std::map<std::string, StoredAs> storedAs;
};

class StepCache;

/// How applyRecipe works.
struct ApplyOptions {
    /// The model's analysis: unchanged tensors are not read again.
    const analysis::Analysis* analysis = nullptr;
    /// Per-tensor work kept between previews of the same model (PreviewSession holds one).
    StepCache* cache = nullptr;
    /// Measure errors on a sample of each tensor (TensorChange::errorSampled): for previews that follow a
    /// slider. Sizes, params and sparsity stay exact.
    bool sampleErrors = false;
};

/// Applies a recipe to a loaded model in memory and measures the result. The input is never modified; write
/// the result with exportModel(). With the model's analysis at hand, unchanged tensors are not read again.
Result<SlimResult> applyRecipe(std::shared_ptr<const model::ModelFile> file, const Recipe& recipe,
    const Progress& progress = {}, const CancelToken* cancel = nullptr, const analysis::Analysis* analysis = nullptr);
Result<SlimResult> applyRecipe(const std::shared_ptr<const model::ModelFile>& file, const Recipe& recipe,
    const ApplyOptions& options, const Progress& progress = {}, const CancelToken* cancel = nullptr);

/// Previews of one model that follow a user's edits: when only the last step of the recipe changed, the
/// earlier steps' result is kept, and every step reuses the per-tensor work that its settings do not change
/// (StepCache). Results are the same as applyRecipe's. Thread-safe: one preview runs at a time, a newer
/// call waits for the running one (cancel it first).
class PreviewSession {
public:
    PreviewSession(std::shared_ptr<const model::ModelFile> file, std::shared_ptr<const analysis::Analysis> analysis);
    ~PreviewSession();
    PreviewSession(const PreviewSession&) = delete;
    PreviewSession& operator=(const PreviewSession&) = delete;

    Result<SlimResult> preview(const Recipe& recipe, bool sampleErrors = false, const Progress& progress = {},
        const CancelToken* cancel = nullptr);
    /// How many of the recipe's steps the last preview took from the previous one (0 when it ran them all).
    std::size_t reusedSteps() const;
    /// Entries of per-tensor work held for the next previews.
    std::size_t cachedEntries() const;

private:
    struct State;
    std::shared_ptr<const model::ModelFile> m_file;
    std::shared_ptr<const analysis::Analysis> m_analysis;
    std::unique_ptr<State> m_state;
};

} // namespace slimscope::core::slim
