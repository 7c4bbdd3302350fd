#include "opsetupgrade.h"

#include "model/subgraphs.h"

#include <algorithm>
#include <string>
#include <unordered_set>
#include <vector>

#include <onnx/version_converter/convert.h>

#include <exception>

namespace slimscope::core::slim {

std::int64_t defaultOpset(const onnx::ModelProto& model)
{
    for (const auto& opset : model.opset_import())
        if (opset.domain().empty() || opset.domain() == "ai.onnx")
            return opset.version();
    return 0;
}

namespace {

/// What in the graph reads a value nothing defines before it (a node input, a graph output), or empty. ONNX's version
/// converter dereferences such a value without looking (found by fuzzing: a graph output no node computes is a
/// SIGSEGV inside the library), so the model is checked first.
std::string undefinedValue(const onnx::GraphProto& graph, std::unordered_set<std::string> defined)
{
    for (const auto& input : graph.input())
        defined.insert(input.name());
    for (const auto& initializer : graph.initializer())
        defined.insert(initializer.name());
    for (const auto& sparse : graph.sparse_initializer())
        defined.insert(sparse.values().name());
    for (const auto& node : graph.node()) {
        for (const auto& input : node.input())
            if (!input.empty() && !defined.contains(input))
                return "node '" + node.name() + "' reads '" + input + "', which nothing defines before it";
        std::string found;
        model::forEachSubgraph(node, [&](const onnx::GraphProto& body) {
            if (found.empty())
                found = undefinedValue(body, defined);
        });
        if (!found.empty())
            return found;
        for (const auto& output : node.output())
            defined.insert(output);
    }
    for (const auto& output : graph.output())
        if (!defined.contains(output.name()))
            return "graph output '" + output.name() + "' is computed by no node";
    return {};
}

} // namespace

bool upgradeOpset(WorkingModel& model, std::int64_t target, const std::string& why, Diagnostics& diagnostics)
{
    const std::int64_t from = defaultOpset(model.proto());
    if (from >= target)
        return false;
    const auto refuse = [&](const std::string& reason) {
        diagnostics.push_back({ Diagnostic::Severity::Warning, {},
            why + ": ONNX's version converter cannot take the model to opset " + std::to_string(target) + ": "
                + reason });
        return false;
    };
    if (from == 0)
        return refuse("it imports no default (ai.onnx) opset");
    if (std::string undefined = undefinedValue(model.proto().graph(), {}); !undefined.empty())
        return refuse(undefined);
    // The converter needs the whole model: the skeleton with its payloads back in place.
    onnx::ModelProto full = model.proto();
    std::vector<const onnx::TensorProto*> skeleton;
    model.forEachTensor([&](const onnx::TensorProto& tensor) { skeleton.push_back(&tensor); });
    std::vector<onnx::TensorProto*> copies;
    visitTensors(full, [&](onnx::TensorProto& tensor) { copies.push_back(&tensor); });
    for (std::size_t t = 0; t < skeleton.size() && t < copies.size(); ++t) {
        if (!model.hasSource(*skeleton[t]))
            continue;
        auto bytes = model.data(*skeleton[t]);
        if (!bytes) {
            diagnostics.push_back({ Diagnostic::Severity::Warning, {},
                why + ": could not upgrade opset " + std::to_string(from) + ": " + bytes.error().message });
            return false;
        }
        copies[t]->set_raw_data(bytes->bytes.data(), bytes->bytes.size());
    }
    onnx::ModelProto converted;
    try {
        converted = onnx::version_conversion::ConvertVersion(full, static_cast<int>(target));
    } catch (const std::exception& error) {
        diagnostics.push_back({ Diagnostic::Severity::Warning, {},
            why + ": ONNX's version converter could not take the model from opset " + std::to_string(from) + " to "
                + std::to_string(target) + ": " + error.what() });
        return false;
    }
    model.replaceModel(std::move(converted));
    diagnostics.push_back({ Diagnostic::Severity::Info, kOpsetUpgradeSubject,
        why + ": upgraded the model from opset " + std::to_string(from) + " to " + std::to_string(target)
            + " with ONNX's version converter (the written model is compared with the original in ONNX Runtime)" });
    return true;
}

bool upgradedOpset(const Diagnostics& diagnostics)
{
    return std::ranges::any_of(diagnostics, [](const Diagnostic& d) { return d.subject == kOpsetUpgradeSubject; });
}

} // namespace slimscope::core::slim
