#pragma once

// Typed positions in the analysis' tables, so that a tensor's index cannot be used as a layer's and no table is
// joined by name strings. (No <compare> here: Qt 6.4's moc cannot parse <concepts>, which it pulls in.)

#include <cstddef>
#include <cstdint>

namespace slimscope::core {

/// A position in one table (Analysis::tensors, Analysis::layers, ...), typed by what it indexes. The default is
/// "none" (valid() is false).
template <class Tag> class Index {
public:
    constexpr Index() = default;
    constexpr explicit Index(std::size_t value)
        : m_value(static_cast<std::int32_t>(value))
    { }
    constexpr bool valid() const { return m_value >= 0; }
    /// The position; only for a valid index.
    constexpr std::size_t get() const { return static_cast<std::size_t>(m_value); }
    /// -1 for none: for outputs that write indices as numbers.
    constexpr std::int32_t raw() const { return m_value; }
    constexpr bool operator==(const Index&) const = default;
    constexpr bool operator<(const Index& other) const { return m_value < other.m_value; }

private:
    std::int32_t m_value = -1;
};

} // namespace slimscope::core
