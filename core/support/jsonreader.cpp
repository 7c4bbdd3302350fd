#include "jsonreader.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <sstream>

namespace slimscope::core {

namespace {

using Json = nlohmann::json;

const Json& json(const void* object)
{
    return *static_cast<const Json*>(object);
}

std::string typeName(const Json& value)
{
    if (value.is_boolean())
        return "boolean";
    if (value.is_number())
        return "number";
    return value.type_name(); // "object", "array", "string", "null"
}

constexpr int kMaxDepth = 64;

struct TooDeep { };

} // namespace

JsonObjectReader::JsonObjectReader(std::shared_ptr<const void> document, const void* object, std::string context)
    : m_document(std::move(document))
    , m_object(object)
    , m_context(std::move(context))
{ }

Result<JsonObjectReader> JsonObjectReader::parse(std::string_view text, std::string context)
{
    auto document = std::make_shared<Json>();
    try {
        // Input may be hostile: refuse deep nesting before it costs stack or time anywhere downstream.
        *document = Json::parse(text, [](int depth, Json::parse_event_t, Json&) {
            if (depth > kMaxDepth)
                throw TooDeep {};
            return true;
        });
    } catch (const Json::exception& error) {
        // A syntax error or a number too large for a double (out_of_range.406): "[json.exception.parse_error.101]
        // parse error at line 3, column 5: ..." without the bracketed id.
        std::string message = error.what();
        if (const auto end = message.find("] "); message.starts_with("[json.exception") && end != std::string::npos)
            message.erase(0, end + 2);
        return fail(ErrorCode::InvalidArgument, context + ": " + message);
    } catch (const TooDeep&) {
        return fail(
            ErrorCode::InvalidArgument, context + ": nested deeper than " + std::to_string(kMaxDepth) + " levels");
    }
    if (!document->is_object())
        return fail(ErrorCode::InvalidArgument, context + ": must be a JSON object, not " + typeName(*document));
    const void* root = document.get();
    return JsonObjectReader(std::move(document), root, std::move(context));
}

Error JsonObjectReader::error(std::string_view key, std::string_view what) const
{
    return Error { ErrorCode::InvalidArgument, m_context + ": key '" + std::string(key) + "' " + std::string(what) };
}

const void* JsonObjectReader::find(std::string_view key) const
{
    const Json& object = json(m_object);
    const auto it = object.find(key);
    return it == object.end() ? nullptr : &*it;
}

bool JsonObjectReader::has(std::string_view key) const
{
    return find(key) != nullptr;
}

const void* JsonObjectReader::take(std::string_view key)
{
    skip(key);
    return find(key);
}

void JsonObjectReader::skip(std::string_view key)
{
    m_used.emplace(key);
}

Result<void> JsonObjectReader::boolean(std::string_view key, bool& out)
{
    const Json* found = static_cast<const Json*>(take(key));
    if (!found)
        return {};
    const Json& value = *found;
    if (!value.is_boolean())
        return std::unexpected(error(key, "must be true or false, not " + typeName(value)));
    out = value.get<bool>();
    return {};
}

Result<void> JsonObjectReader::number(std::string_view key, double& out, double low, double high)
{
    const Json* found = static_cast<const Json*>(take(key));
    if (!found)
        return {};
    const Json& value = *found;
    if (!value.is_number())
        return std::unexpected(error(key, "must be a number, not " + typeName(value)));
    const double v = value.get<double>();
    if (!(v >= low && v <= high)) {
        std::ostringstream range;
        range << "is " << v << ", out of range [" << low << ", " << high << "]";
        return std::unexpected(error(key, range.str()));
    }
    out = v;
    return {};
}

Result<void> JsonObjectReader::count(std::string_view key, std::uint64_t& out, std::uint64_t low, std::uint64_t high)
{
    const Json* found = static_cast<const Json*>(take(key));
    if (!found)
        return {};
    const Json& value = *found;
    if (!value.is_number())
        return std::unexpected(error(key, "must be a whole number, not " + typeName(value)));
    std::uint64_t v = 0;
    if (value.is_number_unsigned()) {
        v = value.get<std::uint64_t>();
    } else {
        const double d = value.get<double>();
        if (d < 0 || d != std::floor(d) || d > 1.8e19)
            return std::unexpected(error(key, "must be a whole number of 0 or more, not " + value.dump()));
        v = static_cast<std::uint64_t>(d);
    }
    if (v < low || v > high)
        return std::unexpected(error(key,
            "is " + std::to_string(v) + ", out of range [" + std::to_string(low) + ", " + std::to_string(high) + "]"));
    out = v;
    return {};
}

Result<void> JsonObjectReader::choice(std::string_view key, std::string& out, const std::vector<std::string>& allowed)
{
    const Json* found = static_cast<const Json*>(take(key));
    if (!found)
        return {};
    const Json& value = *found;
    if (!value.is_string())
        return std::unexpected(error(key, "must be a string, not " + typeName(value)));
    const auto& text = value.get_ref<const std::string&>();
    if (allowed.empty() || std::ranges::find(allowed, text) != allowed.end()) {
        out = text;
        return {};
    }
    std::string options;
    for (const auto& option : allowed)
        options += (options.empty() ? "" : ", ") + option;
    return std::unexpected(error(key, "is '" + text + "'; expected one of " + options));
}

Result<void> JsonObjectReader::amount(std::string_view key, std::string& out)
{
    const Json* found = static_cast<const Json*>(take(key));
    if (!found)
        return {};
    const Json& value = *found;
    if (value.is_string())
        out = value.get_ref<const std::string&>();
    else if (value.is_number())
        out = value.dump();
    else
        return std::unexpected(error(key, "must be a number or a string such as \"25MB\", not " + typeName(value)));
    return {};
}

Result<void> JsonObjectReader::text(
    std::string_view key, std::string& out, std::initializer_list<std::string_view> allowed)
{
    return choice(key, out, std::vector<std::string>(allowed.begin(), allowed.end()));
}

Result<void> JsonObjectReader::strings(std::string_view key, std::vector<std::string>& out)
{
    const Json* found = static_cast<const Json*>(take(key));
    if (!found)
        return {};
    const Json& value = *found;
    if (!value.is_array())
        return std::unexpected(error(key, "must be an array of strings, not " + typeName(value)));
    out.clear();
    for (const auto& item : value) {
        if (!item.is_string())
            return std::unexpected(error(key, "must hold strings only, not " + typeName(item)));
        out.push_back(item.get<std::string>());
    }
    return {};
}

Result<JsonObjectReader> JsonObjectReader::object(std::string_view key, std::string childContext)
{
    const void* found = take(key);
    if (!found)
        return std::unexpected(error(key, "is missing"));
    if (!json(found).is_object())
        return std::unexpected(error(key, "must be an object, not " + typeName(json(found))));
    return JsonObjectReader(
        m_document, found, childContext.empty() ? m_context + " " + std::string(key) : std::move(childContext));
}

Result<std::vector<JsonObjectReader>> JsonObjectReader::objects(
    std::string_view key, const std::string& itemName, bool required)
{
    std::vector<JsonObjectReader> out;
    const void* found = take(key);
    if (!found) {
        if (required)
            return std::unexpected(error(key, "is missing"));
        return out;
    }
    const Json& array = json(found);
    if (!array.is_array())
        return std::unexpected(error(key, "must be an array, not " + typeName(array)));
    for (std::size_t i = 0; i < array.size(); ++i) {
        const std::string context = itemName + " " + std::to_string(i + 1);
        if (!array[i].is_object())
            return fail(ErrorCode::InvalidArgument, context + ": must be an object, not " + typeName(array[i]));
        out.push_back(JsonObjectReader(m_document, &array[i], context));
    }
    return out;
}

Result<void> JsonObjectReader::finish() const
{
    for (const auto& [key, value] : json(m_object).items())
        if (!m_used.contains(key))
            return fail(ErrorCode::InvalidArgument, m_context + ": unknown key '" + key + "'");
    return {};
}

} // namespace slimscope::core
