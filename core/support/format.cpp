#include "format.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace slimscope::core {

std::string humanBytes(std::uint64_t bytes)
{
    static constexpr const char* units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
    if (bytes < 1024)
        return std::to_string(bytes) + " B";
    double value = static_cast<double>(bytes);
    int unit = 0;
    while (value >= 1024.0 && unit < 4) {
        value /= 1024.0;
        ++unit;
    }
    char text[32];
    std::snprintf(text, sizeof text, value < 10.0 ? "%.2f %s" : "%.1f %s", value, units[unit]);
    return text;
}

std::string humanCount(std::uint64_t count)
{
    static constexpr const char* units[] = { "", " k", " M", " G", " T" };
    if (count < 1000)
        return std::to_string(count);
    double value = static_cast<double>(count);
    int unit = 0;
    while (value >= 1000.0 && unit < 4) {
        value /= 1000.0;
        ++unit;
    }
    char text[32];
    std::snprintf(text, sizeof text, value < 10.0 ? "%.2f%s" : "%.1f%s", value, units[unit]);
    return text;
}

std::string groupedCount(std::uint64_t count)
{
    const std::string digits = std::to_string(count);
    std::string out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0)
            out += ',';
        out += digits[i];
    }
    return out;
}

std::string humanPercent(double fraction, int decimals)
{
    char text[32];
    std::snprintf(text, sizeof text, "%.*f %%", decimals, fraction * 100.0);
    return text;
}

std::string shapeString(const std::vector<std::int64_t>& shape)
{
    std::string text = "[";
    for (std::size_t i = 0; i < shape.size(); ++i) {
        if (i)
            text += ",";
        text += std::to_string(shape[i]);
    }
    return text + "]";
}

std::string shortDouble(double value)
{
    if (std::isnan(value))
        return "nan";
    char buffer[32];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    return std::string(buffer, result.ptr);
}

std::vector<std::string> splitCommaList(std::string_view text)
{
    std::vector<std::string> items;
    for (std::size_t begin = 0; begin <= text.size();) {
        const std::size_t comma = std::min(text.find(',', begin), text.size());
        if (comma > begin)
            items.emplace_back(text.substr(begin, comma - begin));
        begin = comma + 1;
    }
    return items;
}

std::string shortenMiddle(const std::string& text, std::size_t width)
{
    width = std::max<std::size_t>(width, 8);
    if (text.size() <= width)
        return text;
    const std::size_t kept = width - 3;
    const std::size_t head = kept / 3; // the end usually tells more (".weight_ih", "conv.2.weight")
    return text.substr(0, head) + "..." + text.substr(text.size() - (kept - head));
}

} // namespace slimscope::core
