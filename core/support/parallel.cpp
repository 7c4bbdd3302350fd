#include "parallel.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

namespace slimscope::core {

unsigned defaultThreadCount()
{
    if (const char* env = std::getenv("SLIMSCOPE_THREADS")) {
        const int value = std::atoi(env);
        if (value > 0)
            return static_cast<unsigned>(value);
    }
    return std::max(1u, std::thread::hardware_concurrency());
}

void parallelFor(
    std::size_t count, const std::function<void(std::size_t)>& body, const CancelToken* cancel, unsigned threads)
{
    if (count == 0)
        return;
    if (threads == 0)
        threads = defaultThreadCount();
    threads = static_cast<unsigned>(std::min<std::size_t>(threads, count));
    std::atomic<std::size_t> next { 0 };
    auto worker = [&] {
        for (;;) {
            if (cancel && cancel->isCancelled())
                return;
            const std::size_t index = next.fetch_add(1, std::memory_order_relaxed);
            if (index >= count)
                return;
            body(index);
        }
    };
    std::vector<std::jthread> pool;
    pool.reserve(threads - 1);
    for (unsigned t = 1; t < threads; ++t)
        pool.emplace_back(worker);
    worker();
}

} // namespace slimscope::core
