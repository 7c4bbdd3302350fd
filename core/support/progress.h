#pragma once

#include <atomic>
#include <functional>
#include <string_view>

namespace slimscope::core {

/// Cooperative cancellation: the owner calls cancel(), long-running core functions poll isCancelled()
/// between tensors (or chunks) and return ErrorCode::Cancelled.
class CancelToken {
public:
    void cancel() noexcept { m_cancelled.store(true, std::memory_order_relaxed); }
    bool isCancelled() const noexcept { return m_cancelled.load(std::memory_order_relaxed); }

private:
    std::atomic<bool> m_cancelled { false };
};

/// Receives progress as (stage, fraction in [0, 1]). Called from worker threads; a sink must be thread-safe.
/// Core code reports at most every few milliseconds; the UI throttles further.
class Progress {
public:
    using Sink = std::function<void(std::string_view stage, double fraction)>;

    Progress() = default;
    explicit Progress(Sink sink)
        : m_sink(std::move(sink))
    { }

    void report(std::string_view stage, double fraction) const
    {
        if (m_sink)
            m_sink(stage, fraction);
    }

private:
    Sink m_sink;
};

} // namespace slimscope::core
