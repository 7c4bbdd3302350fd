#pragma once

#include "error.h"

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace slimscope::core {

/// A parsed JSON value (for recipes and other small documents; the analysis is written, never read).
class JsonValue {
public:
    using Array = std::vector<JsonValue>;
    using Object = std::vector<std::pair<std::string, JsonValue>>; ///< in document order

    JsonValue() = default;
    explicit JsonValue(std::nullptr_t) { }
    explicit JsonValue(bool value)
        : m_value(value)
    { }
    explicit JsonValue(double value)
        : m_value(value)
    { }
    explicit JsonValue(std::string value)
        : m_value(std::move(value))
    { }
    explicit JsonValue(Array value)
        : m_value(std::make_shared<Array>(std::move(value)))
    { }
    explicit JsonValue(Object value)
        : m_value(std::make_shared<Object>(std::move(value)))
    { }

    bool isNull() const { return std::holds_alternative<std::monostate>(m_value); }
    bool isBool() const { return std::holds_alternative<bool>(m_value); }
    bool isNumber() const { return std::holds_alternative<double>(m_value); }
    bool isString() const { return std::holds_alternative<std::string>(m_value); }
    bool isArray() const { return std::holds_alternative<std::shared_ptr<Array>>(m_value); }
    bool isObject() const { return std::holds_alternative<std::shared_ptr<Object>>(m_value); }

    bool asBool() const { return std::get<bool>(m_value); }
    double asNumber() const { return std::get<double>(m_value); }
    const std::string& asString() const { return std::get<std::string>(m_value); }
    const Array& asArray() const { return *std::get<std::shared_ptr<Array>>(m_value); }
    const Object& asObject() const { return *std::get<std::shared_ptr<Object>>(m_value); }

    /// Member of an object, or nullptr.
    const JsonValue* find(std::string_view key) const;
    /// "object", "array", "string", "number", "boolean" or "null", for error messages.
    std::string_view typeName() const;

private:
    std::variant<std::monostate, bool, double, std::string, std::shared_ptr<Array>, std::shared_ptr<Object>> m_value;
};

/// Parses a JSON document (RFC 8259). Errors give line and column. Nesting is limited to 64 levels.
Result<JsonValue> parseJson(std::string_view text);

} // namespace slimscope::core
