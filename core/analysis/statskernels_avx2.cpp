// Compiled with -mavx2 -mfma (see core/CMakeLists.txt); only called when the CPU has both.
// float32 is most of the bytes of most models, so it gets hand-written AVX2 loops; the other types use the
// shared templates of statskernels.h, vectorized by the compiler where it can.
#define SLIMSCOPE_KERNEL_NAMESPACE kernels_avx2_templates
#include "statskernels.h"

#include <immintrin.h>

namespace slimscope::core::analysis::kernels_avx2 {

namespace {

float horizontalMin(__m256 v)
{
    __m128 m = _mm_min_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_min_ps(m, _mm_movehl_ps(m, m));
    m = _mm_min_ss(m, _mm_shuffle_ps(m, m, 1));
    return _mm_cvtss_f32(m);
}

float horizontalMax(__m256 v)
{
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_shuffle_ps(m, m, 1));
    return _mm_cvtss_f32(m);
}

// Lanes 0-3, 4-7, 8-11, 12-15 of the canonical order (statspartial.h), folded the canonical way.
double reduceCanonical(__m256d lanes0, __m256d lanes1, __m256d lanes2, __m256d lanes3)
{
    const __m256d half = _mm256_add_pd(_mm256_add_pd(lanes0, lanes2), _mm256_add_pd(lanes1, lanes3));
    const __m128d quarter = _mm_add_pd(_mm256_castpd256_pd128(half), _mm256_extractf128_pd(half, 1));
    return _mm_cvtsd_f64(_mm_add_sd(quarter, _mm_unpackhi_pd(quarter, quarter)));
}

// Min, max, sum, sum of squares (in double) and exact zeros of float32 values. NaN and infinity are not
// filtered: the caller sees a non-finite result and falls back to the checked scalar loop.
Partial accumulateFloat32(const float* data, std::uint64_t begin, std::uint64_t end)
{
    __m256 low = _mm256_set1_ps(std::numeric_limits<float>::infinity());
    __m256 high = _mm256_set1_ps(-std::numeric_limits<float>::infinity());
    __m256d sum[4] = { _mm256_setzero_pd(), _mm256_setzero_pd(), _mm256_setzero_pd(), _mm256_setzero_pd() };
    __m256d squares[4] = { sum[0], sum[1], sum[2], sum[3] };
    __m256i zeros = _mm256_setzero_si256(); // 32-bit lanes; a chunk has far fewer than 2^31 values per lane
    const __m256 zero = _mm256_setzero_ps();
    std::uint64_t i = begin;
    for (; i + kSumLanes <= end; i += kSumLanes) {
        _mm_prefetch(reinterpret_cast<const char*>(data + i + kPrefetchAhead), _MM_HINT_T0);
        for (int half = 0; half < 2; ++half) {
            const __m256 v = _mm256_loadu_ps(data + i + 8 * half);
            low = _mm256_min_ps(low, v);
            high = _mm256_max_ps(high, v);
            zeros = _mm256_sub_epi32(zeros, _mm256_castps_si256(_mm256_cmp_ps(v, zero, _CMP_EQ_OQ)));
            const __m256d values[2]
                = { _mm256_cvtps_pd(_mm256_castps256_ps128(v)), _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)) };
            for (int q = 0; q < 2; ++q) {
                sum[2 * half + q] = _mm256_add_pd(sum[2 * half + q], values[q]);
                squares[2 * half + q] = _mm256_add_pd(squares[2 * half + q], _mm256_mul_pd(values[q], values[q]));
            }
        }
    }
    Partial partial;
    partial.count = end - begin;
    partial.min = horizontalMin(low);
    partial.max = horizontalMax(high);
    partial.sum = reduceCanonical(sum[0], sum[1], sum[2], sum[3]);
    partial.sumSquares = reduceCanonical(squares[0], squares[1], squares[2], squares[3]);
    alignas(32) std::uint32_t zeroLanes[8];
    _mm256_store_si256(reinterpret_cast<__m256i*>(zeroLanes), zeros);
    for (const std::uint32_t lane : zeroLanes)
        partial.zeros += lane;
    addTail(
        partial, [data](std::uint64_t k) { return loadFloat(data, k); }, i, end);
    // min_ps/max_ps drop a NaN in one operand; make sure the caller notices it through the sum.
    if (std::isnan(partial.sum))
        partial.min = std::numeric_limits<double>::quiet_NaN();
    return partial;
}

struct Avx2Lanes {
    using Vector = __m256i;
    static constexpr int kLanes = 4;
    static Vector zero() { return _mm256_setzero_si256(); }
    static Vector andv(Vector a, Vector b) { return _mm256_and_si256(a, b); }
    static Vector xorv(Vector a, Vector b) { return _mm256_xor_si256(a, b); }
    static bool isZero(Vector a) { return _mm256_testz_si256(a, a) != 0; }
    static void store(std::uint64_t* lanes, Vector v) { _mm256_storeu_si256(reinterpret_cast<__m256i*>(lanes), v); }
    static void csa(Vector& high, Vector& low, Vector a, Vector b, Vector c)
    {
        const Vector u = _mm256_xor_si256(a, b);
        high = _mm256_or_si256(_mm256_and_si256(a, b), _mm256_and_si256(u, c));
        low = _mm256_xor_si256(u, c);
    }
};

// 64 values per block: eight loads of eight floats, each giving two vectors of four one-hot lanes.
void histogramFloat32(const float* data, std::uint64_t begin, std::uint64_t end, double low, double scale,
    std::array<std::uint64_t, kHistogramBins>& counts)
{
    const float lowF = static_cast<float>(low), scaleF = static_cast<float>(scale);
    const __m256 lowV = _mm256_set1_ps(lowF), scaleV = _mm256_set1_ps(scaleF);
    const __m256i lastBin = _mm256_set1_epi32(kHistogramBins - 1), firstBin = _mm256_setzero_si256();
    const __m256i one = _mm256_set1_epi64x(1);
    histogramFloat32Blocks<Avx2Lanes, 64>(
        data, begin, end, lowF, scaleF, counts, [&](const float*& next, __m256i& a, __m256i& b) {
            const __m256 v = _mm256_loadu_ps(next);
            next += 8;
            __m256i bin = _mm256_cvttps_epi32(_mm256_mul_ps(_mm256_sub_ps(v, lowV), scaleV));
            bin = _mm256_min_epi32(_mm256_max_epi32(bin, firstBin), lastBin);
            a = _mm256_sllv_epi64(one, _mm256_cvtepu32_epi64(_mm256_castsi256_si128(bin)));
            b = _mm256_sllv_epi64(one, _mm256_cvtepu32_epi64(_mm256_extracti128_si256(bin, 1)));
        });
}

} // namespace

using Loops = kernels_avx2_templates::WithFloat32Loops<accumulateFloat32, histogramFloat32>;
const StatsKernels kernels { Loops::accumulateChunk, Loops::histogramChunk };

} // namespace slimscope::core::analysis::kernels_avx2
