#pragma once

#include "error.h"

#include <filesystem>
#include <functional>
#include <string_view>

namespace slimscope::core {

/// Writes `contents` to `target` atomically: a temporary file in the same folder, fsync, rename. On any
/// failure the temporary file is removed and `target` is left as it was.
Result<void> writeFileAtomically(const std::filesystem::path& target, std::string_view contents);

/// Same, with the contents written by `writer` to an open file descriptor (for outputs too large to hold as
/// one string). `beforeRename` may inspect the finished temporary file and veto the rename.
Result<void> writeFileAtomically(const std::filesystem::path& target, const std::function<Result<void>(int fd)>& writer,
    const std::function<Result<void>(const std::filesystem::path& temporary)>& beforeRename = {});

} // namespace slimscope::core
