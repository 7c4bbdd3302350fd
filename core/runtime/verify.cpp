// Original vs slimmed in ONNX Runtime: same inputs, outputs compared by name, latency of both.
#include "runtime/verify.h"

#include "model/elementdecode.h"
#include "model/removedfeatures.h"

#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstring>
#include <tuple>

namespace slimscope::core::runtime {

namespace {

using model::DataType;

std::string typeName(DataType type)
{
    return std::string(model::dataTypeName(static_cast<std::int32_t>(type)));
}

bool isFloatType(DataType type)
{
    return type == DataType::Float || type == DataType::Double || type == DataType::Float16
        || type == DataType::Bfloat16;
}

std::vector<double> asDoubles(const HostTensor& tensor)
{
    std::vector<double> values(tensor.elementCount());
    model::elementsAsDoubles(tensor.dtype, tensor.data.data(), 0, values);
    return values;
}

/// A floating-point input re-encoded for a model that wants another floating type (a float16 model fed the
/// float32 inputs of its original).
/// Re-encodes a float tensor; `saturated` counts the values float16 could not hold (set to ±65504).
HostTensor convertFloat(const HostTensor& tensor, DataType target, std::uint64_t& saturated)
{
    HostTensor converted { tensor.name, target, tensor.shape, {} };
    const auto width = model::dataTypeInfo(static_cast<std::int32_t>(target))->bits / 8;
    converted.data.resize(tensor.elementCount() * width);
    const std::vector<double> values = asDoubles(tensor);
    for (std::size_t i = 0; i < values.size(); ++i) {
        std::byte* out = converted.data.data() + i * width;
        const auto f = static_cast<float>(values[i]);
        if (target == DataType::Double) {
            std::memcpy(out, &values[i], sizeof(double));
        } else if (target == DataType::Float) {
            std::memcpy(out, &f, sizeof(float));
        } else if (target == DataType::Float16) {
            saturated += model::beyondHalfRange(f) ? 1 : 0;
            const std::uint16_t half = model::floatToHalf(f);
            std::memcpy(out, &half, sizeof half);
        } else {
            const std::uint16_t bf = model::floatToBfloat16(f);
            std::memcpy(out, &bf, sizeof bf);
        }
    }
    return converted;
}

std::vector<model::RemovedInputFeatures> removedFeatures(const ModelSession& session)
{
    const auto it = session.metadata().find(model::kRemovedInputFeaturesKey);
    if (it == session.metadata().end())
        return {};
    return model::readRemovedInputFeatures(it->second).value_or(std::vector<model::RemovedInputFeatures> {});
}

/// The feed without the positions of its last axis in `drop` (ascending).
HostTensor withoutFeatures(const HostTensor& feed, const std::vector<std::int64_t>& drop)
{
    HostTensor result { feed.name, feed.dtype, feed.shape, {} };
    const auto last = static_cast<std::size_t>(feed.shape.back());
    const std::size_t width = feed.data.size() / std::max<std::uint64_t>(feed.elementCount(), 1);
    result.shape.back() -= static_cast<std::int64_t>(drop.size());
    for (std::size_t i = 0; i < feed.elementCount(); ++i)
        if (!std::ranges::binary_search(drop, static_cast<std::int64_t>(i % last)))
            result.data.insert(result.data.end(), feed.data.begin() + static_cast<std::ptrdiff_t>(i * width),
                feed.data.begin() + static_cast<std::ptrdiff_t>((i + 1) * width));
    return result;
}

/// The slimmed model's feeds: the original's tensors by name, re-encoded where only the float type changed,
/// without the input features the slimmed model's metadata says it no longer reads.
Result<std::vector<HostTensor>> slimmedFeeds(const std::vector<HostTensor>& feeds, const ModelSession& original,
    const ModelSession& slimmed, Diagnostics& diagnostics)
{
    std::vector<HostTensor> result;
    const auto removedBefore = removedFeatures(original), removedAfter = removedFeatures(slimmed);
    for (const TensorInfo& input : slimmed.inputs()) {
        const auto found = std::ranges::find(feeds, input.name, &HostTensor::name);
        if (found == feeds.end())
            return fail(ErrorCode::InvalidArgument,
                "model '" + slimmed.path().string() + "': input '" + input.name + "' is not an input of the original");
        const auto drop = model::featuresToDrop(removedBefore, removedAfter, input.name);
        if (!drop)
            return fail(ErrorCode::InvalidArgument,
                "model '" + slimmed.path().string() + "': input '" + input.name
                    + "' lost features the original still reads, by its metadata, but it was not slimmed from it");
        const HostTensor* it = &*found;
        HostTensor reduced;
        if (!drop->empty() && !it->shape.empty() && drop->back() < it->shape.back()) {
            reduced = withoutFeatures(*it, *drop);
            diagnostics.push_back({ Diagnostic::Severity::Info, input.name,
                "the slimmed model reads " + std::to_string(reduced.shape.back()) + " of the "
                    + std::to_string(it->shape.back()) + " features: the " + std::to_string(drop->size())
                    + " it removed (their weights were zero) are left out of its input" });
            it = &reduced;
        }
        if (it->dtype == input.dtype) {
            result.push_back(*it);
        } else if (isFloatType(it->dtype) && isFloatType(input.dtype)) {
            std::uint64_t saturated = 0;
            result.push_back(convertFloat(*it, input.dtype, saturated));
            diagnostics.push_back({ Diagnostic::Severity::Info, input.name,
                "input converted from " + typeName(it->dtype) + " to " + typeName(input.dtype)
                    + " for the slimmed model" });
            if (saturated)
                diagnostics.push_back({ Diagnostic::Severity::Warning, input.name,
                    std::to_string(saturated) + " value(s) beyond the float16 range were saturated to ±65504" });
        } else {
            return fail(ErrorCode::InvalidArgument,
                "model '" + slimmed.path().string() + "': input '" + input.name + "' is " + typeName(input.dtype)
                    + ", in the original it is " + typeName(it->dtype));
        }
    }
    for (const HostTensor& feed : feeds)
        if (std::ranges::find(slimmed.inputs(), feed.name, &TensorInfo::name) == slimmed.inputs().end())
            diagnostics.push_back({ Diagnostic::Severity::Info, feed.name, "input not used by the slimmed model" });
    return result;
}

double median(std::vector<double> values)
{
    if (values.empty())
        return 0;
    std::ranges::sort(values);
    const std::size_t mid = values.size() / 2;
    return values.size() % 2 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}

std::size_t argmax(const double* row, std::size_t count)
{
    std::size_t best = 0;
    for (std::size_t i = 1; i < count; ++i)
        if (row[i] > row[best] || (std::isnan(row[best]) && !std::isnan(row[i])))
            best = i;
    return best;
}

struct Sums {
    double maxAbs = 0, sumAbs = 0, dot = 0, refSquares = 0, outSquares = 0, diffSquares = 0;
    std::uint64_t compared = 0; ///< positions where both values are finite
    std::uint64_t nonFiniteMismatches = 0;
    bool identical = true;
};

Sums accumulate(const std::vector<double>& ref, const std::vector<double>& out)
{
    Sums s;
    for (std::size_t i = 0; i < ref.size(); ++i) {
        const double a = ref[i], b = out[i];
        const bool same = a == b || (std::isnan(a) && std::isnan(b));
        s.identical = s.identical && same;
        if (!std::isfinite(a) || !std::isfinite(b)) {
            s.nonFiniteMismatches += same ? 0 : 1;
            continue;
        }
        const double diff = a - b;
        s.maxAbs = std::max(s.maxAbs, std::abs(diff));
        s.sumAbs += std::abs(diff);
        s.dot += a * b;
        s.refSquares += a * a;
        s.outSquares += b * b;
        s.diffSquares += diff * diff;
        ++s.compared;
    }
    return s;
}

/// Share of rows (all leading dimensions flattened) whose argmax over the last dimension agrees.
double top1Agreement(const std::vector<double>& ref, const std::vector<double>& out, std::size_t classes)
{
    const std::size_t rows = ref.size() / classes;
    std::size_t agree = 0;
    for (std::size_t r = 0; r < rows; ++r)
        agree += argmax(ref.data() + r * classes, classes) == argmax(out.data() + r * classes, classes);
    return static_cast<double>(agree) / static_cast<double>(rows);
}

/// Runs both models `runs` times, alternating run by run so that a machine that speeds up or slows down
/// meanwhile (another build, turbo, a cold cache) affects both medians alike. Run r feeds sample r mod n.
Result<void> measureLatency(const ModelSession& a, const std::vector<InputSample>& feedsA, const ModelSession& b,
    const std::vector<InputSample>& feedsB, int runs, const Progress& progress, const CancelToken* cancel,
    Verification& result)
{
    std::vector<double> timesA, timesB;
    for (int run = 0; run < runs; ++run) {
        if (cancel && cancel->isCancelled())
            return fail(ErrorCode::Cancelled, "cancelled");
        progress.report("Measuring latency", 0.5 + 0.5 * run / runs);
        const std::size_t sample = static_cast<std::size_t>(run) % feedsA.size();
        for (auto [session, feeds, times] :
            { std::tuple { &a, &feedsA[sample], &timesA }, std::tuple { &b, &feedsB[sample], &timesB } }) {
            const auto start = std::chrono::steady_clock::now();
            auto outputs = session->run(*feeds);
            const auto stop = std::chrono::steady_clock::now();
            if (!outputs)
                return std::unexpected(outputs.error());
            times->push_back(std::chrono::duration<double, std::milli>(stop - start).count());
        }
    }
    result.originalLatencyMs = median(timesA);
    result.slimmedLatencyMs = median(timesB);
    return {};
}

} // namespace

std::vector<HostTensor> joinSamples(std::vector<std::vector<HostTensor>> perSample)
{
    if (perSample.size() == 1)
        return std::move(perSample.front());
    std::vector<HostTensor> joined = std::move(perSample.front());
    for (std::size_t s = 1; s < perSample.size(); ++s)
        for (HostTensor& out : joined) {
            const auto it = std::ranges::find(perSample[s], out.name, &HostTensor::name);
            if (it == perSample[s].end() || it->dtype != out.dtype)
                continue;
            const bool rows = !out.shape.empty() && it->shape.size() == out.shape.size()
                && std::equal(out.shape.begin() + 1, out.shape.end(), it->shape.begin() + 1);
            if (rows)
                out.shape[0] += it->shape[0];
            else
                out.shape = { static_cast<std::int64_t>(out.elementCount() + it->elementCount()) };
            out.data.insert(out.data.end(), it->data.begin(), it->data.end());
        }
    return joined;
}

namespace {

void compareAll(const ModelSession& original, const std::vector<HostTensor>& reference,
    const std::vector<HostTensor>& candidate, Verification& result)
{
    for (std::size_t i = 0; i < reference.size(); ++i) {
        const HostTensor& ref = reference[i];
        const auto it = std::ranges::find(candidate, ref.name, &HostTensor::name);
        if (it == candidate.end()) {
            result.diagnostics.push_back(
                { Diagnostic::Severity::Error, ref.name, "output missing from the slimmed model" });
            continue;
        }
        if (ref.dtype != it->dtype && model::isNumeric(ref.dtype) && model::isNumeric(it->dtype))
            result.diagnostics.push_back({ Diagnostic::Severity::Info, ref.name,
                "output type changed from " + typeName(ref.dtype) + " to " + typeName(it->dtype) });
        auto comparison = compareOutputs(ref, *it);
        if (!comparison) {
            // A string or sequence output cannot be compared (a warning); a changed shape is a broken model.
            const auto severity = comparison.error().code == ErrorCode::Unsupported ? Diagnostic::Severity::Warning
                                                                                    : Diagnostic::Severity::Error;
            result.diagnostics.push_back({ severity, ref.name, comparison.error().message });
            continue;
        }
        if (comparison->nonFiniteMismatches > 0)
            result.diagnostics.push_back({ Diagnostic::Severity::Warning, ref.name,
                std::to_string(comparison->nonFiniteMismatches)
                    + " values are NaN or infinite in one model only (left out of the statistics)" });
        result.outputs.push_back(std::move(*comparison));
    }
    for (const HostTensor& out : candidate)
        if (std::ranges::find(original.outputs(), out.name, &TensorInfo::name) == original.outputs().end())
            result.diagnostics.push_back(
                { Diagnostic::Severity::Warning, out.name, "output of the slimmed model only; not compared" });
}

/// When a model fails on random inputs, the usual cause is a symbolic dimension left at 1 (an audio model's
/// "sequence"); the message ends with which were, or is empty.
std::string defaultedDimsHint(const std::vector<TensorInfo>& inputs, const VerifyOptions& options)
{
    if (!options.inputs.isRandom())
        return {};
    std::vector<std::string> names;
    for (const TensorInfo& input : inputs)
        for (std::size_t i = 0; i < input.shape.size(); ++i) {
            const std::string name = i < input.dimNames.size() && !input.dimNames[i].empty()
                ? input.dimNames[i]
                : input.name + "[" + std::to_string(i) + "]";
            if (input.shape[i] < 0 && !options.inputs.dims.contains(name)
                && std::ranges::find(names, name) == names.end())
                names.push_back(name);
        }
    if (names.empty())
        return {};
    std::string text = " (the random inputs had symbolic dimensions set to 1: ";
    for (std::size_t i = 0; i < names.size(); ++i)
        text += (i ? ", " : "") + names[i];
    return text + "; give them sizes by name)";
}

} // namespace

std::string_view verdictName(Verdict verdict)
{
    return verdict == Verdict::Pass ? "pass" : verdict == Verdict::Warn ? "warn" : "fail";
}

std::string_view verdictTitle(Verdict verdict)
{
    return verdict == Verdict::Pass ? "PASS" : verdict == Verdict::Warn ? "WARN" : "FAIL";
}

Verdict outputVerdict(const OutputComparison& output, const FidelityThresholds& thresholds)
{
    if (output.identical)
        return Verdict::Pass;
    if (output.nonFiniteMismatches > 0 || !(output.cosine >= thresholds.minCosine)
        || (output.top1Agreement && *output.top1Agreement < thresholds.minTop1Agreement))
        return Verdict::Fail;
    return output.cosine < thresholds.minCosine + kVerdictWarnMargin ? Verdict::Warn : Verdict::Pass;
}

Verdict verdictOf(const Verification& verification, const FidelityThresholds& thresholds)
{
    if (verification.outputs.empty())
        return Verdict::Fail;
    Verdict worst = Verdict::Pass;
    for (const auto& output : verification.outputs)
        worst = std::max(worst, outputVerdict(output, thresholds));
    return worst;
}

Result<OutputComparison> compareOutputs(const HostTensor& reference, const HostTensor& candidate)
{
    for (const HostTensor* tensor : { &reference, &candidate })
        if (!model::isNumeric(tensor->dtype) || tensor->data.empty() != (tensor->elementCount() == 0))
            return fail(ErrorCode::Unsupported,
                "output '" + tensor->name + "' of type " + typeName(tensor->dtype) + " cannot be compared");
    if (reference.shape != candidate.shape) {
        auto text = [](const std::vector<std::int64_t>& shape) {
            std::string s = "[";
            for (std::size_t i = 0; i < shape.size(); ++i)
                s += (i ? "," : "") + std::to_string(shape[i]);
            return s + "]";
        };
        return fail(ErrorCode::InvalidArgument,
            "output '" + reference.name + "': shape " + text(candidate.shape) + " in the slimmed model, "
                + text(reference.shape) + " in the original");
    }
    OutputComparison c;
    c.name = reference.name;
    c.dtype = reference.dtype;
    c.shape = reference.shape;
    const std::vector<double> ref = asDoubles(reference);
    const std::vector<double> out = asDoubles(candidate);
    const Sums sums = accumulate(ref, out);
    c.maxAbs = sums.maxAbs;
    c.nonFiniteMismatches = sums.nonFiniteMismatches;
    c.identical = sums.identical;
    c.meanAbs = sums.compared ? sums.sumAbs / static_cast<double>(sums.compared) : 0;
    if (sums.identical) {
        c.cosine = 1; // exactly, not 1 - 1e-16 from rounding in the square roots
        c.sqnrDb = kSqnrCapDb;
    } else {
        if (sums.refSquares == 0 && sums.outSquares == 0)
            c.cosine = 1;
        else if (sums.refSquares == 0 || sums.outSquares == 0)
            c.cosine = 0;
        else
            c.cosine = std::clamp(sums.dot / std::sqrt(sums.refSquares * sums.outSquares), -1.0, 1.0);
        if (sums.diffSquares == 0)
            c.sqnrDb = kSqnrCapDb;
        else if (sums.refSquares == 0)
            c.sqnrDb = -kSqnrCapDb;
        else
            c.sqnrDb = std::clamp(10 * std::log10(sums.refSquares / sums.diffSquares), -kSqnrCapDb, kSqnrCapDb);
    }
    if (c.shape.size() >= 2 && c.shape.back() >= 2 && !ref.empty())
        c.top1Agreement = top1Agreement(ref, out, static_cast<std::size_t>(c.shape.back()));
    return c;
}

Result<Verification> verify(const std::filesystem::path& original, const std::filesystem::path& slimmed,
    const VerifyOptions& options, const Progress& progress, const CancelToken* cancel)
{
    if (!runtimeAvailable())
        return fail(ErrorCode::Unsupported,
            SLIMSCOPE_HAVE_ONNXRUNTIME ? "ONNX Runtime is switched off (SLIMSCOPE_NO_ONNXRUNTIME is set)"
                                       : "built without ONNX Runtime");
    if (options.runs < 1)
        return fail(ErrorCode::InvalidArgument, "runs must be at least 1, got " + std::to_string(options.runs));
    const auto cancelled = [cancel] { return cancel && cancel->isCancelled(); };
    if (cancelled())
        return fail(ErrorCode::Cancelled, "cancelled");

    Verification result;
    result.original = original;
    result.slimmed = slimmed;
    result.runs = options.runs;
    result.threads = options.threads;
    result.runtimeVersion = runtimeVersion();

    progress.report("Loading the original model", 0.0);
    auto a = ModelSession::open(original, options.threads);
    if (!a)
        return std::unexpected(a.error());
    if (cancelled())
        return fail(ErrorCode::Cancelled, "cancelled");
    progress.report("Loading the slimmed model", 0.1);
    auto b = ModelSession::open(slimmed, options.threads);
    if (!b)
        return std::unexpected(b.error());

    auto samples = loadInputSet(a->inputs(), options.inputs);
    if (!samples)
        return std::unexpected(Error(samples.error()).withContext("model '" + original.string() + "'"));
    result.inputSource = options.inputs.describe();
    result.samples = static_cast<int>(samples->size());
    for (const HostTensor& feed : samples->front())
        result.inputs.push_back({ feed.name, feed.dtype, feed.shape, {} });
    std::vector<InputSample> samplesB;
    for (const InputSample& sample : *samples) {
        Diagnostics ignored; // the first sample's notes stand for all: every sample has the same inputs
        auto feedsB = slimmedFeeds(sample, *a, *b, samplesB.empty() ? result.diagnostics : ignored);
        if (!feedsB)
            return std::unexpected(feedsB.error());
        samplesB.push_back(std::move(*feedsB));
    }

    // The first run of each model on each sample also warms it up (allocations, kernel selection).
    std::vector<std::vector<HostTensor>> outputsA, outputsB;
    for (std::size_t i = 0; i < samples->size(); ++i) {
        if (cancelled())
            return fail(ErrorCode::Cancelled, "cancelled");
        progress.report("Running both models", 0.2 + 0.3 * static_cast<double>(i) / samples->size());
        auto outA = a->run((*samples)[i]);
        if (!outA)
            return fail(outA.error().code, outA.error().message + defaultedDimsHint(a->inputs(), options));
        auto outB = b->run(samplesB[i]);
        if (!outB)
            return std::unexpected(outB.error());
        outputsA.push_back(std::move(*outA));
        outputsB.push_back(std::move(*outB));
    }
    const std::vector<HostTensor> firstA = outputsA.front();
    compareAll(*a, joinSamples(std::move(outputsA)), joinSamples(std::move(outputsB)), result);
    for (OutputComparison& c : result.outputs) // the shape of one sample's output, not of the joined values
        if (const auto it = std::ranges::find(firstA, c.name, &HostTensor::name); it != firstA.end())
            c.shape = it->shape;

    if (auto measured = measureLatency(*a, *samples, *b, samplesB, options.runs, progress, cancel, result); !measured)
        return std::unexpected(measured.error());
    progress.report("Verified", 1.0);
    return result;
}

} // namespace slimscope::core::runtime
