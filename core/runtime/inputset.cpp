// The input-set reader: `DIR` (one sample, or test_data_set_<k>/ sub-folders) or `random:N`.
#include "runtime/inputset.h"

#include <algorithm>
#include <charconv>

namespace slimscope::core::runtime {

namespace {

constexpr std::string_view kTestDataSet = "test_data_set_";

/// k of "test_data_set_<k>", or -1 for any other name.
long long testDataSetIndex(const std::string& name)
{
    if (!name.starts_with(kTestDataSet) || name.size() == kTestDataSet.size())
        return -1;
    long long k = -1;
    const char* first = name.data() + kTestDataSet.size();
    const char* last = name.data() + name.size();
    const auto [end, ec] = std::from_chars(first, last, k);
    return ec == std::errc() && end == last ? k : -1;
}

} // namespace

std::string InputSetSpec::describe() const
{
    if (!isRandom())
        return "files in " + folder.string();
    return "random (" + std::to_string(randomSamples) + (randomSamples == 1 ? " sample" : " samples") + ", seed "
        + std::to_string(seed) + ")";
}

std::string InputSetSpec::toText() const
{
    return isRandom() ? "random:" + std::to_string(randomSamples) : folder.string();
}

Result<InputSetSpec> parseInputSetSpec(std::string_view text)
{
    InputSetSpec spec;
    if (text.empty())
        return fail(ErrorCode::InvalidArgument, "inputs: expected a folder or random:N, got nothing");
    if (text == "random")
        return spec;
    if (!text.starts_with("random:")) {
        spec.folder = std::filesystem::path(std::string(text));
        return spec;
    }
    const std::string_view count = text.substr(7);
    int n = 0;
    const auto [end, ec] = std::from_chars(count.data(), count.data() + count.size(), n);
    if (ec != std::errc() || end != count.data() + count.size() || n < 1 || n > kMaxRandomSamples)
        return fail(ErrorCode::InvalidArgument,
            "inputs '" + std::string(text) + "': random:N takes a sample count from 1 to "
                + std::to_string(kMaxRandomSamples));
    spec.randomSamples = n;
    return spec;
}

Result<std::pair<std::string, std::int64_t>> parseDimAssignment(std::string_view text)
{
    const auto equals = text.find('=');
    std::int64_t value = 0;
    if (equals != std::string_view::npos && equals > 0) {
        const std::string_view digits = text.substr(equals + 1);
        const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
        if (ec == std::errc() && end == digits.data() + digits.size() && !digits.empty() && value >= 0)
            return std::pair { std::string(text.substr(0, equals)), value };
    }
    return fail(ErrorCode::InvalidArgument,
        "a symbolic dimension is given as NAME=VALUE (VALUE >= 0), not '" + std::string(text) + "'");
}

std::vector<std::filesystem::path> testDataSets(const std::filesystem::path& folder)
{
    std::vector<std::pair<long long, std::filesystem::path>> found;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(folder, ec)) {
        const long long k = testDataSetIndex(entry.path().filename().string());
        if (k >= 0 && entry.is_directory(ec))
            found.emplace_back(k, entry.path());
    }
    std::ranges::sort(found);
    std::vector<std::filesystem::path> sets;
    for (auto& [k, path] : found)
        sets.push_back(std::move(path));
    return sets;
}

Result<std::vector<InputSample>> loadInputSet(const std::vector<TensorInfo>& inputs, const InputSetSpec& spec)
{
    std::vector<InputSample> samples;
    if (spec.isRandom()) {
        if (spec.randomSamples < 1 || spec.randomSamples > kMaxRandomSamples)
            return fail(ErrorCode::InvalidArgument,
                "random inputs: " + std::to_string(spec.randomSamples) + " samples asked, 1 to "
                    + std::to_string(kMaxRandomSamples) + " allowed");
        for (int k = 0; k < spec.randomSamples; ++k) {
            auto sample = randomInputs(inputs, spec.seed + static_cast<std::uint64_t>(k), spec.dims);
            if (!sample)
                return std::unexpected(sample.error());
            samples.push_back(std::move(*sample));
        }
        return samples;
    }
    std::error_code ec;
    if (!std::filesystem::is_directory(spec.folder, ec))
        return fail(ErrorCode::NotFound, "inputs folder '" + spec.folder.string() + "' does not exist");
    const auto sets = testDataSets(spec.folder);
    if (sets.empty()) {
        auto sample = loadInputs(inputs, spec.folder);
        if (!sample)
            return std::unexpected(sample.error());
        samples.push_back(std::move(*sample));
        return samples;
    }
    for (const auto& set : sets) {
        auto sample = loadInputs(inputs, set);
        if (!sample)
            return std::unexpected(sample.error());
        samples.push_back(std::move(*sample));
    }
    return samples;
}

} // namespace slimscope::core::runtime
