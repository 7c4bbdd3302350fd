// Compiled with -mavx512f (see core/CMakeLists.txt); only called when the CPU has it. The float32 loops
// of statskernels_avx2.cpp on 16 lanes, with ternary logic for the histogram's carry-save adders; the
// other types use the shared templates of statskernels.h.
#define SLIMSCOPE_KERNEL_NAMESPACE kernels_avx512_templates
#include "statskernels.h"

#include <immintrin.h>

namespace slimscope::core::analysis::kernels_avx512 {

namespace {

// Lanes 0-7 and 8-15 of the canonical order (statspartial.h), folded the canonical way.
double reduceCanonical(__m512d lanes0, __m512d lanes1)
{
    const __m512d half = _mm512_add_pd(lanes0, lanes1);
    const __m256d quarter = _mm256_add_pd(_mm512_castpd512_pd256(half), _mm512_extractf64x4_pd(half, 1));
    const __m128d eighth = _mm_add_pd(_mm256_castpd256_pd128(quarter), _mm256_extractf128_pd(quarter, 1));
    return _mm_cvtsd_f64(_mm_add_sd(eighth, _mm_unpackhi_pd(eighth, eighth)));
}

__m256 upperHalf(__m512 v)
{
    return _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1));
}

Partial accumulateFloat32(const float* data, std::uint64_t begin, std::uint64_t end)
{
    __m512 low = _mm512_set1_ps(std::numeric_limits<float>::infinity());
    __m512 high = _mm512_set1_ps(-std::numeric_limits<float>::infinity());
    __m512d sum0 = _mm512_setzero_pd(), sum1 = _mm512_setzero_pd();
    __m512d squares0 = _mm512_setzero_pd(), squares1 = _mm512_setzero_pd();
    __m512i zeros = _mm512_setzero_si512();
    const __m512i oneEach = _mm512_set1_epi32(1);
    const __m512 zero = _mm512_setzero_ps();
    std::uint64_t i = begin;
    for (; i + kSumLanes <= end; i += kSumLanes) {
        _mm_prefetch(reinterpret_cast<const char*>(data + i + kPrefetchAhead), _MM_HINT_T0);
        const __m512 v = _mm512_loadu_ps(data + i);
        low = _mm512_min_ps(low, v);
        high = _mm512_max_ps(high, v);
        zeros = _mm512_mask_add_epi32(zeros, _mm512_cmp_ps_mask(v, zero, _CMP_EQ_OQ), zeros, oneEach);
        const __m512d lanes0 = _mm512_cvtps_pd(_mm512_castps512_ps256(v));
        const __m512d lanes1 = _mm512_cvtps_pd(upperHalf(v));
        sum0 = _mm512_add_pd(sum0, lanes0);
        sum1 = _mm512_add_pd(sum1, lanes1);
        squares0 = _mm512_add_pd(squares0, _mm512_mul_pd(lanes0, lanes0));
        squares1 = _mm512_add_pd(squares1, _mm512_mul_pd(lanes1, lanes1));
    }
    Partial partial;
    partial.count = end - begin;
    partial.min = _mm512_reduce_min_ps(low);
    partial.max = _mm512_reduce_max_ps(high);
    partial.sum = reduceCanonical(sum0, sum1);
    partial.sumSquares = reduceCanonical(squares0, squares1);
    alignas(64) std::uint32_t zeroLanes[16];
    _mm512_store_si512(zeroLanes, zeros);
    for (const std::uint32_t lane : zeroLanes)
        partial.zeros += lane;
    addTail(
        partial, [data](std::uint64_t k) { return loadFloat(data, k); }, i, end);
    if (std::isnan(partial.sum))
        partial.min = std::numeric_limits<double>::quiet_NaN();
    return partial;
}

struct Avx512Lanes {
    using Vector = __m512i;
    static constexpr int kLanes = 8;
    static Vector zero() { return _mm512_setzero_si512(); }
    static Vector andv(Vector a, Vector b) { return _mm512_and_si512(a, b); }
    static Vector xorv(Vector a, Vector b) { return _mm512_xor_si512(a, b); }
    static bool isZero(Vector a) { return _mm512_test_epi64_mask(a, a) == 0; }
    static void store(std::uint64_t* lanes, Vector v) { _mm512_storeu_si512(lanes, v); }
    static void csa(Vector& high, Vector& low, Vector a, Vector b, Vector c)
    {
        high = _mm512_ternarylogic_epi64(a, b, c, 0xE8); // majority
        low = _mm512_ternarylogic_epi64(a, b, c, 0x96); // a ^ b ^ c
    }
};

// 128 values per block: eight loads of sixteen floats, each giving two vectors of eight one-hot lanes.
void histogramFloat32(const float* data, std::uint64_t begin, std::uint64_t end, double low, double scale,
    std::array<std::uint64_t, kHistogramBins>& counts)
{
    const float lowF = static_cast<float>(low), scaleF = static_cast<float>(scale);
    const __m512 lowV = _mm512_set1_ps(lowF), scaleV = _mm512_set1_ps(scaleF);
    const __m512i lastBin = _mm512_set1_epi32(kHistogramBins - 1), firstBin = _mm512_setzero_si512();
    const __m512i one = _mm512_set1_epi64(1);
    histogramFloat32Blocks<Avx512Lanes, 128>(
        data, begin, end, lowF, scaleF, counts, [&](const float*& next, __m512i& a, __m512i& b) {
            const __m512 v = _mm512_loadu_ps(next);
            next += 16;
            __m512i bin = _mm512_cvttps_epi32(_mm512_mul_ps(_mm512_sub_ps(v, lowV), scaleV));
            bin = _mm512_min_epi32(_mm512_max_epi32(bin, firstBin), lastBin);
            a = _mm512_sllv_epi64(one, _mm512_cvtepu32_epi64(_mm512_castsi512_si256(bin)));
            b = _mm512_sllv_epi64(one, _mm512_cvtepu32_epi64(_mm512_extracti64x4_epi64(bin, 1)));
        });
}

} // namespace

using Loops = kernels_avx512_templates::WithFloat32Loops<accumulateFloat32, histogramFloat32>;
const StatsKernels kernels { Loops::accumulateChunk, Loops::histogramChunk };

} // namespace slimscope::core::analysis::kernels_avx512
