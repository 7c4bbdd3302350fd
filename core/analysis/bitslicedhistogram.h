#pragma once

// A histogram without scattered increments, for the vector kernels (include only from statskernels_*.cpp:
// everything here has internal linkage, the instruction sets never mix).
//
// Counting values into 64 bins with `++counts[bin]` serializes on the counter whenever neighbouring values
// share a bin (30 % exact zeros in a pruned tensor put every third increment on one counter), and the
// increments' loads crowd out the stream of weight loads. Here each value becomes a 64-bit word with the
// bit of its bin set; a vector of such words is added, bit position by bit position, into bit-sliced
// counters: a Harley-Seal carry-save tree folds 16 vectors into "ones, twos, fours, eights" and one
// "sixteens" vector, whose bits a ripple counter of bit planes accumulates. Only logic operations, no
// memory traffic, whatever the distribution of the values.

#include "tensorstats.h"

#include <array>
#include <cstdint>

namespace slimscope::core::analysis {
namespace {

/// Simd provides: Vector (kLanes 64-bit lanes), zero(), andv, xorv, isZero, store(uint64_t*, Vector) and
/// csa(high, low, a, b, c), the carry-save adder: low = a ^ b ^ c, high = majority(a, b, c).
template <class Simd> class BitSlicedCounts {
public:
    using Vector = typename Simd::Vector;

    explicit BitSlicedCounts(std::array<std::uint64_t, kHistogramBins>& counts)
        : counts_(counts)
    {
        reset();
    }
    ~BitSlicedCounts() { flush(); }
    BitSlicedCounts(const BitSlicedCounts&) = delete;
    BitSlicedCounts& operator=(const BitSlicedCounts&) = delete;

    /// Adds 16 vectors of one-hot lanes; pair(a, b) yields the next two.
    template <class Pair> void addBlock(Pair&& pair)
    {
        Vector twosA, twosB, foursA, foursB, eightsA, eightsB, sixteens;
        const auto intoOnes = [&](Vector& carry) {
            Vector a, b;
            pair(a, b);
            Simd::csa(carry, ones_, ones_, a, b);
        };
        const auto eightsOf = [&](Vector& eights) {
            intoOnes(twosA);
            intoOnes(twosB);
            Simd::csa(foursA, twos_, twos_, twosA, twosB);
            intoOnes(twosA);
            intoOnes(twosB);
            Simd::csa(foursB, twos_, twos_, twosA, twosB);
            Simd::csa(eights, fours_, fours_, foursA, foursB);
        };
        eightsOf(eightsA);
        eightsOf(eightsB);
        Simd::csa(sixteens, eights_, eights_, eightsA, eightsB);
        Vector carry = sixteens;
        for (int p = 0; p < kPlanes && !Simd::isZero(carry); ++p) {
            const Vector next = Simd::andv(planes_[p], carry);
            planes_[p] = Simd::xorv(planes_[p], carry);
            carry = next;
        }
        // A lane's bit gains at most one sixteen per block: the planes cannot overflow before this.
        if (++blocks_ == kMaxBlocks)
            flush();
    }

    /// Adds what the counters hold to the histogram and clears them.
    void flush()
    {
        addBits(ones_, 1);
        addBits(twos_, 2);
        addBits(fours_, 4);
        addBits(eights_, 8);
        for (int p = 0; p < kPlanes; ++p)
            addBits(planes_[p], std::uint64_t { 16 } << p);
        reset();
    }

private:
    static constexpr int kPlanes = 16;
    static constexpr std::uint32_t kMaxBlocks = (1u << kPlanes) - 1;

    void reset()
    {
        ones_ = twos_ = fours_ = eights_ = Simd::zero();
        for (Vector& plane : planes_)
            plane = Simd::zero();
        blocks_ = 0;
    }

    void addBits(Vector bits, std::uint64_t weight)
    {
        std::uint64_t lanes[Simd::kLanes];
        Simd::store(lanes, bits);
        for (std::uint64_t word : lanes)
            for (; word != 0; word &= word - 1)
                counts_[static_cast<std::size_t>(__builtin_ctzll(word))] += weight;
    }

    std::array<std::uint64_t, kHistogramBins>& counts_;
    Vector ones_, twos_, fours_, eights_;
    Vector planes_[kPlanes];
    std::uint32_t blocks_ = 0;
};

static_assert(kHistogramBins == 64, "one bin per bit of a 64-bit lane");

} // namespace
} // namespace slimscope::core::analysis
