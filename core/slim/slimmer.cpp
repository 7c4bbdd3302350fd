#include "slimmer.h"
#include "slim/recipenames.h"

#include "analysis/analysis.h"
#include "analysis/shapes.h"
#include "previewmeasure.h"
#include "stepcache.h"
#include "stepregistry.h"

#include <mutex>
#include <set>
#include <unordered_map>

namespace slimscope::core::slim {

namespace {

// A working model after some steps, before it is measured.
struct Applied {
    std::shared_ptr<WorkingModel> model;
    std::vector<StepReport> reports;
    Diagnostics diagnostics;
    std::map<std::string, MeasuredError> measured; ///< errors against the original values
    std::set<std::string> touched; ///< tensors some step changed
    std::map<std::string, StoredAs> storedAs; ///< StepOutcome::storedAs of every step
    std::vector<ChannelGroupReport> channelGroups; ///< the last prune_channels step's
    std::vector<model::RemovedInputFeatures> removedInputFeatures; ///< as positions of the original inputs
    bool shapesChanged = false; ///< an enabled step that can change shapes ran: MACs are counted again

    Applied copy() const
    {
        Applied result = *this;
        result.model = model->clone();
        return result;
    }
};

// Adds what a step removed (positions of its input model) to what earlier steps removed (original positions).
void addRemovedFeatures(std::vector<model::RemovedInputFeatures>& all, const model::RemovedInputFeatures& removed)
{
    auto earlier = std::ranges::find(all, removed.input, &model::RemovedInputFeatures::input);
    if (earlier == all.end()) {
        all.push_back(removed);
        return;
    }
    std::vector<std::int64_t> remaining; // original positions the step's input still had
    for (std::int64_t k = 0; k < earlier->featuresBefore; ++k)
        if (!std::ranges::binary_search(earlier->indices, k))
            remaining.push_back(k);
    for (const std::int64_t k : removed.indices)
        if (k < static_cast<std::int64_t>(remaining.size()))
            earlier->indices.push_back(remaining[static_cast<std::size_t>(k)]);
    std::ranges::sort(earlier->indices);
}

// Runs steps [first, first + count) of the recipe on `state`.
Result<void> applySteps(Applied& state, const Recipe& recipe, std::size_t first, std::size_t count,
    const ApplyOptions& options, const Progress& progress, const CancelToken* cancel)
{
    StepContext context { *state.model, state.diagnostics, cancel, options.cache, options.sampleErrors };
    for (std::size_t i = first; i < first + count; ++i) {
        const Step& step = recipe.steps[i];
        progress.report(describeStep(step), static_cast<double>(i) / static_cast<double>(recipe.steps.size() + 1));
        const StepType& type = **stepTypeOf(step.params); // validateRecipe checked every step is registered
        StepReport report { std::string(type.kind()), describeStep(step), {}, step.enabled };
        if (!step.enabled) {
            report.summary = "disabled";
            state.reports.push_back(std::move(report));
            continue;
        }
        Result<StepOutcome> outcome = type.apply(step.params, step.scope, context);
        if (!outcome)
            return std::unexpected(
                outcome.error().withContext("step " + std::to_string(i + 1) + " (" + report.kind + ")"));
        report.summary = outcome->summary;
        // A measurement is against the step's input: it holds for the original only if no earlier step
        // changed the tensor, and only until a later step changes it again. Otherwise the tensor is compared.
        for (const auto& name : outcome->tensors) {
            const auto error = outcome->errors.find(name);
            if (error != outcome->errors.end() && (error->second.againstOriginal || !state.touched.contains(name)))
                state.measured[name] = error->second;
            else
                state.measured.erase(name);
            state.touched.insert(name);
        }
        for (auto& [name, parts] : outcome->storedAs)
            state.storedAs[name] = std::move(parts);
        if (!outcome->channelGroups.empty())
            state.channelGroups = std::move(outcome->channelGroups);
        for (const auto& removed : outcome->removedInputFeatures)
            addRemovedFeatures(state.removedInputFeatures, removed);
        state.shapesChanged = state.shapesChanged || type.changesShapes();
        state.reports.push_back(std::move(report));
    }
    if (cancel && cancel->isCancelled())
        return fail(ErrorCode::Cancelled, "cancelled");
    return {};
}

Result<SlimResult> measured(Applied state, const model::ModelFile& file, const Totals& before, const Recipe& recipe,
    const ApplyOptions& options, const Progress& progress, const CancelToken* cancel)
{
    SlimResult result;
    result.model = state.model;
    Preview& preview = result.preview;
    preview.fileBytesBefore = file.fileSize();
    preview.paramsBefore = before.params;
    preview.weightBytesBefore = before.bytes;
    preview.weightBytesByDtypeBefore = sortedDtypes(before.byDtype);
    preview.steps = std::move(state.reports);
    preview.diagnostics = std::move(state.diagnostics);
    progress.report(
        "measuring", static_cast<double>(recipe.steps.size()) / static_cast<double>(recipe.steps.size() + 1));
    const Totals after = measure(*result.model);
    preview.paramsAfter = after.params;
    preview.weightBytesAfter = after.bytes;
    preview.weightBytesByDtypeAfter = sortedDtypes(after.byDtype);
    preview.predictedFileBytes = result.model->serializedSize();
    if (result.model->unchanged()) {
        preview.diagnostics.push_back({ Diagnostic::Severity::Info, {},
            "no step changed the model: an export writes the input's bytes unchanged" });
        if (file.externalFiles().empty())
            preview.predictedFileBytes = file.fileSize(); // the export copies the file (exportModel)
    }
    preview.tensors
        = describeChanges(file, *result.model, state.measured, state.storedAs, options, preview.diagnostics, cancel);
    result.storedAs = state.storedAs;
    preview.macsBefore = options.analysis ? options.analysis->model.macs : analysis::countMacs(file.proto());
    preview.macsAfter
        = state.shapesChanged ? analysis::countMacs(result.model->withShapeConstants()) : preview.macsBefore;
    // Rows of tensors that hold a group's channels say which group and how many channels the axis keeps (the
    // producer's group first: a Conv weight also holds the input channels of the group before).
    preview.channelGroups = std::move(state.channelGroups);
    preview.removedInputFeatures = std::move(state.removedInputFeatures);
    std::unordered_map<std::string, TensorChange*> rowOf;
    for (TensorChange& row : preview.tensors)
        rowOf.emplace(row.name, &row);
    for (const bool producers : { true, false })
        for (std::size_t g = 0; g < preview.channelGroups.size(); ++g) {
            const ChannelGroupReport& group = preview.channelGroups[g];
            for (std::size_t m = 0; m < group.members.size(); ++m) {
                const auto row = rowOf.find(group.members[m]);
                if ((m < group.producerMembers) != producers || row == rowOf.end() || row->second->channelGroup >= 0)
                    continue;
                row->second->channelGroup = static_cast<int>(g);
                row->second->channelsBefore = group.channelsBefore;
                row->second->channelsAfter = group.channelsAfter;
            }
        }
    if (cancel && cancel->isCancelled())
        return fail(ErrorCode::Cancelled, "cancelled");
    progress.report("done", 1.0);
    return result;
}

} // namespace

Result<SlimResult> applyRecipe(std::shared_ptr<const model::ModelFile> file, const Recipe& recipe,
    const Progress& progress, const CancelToken* cancel, const analysis::Analysis* analysis)
{
    ApplyOptions options;
    options.analysis = analysis;
    return applyRecipe(file, recipe, options, progress, cancel);
}

Result<SlimResult> applyRecipe(const std::shared_ptr<const model::ModelFile>& file, const Recipe& recipe,
    const ApplyOptions& options, const Progress& progress, const CancelToken* cancel)
{
    if (auto valid = validateRecipe(recipe); !valid)
        return std::unexpected(valid.error());
    if (auto named = checkRecipeNames(*file, recipe); !named)
        return std::unexpected(named.error());
    Applied state;
    state.model = std::make_shared<WorkingModel>(file);
    const Totals before = measure(*state.model);
    if (auto applied = applySteps(state, recipe, 0, recipe.steps.size(), options, progress, cancel); !applied)
        return std::unexpected(applied.error());
    return measured(std::move(state), *file, before, recipe, options, progress, cancel);
}

struct PreviewSession::State {
    std::mutex mutex;
    StepCache cache;
    std::optional<Totals> before;
    // The result of the first steps of the last recipe (all but its last step), as they were applied.
    std::vector<Step> prefixSteps;
    bool prefixSampled = false;
    std::optional<Applied> prefix;
    std::size_t reused = 0;
};

PreviewSession::PreviewSession(
    std::shared_ptr<const model::ModelFile> file, std::shared_ptr<const analysis::Analysis> analysis)
    : m_file(std::move(file))
    , m_analysis(std::move(analysis))
    , m_state(std::make_unique<State>())
{ }

PreviewSession::~PreviewSession() = default;

std::size_t PreviewSession::reusedSteps() const
{
    const std::lock_guard lock(m_state->mutex);
    return m_state->reused;
}

std::size_t PreviewSession::cachedEntries() const
{
    return m_state->cache.size();
}

Result<SlimResult> PreviewSession::preview(
    const Recipe& recipe, bool sampleErrors, const Progress& progress, const CancelToken* cancel)
{
    if (auto valid = validateRecipe(recipe); !valid)
        return std::unexpected(valid.error());
    if (auto named = checkRecipeNames(*m_file, recipe); !named)
        return std::unexpected(named.error());
    State& s = *m_state;
    const std::lock_guard lock(s.mutex);
    s.cache.beginRun();
    ApplyOptions options;
    options.analysis = m_analysis.get();
    options.cache = &s.cache;
    options.sampleErrors = sampleErrors;
    Applied initial;
    initial.model = std::make_shared<WorkingModel>(m_file);
    if (!s.before)
        s.before = measure(*initial.model);
    s.reused = 0;
    if (recipe.steps.empty())
        return measured(std::move(initial), *m_file, *s.before, recipe, options, progress, cancel);

    const std::size_t prefixLength = recipe.steps.size() - 1;
    const std::vector<Step> prefixSteps(
        recipe.steps.begin(), recipe.steps.begin() + static_cast<std::ptrdiff_t>(prefixLength));
    // A sampled prefix does not serve an exact preview; an exact one serves both.
    const bool prefixUsable = s.prefix && s.prefixSteps == prefixSteps && (sampleErrors || !s.prefixSampled);
    if (!prefixUsable) {
        s.prefix.reset();
        Applied prefix = std::move(initial);
        if (auto applied = applySteps(prefix, recipe, 0, prefixLength, options, progress, cancel); !applied)
            return std::unexpected(applied.error());
        s.prefix = std::move(prefix);
        s.prefixSteps = prefixSteps;
        s.prefixSampled = sampleErrors;
    } else {
        s.reused = prefixLength;
    }
    Applied state = s.prefix->copy();
    if (auto applied = applySteps(state, recipe, prefixLength, 1, options, progress, cancel); !applied)
        return std::unexpected(applied.error());
    return measured(std::move(state), *m_file, *s.before, recipe, options, progress, cancel);
}

} // namespace slimscope::core::slim
