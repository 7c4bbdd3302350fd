#pragma once

// Input features a slimmed model no longer reads (prune_channels with `inputs`: features whose weights were all
// zero). The model records them in its metadata_props under kRemovedInputFeaturesKey, as positions of the original
// input's last axis, so that whoever feeds it (verification, callers) can drop the same positions.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace slimscope::core::model {

struct RemovedInputFeatures {
    std::string input;
    std::int64_t featuresBefore = 0; ///< the original input's last dimension
    std::vector<std::int64_t> indices; ///< ascending positions in the original input
};

inline constexpr const char* kRemovedInputFeaturesKey = "slimscope.removed_input_features";

/// The metadata value: [{"input": "x", "features_before": 12, "indices": [3, 7]}].
std::string writeRemovedInputFeatures(const std::vector<RemovedInputFeatures>& removed);
/// Reads it back; nullopt for a value that is not that (a wrong type, an index out of range).
std::optional<std::vector<RemovedInputFeatures>> readRemovedInputFeatures(const std::string& json);

/// The positions of a feed for a model with metadata `from` (empty: the original) that a model with metadata `to`
/// no longer reads, as positions of the feed's last axis; nullopt when `to` did not start from `from` (it lacks
/// some of the positions `from` removed).
std::optional<std::vector<std::int64_t>> featuresToDrop(const std::vector<RemovedInputFeatures>& from,
    const std::vector<RemovedInputFeatures>& to, const std::string& input);

} // namespace slimscope::core::model
