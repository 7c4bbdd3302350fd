#pragma once

#include "progress.h"

#include <cstddef>
#include <functional>

namespace slimscope::core {

/// Runs body(i) for i in [0, count) on up to `threads` threads (0: one per core), handing out indices
/// dynamically so that uneven items (one huge tensor among many small ones) still balance.
/// Stops handing out work once `cancel` is set. The body must not throw.
void parallelFor(std::size_t count, const std::function<void(std::size_t)>& body, const CancelToken* cancel = nullptr,
    unsigned threads = 0);

/// Number of worker threads parallelFor uses by default (SLIMSCOPE_THREADS overrides it).
unsigned defaultThreadCount();

} // namespace slimscope::core
