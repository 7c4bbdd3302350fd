#pragma once

#include "error.h"

#include <cstddef>
#include <span>
#include <string>

namespace slimscope::core {

/// Lower-case hex SHA-256 of a byte range (OpenSSL's implementation, which uses the CPU's SHA extensions).
std::string sha256Hex(std::span<const std::byte> bytes);

} // namespace slimscope::core
