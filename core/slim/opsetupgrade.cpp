#include "opsetupgrade.h"

#include <algorithm>

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

bool upgradeOpset(WorkingModel& model, std::int64_t target, const std::string& why, Diagnostics& diagnostics)
{
    const std::int64_t from = defaultOpset(model.proto());
    if (from >= target)
        return false;
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
