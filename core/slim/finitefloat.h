#pragma once

// Weights as the slimming steps read them: a model file may hold NaN and infinities, and neither may reach a
// scale, an error sum or a float-to-integer conversion (the last is undefined behaviour).

#include <algorithm>
#include <cmath>
#include <limits>

namespace slimscope::core::slim {

/// False for NaN and both infinities; a plain comparison, so that the loops calling it still vectorize.
inline bool isFiniteWeight(float value)
{
    return std::fabs(value) <= std::numeric_limits<float>::max();
}

/// A weight as the quantizers range it: NaN and infinities count as 0, so that one of them neither makes a block's
/// scale infinite (every other value would become 0) nor NaN.
inline float finiteOrZero(float value)
{
    return isFiniteWeight(value) ? value : 0.0f;
}

/// A scaled weight (value × inverse scale) made safe to round to an integer: NaN gives 0 (the code of 0.0) and an
/// infinity ±2^24, which the caller's clamp turns into its extreme code.
inline float roundable(float scaled)
{
    return scaled == scaled ? std::clamp(scaled, -16777216.0f, 16777216.0f) : 0.0f;
}

} // namespace slimscope::core::slim
