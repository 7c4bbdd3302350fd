#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace slimscope::core {

/// A small streaming JSON writer: objects, arrays, escaped strings, exact integers, and doubles that
/// round-trip (non-finite doubles become null, as JSON has no NaN).
class JsonWriter {
public:
    explicit JsonWriter(std::ostream& out, bool pretty = true)
        : m_out(out)
        , m_pretty(pretty)
    { }

    JsonWriter& beginObject();
    JsonWriter& endObject();
    JsonWriter& beginArray();
    JsonWriter& endArray();
    JsonWriter& key(std::string_view name);

    JsonWriter& value(std::string_view text);
    JsonWriter& value(const char* text) { return value(std::string_view(text)); }
    JsonWriter& value(const std::string& text) { return value(std::string_view(text)); }
    JsonWriter& value(bool flag);
    JsonWriter& value(double number);
    JsonWriter& value(std::int64_t number);
    JsonWriter& value(std::uint64_t number);
    JsonWriter& value(int number) { return value(static_cast<std::int64_t>(number)); }
    JsonWriter& null();

    template <class T> JsonWriter& field(std::string_view name, const T& v)
    {
        key(name);
        return value(v);
    }
    JsonWriter& stringArray(std::string_view name, const std::vector<std::string>& items);
    JsonWriter& intArray(std::string_view name, const std::vector<std::int64_t>& items);

    static std::string escape(std::string_view text);

private:
    void separator();
    void newline();

    std::ostream& m_out;
    bool m_pretty;
    std::vector<bool> m_hasItems; // per open container
    bool m_afterKey = false;
};

} // namespace slimscope::core
