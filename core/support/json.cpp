#include "json.h"

#include <cctype>
#include <charconv>
#include <cstdlib>

namespace slimscope::core {

const JsonValue* JsonValue::find(std::string_view key) const
{
    if (!isObject())
        return nullptr;
    for (const auto& [name, value] : asObject())
        if (name == key)
            return &value;
    return nullptr;
}

std::string_view JsonValue::typeName() const
{
    if (isObject())
        return "object";
    if (isArray())
        return "array";
    if (isString())
        return "string";
    if (isNumber())
        return "number";
    if (isBool())
        return "boolean";
    return "null";
}

namespace {

class Parser {
public:
    explicit Parser(std::string_view text)
        : m_text(text)
    { }

    Result<JsonValue> document()
    {
        auto value = parseValue(0);
        if (!value)
            return value;
        skipSpace();
        if (m_pos != m_text.size())
            return error("unexpected text after the document");
        return value;
    }

private:
    std::unexpected<Error> error(const std::string& what) const
    {
        int line = 1, column = 1;
        for (std::size_t i = 0; i < m_pos && i < m_text.size(); ++i) {
            if (m_text[i] == '\n') {
                ++line;
                column = 1;
            } else {
                ++column;
            }
        }
        return fail(ErrorCode::InvalidArgument,
            "invalid JSON at line " + std::to_string(line) + ", column " + std::to_string(column) + ": " + what);
    }

    void skipSpace()
    {
        while (m_pos < m_text.size()
            && (m_text[m_pos] == ' ' || m_text[m_pos] == '\t' || m_text[m_pos] == '\n' || m_text[m_pos] == '\r'))
            ++m_pos;
    }

    bool consume(std::string_view word)
    {
        if (m_text.substr(m_pos, word.size()) != word)
            return false;
        m_pos += word.size();
        return true;
    }

    Result<JsonValue> parseValue(int depth)
    {
        if (depth > 64)
            return error("nested more than 64 levels");
        skipSpace();
        if (m_pos >= m_text.size())
            return error("unexpected end of the document");
        const char c = m_text[m_pos];
        if (c == '{')
            return parseObject(depth);
        if (c == '[')
            return parseArray(depth);
        if (c == '"') {
            auto text = parseString();
            if (!text)
                return std::unexpected(text.error());
            return JsonValue(std::move(*text));
        }
        if (consume("true"))
            return JsonValue(true);
        if (consume("false"))
            return JsonValue(false);
        if (consume("null"))
            return JsonValue(nullptr);
        return parseNumber();
    }

    Result<JsonValue> parseNumber()
    {
        const std::size_t begin = m_pos;
        if (m_pos < m_text.size() && m_text[m_pos] == '-')
            ++m_pos;
        while (m_pos < m_text.size()
            && (std::isdigit(static_cast<unsigned char>(m_text[m_pos])) || m_text[m_pos] == '.' || m_text[m_pos] == 'e'
                || m_text[m_pos] == 'E' || m_text[m_pos] == '+' || m_text[m_pos] == '-'))
            ++m_pos;
        double value = 0;
        const auto [end, status] = std::from_chars(m_text.data() + begin, m_text.data() + m_pos, value);
        if (begin == m_pos || status != std::errc() || end != m_text.data() + m_pos) {
            m_pos = begin;
            return error("expected a value");
        }
        return JsonValue(value);
    }

    Result<std::string> parseString()
    {
        ++m_pos; // opening quote
        std::string out;
        while (m_pos < m_text.size()) {
            const char c = m_text[m_pos++];
            if (c == '"')
                return out;
            if (static_cast<unsigned char>(c) < 0x20)
                return error("control character in a string");
            if (c != '\\') {
                out.push_back(c);
                continue;
            }
            if (m_pos >= m_text.size())
                break;
            const char escape = m_text[m_pos++];
            switch (escape) {
            case '"':
            case '\\':
            case '/':
                out.push_back(escape);
                break;
            case 'b':
                out.push_back('\b');
                break;
            case 'f':
                out.push_back('\f');
                break;
            case 'n':
                out.push_back('\n');
                break;
            case 'r':
                out.push_back('\r');
                break;
            case 't':
                out.push_back('\t');
                break;
            case 'u': {
                if (m_pos + 4 > m_text.size())
                    return error("truncated \\u escape");
                unsigned code = 0;
                const auto [end, status] = std::from_chars(m_text.data() + m_pos, m_text.data() + m_pos + 4, code, 16);
                if (status != std::errc() || end != m_text.data() + m_pos + 4)
                    return error("bad \\u escape");
                m_pos += 4;
                // Encode as UTF-8 (surrogate pairs are passed through as two code points; recipes are ASCII).
                if (code < 0x80) {
                    out.push_back(static_cast<char>(code));
                } else if (code < 0x800) {
                    out.push_back(static_cast<char>(0xC0 | (code >> 6)));
                    out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
                } else {
                    out.push_back(static_cast<char>(0xE0 | (code >> 12)));
                    out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
                    out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
                }
                break;
            }
            default:
                return error(std::string("unknown escape \\") + escape);
            }
        }
        return error("unterminated string");
    }

    Result<JsonValue> parseArray(int depth)
    {
        ++m_pos;
        JsonValue::Array items;
        skipSpace();
        if (consume("]"))
            return JsonValue(std::move(items));
        for (;;) {
            auto item = parseValue(depth + 1);
            if (!item)
                return item;
            items.push_back(std::move(*item));
            skipSpace();
            if (consume("]"))
                return JsonValue(std::move(items));
            if (!consume(","))
                return error("expected ',' or ']'");
        }
    }

    Result<JsonValue> parseObject(int depth)
    {
        ++m_pos;
        JsonValue::Object members;
        skipSpace();
        if (consume("}"))
            return JsonValue(std::move(members));
        for (;;) {
            skipSpace();
            if (m_pos >= m_text.size() || m_text[m_pos] != '"')
                return error("expected a member name in quotes");
            auto key = parseString();
            if (!key)
                return std::unexpected(key.error());
            skipSpace();
            if (!consume(":"))
                return error("expected ':' after \"" + *key + "\"");
            auto value = parseValue(depth + 1);
            if (!value)
                return value;
            for (const auto& [name, existing] : members)
                if (name == *key)
                    return error("duplicate key \"" + *key + "\"");
            members.emplace_back(std::move(*key), std::move(*value));
            skipSpace();
            if (consume("}"))
                return JsonValue(std::move(members));
            if (!consume(","))
                return error("expected ',' or '}'");
        }
    }

    std::string_view m_text;
    std::size_t m_pos = 0;
};

} // namespace

Result<JsonValue> parseJson(std::string_view text)
{
    return Parser(text).document();
}

} // namespace slimscope::core
