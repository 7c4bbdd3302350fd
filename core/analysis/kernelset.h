#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace slimscope::core::analysis {

/// The instruction sets the statistics kernels are built for. All give the same results, bit for bit
/// (tests/core/tst_tensorstats.cpp); they differ only in speed.
enum class KernelSet { Generic, Avx2, Avx512 };

inline constexpr KernelSet kKernelSets[] = { KernelSet::Generic, KernelSet::Avx2, KernelSet::Avx512 };

/// "generic", "avx2", "avx512".
std::string_view kernelSetName(KernelSet set);
std::optional<KernelSet> kernelSetFromName(std::string_view name);

/// Whether this CPU runs the set.
bool cpuSupports(KernelSet set);

/// The fastest set this CPU runs, unless SLIMSCOPE_KERNELS names a slower one it also runs (to compare
/// or to test them; an unknown or unsupported name is ignored). Decided once per process.
KernelSet defaultKernelSet();

} // namespace slimscope::core::analysis
