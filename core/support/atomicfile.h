#pragma once

#include "error.h"

#include <filesystem>
#include <string_view>

namespace slimscope::core {

/// Writes `contents` to `target` atomically: a temporary file in the same folder, fsync, rename. On any
/// failure the temporary file is removed and `target` is left as it was.
Result<void> writeFileAtomically(const std::filesystem::path& target, std::string_view contents);

} // namespace slimscope::core
