#pragma once

#include "workingmodel.h"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

namespace slimscope::core::slim {

/// Per-tensor work that does not depend on a step's settings (magnitude profiles for pruning thresholds,
/// per-channel ranges and errors for quantization), kept between previews of one model so that a slider
/// move redoes only what the slider changes. Keyed by the identity of the tensor's bytes (a source), never
/// by name; an entry keeps its source alive so that the identity cannot be reused while it is cached.
/// Thread-safe: steps fill it from parallel loops.
class StepCache {
public:
    /// The cached value of `kind` for the bytes of `source`, computed by `compute` on a miss. Two threads
    /// asking for the same entry at once may both compute it; the first result is kept.
    template <class T>
    std::shared_ptr<const T> get(const TensorSource& source, std::string_view kind, const std::function<T()>& compute)
    {
        const Key key { source.identity(), std::string(kind) };
        if (auto found = lookup(key))
            return std::static_pointer_cast<const T>(found);
        auto value = std::make_shared<const T>(compute());
        return std::static_pointer_cast<const T>(insert(key, value, source.keepAlive()));
    }

    /// Starts a preview: entries unused during the last two previews are dropped, so that the cache follows
    /// the recipe instead of growing with every edit.
    void beginRun();
    std::size_t size() const;

private:
    struct Key {
        const void* identity;
        std::string kind;
        auto operator<=>(const Key&) const = default;
    };
    struct Entry {
        std::shared_ptr<const void> value;
        std::shared_ptr<const void> keepAlive;
        std::uint64_t lastRun = 0;
    };
    std::shared_ptr<const void> lookup(const Key& key);
    std::shared_ptr<const void> insert(
        const Key& key, std::shared_ptr<const void> value, std::shared_ptr<const void> keepAlive);

    mutable std::mutex m_mutex;
    std::map<Key, Entry> m_entries;
    std::uint64_t m_run = 0;
};

} // namespace slimscope::core::slim
