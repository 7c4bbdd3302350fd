// The baseline x86-64 kernels: the shared templates, vectorized by the compiler for SSE2.
#define SLIMSCOPE_KERNEL_NAMESPACE kernels_generic
#include "statskernels.h"

namespace slimscope::core::analysis::kernels_generic {
const StatsKernels kernels { accumulateChunk, histogramChunk };
}
