// Calibration: activation ranges by min-max or percentile over an input set, in ONNX Runtime.
#include "runtime/calibration.h"

#include "runtime/session.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

namespace slimscope::core::runtime {

namespace {

constexpr std::size_t kHistogramBins = 4096;

struct Tally {
    float min = std::numeric_limits<float>::infinity();
    float max = -std::numeric_limits<float>::infinity();
    std::vector<std::uint64_t> histogram; ///< kHistogramBins between min and max (pass 2)
    std::uint64_t count = 0;
};

template <class Fn> void forEachFinite(const HostTensor& tensor, Fn fn)
{
    const std::size_t count = tensor.data.size() / sizeof(float);
    for (std::size_t i = 0; i < count; ++i) {
        float v = 0;
        std::memcpy(&v, tensor.data.data() + i * sizeof(float), sizeof v);
        if (std::isfinite(v))
            fn(v);
    }
}

/// The value below which `share` of the histogram's counts lie, at bin resolution (the bin's edge on the side
/// that keeps more values).
float histogramQuantile(const Tally& t, double share, bool upper)
{
    const double width = (static_cast<double>(t.max) - t.min) / kHistogramBins;
    const auto target = static_cast<double>(t.count) * share;
    double seen = 0;
    for (std::size_t b = 0; b < kHistogramBins; ++b) {
        seen += static_cast<double>(t.histogram[b]);
        if (seen >= target)
            return static_cast<float>(t.min + width * static_cast<double>(upper ? b + 1 : b));
    }
    return t.max;
}

} // namespace

Result<Calibration> calibrateRanges(const std::string& modelBytes, const std::string& label,
    const std::vector<std::string>& tensors, const CalibrationOptions& options, const Progress& progress,
    const CancelToken* cancel)
{
    if (options.method == RangeMethod::Percentile && !(options.percentile > 50.0 && options.percentile <= 100.0))
        return fail(ErrorCode::InvalidArgument,
            "calibration: the percentile must be above 50 and at most 100, got " + std::to_string(options.percentile));
    progress.report("Loading the model for calibration", 0.0);
    auto session = ModelSession::openFromMemory(modelBytes, label, SessionSettings { options.threads, {} });
    if (!session)
        return std::unexpected(session.error());
    auto samples = loadInputSet(session->inputs(), options.inputs);
    if (!samples)
        return std::unexpected(samples.error());

    std::map<std::string, Tally> tallies;
    std::vector<int> outputOf; // per session output (then per feed): 1 when it is one of `tensors` and float32
    for (const TensorInfo& output : session->outputs())
        outputOf.push_back(
            output.dtype == model::DataType::Float && std::ranges::find(tensors, output.name) != tensors.end());

    const int passes = options.method == RangeMethod::Percentile ? 2 : 1;
    const double steps = static_cast<double>(passes * samples->size());
    for (int pass = 0; pass < passes; ++pass) {
        for (std::size_t s = 0; s < samples->size(); ++s) {
            if (cancel && cancel->isCancelled())
                return fail(ErrorCode::Cancelled, "cancelled");
            progress.report(pass == 0 ? "Calibrating: ranges" : "Calibrating: histograms",
                0.05 + 0.95 * static_cast<double>(pass * samples->size() + s) / steps);
            auto outputs = session->run((*samples)[s]);
            if (!outputs)
                return std::unexpected(Error(outputs.error()).withContext("sample " + std::to_string(s)));
            // A graph input asked for is tallied from the feed (a graph output cannot repeat an input's name).
            for (const HostTensor& feed : (*samples)[s])
                if (feed.dtype == model::DataType::Float && std::ranges::find(tensors, feed.name) != tensors.end()) {
                    outputs->push_back(feed);
                    outputOf.resize(outputs->size(), 1);
                }
            for (std::size_t o = 0; o < outputs->size(); ++o) {
                if (!outputOf[o])
                    continue;
                Tally& t = tallies[(*outputs)[o].name];
                if (pass == 0) {
                    forEachFinite((*outputs)[o], [&](float v) {
                        t.min = std::min(t.min, v);
                        t.max = std::max(t.max, v);
                        ++t.count;
                    });
                    continue;
                }
                if (t.histogram.empty())
                    t.histogram.assign(kHistogramBins, 0);
                const double scale = t.max > t.min ? kHistogramBins / (static_cast<double>(t.max) - t.min) : 0.0;
                forEachFinite((*outputs)[o], [&](float v) {
                    const auto bin = static_cast<std::size_t>((static_cast<double>(v) - t.min) * scale);
                    ++t.histogram[std::min(bin, kHistogramBins - 1)];
                });
            }
        }
    }

    Calibration result;
    result.samples = static_cast<int>(samples->size());
    result.inputSource = options.inputs.describe();
    for (const auto& [name, t] : tallies) {
        ActivationRange range;
        if (t.count > 0) {
            range = { t.min, t.max };
            if (passes == 2 && t.max > t.min) {
                const double tail = (100.0 - options.percentile) / 100.0;
                range.min = histogramQuantile(t, tail, false);
                range.max = histogramQuantile(t, 1.0 - tail, true);
            }
        }
        result.ranges.emplace(name, range);
    }
    return result;
}

} // namespace slimscope::core::runtime
