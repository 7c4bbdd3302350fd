#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace slimscope::core {

/// "13.3 MiB", "512 B": binary units for people; exact numbers go to tooltips and exports.
std::string humanBytes(std::uint64_t bytes);
/// "3.5 M", "12.1 k", "950".
std::string humanCount(std::uint64_t count);
/// "42.0 %" from a fraction.
std::string humanPercent(double fraction, int decimals = 1);
/// "[64,3,7,7]"; "[]" for scalars.
std::string shapeString(const std::vector<std::int64_t>& shape);
/// A double in the shortest form that reads back the same.
std::string shortDouble(double value);

} // namespace slimscope::core
