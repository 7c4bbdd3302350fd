#include "pruneselect.h"

#include "support/parallel.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>

namespace slimscope::core::slim::prune {

namespace {

std::uint32_t magnitudeBits(float v)
{
    return std::bit_cast<std::uint32_t>(v) & 0x7FFFFFFFu;
}

std::size_t bucketOf(std::uint32_t bits)
{
    return bits >> MagnitudeProfile::kShift;
}

} // namespace

MagnitudeProfile profileOf(FloatView values)
{
    MagnitudeProfile profile;
    profile.elements = values.size();
    for (std::size_t i = 0; i < values.size(); ++i) {
        const float v = values[i];
        const std::uint32_t bits = magnitudeBits(v);
        const std::size_t bucket = bucketOf(bits);
        ++profile.counts[bucket];
        if (bits == 0) {
            ++profile.zeros;
            continue;
        }
        // NaN and infinities have no error to measure (as in accumulateErrors): their squares count as 0.
        profile.squares[bucket] += std::isfinite(v) ? static_cast<double>(v) * v : 0.0;
        profile.maxBits[bucket] = std::max(profile.maxBits[bucket], bits);
    }
    for (const double s : profile.squares)
        profile.signal += s;
    return profile;
}

std::vector<TensorCut> cutSmallest(
    const std::vector<FloatView>& tensors, const std::vector<const MagnitudeProfile*>& profiles, std::uint64_t k)
{
    std::vector<TensorCut> cuts(tensors.size());
    if (k == 0 || tensors.empty())
        return cuts;
    // Exact zeros come first; a rank among them changes nothing.
    std::uint64_t rank = k - 1, zeros = 0;
    for (const auto* profile : profiles)
        zeros += profile->zeros;
    if (rank < zeros) {
        for (std::size_t t = 0; t < tensors.size(); ++t)
            cuts[t].zerosAfter = profiles[t]->zeros;
        return cuts;
    }
    rank -= zeros;
    // The bucket that holds the rank among non-zero magnitudes, from the counts.
    std::size_t bucket = 0;
    for (; bucket < MagnitudeProfile::kBuckets; ++bucket) {
        std::uint64_t count = 0;
        for (const auto* profile : profiles)
            count += profile->counts[bucket] - (bucket == 0 ? profile->zeros : 0);
        if (rank < count)
            break;
        rank -= count;
    }
    // The non-zero magnitudes of that bucket and where they are, per tensor: one read-only scan.
    std::vector<std::vector<std::uint32_t>> inBucket(tensors.size());
    std::vector<std::vector<std::uint64_t>> positions(tensors.size());
    parallelFor(tensors.size(), [&](std::size_t t) {
        const FloatView values = tensors[t];
        for (std::size_t i = 0; i < values.size(); ++i)
            if (const std::uint32_t bits = magnitudeBits(values[i]); bucketOf(bits) == bucket && bits != 0) {
                inBucket[t].push_back(bits);
                positions[t].push_back(i);
            }
    });
    std::vector<std::uint32_t> all;
    for (const auto& bits : inBucket)
        all.insert(all.end(), bits.begin(), bits.end());
    if (rank >= all.size())
        return cuts; // k beyond the values: cannot happen for k <= the element count
    std::nth_element(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(rank), all.end());
    const std::uint32_t thresholdBits = all[static_cast<std::size_t>(rank)];
    const float threshold = std::bit_cast<float>(thresholdBits);

    std::uint64_t below = 0;
    std::vector<std::uint64_t> belowPerTensor(tensors.size()), equalPerTensor(tensors.size());
    for (std::size_t t = 0; t < tensors.size(); ++t) {
        TensorCut& cut = cuts[t];
        const MagnitudeProfile& profile = *profiles[t];
        cut.threshold = threshold;
        std::uint32_t maxBelow = 0;
        belowPerTensor[t] = bucket == 0 ? profile.zeros : 0;
        for (std::size_t b = 0; b < bucket; ++b) {
            belowPerTensor[t] += profile.counts[b];
            cut.noise += profile.squares[b];
            maxBelow = std::max(maxBelow, profile.maxBits[b]);
        }
        for (const std::uint32_t bits : inBucket[t]) {
            if (bits < thresholdBits) {
                ++belowPerTensor[t];
                const float v = std::bit_cast<float>(bits);
                cut.noise += std::isfinite(v) ? static_cast<double>(v) * v : 0.0;
                maxBelow = std::max(maxBelow, bits);
            } else if (bits == thresholdBits) {
                ++equalPerTensor[t];
            }
        }
        cut.maxAbs = std::bit_cast<float>(maxBelow);
        below += belowPerTensor[t];
    }
    // Values equal to the threshold: as many as k still needs, in tensor order, then element order.
    std::uint64_t ties = k - below;
    for (std::size_t t = 0; t < tensors.size(); ++t) {
        TensorCut& cut = cuts[t];
        cut.ties = std::min(ties, equalPerTensor[t]);
        ties -= cut.ties;
        for (std::size_t i = 0, seen = 0; i < inBucket[t].size() && seen < cut.ties; ++i)
            if (inBucket[t][i] == thresholdBits && ++seen == cut.ties)
                cut.tieEnd = positions[t][i] + 1;
        if (cut.ties > 0) {
            if (std::isfinite(threshold))
                cut.noise += static_cast<double>(threshold) * threshold * static_cast<double>(cut.ties);
            cut.maxAbs = threshold;
        }
        cut.zerosAfter = belowPerTensor[t] + cut.ties;
    }
    return cuts;
}

void applyCut(std::span<float> values, const TensorCut& cut)
{
    const CutFloatView cutView(FloatView(std::span<const float>(values)), { cut.threshold, cut.tieEnd });
    for (std::size_t i = 0; i < values.size(); ++i)
        values[i] = cutView[i];
}

} // namespace slimscope::core::slim::prune
