#pragma once

// What the fuzz targets share: a private folder for inputs that the code under test reads from files (models,
// .npy inputs, budgets with a baseline), a check that stops the run when a property does not hold, and the
// slim-export-reload round of the slimming targets.

#include "analysis/analysis.h"
#include "slim/exporter.h"
#include "slim/recipe.h"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string_view>

namespace slimscope::fuzz {

/// A folder of this process's own under the temporary folder (created on first use, removed at exit).
const std::filesystem::path& scratchFolder();

/// Writes `size` bytes to `name` in the scratch folder, replacing what was there, and returns the file's path.
std::filesystem::path writeScratch(std::string_view name, const std::uint8_t* data, std::size_t size);

/// Aborts with `what` when `condition` is false: a property of the code under test that an input broke. libFuzzer
/// keeps the input as a crash reproducer.
void require(bool condition, std::string_view what);

/// Applies `recipe` to an analysed model, exports the result to `output` and loads and analyses what was written.
/// Slimming and export may refuse, with a reason; what they export must load again.
void slimExportAndReload(const core::analysis::Analysis& analyzed, const core::slim::Recipe& recipe,
    const std::filesystem::path& output, const core::slim::ExportOptions& options = {});

} // namespace slimscope::fuzz
