#define SLIMSCOPE_KERNEL_NAMESPACE kernels_generic
#include "statskernels.h"
