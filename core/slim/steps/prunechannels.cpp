// prune_channels: removes whole channels of the dependency groups (slim/channelgroups.h) that are not frozen,
// ranked by the norm of the producers' weights. Every member tensor loses the same indices along its channel
// axis; depthwise Convs get the new group count; declared shapes of the activations in between are dropped so
// that shape inference recomputes them.
#include "prunechannels.h"

#include "channeledits.h"
#include "deadinputs.h"
#include "slim/channelgroups.h"
#include "slim/stepsupport.h"
#include "support/format.h"
#include "support/jsonreader.h"
#include "support/jsonwriter.h"
#include "zerochannels.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <numeric>
#include <optional>
#include <set>
#include <unordered_map>
#include <unordered_set>

namespace slimscope::core::slim {

namespace {

/// A member's values and the layout of its channel axis: value i is in channel (i / inner) % channels.
struct MemberValues {
    onnx::TensorProto* tensor = nullptr;
    std::vector<float> values;
    std::uint64_t inner = 1;
    std::uint64_t channels = 1;
};

Result<MemberValues> readMember(WorkingModel& model, const InitializerRef& weight, int axis)
{
    MemberValues member;
    member.tensor = weight.tensor;
    auto values = floatCopy(model, *weight.tensor);
    if (!values)
        return std::unexpected(values.error());
    member.values = std::move(*values);
    member.channels = static_cast<std::uint64_t>(weight.tensor->dims(axis));
    for (int d = axis + 1; d < weight.tensor->dims_size(); ++d)
        member.inner *= static_cast<std::uint64_t>(weight.tensor->dims(d));
    return member;
}

/// Per channel: Σ|w| or Σw² over the member's finite values in it (NaN and infinities count as 0, so norms stay
/// numbers the ranking can sort: a channel of NaN weights ranks lowest).
void addNorms(const MemberValues& member, PruneChannelsStep::Criterion criterion, std::vector<double>& norms)
{
    for (std::size_t i = 0; i < member.values.size(); ++i) {
        const double v = finiteOrZero(member.values[i]);
        norms[(i / member.inner) % member.channels]
            += criterion == PruneChannelsStep::Criterion::L1 ? std::fabs(v) : v * v;
    }
}

// A consumer can take a folded constant into a bias input it has and reads alone (not shared, not an alias).
bool ownBias(const BiasFold& fold, const std::unordered_map<std::string, const InitializerRef*>& weights,
    const GraphIndex& index)
{
    const onnx::NodeProto& node = *fold.node;
    if (node.input_size() < 3 || node.input(2).empty())
        return false;
    const auto bias = weights.find(node.input(2));
    return bias != weights.end() && index.uses(node.input(2)).size() == 1
        && bias->second->tensor->data_type() == onnx::TensorProto::FLOAT
        && elementCount(*bias->second->tensor) == fold.delta.size();
}

Result<void> addToBias(WorkingModel& model, const InitializerRef& bias, const std::vector<double>& delta)
{
    auto sum = floatCopy(model, *bias.tensor);
    if (!sum)
        return std::unexpected(sum.error());
    for (std::size_t i = 0; i < sum->size(); ++i)
        (*sum)[i] = static_cast<float>(static_cast<double>((*sum)[i]) + delta[i]);
    model.setData(*bias.tensor, floatBytes(*sum));
    return {};
}

ChannelGroupReport reportOf(const ChannelGroup& group, std::int64_t keep, double norm)
{
    ChannelGroupReport report { group.producers, {}, 0, group.channels, keep, norm, group.frozenReason };
    // Producers' weights first: a tensor in two groups (a Conv's output and input channels) is listed with the
    // group of its output channels.
    for (const bool producers : { true, false })
        for (const ChannelMember& member : group.members)
            if ((member.role == ChannelMember::Role::Producer) == producers
                && std::ranges::find(report.members, member.tensor) == report.members.end()) {
                report.members.push_back(member.tensor);
                report.producerMembers += producers ? 1 : 0;
            }
    return report;
}

/// How many channels a group keeps of `channels` when `remove` are chosen: at least minKeep, rounded up.
std::int64_t keptCount(std::int64_t channels, std::int64_t remove, const PruneChannelsStep& step)
{
    std::int64_t keep = std::max(channels - remove, std::min(step.minKeep, channels));
    if (step.roundTo > 1)
        keep = std::min(channels, (keep + step.roundTo - 1) / step.roundTo * step.roundTo);
    return std::max<std::int64_t>(keep, 1);
}

Result<StepOutcome> runPruneChannels(const PruneChannelsStep& step, const Scope& scope, StepContext& context)
{
    WorkingModel& model = context.model;
    StepOutcome outcome;
    if (step.inputs) // first: the readers' weights are producers of channel groups too
        if (auto removed = removeDeadInputFeatures(model, outcome); !removed)
            return std::unexpected(removed.error());
    GraphIndex index(model);
    ScopeMatcher matcher(scope);
    std::unordered_map<std::string, const InitializerRef*> weights;
    for (const auto& weight : index.weights())
        weights.emplace(weight.name, &weight);
    std::vector<ChannelGroup> groups = findChannelGroups(index);

    // Rank the channels of every group that is free and in scope.
    struct Candidate {
        ChannelGroup* group;
        std::vector<double> norms;
        std::int64_t keep = 0;
        std::vector<bool> kept; ///< zero mode: exactly these stay (else the strongest `keep` do)
    };
    std::vector<Candidate> candidates;
    std::vector<std::string> frozen;
    std::vector<ChannelGroupReport> reports; // frozen groups here, the others once their counts are known
    for (ChannelGroup& group : groups) {
        const bool inScope = std::ranges::any_of(group.members, [&](const ChannelMember& m) {
            const auto w = weights.find(m.tensor);
            return m.role == ChannelMember::Role::Producer && w != weights.end() && matcher.matches(*w->second, index);
        });
        if (!inScope || group.channels < 2)
            continue;
        if (!group.frozenReason.empty()) {
            frozen.push_back(group.producers.front() + ": " + group.frozenReason);
            reports.push_back(reportOf(group, group.channels, 0.0));
            continue;
        }
        Candidate candidate { &group, std::vector<double>(static_cast<std::size_t>(group.channels), 0.0), 0, {} };
        for (const ChannelMember& member : group.members) {
            if (member.role != ChannelMember::Role::Producer)
                continue;
            auto values = readMember(model, *weights.at(member.tensor), member.axis);
            if (!values)
                return std::unexpected(values.error());
            addNorms(*values, step.criterion, candidate.norms);
        }
        candidates.push_back(std::move(candidate));
    }
    std::uint64_t zeroKept = 0; // zero mode: channels with zero weights whose constant output is not zero
    std::uint64_t folded = 0; // zero mode: channels whose constant output went into the next layers' biases
    if (step.zeroOnly) {
        const ConstantReader constants(model, weights);
        std::map<const onnx::NodeProto*, std::vector<double>> biasDeltas;
        for (Candidate& c : candidates) {
            c.kept.assign(static_cast<std::size_t>(c.group->channels), true);
            for (std::int64_t ch = 0; ch < c.group->channels; ++ch) {
                if (c.norms[static_cast<std::size_t>(ch)] != 0.0)
                    continue;
                bool removable = outputIsZero(*c.group, ch, constants);
                if (!removable) {
                    // A constant channel: the consumers add a constant per output, which their biases can hold.
                    const auto value = constantOutput(*c.group, ch, constants);
                    const auto folds = value ? foldsFor(*c.group, ch, *value, constants, weights) : std::nullopt;
                    if (folds
                        && std::ranges::all_of(*folds, [&](const BiasFold& f) { return ownBias(f, weights, index); })) {
                        for (const BiasFold& fold : *folds) {
                            auto& delta = biasDeltas[fold.node];
                            delta.resize(fold.delta.size(), 0.0);
                            for (std::size_t o = 0; o < fold.delta.size(); ++o)
                                delta[o] += fold.delta[o];
                        }
                        removable = true;
                        ++folded;
                    }
                }
                zeroKept += removable ? 0 : 1;
                c.kept[static_cast<std::size_t>(ch)] = !removable;
            }
            if (std::ranges::none_of(c.kept, [](bool k) { return k; }))
                c.kept.front() = true; // an all-zero layer keeps one channel: shapes need one
            c.keep = static_cast<std::int64_t>(std::ranges::count(c.kept, true));
        }
        // Into the biases before any cut: a consumer that loses output channels of its own loses their bias too.
        for (const auto& [node, delta] : biasDeltas)
            if (auto added = addToBias(model, *weights.at(node->input(2)), delta); !added)
                return std::unexpected(added.error());
    } else if (step.mode == PruneChannelsStep::Mode::Layer) {
        for (Candidate& c : candidates)
            c.keep = keptCount(c.group->channels,
                static_cast<std::int64_t>(std::floor(step.fraction * static_cast<double>(c.group->channels))), step);
    } else {
        // One ranking: each channel's norm relative to its group's mean, so layers of any scale compare.
        std::vector<std::pair<double, std::size_t>> all;
        for (std::size_t c = 0; c < candidates.size(); ++c) {
            const auto& norms = candidates[c].norms;
            const double mean = std::accumulate(norms.begin(), norms.end(), 0.0) / static_cast<double>(norms.size());
            for (const double n : norms)
                all.emplace_back(mean > 0 ? n / mean : 0.0, c);
        }
        std::ranges::sort(all);
        std::vector<std::int64_t> removed(candidates.size(), 0);
        const auto total = static_cast<std::size_t>(std::floor(step.fraction * static_cast<double>(all.size())));
        for (std::size_t i = 0; i < total; ++i)
            ++removed[all[i].second];
        for (std::size_t c = 0; c < candidates.size(); ++c)
            candidates[c].keep = keptCount(candidates[c].group->channels, removed[c], step);
    }

    std::uint64_t channelsBefore = 0, channelsAfter = 0, groupsPruned = 0;
    std::unordered_set<std::string> staleShapes;
    // Every tensor to cut, with the kept channels of each of its cut axes (a Conv's weight loses output
    // channels in its own group and input channels in the group before). Keyed by tensor, or by reader for a
    // reader that gets a copy of its own.
    struct Cut {
        const InitializerRef* weight = nullptr;
        ChannelMember member;
        std::vector<std::pair<int, std::vector<bool>>> axes;
    };
    std::map<std::string, Cut> cuts;
    for (Candidate& c : candidates) {
        ChannelGroup& group = *c.group;
        if (c.keep >= group.channels)
            continue;
        // The strongest channels stay, in their original order.
        std::vector<std::int64_t> order(static_cast<std::size_t>(group.channels));
        std::iota(order.begin(), order.end(), 0);
        std::ranges::stable_sort(order, [&](std::int64_t a, std::int64_t b) {
            return c.norms[static_cast<std::size_t>(a)] > c.norms[static_cast<std::size_t>(b)];
        });
        std::vector<bool> kept(static_cast<std::size_t>(group.channels), false);
        for (std::int64_t i = 0; i < c.keep; ++i)
            kept[static_cast<std::size_t>(order[static_cast<std::size_t>(i)])] = true;
        if (!c.kept.empty())
            kept = c.kept;
        keepOnePerPart(group, c.norms, kept);
        c.keep = static_cast<std::int64_t>(std::ranges::count(kept, true));
        if (c.keep >= group.channels)
            continue;
        for (const ChannelMember& member : group.members) {
            const std::string key = member.reader ? member.reader->name() + "\x1f" + member.reader->output(0) + "\x1f"
                    + std::to_string(member.readerInput)
                                                  : member.tensor;
            Cut& cut = cuts[key];
            cut.weight = weights.at(member.tensor);
            cut.member = member;
            if (member.windowLength > 0) { // reads one part of a Split
                const auto begin = kept.begin() + static_cast<std::ptrdiff_t>(member.windowOffset);
                cut.axes.emplace_back(member.axis, std::vector<bool>(begin, begin + member.windowLength));
            } else if (member.extent == 0) {
                cut.axes.emplace_back(member.axis, kept);
            } else { // read after a Concat: this group's channels sit at member.offset of the axis
                std::vector<bool> mask(static_cast<std::size_t>(member.extent), true);
                for (std::size_t k = 0; k < kept.size(); ++k)
                    mask[static_cast<std::size_t>(member.offset) + k] = kept[k];
                cut.axes.emplace_back(member.axis, std::move(mask));
            }
        }
        for (onnx::NodeProto* depthwise : group.depthwise)
            for (auto& attribute : *depthwise->mutable_attribute())
                if (attribute.name() == "group")
                    attribute.set_i(c.keep);
        for (const ChannelSplit& split : group.splits)
            setSplitSizes(model, index, split, kept);
        staleShapes.insert(group.values.begin(), group.values.end());
    }
    for (const Candidate& c : candidates) {
        channelsBefore += static_cast<std::uint64_t>(c.group->channels);
        channelsAfter += static_cast<std::uint64_t>(c.keep);
        groupsPruned += c.keep < c.group->channels ? 1 : 0;
        const double total = std::accumulate(c.norms.begin(), c.norms.end(), 0.0);
        reports.push_back(
            reportOf(*c.group, c.keep, step.criterion == PruneChannelsStep::Criterion::L2 ? std::sqrt(total) : total));
    }
    outcome.channelGroups = std::move(reports);
    std::unordered_set<std::string> copied; // stored weights some reader now reads from a copy of its own
    for (auto& [key, cut] : cuts) {
        onnx::TensorProto* target = cut.weight->tensor;
        std::string targetName = cut.weight->name;
        if (cut.member.reader) {
            onnx::GraphProto& graph = *index.graphs()[static_cast<std::size_t>(cut.member.readerGraph)].graph;
            onnx::TensorProto& copy = *graph.add_initializer();
            targetName = index.uniqueName(cut.weight->name + "_pruned");
            copy.set_name(targetName);
            copy.set_data_type(target->data_type());
            *copy.mutable_dims() = target->dims();
            model.shareSource(*target, copy);
            listAsInputIfRequired(model, graph, copy);
            cut.member.reader->set_input(cut.member.readerInput, targetName);
            copied.insert(cut.weight->name);
            target = &copy;
        }
        auto values = floatCopy(model, *target);
        if (!values)
            return std::unexpected(values.error());
        // Per cut axis: the size of the dims after it, to find each value's channel on that axis.
        std::vector<std::uint64_t> inner;
        for (const auto& [axis, mask] : cut.axes) {
            std::uint64_t n = 1;
            for (int d = axis + 1; d < target->dims_size(); ++d)
                n *= static_cast<std::uint64_t>(target->dims(d));
            inner.push_back(n);
        }
        std::vector<float> out;
        out.reserve(values->size());
        double signal = 0.0, noise = 0.0, maxAbs = 0.0;
        std::uint64_t zeros = 0;
        for (std::size_t i = 0; i < values->size(); ++i) {
            const float v = (*values)[i];
            signal += static_cast<double>(v) * v;
            bool keep = true;
            for (std::size_t a = 0; a < cut.axes.size() && keep; ++a) {
                const auto& mask = cut.axes[a].second;
                keep = mask[(i / inner[a]) % mask.size()];
            }
            if (keep) {
                out.push_back(v);
                zeros += v == 0.0f ? 1 : 0;
            } else {
                noise += static_cast<double>(v) * v;
                maxAbs = std::max(maxAbs, static_cast<double>(std::fabs(v)));
            }
        }
        // Entries for one axis (groups side by side after a Concat) combine: a channel stays if all keep it.
        std::map<int, std::vector<bool>> combined;
        for (const auto& [axis, mask] : cut.axes) {
            auto [it, fresh] = combined.emplace(axis, mask);
            if (!fresh)
                for (std::size_t k = 0; k < mask.size() && k < it->second.size(); ++k)
                    it->second[k] = it->second[k] && mask[k];
        }
        for (const auto& [axis, mask] : combined)
            target->set_dims(axis, static_cast<std::int64_t>(std::ranges::count(mask, true)));
        model.setData(*target, floatBytes(out));
        if (cut.member.reader)
            continue; // a new tensor: the original keeps its row, unchanged for its other readers
        // The error of a removed channel is its values, as if they were zeros (what the consumers lose).
        MeasuredError error = errorFromSums(signal, noise, maxAbs);
        error.sparsityAfter = out.empty() ? 0.0 : static_cast<double>(zeros) / static_cast<double>(out.size());
        outcome.errors[targetName] = error;
        outcome.tensors.push_back(targetName);
    }
    removeUnusedAliases(model, copied);
    // Declared shapes of the activations whose channel count changed would contradict the new weights.
    for (const auto& graph : index.graphs()) {
        auto* infos = graph.graph->mutable_value_info();
        for (int i = infos->size() - 1; i >= 0; --i)
            if (staleShapes.contains(infos->Get(i).name()))
                infos->DeleteSubrange(i, 1);
    }
    if (!frozen.empty()) {
        std::string list;
        for (std::size_t i = 0; i < frozen.size() && i < 5; ++i)
            list += (i ? "; " : "") + frozen[i];
        context.diagnostics.push_back({ Diagnostic::Severity::Info, {},
            "prune_channels: " + std::to_string(frozen.size()) + " channel group(s) left alone: " + list
                + (frozen.size() > 5 ? "; ..." : "") });
    }
    if (zeroKept > 0)
        context.diagnostics.push_back({ Diagnostic::Severity::Info, {},
            "prune_channels: " + std::to_string(zeroKept)
                + " channel(s) with all-zero weights stay: their output is a constant other than zero that the "
                  "layers after them cannot take into a bias exactly (a Conv larger than 1×1 or with padding sees it "
                  "only inside its borders)" });
    if (folded > 0)
        context.diagnostics.push_back({ Diagnostic::Severity::Info, {},
            "prune_channels: " + std::to_string(folded)
                + " channel(s) with all-zero weights and a constant output went; the next layers' biases now "
                  "hold what they added" });
    // Measured (docs/performance.md): mobilenet_v2 with 30 % of its channels gone ran 6.5 -> 9.7 ms in ONNX
    // Runtime on CPU with counts such as 22 or 67, and 5.3 -> 3.6 ms with multiples of 8.
    const bool oddCounts = std::ranges::any_of(
        candidates, [](const Candidate& c) { return c.keep < c.group->channels && c.keep % 8 != 0; });
    if (oddCounts && step.roundTo % 8 != 0)
        context.diagnostics.push_back({ Diagnostic::Severity::Warning, {},
            "prune_channels: some layers keep a channel count that is not a multiple of 8, which ONNX Runtime's CPU "
            "convolutions run slower (mobilenet_v2 at 30 %: 6.5 -> 9.7 ms); round_to 8 keeps it fast (5.3 -> 3.6 "
            "ms)" });
    outcome.summary = groupsPruned == 0 ? "no channel group in scope could lose channels"
                                        : "removed " + std::to_string(channelsBefore - channelsAfter) + " of "
            + std::to_string(channelsBefore) + " channels in " + std::to_string(groupsPruned) + " group(s)";
    for (const RemovedInputFeatures& r : outcome.removedInputFeatures)
        outcome.summary += "; removed " + std::to_string(r.indices.size()) + " of " + std::to_string(r.featuresBefore)
            + " features of input '" + r.input + "' (its weights were zero)";
    if (!frozen.empty())
        outcome.summary += "; " + std::to_string(frozen.size()) + " group(s) left alone";
    return outcome;
}

const char* criterionName(PruneChannelsStep::Criterion criterion)
{
    return criterion == PruneChannelsStep::Criterion::L1 ? "l1" : "l2";
}

const char* modeName(PruneChannelsStep::Mode mode)
{
    return mode == PruneChannelsStep::Mode::Global ? "global" : "layer";
}

class PruneChannelsType final : public TypedStepType<PruneChannelsStep> {
public:
    std::string_view title() const override { return "Prune channels"; }
    std::string_view help() const override
    {
        return "structured pruning: remove FRACTION (0.3 or 30%) of the output channels of Conv, Gemm and MatMul "
               "weights with everything that depends on them; zero: exactly the channels whose output is always zero";
    }
    std::string_view valueName() const override { return "FRACTION"; }
    bool changesShapes() const override { return true; }
    Result<StepParams> fromValue(std::string_view value) const override
    {
        if (value == "zero") {
            PruneChannelsStep step;
            step.zeroOnly = true;
            return step;
        }
        const auto fraction = parseShare(value);
        if (!fraction || !(*fraction >= 0.0 && *fraction <= 0.99))
            return fail(ErrorCode::InvalidArgument,
                "prune_channels takes a fraction between 0 and 0.99 (or 0% to 99%), or zero, not '" + std::string(value)
                    + "'");
        PruneChannelsStep step;
        step.fraction = *fraction;
        return step;
    }
    std::vector<StepOption> options() const override
    {
        const auto setter = [](auto apply) {
            return [apply](StepParams& params, std::string_view value) -> Result<void> {
                if (auto* step = params.as<PruneChannelsStep>())
                    return apply(*step, value);
                return {};
            };
        };
        return {
            { "criterion", "NORM", "l2 (default) or l1: how channels are ranked",
                setter([](PruneChannelsStep& step, std::string_view value) -> Result<void> {
                    if (value != "l1" && value != "l2")
                        return fail(ErrorCode::InvalidArgument,
                            "--prune-channels-criterion is l1 or l2, not '" + std::string(value) + "'");
                    step.criterion
                        = value == "l1" ? PruneChannelsStep::Criterion::L1 : PruneChannelsStep::Criterion::L2;
                    return {};
                }),
                "--channel-criterion", false },
            { "mode", "MODE", "layer (default: every group loses FRACTION) or global (one ranking)",
                setter([](PruneChannelsStep& step, std::string_view value) -> Result<void> {
                    if (value != "layer" && value != "global")
                        return fail(ErrorCode::InvalidArgument,
                            "--prune-channels-mode is layer or global, not '" + std::string(value) + "'");
                    step.mode = value == "global" ? PruneChannelsStep::Mode::Global : PruneChannelsStep::Mode::Layer;
                    return {};
                }),
                "--channel-scope", false },
            { "round-to", "N", "keep a multiple of N channels per group (default 1)",
                setter([](PruneChannelsStep& step, std::string_view value) -> Result<void> {
                    const auto n = parseShare(value);
                    if (!n || *n < 1 || *n > 4096 || *n != std::floor(*n))
                        return fail(ErrorCode::InvalidArgument,
                            "--prune-channels-round-to takes a whole number from 1 to 4096, not '" + std::string(value)
                                + "'");
                    step.roundTo = static_cast<std::int64_t>(*n);
                    return {};
                }),
                {}, false },
            { "inputs", "",
                "also remove the features of graph inputs that the first layer multiplies by zero "
                "(changes the input's shape; the slim report lists them)",
                setter([](PruneChannelsStep& step, std::string_view) -> Result<void> {
                    step.inputs = true;
                    return {};
                }),
                "--prune-inputs", true },
        };
    }

protected:
    std::string describeParams(const PruneChannelsStep& step) const override
    {
        const std::string inputs = step.inputs ? ", and dead input features" : "";
        if (step.zeroOnly)
            return "prune channels whose output is always zero" + inputs;
        char text[160];
        std::snprintf(text, sizeof text, "prune channels %.1f %% (%s, %s%s)", step.fraction * 100.0,
            criterionName(step.criterion), step.mode == PruneChannelsStep::Mode::Global ? "global" : "per group",
            step.roundTo > 1 ? (", multiples of " + std::to_string(step.roundTo)).c_str() : "");
        return text + inputs;
    }
    Result<PruneChannelsStep> readParams(JsonObjectReader& reader) const override
    {
        PruneChannelsStep step;
        std::string criterion = criterionName(step.criterion), mode = modeName(step.mode);
        double roundTo = 1, minKeep = 1;
        if (auto read = reader.number("fraction", step.fraction, 0.0, 0.99); !read)
            return std::unexpected(read.error());
        if (auto read = reader.text("criterion", criterion, { "l1", "l2" }); !read)
            return std::unexpected(read.error());
        if (auto read = reader.text("mode", mode, { "layer", "global" }); !read)
            return std::unexpected(read.error());
        if (auto read = reader.number("round_to", roundTo, 1, 4096); !read)
            return std::unexpected(read.error());
        if (auto read = reader.number("min_keep", minKeep, 1, 1 << 20); !read)
            return std::unexpected(read.error());
        if (auto read = reader.boolean("zero_only", step.zeroOnly); !read)
            return std::unexpected(read.error());
        if (auto read = reader.boolean("inputs", step.inputs); !read)
            return std::unexpected(read.error());
        step.criterion = criterion == "l1" ? PruneChannelsStep::Criterion::L1 : PruneChannelsStep::Criterion::L2;
        step.mode = mode == "global" ? PruneChannelsStep::Mode::Global : PruneChannelsStep::Mode::Layer;
        step.roundTo = static_cast<std::int64_t>(roundTo);
        step.minKeep = static_cast<std::int64_t>(minKeep);
        return step;
    }
    void writeParams(JsonWriter& json, const PruneChannelsStep& step) const override
    {
        json.field("fraction", step.fraction).field("criterion", criterionName(step.criterion));
        json.field("mode", modeName(step.mode)).field("round_to", step.roundTo).field("min_keep", step.minKeep);
        json.field("zero_only", step.zeroOnly).field("inputs", step.inputs);
    }
    Result<void> validateParams(const PruneChannelsStep& step) const override
    {
        if (!(step.fraction >= 0 && step.fraction <= 0.99))
            return fail(ErrorCode::InvalidArgument, "key 'fraction' is out of range [0, 0.99]");
        if (step.roundTo < 1 || step.minKeep < 1)
            return fail(ErrorCode::InvalidArgument, "keys 'round_to' and 'min_keep' are at least 1");
        return {};
    }
    Result<StepOutcome> run(const PruneChannelsStep& step, const Scope& scope, StepContext& context) const override
    {
        return runPruneChannels(step, scope, context);
    }
};

} // namespace

const StepType& pruneChannelsStepType()
{
    static const PruneChannelsType type;
    return type;
}

} // namespace slimscope::core::slim
