#include "previewmeasure.h"
#include "reconstructor.h"

#include "analysis/analysis.h"
#include "errorsums.h"
#include "graphindex.h"
#include "model/elementdecode.h"
#include "stepsupport.h"
#include "support/parallel.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <span>

namespace slimscope::core::slim {

using model::DataType;

namespace {

StorageAfter storageAfterOf(model::Storage storage)
{
    switch (storage) {
    case model::Storage::Initializer:
        return StorageAfter::Initializer;
    case model::Storage::SparseInitializer:
        return StorageAfter::SparseInitializer;
    case model::Storage::Constant:
        return StorageAfter::Constant;
    }
    return StorageAfter::Initializer;
}

// Params and weight bytes of a working model, counted as the analysis counts them: initializers, sparse
// initializers (stored values) and Constant values in every graph.
Totals measureTotals(WorkingModel& model)
{
    Totals totals;
    const auto add = [&](std::int32_t type, std::uint64_t elements, std::uint64_t bytes) {
        totals.params += elements;
        totals.bytes += bytes;
        totals.byDtype[std::string(model::dataTypeName(type))] += bytes;
    };
    for (const auto& info : model.graphs()) {
        for (const auto& tensor : info.graph->initializer()) {
            std::uint64_t bytes = model.payloadBytes(tensor);
            if (tensor.data_type() == onnx::TensorProto::STRING) // as the analysis counts strings: their lengths
                for (const auto& text : tensor.string_data())
                    bytes += text.size();
            add(tensor.data_type(), elementCount(tensor), bytes);
        }
        for (const auto& sparse : info.graph->sparse_initializer()) {
            add(sparse.values().data_type(), elementCount(sparse.values()),
                model.payloadBytes(sparse.values()) + model.payloadBytes(sparse.indices()));
        }
        for (const auto& node : info.graph->node()) {
            if (node.op_type() != "Constant")
                continue;
            for (const auto& attribute : node.attribute()) {
                if (attribute.name() == "value" && attribute.has_t()) {
                    const auto info2 = model::dataTypeInfo(attribute.t().data_type());
                    const std::uint64_t elements = elementCount(attribute.t());
                    const std::uint64_t bytes = model.hasSource(attribute.t())
                        ? model.payloadBytes(attribute.t())
                        : (info2 ? model::denseByteSize(*info2, elements).value_or(0) : 0);
                    add(attribute.t().data_type(), elements, bytes);
                } else if (attribute.name() == "sparse_value" && attribute.has_sparse_tensor()) {
                    const auto& sparse = attribute.sparse_tensor();
                    add(sparse.values().data_type(), elementCount(sparse.values()),
                        model.payloadBytes(sparse.values()) + model.payloadBytes(sparse.indices()));
                } else if (attribute.name() == "value_floats") {
                    add(onnx::TensorProto::FLOAT, static_cast<std::uint64_t>(attribute.floats_size()),
                        4ull * attribute.floats_size());
                } else if (attribute.name() == "value_ints") {
                    add(onnx::TensorProto::INT64, static_cast<std::uint64_t>(attribute.ints_size()),
                        8ull * attribute.ints_size());
                } else if (attribute.name() == "value_float") {
                    add(onnx::TensorProto::FLOAT, 1, 4);
                } else if (attribute.name() == "value_int") {
                    add(onnx::TensorProto::INT64, 1, 8);
                }
            }
        }
    }
    return totals;
}

std::vector<DtypeBytes> sortedByBytes(const std::map<std::string, std::uint64_t>& byDtype)
{
    std::vector<DtypeBytes> out;
    out.reserve(byDtype.size());
    for (const auto& [dtype, bytes] : byDtype)
        out.push_back({ dtype, bytes });
    std::ranges::sort(out, std::greater {}, &DtypeBytes::bytes);
    return out;
}

double sparsityOf(FloatView values)
{
    if (values.empty())
        return 0.0;
    std::uint64_t zeros = 0;
    for (std::size_t i = 0; i < values.size(); ++i)
        zeros += values[i] == 0.0f ? 1 : 0;
    return static_cast<double>(zeros) / static_cast<double>(values.size());
}

ErrorSums compareWith(FloatView before, const Effective& after, bool sample)
{
    if (after.quantized) {
        const QuantizedView& q = *after.quantized;
        if (q.x.bytes.size() != before.size())
            return {};
        const std::byte* x = q.x.bytes.data();
        const auto zeroOf = [&](std::uint64_t c) {
            return q.zeros.empty() ? 0.0f : q.zeros[std::min<std::size_t>(c, q.zeros.size() - 1)];
        };
        return channelErrors(before, q.scales.size(), q.inner, sample,
            [&](std::uint64_t c, std::uint64_t begin, std::size_t count, float* out) {
                const float zero = zeroOf(c), scale = q.scales[c];
                for (std::size_t i = 0; i < count; ++i) {
                    const auto level = q.isSigned ? static_cast<float>(static_cast<std::int8_t>(x[begin + i]))
                                                  : static_cast<float>(static_cast<std::uint8_t>(x[begin + i]));
                    out[i] = (level - zero) * scale;
                }
                return FloatView(std::span<const float>(out, count));
            });
    }
    const auto& values = after.floats.values;
    if (values.size() != before.size())
        return {};
    return accumulateErrors(
        before, [&](std::size_t begin, std::size_t count, float*) { return values.subspan(begin, count); },
        sampleStride(before.size(), kErrorBlock, sample));
}

void setErrors(TensorChange& change, const ErrorSums& sums, bool sampled)
{
    if (!sums.valid)
        return;
    const MeasuredError error = sums.measured(sampled);
    change.hasError = true;
    change.maxAbs = error.maxAbs;
    change.relativeL2 = error.relativeL2;
    change.sqnrDb = error.sqnrDb;
    change.sparsityAfter = error.sparsityAfter.value_or(0.0); // measured() always sets it
    change.errorSampled = sampled;
}

// The share of zeros of an original weight: from the analysis when there is one, else counted.
double originalSparsity(
    const model::ModelFile& file, const model::WeightTensor& weight, const analysis::Analysis* analysis)
{
    const auto weightIndex = static_cast<std::size_t>(&weight - file.weights().data());
    if (analysis && weightIndex < analysis->tensors.size())
        return analysis->tensors[weightIndex].sparsity;
    if (!model::isNumeric(static_cast<DataType>(weight.dataType)))
        return 0.0;
    auto bytes = file.read(weight);
    if (!bytes)
        return 0.0;
    // (sparse originals count their omitted entries in the analysis; this fallback sees stored values only)
    if (isFloatType(weight.dataType))
        return sparsityOf(viewFloats(*bytes, weight.dataType).values);
    return sparsityOf(asFloats(*bytes, weight.dataType, weight.storedElements));
}

// A tensor whose error the step that changed it measured (against the original values): its row without
// reading its new values, which may not even be computed yet (DeferredBytes).
// The "after" columns of a row from what consumers now read; a tensor nothing provides any more is removed.
// Returns whether it still exists.
bool setAfter(TensorChange& change, const Effective& after)
{
    if (!after.found) {
        change.removed = change.changed = true;
        change.dtypeAfter = DataType::Undefined;
        change.storageAfter = StorageAfter::Removed;
        return false;
    }
    change.dtypeAfter = after.dtype;
    change.storageAfter = after.storage;
    change.bytesAfter = after.bytes;
    return true;
}

void useMeasurement(
    TensorChange& change, const MeasuredError& error, const Effective& after, const model::WeightTensor& weight)
{
    if (!setAfter(change, after))
        return;
    change.hasError = true;
    change.relativeL2 = error.relativeL2;
    change.sqnrDb = error.sqnrDb;
    change.maxAbs = error.maxAbs;
    change.errorSampled = error.sampled;
    change.sparsityAfter = error.sparsityAfter.value_or(change.sparsityBefore);
    change.changed = change.bytesAfter != change.bytesBefore || change.dtypeAfter != change.dtypeBefore
        || change.storageAfter != storageAfterOf(weight.storage) || change.maxAbs > 0.0;
}

// One row per original initializer (and sparse initializer) of every graph. Tensors still read from their
// original bytes are unchanged and cost nothing; the others are decoded and compared, in parallel.
// `measured` holds the errors steps measured themselves for tensors whose shape they changed; a changed shape
// with no measured error is reported as a diagnostic rather than left blank without a word.
std::vector<TensorChange> describeAll(const model::ModelFile& file, WorkingModel& model,
    const analysis::Analysis* analysis, const std::map<std::string, MeasuredError>& measured,
    const std::map<std::string, StoredAs>& storedAs, const ApplyOptions& options, Diagnostics& diagnostics,
    const CancelToken* cancel)
{
    const Reconstructor reconstructor(model, storedAs);
    // Every stored weight with a tensor: initializers, sparse initializers and Constant nodes' `value`
    // (value_float(s)/value_int(s) Constants hold no tensor and no step changes them).
    std::vector<const model::WeightTensor*> weights;
    for (const auto& weight : file.weights())
        if (weight.tensor)
            weights.push_back(&weight);
    std::vector<TensorChange> changes(weights.size());
    std::vector<char> unmeasured(weights.size(), 0);
    parallelFor(
        weights.size(),
        [&](std::size_t w) {
            const model::WeightTensor& weight = *weights[w];
            const auto weightIndex = static_cast<std::size_t>(&weight - file.weights().data());
            TensorChange& change = changes[w];
            change.weightIndex = analysis::TensorIndex(weightIndex);
            change.name = weight.name;
            change.graph = file.graphs()[static_cast<std::size_t>(weight.graphIndex)].path;
            change.dtypeBefore = static_cast<DataType>(weight.dataType);
            change.elements = weight.elements;
            change.bytesBefore = weight.storedBytes;
            const bool numeric = model::isNumeric(static_cast<DataType>(weight.dataType));
            const Effective unchangedProbe = reconstructor.find(weight.name, false);
            const bool unchanged = unchangedProbe.found && unchangedProbe.source
                && unchangedProbe.source->weight == &weight && !unchangedProbe.source->indices;
            if (unchanged) {
                change.dtypeAfter = change.dtypeBefore;
                change.storageAfter = unchangedProbe.storage; // a Constant may now be an initializer (dedupe)
                change.bytesAfter = unchangedProbe.bytes;
                change.sparsityBefore = originalSparsity(file, weight, analysis);
                change.sparsityAfter = change.sparsityBefore;
                return;
            }
            if (const auto it = measured.find(weight.name); it != measured.end()) {
                change.sparsityBefore = originalSparsity(file, weight, analysis);
                useMeasurement(change, it->second, reconstructor.find(weight.name, false), weight);
                return;
            }
            FloatValues before;
            if (numeric) {
                if (auto bytes = file.read(weight)) {
                    if (isFloatType(weight.dataType)) {
                        before = viewFloats(*bytes, weight.dataType);
                    } else {
                        before.owned = asFloats(*bytes, weight.dataType, weight.storedElements);
                        before.values = before.owned;
                    }
                    if (weight.storage == model::Storage::SparseInitializer) {
                        // Densify through the indices for a like-for-like comparison.
                        std::vector<float> dense(weight.elements, 0.0f);
                        auto indexBytes = file.readIndices(weight);
                        if (indexBytes && weight.sparseIndices)
                            for (std::uint64_t i = 0; i < before.values.size(); ++i) {
                                const auto index = static_cast<std::uint64_t>(
                                    model::elementAsDouble(static_cast<DataType>(weight.sparseIndices->data_type()),
                                        indexBytes->bytes.data(), i));
                                if (index < dense.size())
                                    dense[index] = before.values[i];
                            }
                        before.owned = std::move(dense);
                        before.values = before.owned;
                    }
                }
            }
            change.sparsityBefore = sparsityOf(before.values);
            const Effective after = reconstructor.find(weight.name, numeric);
            if (!setAfter(change, after))
                return;
            const bool sample = options.sampleErrors && isFloatType(weight.dataType);
            const ErrorSums sums = compareWith(before.values, after, sample);
            if (isFloatType(weight.dataType) && sums.valid) {
                setErrors(change, sums, sample && sums.count < before.values.size());
            } else if (isFloatType(weight.dataType)) {
                unmeasured[w] = 1;
            } else if (sums.valid)
                change.sparsityAfter
                    = sums.count ? static_cast<double>(sums.zerosAfter) / static_cast<double>(sums.count) : 0.0;
            change.changed = change.bytesAfter != change.bytesBefore || change.dtypeAfter != change.dtypeBefore
                || change.storageAfter != storageAfterOf(weight.storage) || (change.hasError && change.maxAbs > 0.0);
        },
        cancel);
    for (std::size_t w = 0; w < changes.size(); ++w)
        if (unmeasured[w])
            diagnostics.push_back({ Diagnostic::Severity::Warning, changes[w].name,
                changes[w].name + ": no error numbers (its shape changed and no step measured the error)" });
    return changes;
}

} // namespace

Totals measure(WorkingModel& model)
{
    return measureTotals(model);
}

std::vector<DtypeBytes> sortedDtypes(const std::map<std::string, std::uint64_t>& byDtype)
{
    return sortedByBytes(byDtype);
}

std::vector<TensorChange> describeChanges(const model::ModelFile& file, WorkingModel& model,
    const std::map<std::string, MeasuredError>& measured, const std::map<std::string, StoredAs>& storedAs,
    const ApplyOptions& options, Diagnostics& diagnostics, const CancelToken* cancel)
{
    return describeAll(file, model, options.analysis, measured, storedAs, options, diagnostics, cancel);
}

} // namespace slimscope::core::slim
