#pragma once

// "Plan for…": the target (a size such as 25MB or 9.5MiB, or a ratio such as 4x), the floor on the outputs'
// cosine, the candidate steps and the samples the planner measures on.

#include "plan/planner.h"

#include <QString>

#include <optional>

class QWidget;

namespace slimscope::ui {

/// Asks for a plan's settings; nullopt when cancelled. `fileBytes` turns a ratio into a size.
std::optional<core::plan::PlanOptions> askPlanOptions(QWidget* parent, std::uint64_t fileBytes);

/// The target as typed: "25MB", "9.5 MiB", "123456" (bytes) or "4x" (four times smaller); an error says why not.
core::Result<std::uint64_t> parsePlanTarget(const QString& text, std::uint64_t fileBytes);

} // namespace slimscope::ui
