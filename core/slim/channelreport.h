#pragma once

// What the preview says about structured pruning's channel groups (shared by the step outcome and the preview).

#include "model/removedfeatures.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace slimscope::core::slim {

/// A channel group of structured pruning as the preview reports it (slim/channelgroups.h).
struct ChannelGroupReport {
    std::vector<std::string> producers;
    std::vector<std::string> members; ///< the tensors that hold its channels, the producers' weights first
    std::size_t producerMembers = 0; ///< how many of `members` are producers' weights
    std::int64_t channelsBefore = 0;
    std::int64_t channelsAfter = 0;
    double criterionNorm = 0.0; ///< the norm of the producers' weights over all channels (its ranking's scale)
    std::string frozenReason; ///< why it was left alone; empty when it could lose channels
};

} // namespace slimscope::core::slim
