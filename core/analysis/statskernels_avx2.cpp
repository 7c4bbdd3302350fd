// Compiled with -mavx2 -mfma (see core/CMakeLists.txt); only called when the CPU has both.
// float32 is most of the bytes of most models, so it gets hand-written AVX2 loops; the other types use the
// shared templates of statskernels.h, vectorized by the compiler where it can.
#define SLIMSCOPE_KERNEL_NAMESPACE kernels_avx2_templates
#include "statskernels.h"

#include <immintrin.h>

namespace slimscope::core::analysis::kernels_avx2 {

namespace {

// Weights sit at any byte offset in the file: scalar reads go through memcpy (the vector loads are unaligned).
float loadFloat(const float* data, std::uint64_t i)
{
    float v;
    std::memcpy(&v, reinterpret_cast<const std::byte*>(data) + i * sizeof(float), sizeof(float));
    return v;
}

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

double horizontalSum(__m256d v)
{
    __m128d s = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
    s = _mm_add_sd(s, _mm_unpackhi_pd(s, s));
    return _mm_cvtsd_f64(s);
}

// Min, max, sum, sum of squares (in double) and exact zeros of float32 values. NaN and infinity are not
// filtered: the caller sees a non-finite result and falls back to the checked scalar loop.
Partial accumulateFloat32(const float* data, std::uint64_t begin, std::uint64_t end)
{
    __m256 low = _mm256_set1_ps(std::numeric_limits<float>::infinity());
    __m256 high = _mm256_set1_ps(-std::numeric_limits<float>::infinity());
    __m256d sum0 = _mm256_setzero_pd(), sum1 = _mm256_setzero_pd();
    __m256d squares0 = _mm256_setzero_pd(), squares1 = _mm256_setzero_pd();
    __m256i zeros = _mm256_setzero_si256(); // 32-bit lanes; a chunk has far fewer than 2^31 values per lane
    const __m256 zero = _mm256_setzero_ps();
    std::uint64_t i = begin;
    for (; i + 8 <= end; i += 8) {
        const __m256 v = _mm256_loadu_ps(data + i);
        low = _mm256_min_ps(low, v);
        high = _mm256_max_ps(high, v);
        const __m256d lo = _mm256_cvtps_pd(_mm256_castps256_ps128(v));
        const __m256d hi = _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1));
        sum0 = _mm256_add_pd(sum0, lo);
        sum1 = _mm256_add_pd(sum1, hi);
        squares0 = _mm256_fmadd_pd(lo, lo, squares0);
        squares1 = _mm256_fmadd_pd(hi, hi, squares1);
        zeros = _mm256_sub_epi32(zeros, _mm256_castps_si256(_mm256_cmp_ps(v, zero, _CMP_EQ_OQ)));
    }
    Partial partial;
    partial.count = end - begin;
    partial.min = horizontalMin(low);
    partial.max = horizontalMax(high);
    partial.sum = horizontalSum(_mm256_add_pd(sum0, sum1));
    partial.sumSquares = horizontalSum(_mm256_add_pd(squares0, squares1));
    alignas(32) std::uint32_t zeroLanes[8];
    _mm256_store_si256(reinterpret_cast<__m256i*>(zeroLanes), zeros);
    for (const std::uint32_t lane : zeroLanes)
        partial.zeros += lane;
    for (; i < end; ++i) {
        const float v = loadFloat(data, i);
        partial.min = std::min<double>(partial.min, v);
        partial.max = std::max<double>(partial.max, v);
        partial.sum += v;
        partial.sumSquares += static_cast<double>(v) * v;
        partial.zeros += v == 0.0f ? 1 : 0;
    }
    // min_ps/max_ps drop a NaN in one operand; make sure the caller notices it through the sum.
    if (std::isnan(partial.sum))
        partial.min = std::numeric_limits<double>::quiet_NaN();
    return partial;
}

// Bin indices eight at a time; the increments go to four tables in turn so that neighbouring equal bins
// do not wait on each other.
void histogramFloat32(const float* data, std::uint64_t begin, std::uint64_t end, double low, double scale,
    std::array<std::uint64_t, kHistogramBins>& counts)
{
    std::uint32_t tables[4][kHistogramBins] = {};
    const __m256 lowV = _mm256_set1_ps(static_cast<float>(low));
    const __m256 scaleV = _mm256_set1_ps(static_cast<float>(scale));
    const __m256i lastBin = _mm256_set1_epi32(kHistogramBins - 1);
    const __m256i firstBin = _mm256_setzero_si256();
    alignas(32) std::int32_t bins[8];
    std::uint64_t i = begin;
    for (; i + 8 <= end; i += 8) {
        const __m256 v = _mm256_loadu_ps(data + i);
        __m256i bin = _mm256_cvttps_epi32(_mm256_mul_ps(_mm256_sub_ps(v, lowV), scaleV));
        bin = _mm256_min_epi32(_mm256_max_epi32(bin, firstBin), lastBin);
        _mm256_store_si256(reinterpret_cast<__m256i*>(bins), bin);
        ++tables[0][bins[0]];
        ++tables[1][bins[1]];
        ++tables[2][bins[2]];
        ++tables[3][bins[3]];
        ++tables[0][bins[4]];
        ++tables[1][bins[5]];
        ++tables[2][bins[6]];
        ++tables[3][bins[7]];
    }
    for (; i < end; ++i) {
        int bin = static_cast<int>((loadFloat(data, i) - static_cast<float>(low)) * static_cast<float>(scale));
        bin = bin < 0 ? 0 : (bin >= kHistogramBins ? kHistogramBins - 1 : bin);
        ++tables[0][bin];
    }
    for (int b = 0; b < kHistogramBins; ++b)
        counts[static_cast<std::size_t>(b)]
            += std::uint64_t { tables[0][b] } + tables[1][b] + tables[2][b] + tables[3][b];
}

const float* floatData(const StatsJob& job)
{
    return reinterpret_cast<const float*>(job.bytes.data());
}

} // namespace

Partial accumulateChunk(const StatsJob& job, std::uint64_t begin, std::uint64_t end)
{
    if (job.type == DataType::Float && !job.zeroPoint) {
        const Partial partial = accumulateFloat32(floatData(job), begin, end);
        if (std::isfinite(partial.sum) && std::isfinite(partial.sumSquares) && std::isfinite(partial.min)
            && std::isfinite(partial.max))
            return partial;
    }
    return kernels_avx2_templates::accumulateChunk(job, begin, end);
}

void histogramChunk(const StatsJob& job, std::uint64_t begin, std::uint64_t end, double low, double scale,
    bool checkFinite, std::array<std::uint64_t, kHistogramBins>& counts)
{
    if (job.type == DataType::Float && !checkFinite)
        return histogramFloat32(floatData(job), begin, end, low, scale, counts);
    kernels_avx2_templates::histogramChunk(job, begin, end, low, scale, checkFinite, counts);
}

} // namespace slimscope::core::analysis::kernels_avx2
