#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace slimscope::core {

/// "13.3 MiB", "512 B": binary units for people; exact numbers go to tooltips and exports.
std::string humanBytes(std::uint64_t bytes);
/// "3.5 M", "12.1 k", "950".
std::string humanCount(std::uint64_t count);
/// "12,448": every digit, in groups of three.
std::string groupedCount(std::uint64_t count);
/// "42.0 %" from a fraction.
std::string humanPercent(double fraction, int decimals = 1);
/// "[64,3,7,7]"; "[]" for scalars.
std::string shapeString(const std::vector<std::int64_t>& shape);
/// A double in the shortest form that reads back the same.
std::string shortDouble(double value);

/// `text` cut to `width` characters (at least 8) with "..." in the middle, so that names that share a long
/// prefix or a long suffix stay told apart: "If_0_then_b...decoder.rnn.weight_ih". Unchanged when it fits.
std::string shortenMiddle(const std::string& text, std::size_t width);

/// The non-empty items of a comma-separated list ("a,b,,c" -> a, b, c), as options such as --quantize-keep take.
std::vector<std::string> splitCommaList(std::string_view text);

} // namespace slimscope::core
