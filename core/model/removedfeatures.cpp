#include "removedfeatures.h"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace slimscope::core::model {

std::string writeRemovedInputFeatures(const std::vector<RemovedInputFeatures>& removed)
{
    nlohmann::json list = nlohmann::json::array();
    for (const auto& r : removed)
        list.push_back({ { "input", r.input }, { "features_before", r.featuresBefore }, { "indices", r.indices } });
    return list.dump();
}

std::optional<std::vector<RemovedInputFeatures>> readRemovedInputFeatures(const std::string& text)
{
    std::vector<RemovedInputFeatures> result;
    const auto json = nlohmann::json::parse(text, nullptr, false);
    if (!json.is_array())
        return std::nullopt;
    for (const auto& item : json) {
        if (!item.is_object() || !item.contains("input") || !item["input"].is_string() || !item.contains("indices")
            || !item["indices"].is_array() || !item.contains("features_before")
            || !item["features_before"].is_number_integer())
            return std::nullopt;
        RemovedInputFeatures r { item["input"].get<std::string>(), item["features_before"].get<std::int64_t>(), {} };
        for (const auto& index : item["indices"]) {
            if (!index.is_number_integer() || index.get<std::int64_t>() < 0
                || index.get<std::int64_t>() >= r.featuresBefore)
                return std::nullopt;
            r.indices.push_back(index.get<std::int64_t>());
        }
        std::ranges::sort(r.indices);
        if (std::ranges::adjacent_find(r.indices) != r.indices.end())
            return std::nullopt;
        result.push_back(std::move(r));
    }
    return result;
}

std::optional<std::vector<std::int64_t>> featuresToDrop(const std::vector<RemovedInputFeatures>& from,
    const std::vector<RemovedInputFeatures>& to, const std::string& input)
{
    const auto later = std::ranges::find(to, input, &RemovedInputFeatures::input);
    if (later == to.end())
        return std::vector<std::int64_t> {};
    const auto earlier = std::ranges::find(from, input, &RemovedInputFeatures::input);
    const std::vector<std::int64_t> none;
    const auto& gone = earlier == from.end() ? none : earlier->indices;
    if (earlier != from.end() && earlier->featuresBefore != later->featuresBefore)
        return std::nullopt;
    // Walk the original positions: those `from` still has are the feed's, numbered in order.
    std::vector<std::int64_t> drop;
    std::int64_t position = 0;
    for (std::int64_t k = 0; k < later->featuresBefore; ++k) {
        const bool goneBefore = std::ranges::binary_search(gone, k);
        const bool goneAfter = std::ranges::binary_search(later->indices, k);
        if (goneBefore && !goneAfter)
            return std::nullopt;
        if (goneBefore)
            continue;
        if (goneAfter)
            drop.push_back(position);
        ++position;
    }
    return drop;
}

} // namespace slimscope::core::model
