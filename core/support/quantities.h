#pragma once

// The one parser of sizes, counts and shares that users type (plan's targets, budgets): KB/MB/GB are powers of
// 10, KiB/MiB/GiB powers of 2, a bare number is bytes; K/M/G for counts; a share as "5" or "5%".

#include "support/error.h"

#include <cstdint>
#include <string_view>

namespace slimscope::core {

/// "12345", "12.5MB", "12.5 MB", "9.69MiB", "2GiB", "500kB" (units case-insensitive, B optional after K/M/G only
/// when written KiB/MiB/GiB or KB/MB/GB). An error quotes the text.
Result<std::uint64_t> parseByteSize(std::string_view text);
/// "25000000", "25M", "2.5G", "300k".
Result<std::uint64_t> parseCount(std::string_view text);
/// "5" or "5%" (percent, 0 to 100) as a fraction: 0.05.
Result<double> parsePercent(std::string_view text);

} // namespace slimscope::core
