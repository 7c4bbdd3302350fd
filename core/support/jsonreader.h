#pragma once

// Reading JSON input (recipes, budgets): nlohmann-json parses; this class walks one object and turns every
// surprise into an error that names the key and where it is ("step 2 (prune): key 'sparsity' ...").

#include "error.h"

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace slimscope::core {

/// One JSON object being read. Every key read is remembered, so that finish() can refuse the rest by name.
class JsonObjectReader {
public:
    /// Parses `text`; the root must be an object. Syntax errors give line and column.
    static Result<JsonObjectReader> parse(std::string_view text, std::string context);

    const std::string& context() const { return m_context; }
    void setContext(std::string context) { m_context = std::move(context); }
    Error error(std::string_view key, std::string_view what) const;

    bool has(std::string_view key) const;
    Result<void> boolean(std::string_view key, bool& out);
    /// A number in [low, high].
    Result<void> number(std::string_view key, double& out, double low, double high);
    /// A whole number in [low, high].
    Result<void> count(std::string_view key, std::uint64_t& out, std::uint64_t low, std::uint64_t high);
    /// A string, required to be one of `allowed` when that list is not empty.
    Result<void> text(std::string_view key, std::string& out, std::initializer_list<std::string_view> allowed = {});
    Result<void> choice(std::string_view key, std::string& out, const std::vector<std::string>& allowed);
    Result<void> strings(std::string_view key, std::vector<std::string>& out);
    /// A string, or a number as its JSON text: an amount the caller parses ("25MB" or 25000000).
    Result<void> amount(std::string_view key, std::string& out);
    /// A nested object, read with the context "<context> <key>" (or `childContext` when given).
    Result<JsonObjectReader> object(std::string_view key, std::string childContext = {});
    /// An array whose items are objects, each read with the context `itemContext(index)`; a missing key is an
    /// error when `required`.
    Result<std::vector<JsonObjectReader>> objects(
        std::string_view key, const std::string& itemName, bool required = true);
    /// Marks a key as read without reading it (for a key read elsewhere).
    void skip(std::string_view key);

    /// Refuses every key that was not read.
    Result<void> finish() const;

private:
    JsonObjectReader(std::shared_ptr<const void> document, const void* object, std::string context);
    const void* find(std::string_view key) const;
    /// Marks `key` as read and returns its value, or nullptr when it is absent.
    const void* take(std::string_view key);

    std::shared_ptr<const void> m_document; // keeps the parsed document alive
    const void* m_object; // an nlohmann::json object inside it
    std::string m_context;
    std::set<std::string, std::less<>> m_used;
};

} // namespace slimscope::core
