// cleanup: lossless removal of duplicate, unused and dead parts. Outputs stay bit-identical.
#include "cleanup.h"

#include "slim/stepsupport.h"
#include "support/jsonreader.h"
#include "support/jsonwriter.h"

#include "model/liveness.h"

#include "support/format.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <unordered_set>

namespace slimscope::core::slim {

namespace {

void eraseInputs(onnx::GraphProto& graph, const std::unordered_set<std::string>& names)
{
    auto* inputs = graph.mutable_input();
    for (int i = inputs->size() - 1; i >= 0; --i)
        if (names.contains(inputs->Get(i).name()))
            inputs->DeleteSubrange(i, 1);
}

int commonAncestor(const std::vector<WorkingGraph>& graphs, int a, int b)
{
    std::unordered_set<int> chain;
    for (int g = a; g >= 0; g = graphs[static_cast<std::size_t>(g)].parent)
        chain.insert(g);
    for (int g = b; g >= 0; g = graphs[static_cast<std::size_t>(g)].parent)
        if (chain.contains(g))
            return g;
    return 0;
}

// Merges byte-identical weights, initializers and Constant nodes alike (paddle2onnx stores every weight in a
// Constant, silero repeats its LSTM weights in both branches of an If). One copy is kept in the nearest graph
// that encloses all the copies, which subgraphs read from the outer scope: an initializer of that graph if one
// is a copy, else a new initializer there (named like the Constant it replaces, when one sits in that graph).
// Initializers are visible to every node, so no node order has to change.
std::uint64_t dedupe(WorkingModel& model, std::uint64_t& count)
{
    GraphIndex index(model);
    const auto& graphs = index.graphs();
    std::map<std::tuple<int, std::vector<std::int64_t>, std::uint64_t>, std::vector<const InitializerRef*>> groups;
    for (const auto& weight : index.weights()) {
        const onnx::TensorProto& tensor = *weight.tensor;
        const std::uint64_t size = model.payloadBytes(tensor);
        if (size == 0 || index.isGraphInput(weight.name) || index.isGraphOutput(weight.name))
            continue;
        groups[{ tensor.data_type(), { tensor.dims().begin(), tensor.dims().end() }, size }].push_back(&weight);
    }
    std::uint64_t saved = 0;
    std::vector<std::unordered_set<std::string>> erase(graphs.size());
    std::vector<std::unordered_set<const onnx::NodeProto*>> dropConstants(graphs.size());
    std::vector<std::pair<int, std::pair<std::string, std::string>>> renames; // graph, (from, to)
    for (auto& [key, members] : groups) {
        if (members.size() < 2)
            continue;
        std::vector<std::vector<const InitializerRef*>> sets;
        std::vector<model::TensorBytes> representatives;
        for (const InitializerRef* member : members) {
            auto bytes = model.data(*member->tensor);
            if (!bytes)
                continue;
            bool placed = false;
            for (std::size_t s = 0; s < sets.size() && !placed; ++s)
                if (std::memcmp(representatives[s].bytes.data(), bytes->bytes.data(), bytes->bytes.size()) == 0) {
                    sets[s].push_back(member);
                    placed = true;
                }
            if (!placed) {
                sets.push_back({ member });
                representatives.push_back(std::move(*bytes));
            }
        }
        for (auto& set : sets) {
            if (set.size() < 2)
                continue;
            int home = set.front()->graph;
            for (const InitializerRef* member : set)
                home = commonAncestor(graphs, home, member->graph);
            const auto inHome = [&](bool constant) {
                return std::ranges::find_if(set, [&](const InitializerRef* m) {
                    return m->graph == home && (m->constantNode != nullptr) == constant;
                });
            };
            auto keeper = inHome(false);
            const bool keepInitializer = keeper != set.end();
            if (!keepInitializer)
                keeper = inHome(true);
            const InitializerRef* kept = keepInitializer ? *keeper : nullptr;
            std::string keeperName;
            if (kept) {
                keeperName = kept->name;
            } else {
                // The Constant in the home graph (if any) gives up its name to the initializer that replaces it.
                keeperName = keeper != set.end() ? (*keeper)->name : index.uniqueName(set.front()->name);
                onnx::TensorProto& hoisted = *graphs[static_cast<std::size_t>(home)].graph->add_initializer();
                hoisted.set_name(keeperName);
                hoisted.set_data_type(set.front()->tensor->data_type());
                hoisted.mutable_dims()->CopyFrom(set.front()->tensor->dims());
                model.shareSource(*set.front()->tensor, hoisted);
                listAsInputIfRequired(model, *graphs[static_cast<std::size_t>(home)].graph, hoisted);
                saved -= model.payloadBytes(hoisted); // the hoisted copy is new bytes
            }
            count += set.size() - 1;
            for (const InitializerRef* member : set) {
                if (member == kept)
                    continue;
                if (member->name != keeperName)
                    renames.push_back({ member->graph, { member->name, keeperName } });
                if (member->constantNode)
                    dropConstants[static_cast<std::size_t>(member->graph)].insert(member->constantNode);
                else
                    erase[static_cast<std::size_t>(member->graph)].insert(member->name);
                saved += model.payloadBytes(*member->tensor);
            }
        }
    }
    for (const auto& [graph, names] : renames)
        renameUses(*graphs[static_cast<std::size_t>(graph)].graph, names.first, names.second);
    for (std::size_t g = 0; g < graphs.size(); ++g) {
        if (!erase[g].empty())
            eraseInitializers(
                model, *graphs[g].graph, [&](const onnx::TensorProto& t) { return erase[g].contains(t.name()); });
        if (dropConstants[g].empty())
            continue;
        auto* nodes = graphs[g].graph->mutable_node();
        for (int n = nodes->size() - 1; n >= 0; --n)
            if (dropConstants[g].contains(&nodes->Get(n))) {
                model.forgetAllIn(nodes->Get(n));
                nodes->DeleteSubrange(n, 1);
            }
    }
    return saved;
}

// Removes the nodes model::liveNodes finds dead (as the dead_node finding does); returns how many.
std::uint64_t removeDeadNodes(WorkingModel& model)
{
    std::uint64_t removed = 0;
    // Children before parents: removing a node deletes the subgraphs it owns.
    auto graphs = model.graphs();
    for (auto it = graphs.rbegin(); it != graphs.rend(); ++it) {
        onnx::GraphProto& graph = *it->graph;
        const std::vector<bool> live = model::liveNodes(graph);
        auto* nodes = graph.mutable_node();
        int kept = 0;
        for (int n = 0; n < nodes->size(); ++n) {
            if (!live[static_cast<std::size_t>(n)]) {
                model.forgetAllIn(nodes->Get(n));
                ++removed;
                continue;
            }
            if (kept != n)
                nodes->SwapElements(kept, n);
            ++kept;
        }
        nodes->DeleteSubrange(kept, nodes->size() - kept);
    }
    return removed;
}

std::uint64_t removeUnused(WorkingModel& model, std::uint64_t& bytes)
{
    GraphIndex index(model);
    std::uint64_t removed = 0;
    for (const auto& info : index.graphs()) {
        onnx::GraphProto& graph = *info.graph;
        std::unordered_set<std::string> unused;
        for (const auto& tensor : graph.initializer())
            if (index.uses(tensor.name()).empty() && !index.isGraphOutput(tensor.name())) {
                unused.insert(tensor.name());
                bytes += model.payloadBytes(tensor);
            }
        eraseInitializers(model, graph, [&](const onnx::TensorProto& t) { return unused.contains(t.name()); });
        auto* sparse = graph.mutable_sparse_initializer();
        for (int i = sparse->size() - 1; i >= 0; --i) {
            const auto& name = sparse->Get(i).values().name();
            if (!index.uses(name).empty() || index.isGraphOutput(name))
                continue;
            bytes += model.payloadBytes(sparse->Get(i).values()) + model.payloadBytes(sparse->Get(i).indices());
            model.forget(sparse->Get(i).values());
            model.forget(sparse->Get(i).indices());
            unused.insert(name);
            sparse->DeleteSubrange(i, 1);
        }
        // An unused initializer that old IR versions also list as an input goes from the inputs too.
        eraseInputs(graph, unused);
        removed += unused.size();
    }
    return removed;
}

Result<StepOutcome> runCleanup(const CleanupStep& step, StepContext& context)
{
    WorkingModel& model = context.model;
    std::vector<std::string> parts;
    if (step.dropInitializerInputs) {
        if (model.proto().ir_version() >= 4) {
            onnx::GraphProto& graph = *model.proto().mutable_graph();
            std::unordered_set<std::string> initializers;
            for (const auto& tensor : graph.initializer())
                initializers.insert(tensor.name());
            const int before = graph.input_size();
            eraseInputs(graph, initializers);
            if (before != graph.input_size())
                parts.push_back(
                    "dropped " + std::to_string(before - graph.input_size()) + " initializer(s) from the graph inputs");
        } else if (model.proto().graph().initializer_size() > 0) {
            context.diagnostics.push_back({ Diagnostic::Severity::Info, {},
                "cleanup: IR version " + std::to_string(model.proto().ir_version())
                    + " requires initializers to be listed as graph inputs; they stay" });
        }
    }
    if (step.dedupe) {
        std::uint64_t count = 0;
        const std::uint64_t saved = dedupe(model, count);
        if (count)
            parts.push_back("merged " + std::to_string(count) + " duplicate tensor(s) (" + humanBytes(saved) + ")");
    }
    if (step.removeDeadNodes) {
        std::uint64_t total = 0;
        for (std::uint64_t removed = removeDeadNodes(model); removed > 0; removed = removeDeadNodes(model))
            total += removed;
        if (total)
            parts.push_back("removed " + std::to_string(total) + " dead node(s)");
    }
    if (step.removeUnused) {
        std::uint64_t bytes = 0;
        if (const auto removed = removeUnused(model, bytes))
            parts.push_back("removed " + std::to_string(removed) + " unused tensor(s) (" + humanBytes(bytes) + ")");
    }
    StepOutcome outcome;
    for (const auto& part : parts)
        outcome.summary += (outcome.summary.empty() ? "" : "; ") + part;
    if (outcome.summary.empty())
        outcome.summary = "nothing to clean up";
    return outcome;
}

class CleanupType final : public TypedStepType<CleanupStep> {
public:
    std::string_view title() const override { return "Clean-up"; }
    std::string_view help() const override
    {
        return "lossless: merge duplicate tensors, remove unused tensors and dead nodes, drop initializers "
               "listed as inputs";
    }
    bool usesScope() const override { return false; }

protected:
    std::string describeParams(const CleanupStep&) const override { return "cleanup"; }
    Result<CleanupStep> readParams(JsonObjectReader& reader) const override
    {
        CleanupStep step;
        for (auto [key, field] : { std::pair { "dedupe", &step.dedupe }, { "remove_unused", &step.removeUnused },
                 { "remove_dead_nodes", &step.removeDeadNodes },
                 { "drop_initializer_inputs", &step.dropInitializerInputs } })
            if (auto read = reader.boolean(key, *field); !read)
                return std::unexpected(read.error());
        return step;
    }
    void writeParams(JsonWriter& json, const CleanupStep& step) const override
    {
        json.field("dedupe", step.dedupe).field("remove_unused", step.removeUnused);
        json.field("remove_dead_nodes", step.removeDeadNodes);
        json.field("drop_initializer_inputs", step.dropInitializerInputs);
    }
    Result<StepOutcome> run(const CleanupStep& step, const Scope&, StepContext& context) const override
    {
        return runCleanup(step, context);
    }
};

} // namespace

const StepType& cleanupStepType()
{
    static const CleanupType type;
    return type;
}

} // namespace slimscope::core::slim
