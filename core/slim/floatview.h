#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <vector>

namespace slimscope::core::slim {

/// float32 values read in place from little-endian bytes at any alignment: raw_data sits at any offset of a
/// file, so most weights read from a mapping are not 4-byte aligned and a float* there would be undefined.
/// Loads go through memcpy, which compiles to plain unaligned (vector) loads.
class FloatView {
public:
    FloatView() = default;
    explicit FloatView(std::span<const std::byte> bytes)
        : m_data(bytes.data())
        , m_size(bytes.size() / sizeof(float))
    { }
    FloatView(std::span<const float> values) // NOLINT(google-explicit-constructor): a span is a view
        : m_data(reinterpret_cast<const std::byte*>(values.data()))
        , m_size(values.size())
    { }
    FloatView(const std::vector<float>& values) // NOLINT(google-explicit-constructor)
        : FloatView(std::span<const float>(values))
    { }
    std::size_t size() const { return m_size; }
    bool empty() const { return m_size == 0; }
    float operator[](std::size_t i) const
    {
        float value;
        std::memcpy(&value, m_data + i * sizeof(float), sizeof(float));
        return value;
    }
    FloatView subspan(std::size_t offset, std::size_t count) const
    {
        FloatView part;
        part.m_data = m_data + offset * sizeof(float);
        part.m_size = count;
        return part;
    }
    /// Values [begin, begin + count) as a plain view: here the bytes themselves (`scratch` is not used).
    FloatView block(std::size_t begin, std::size_t count, float* /*scratch*/) const { return subspan(begin, count); }

private:
    const std::byte* m_data = nullptr;
    std::size_t m_size = 0;
};

/// Magnitude pruning read on the fly: magnitudes below `threshold` read as zero, and those equal to it
/// before index `tieEnd`.
struct MagnitudeCut {
    float threshold = 0.0f;
    std::size_t tieEnd = 0;
};

/// A FloatView read through a MagnitudeCut: a deferred prune, read by the next step without being written
/// out. A type of its own (not a flag in FloatView) so that plain reads stay as fast as they can be.
class CutFloatView {
public:
    CutFloatView(FloatView values, MagnitudeCut cut)
        : m_values(values)
        , m_cut(cut)
    { }
    std::size_t size() const { return m_values.size(); }
    bool empty() const { return m_values.empty(); }
    float operator[](std::size_t i) const
    {
        const float value = m_values[i];
        const float magnitude = std::fabs(value);
        const bool cut = (magnitude < m_cut.threshold) | ((magnitude == m_cut.threshold) & (i < m_cut.tieEnd));
        return cut ? 0.0f : value;
    }
    CutFloatView subspan(std::size_t offset, std::size_t count) const
    {
        return { m_values.subspan(offset, count),
            { m_cut.threshold, m_cut.tieEnd > offset ? m_cut.tieEnd - offset : 0 } };
    }
    /// Values [begin, begin + count) cut into `scratch` (count floats) as a plain view. Two loops, split at
    /// tieEnd, that compare magnitudes only, so that both vectorize: readers of a cut view go block by block.
    FloatView block(std::size_t begin, std::size_t count, float* scratch) const
    {
        const std::size_t ties = m_cut.tieEnd > begin ? std::min(count, m_cut.tieEnd - begin) : 0;
        const float threshold = m_cut.threshold;
        for (std::size_t i = 0; i < ties; ++i) {
            const float v = m_values[begin + i];
            scratch[i] = std::fabs(v) <= threshold ? 0.0f : v;
        }
        for (std::size_t i = ties; i < count; ++i) {
            const float v = m_values[begin + i];
            scratch[i] = std::fabs(v) < threshold ? 0.0f : v;
        }
        return FloatView(std::span<const float>(scratch, count));
    }

private:
    FloatView m_values;
    MagnitudeCut m_cut;
};

/// Float values of a tensor: in place when the bytes are float32 (through a cut for a deferred prune),
/// decoded into `owned` otherwise.
struct FloatValues {
    FloatView values;
    std::optional<MagnitudeCut> cut;
    std::vector<float> owned;
    std::shared_ptr<const void> owner; ///< keeps viewed bytes alive

    /// fn(FloatView) or fn(CutFloatView): the loops are compiled for both.
    template <class Fn> decltype(auto) visit(Fn&& fn) const
    {
        return cut ? fn(CutFloatView(values, *cut)) : fn(values);
    }
    /// The values without a cut: the cut is applied into `owned` (for the rare readers that need a FloatView).
    FloatValues plain() &&
    {
        if (!cut)
            return std::move(*this);
        FloatValues result;
        result.owned.resize(values.size());
        const CutFloatView view(values, *cut);
        for (std::size_t i = 0; i < view.size(); ++i)
            result.owned[i] = view[i];
        result.values = FloatView(result.owned);
        return result;
    }
};

} // namespace slimscope::core::slim
