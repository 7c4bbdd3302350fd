// float32 -> float16 with the CPU's F16C instructions; compiled with -mavx -mf16c (see core/CMakeLists.txt) and
// only called when the CPU has them.
#include <immintrin.h>

#include <cstddef>
#include <cstdint>

namespace slimscope::core::slim {

void floatsToHalfF16c(const float* in, std::uint16_t* out, std::size_t count)
{
    // Saturate to ±65504 like floatToHalf (F16C would give infinity), keeping NaN lanes as they are.
    const __m256 limit = _mm256_set1_ps(65504.0f);
    const __m256 negativeLimit = _mm256_set1_ps(-65504.0f);
    std::size_t i = 0;
    for (; i + 8 <= count; i += 8) {
        const __m256 v = _mm256_loadu_ps(in + i);
        const __m256 clamped = _mm256_max_ps(_mm256_min_ps(v, limit), negativeLimit);
        const __m256 isNan = _mm256_cmp_ps(v, v, _CMP_UNORD_Q);
        const __m256 result = _mm256_blendv_ps(clamped, v, isNan);
        _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i),
            _mm256_cvtps_ph(result, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    }
    for (; i < count; ++i) {
        float v = in[i];
        if (v == v)
            v = v > 65504.0f ? 65504.0f : (v < -65504.0f ? -65504.0f : v);
        const __m128 single = _mm_set_ss(v);
        out[i] = static_cast<std::uint16_t>(
            _mm_extract_epi16(_mm_cvtps_ph(single, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC), 0));
    }
}

} // namespace slimscope::core::slim
