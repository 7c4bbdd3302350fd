#include "jsonwriter.h"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace slimscope::core {

std::string JsonWriter::escape(std::string_view text)
{
    std::string out;
    out.reserve(text.size() + 2);
    for (const char c : text) {
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        default:
            if (static_cast<unsigned char>(c) < 0x20) {
                char buffer[8];
                std::snprintf(buffer, sizeof buffer, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
                out += buffer;
            } else {
                out += c; // UTF-8 passes through; invalid bytes in names are the model's business
            }
        }
    }
    return out;
}

void JsonWriter::newline()
{
    if (!m_pretty)
        return;
    m_out << '\n';
    for (std::size_t i = 0; i < m_hasItems.size(); ++i)
        m_out << "  ";
}

void JsonWriter::separator()
{
    if (m_afterKey) {
        m_afterKey = false;
        return;
    }
    if (!m_hasItems.empty()) {
        if (m_hasItems.back())
            m_out << ',';
        m_hasItems.back() = true;
        newline();
    }
}

JsonWriter& JsonWriter::beginObject()
{
    separator();
    m_out << '{';
    m_hasItems.push_back(false);
    return *this;
}

JsonWriter& JsonWriter::endObject()
{
    const bool hadItems = m_hasItems.back();
    m_hasItems.pop_back();
    if (hadItems)
        newline();
    m_out << '}';
    if (m_hasItems.empty() && m_pretty)
        m_out << '\n';
    return *this;
}

JsonWriter& JsonWriter::beginArray()
{
    separator();
    m_out << '[';
    m_hasItems.push_back(false);
    return *this;
}

JsonWriter& JsonWriter::endArray()
{
    const bool hadItems = m_hasItems.back();
    m_hasItems.pop_back();
    if (hadItems)
        newline();
    m_out << ']';
    return *this;
}

JsonWriter& JsonWriter::key(std::string_view name)
{
    separator();
    m_out << '"' << escape(name) << "\":" << (m_pretty ? " " : "");
    m_afterKey = true;
    return *this;
}

JsonWriter& JsonWriter::value(std::string_view text)
{
    separator();
    m_out << '"' << escape(text) << '"';
    return *this;
}

JsonWriter& JsonWriter::value(bool flag)
{
    separator();
    m_out << (flag ? "true" : "false");
    return *this;
}

JsonWriter& JsonWriter::value(double number)
{
    separator();
    if (!std::isfinite(number)) {
        m_out << "null";
        return *this;
    }
    // Shortest text that reads back as the same double.
    char buffer[32];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, number);
    m_out << std::string_view(buffer, static_cast<std::size_t>(result.ptr - buffer));
    return *this;
}

JsonWriter& JsonWriter::value(std::int64_t number)
{
    separator();
    m_out << number;
    return *this;
}

JsonWriter& JsonWriter::value(std::uint64_t number)
{
    separator();
    m_out << number;
    return *this;
}

JsonWriter& JsonWriter::null()
{
    separator();
    m_out << "null";
    return *this;
}

JsonWriter& JsonWriter::stringArray(std::string_view name, const std::vector<std::string>& items)
{
    key(name);
    beginArray();
    const bool pretty = m_pretty;
    m_pretty = false; // short lists stay on one line
    for (const auto& item : items)
        value(item);
    endArray();
    m_pretty = pretty;
    return *this;
}

JsonWriter& JsonWriter::intArray(std::string_view name, const std::vector<std::int64_t>& items)
{
    key(name);
    beginArray();
    const bool pretty = m_pretty;
    m_pretty = false;
    for (const auto item : items)
        value(item);
    endArray();
    m_pretty = pretty;
    return *this;
}

} // namespace slimscope::core
