#pragma once

#include "slim/exporter.h"
#include "slim/recipe.h"
#include "slim/slimmer.h"
#include "support/jsonwriter.h"

#include <functional>
#include <optional>
#include <ostream>
#include <string_view>

namespace slimscope::core::report {

inline constexpr std::string_view kSlimSchema = "slimscope.slim/1";

/// What `slimscope-cli slim` did: the preview, and the export when a file was written.
struct SlimReport {
    std::string modelPath;
    const slim::Recipe* recipe = nullptr;
    const slim::Preview* preview = nullptr;
    const slim::ExportResult* written = nullptr; ///< null for --dry-run
    /// Writes a "verification" member when set (the runtime module renders itself).
    std::function<void(JsonWriter&)> verificationJson;
    std::function<void(std::ostream&)> verificationTable;
};

/// JSON, schema slimscope.slim/1 (docs/cli.md).
void writeSlimJson(std::ostream& out, const SlimReport& report);
/// A terminal summary: before → after, steps, the most changed tensors.
void writeSlimTable(std::ostream& out, const SlimReport& report, int topTensors = 15);

} // namespace slimscope::core::report
