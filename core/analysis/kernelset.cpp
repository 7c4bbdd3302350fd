#include "kernelset.h"

#include <cstdlib>

namespace slimscope::core::analysis {

std::string_view kernelSetName(KernelSet set)
{
    switch (set) {
    case KernelSet::Generic:
        return "generic";
    case KernelSet::Avx2:
        return "avx2";
    case KernelSet::Avx512:
        return "avx512";
    }
    return "generic";
}

std::optional<KernelSet> kernelSetFromName(std::string_view name)
{
    for (const KernelSet set : kKernelSets)
        if (kernelSetName(set) == name)
            return set;
    return std::nullopt;
}

bool cpuSupports(KernelSet set)
{
    switch (set) {
    case KernelSet::Generic:
        return true;
    case KernelSet::Avx2:
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case KernelSet::Avx512:
        return __builtin_cpu_supports("avx512f") && cpuSupports(KernelSet::Avx2);
    }
    return false;
}

KernelSet defaultKernelSet()
{
    static const KernelSet chosen = [] {
        if (const char* requested = std::getenv("SLIMSCOPE_KERNELS"))
            if (const auto set = kernelSetFromName(requested); set && cpuSupports(*set))
                return *set;
        for (const KernelSet set : { KernelSet::Avx512, KernelSet::Avx2 })
            if (cpuSupports(set))
                return set;
        return KernelSet::Generic;
    }();
    return chosen;
}

} // namespace slimscope::core::analysis
