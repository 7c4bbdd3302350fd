#pragma once

#include <cstddef>
#include <cstring>

namespace slimscope::core {

/// memcpy that accepts zero bytes from or to null: an empty vector's data() may be null, and memcpy with a null
/// pointer is undefined even for a size of 0 (UBSan reports it; fuzzing found empty tensors that reach these copies).
inline void copyBytes(void* to, const void* from, std::size_t size)
{
    if (size != 0)
        std::memcpy(to, from, size);
}

} // namespace slimscope::core
