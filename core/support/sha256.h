#pragma once

#include "error.h"
#include "progress.h"

#include <cstddef>
#include <span>
#include <string>

namespace slimscope::core {

/// Lower-case hex SHA-256 of a byte range (OpenSSL's implementation, which uses the CPU's SHA extensions).
std::string sha256Hex(std::span<const std::byte> bytes);

/// Same, in chunks, stopping early (and returning an empty string) when `cancel` is set.
std::string sha256Hex(std::span<const std::byte> bytes, const CancelToken* cancel);

} // namespace slimscope::core
