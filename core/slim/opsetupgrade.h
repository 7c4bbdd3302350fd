#pragma once

// Opset upgrades for steps that need newer operators (DequantizeLinear: 10, per axis: 13) than a model
// imports, through ONNX's own version converter. Used by the steps; callers read kOpsetUpgradeSubject.

#include "support/error.h"
#include "workingmodel.h"

#include <cstdint>

namespace slimscope::core::slim {

/// The subject of the diagnostic an upgrade leaves, so that callers can act on it (the CLI verifies the result).
inline constexpr const char* kOpsetUpgradeSubject = "opset_upgrade";

/// True when a step upgraded the model's opset (an upgrade diagnostic is among `diagnostics`): the written model
/// is then compared with the original in ONNX Runtime without being asked.
bool upgradedOpset(const Diagnostics& diagnostics);

/// The default-domain opset the model imports (0 when absent).
std::int64_t defaultOpset(const onnx::ModelProto& model);

/// Upgrades the working model to `target` when it imports an older default opset: every payload is put back,
/// ONNX's converter rewrites the model, and the converted tensors become the model's bytes. Returns whether
/// the model was upgraded; when the converter cannot, says why in `diagnostics` (naming what it stopped at)
/// and leaves the model as it was. `why` names the step that needs it.
bool upgradeOpset(WorkingModel& model, std::int64_t target, const std::string& why, Diagnostics& diagnostics);

} // namespace slimscope::core::slim
