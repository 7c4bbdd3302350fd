// Sizes, counts and shares as users type them.
#include "support/quantities.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <optional>
#include <string>

namespace slimscope::core {

namespace {

std::string_view trimmed(std::string_view text)
{
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
        text.remove_prefix(1);
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
        text.remove_suffix(1);
    return text;
}

/// The leading number of `text` and the rest (the unit, trimmed, lower-cased); nullopt without a number.
std::optional<std::pair<double, std::string>> numberAndUnit(std::string_view text)
{
    text = trimmed(text);
    double value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || !std::isfinite(value) || value < 0)
        return std::nullopt;
    std::string unit(trimmed(std::string_view(end, static_cast<std::size_t>(text.data() + text.size() - end))));
    std::ranges::transform(unit, unit.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return std::pair { value, unit };
}

Result<std::uint64_t> scaled(double value, double factor, std::string_view text, const char* what)
{
    const double result = std::round(value * factor);
    if (result > 1.8e19)
        return fail(ErrorCode::InvalidArgument, std::string(what) + " '" + std::string(text) + "' is too large");
    return static_cast<std::uint64_t>(result);
}

} // namespace

Result<std::uint64_t> parseByteSize(std::string_view text)
{
    const auto parsed = numberAndUnit(text);
    static const std::pair<std::string_view, double> units[] { { "", 1 }, { "b", 1 }, { "kb", 1e3 }, { "mb", 1e6 },
        { "gb", 1e9 }, { "tb", 1e12 }, { "kib", 1024.0 }, { "mib", 1048576.0 }, { "gib", 1073741824.0 },
        { "tib", 1099511627776.0 } };
    if (parsed)
        for (const auto& [unit, factor] : units)
            if (parsed->second == unit)
                return scaled(parsed->first, factor, text, "size");
    return fail(ErrorCode::InvalidArgument,
        "size '" + std::string(text)
            + "': give bytes, or a number with KB/MB/GB (10^3, 10^6, 10^9) or KiB/MiB/GiB "
              "(2^10, 2^20, 2^30)");
}

Result<std::uint64_t> parseCount(std::string_view text)
{
    const auto parsed = numberAndUnit(text);
    static const std::pair<std::string_view, double> units[] { { "", 1 }, { "k", 1e3 }, { "m", 1e6 }, { "g", 1e9 } };
    if (parsed)
        for (const auto& [unit, factor] : units)
            if (parsed->second == unit)
                return scaled(parsed->first, factor, text, "count");
    return fail(ErrorCode::InvalidArgument,
        "count '" + std::string(text) + "': give a number, or one with K/M/G (10^3, 10^6, 10^9)");
}

Result<double> parsePercent(std::string_view text)
{
    const auto parsed = numberAndUnit(text);
    if (!parsed || (!parsed->second.empty() && parsed->second != "%") || parsed->first > 100.0)
        return fail(ErrorCode::InvalidArgument, "percentage '" + std::string(text) + "': give 0 to 100, as 5 or 5%");
    return parsed->first / 100.0;
}

} // namespace slimscope::core
