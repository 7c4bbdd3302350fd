#include "previewmeasure.h"

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

bool isFloatType(std::int32_t type)
{
    const auto t = static_cast<DataType>(type);
    return t == DataType::Float || t == DataType::Float16 || t == DataType::Double || t == DataType::Bfloat16;
}

// Reads a tensor of any numeric type as float32 (tight loops for the common types; previews must be quick).
std::vector<float> asFloats(const model::TensorBytes& bytes, std::int32_t type, std::uint64_t count)
{
    const auto t = static_cast<DataType>(type);
    if (t == DataType::Float || t == DataType::Float16 || t == DataType::Bfloat16 || t == DataType::Double) {
        auto values = decodeFloats(bytes, type);
        values.resize(count);
        return values;
    }
    std::vector<float> values(count);
    const std::byte* data = bytes.bytes.data();
    if (t == DataType::Int8) {
        for (std::uint64_t i = 0; i < count; ++i)
            values[i] = static_cast<float>(static_cast<std::int8_t>(data[i]));
    } else if (t == DataType::Uint8) {
        for (std::uint64_t i = 0; i < count; ++i)
            values[i] = static_cast<float>(static_cast<std::uint8_t>(data[i]));
    } else {
        for (std::uint64_t i = 0; i < count; ++i)
            values[i] = static_cast<float>(model::elementAsDouble(t, data, i));
    }
    return values;
}

// DequantizeLinear over an int8/uint8 initializer, compared without materializing the float values.
struct QuantizedView {
    model::TensorBytes x;
    bool isSigned = true;
    std::vector<float> scales;
    std::vector<float> zeros;
    std::uint64_t inner = 1;
};

struct Effective {
    bool found = false;
    DataType dtype = DataType::Undefined;
    StorageAfter storage = StorageAfter::Initializer;
    std::uint64_t bytes = 0;
    FloatValues floats; // dense values as the consumers see them (unless `quantized` describes them)
    std::optional<QuantizedView> quantized;
    const TensorSource* source = nullptr; // for an initializer: where its bytes come from
};

class Reconstructor {
public:
    Reconstructor(WorkingModel& model, const std::map<std::string, StoredAs>& storedAs)
        : m_model(model)
        , m_index(model)
        , m_storedAs(storedAs)
    {
        for (std::size_t g = 0; g < m_index.graphs().size(); ++g) {
            onnx::GraphProto& graph = *m_index.graphs()[g].graph;
            for (auto& tensor : *graph.mutable_initializer())
                m_initializers[tensor.name()] = &tensor;
            for (auto& sparse : *graph.mutable_sparse_initializer())
                m_sparse[sparse.values().name()] = &sparse;
            for (auto& node : *graph.mutable_node())
                for (const auto& output : node.output())
                    m_producers[output] = &node;
        }
    }

    Effective find(const std::string& name, bool wantValues) const
    {
        Effective e;
        if (const auto it = m_initializers.find(name); it != m_initializers.end())
            return held(*it->second, StorageAfter::Initializer, wantValues);
        if (const auto it = m_sparse.find(name); it != m_sparse.end())
            return heldSparse(*it->second, StorageAfter::SparseInitializer, wantValues);
        const auto producer = m_producers.find(name);
        if (const auto parts = m_storedAs.find(name); parts != m_storedAs.end())
            return storedAsParts(parts->second);
        if (producer == m_producers.end())
            return e;
        const onnx::NodeProto& node = *producer->second;
        if (node.op_type() == "Constant" && node.attribute_size() == 1 && node.attribute(0).name() == "value"
            && node.attribute(0).has_t())
            return held(node.attribute(0).t(), StorageAfter::Constant, wantValues);
        if (node.op_type() == "Constant" && node.attribute_size() == 1 && node.attribute(0).name() == "sparse_value"
            && node.attribute(0).has_sparse_tensor())
            return heldSparse(node.attribute(0).sparse_tensor(), StorageAfter::SparseConstant, wantValues);
        if (node.op_type() == "DequantizeLinear" && node.input_size() >= 2) {
            const Effective x = find(node.input(0), false);
            const Effective scale = find(node.input(1), true);
            const Effective zero = node.input_size() > 2 ? find(node.input(2), true) : Effective {};
            if (!x.found || !scale.found)
                return e;
            e.found = true;
            e.dtype = x.dtype;
            e.storage = StorageAfter::Quantized;
            e.bytes = x.bytes + scale.bytes + zero.bytes;
            if (wantValues) {
                std::int64_t axis = 1;
                for (const auto& attribute : node.attribute())
                    if (attribute.name() == "axis")
                        axis = attribute.i();
                e.quantized = quantizedView(node.input(0), scale, zero, axis);
                if (!e.quantized)
                    e.floats = dequantizeDense(node, find(node.input(0), true), scale, zero);
            }
            return e;
        }
        if (node.op_type() == "Mul" && node.input_size() == 2)
            return castAndScaled(node, wantValues);
        if (node.op_type() == "Cast" && node.input_size() == 1) {
            Effective source = find(node.input(0), wantValues);
            if (source.quantized)
                return e; // a Cast after a DequantizeLinear: not a storage form we produce
            if (!source.found)
                return e;
            source.storage = source.dtype == DataType::Float16 ? StorageAfter::Float16 : source.storage;
            return source;
        }
        return e;
    }

private:
    // A tensor stored sparse, as a sparse initializer or a Constant's sparse_value: densified when values are
    // wanted.
    Effective heldSparse(const onnx::SparseTensorProto& s, StorageAfter storage, bool wantValues) const
    {
        Effective e;
        e.found = true;
        e.dtype = static_cast<DataType>(s.values().data_type());
        e.storage = storage;
        e.bytes = m_model.payloadBytes(s.values()) + m_model.payloadBytes(s.indices());
        if (wantValues) {
            std::uint64_t dense = 1;
            for (const auto d : s.dims())
                dense *= static_cast<std::uint64_t>(d);
            e.floats.owned.assign(dense, 0.0f);
            const auto values = readFloats(s.values());
            const auto indices = readIndices(s.indices());
            for (std::size_t i = 0; i < values.values.size() && i < indices.size(); ++i)
                if (indices[i] < dense)
                    e.floats.owned[static_cast<std::size_t>(indices[i])] = values.values[i];
            e.floats.values = std::span<const float>(e.floats.owned);
        }
        return e;
    }

    // A tensor stored as it is read: an initializer or a Constant node's value.
    Effective held(const onnx::TensorProto& t, StorageAfter storage, bool wantValues) const
    {
        Effective e;
        e.found = true;
        e.dtype = static_cast<DataType>(t.data_type());
        e.storage = storage;
        e.bytes = m_model.payloadBytes(t);
        e.source = m_model.source(t);
        if (wantValues)
            e.floats = readFloats(t);
        return e;
    }

    // Linear indices (int64 or int32), as ONNX sparse tensors and Slimscope write them.
    std::vector<std::uint64_t> readIndices(const onnx::TensorProto& tensor) const
    {
        std::vector<std::uint64_t> out;
        auto bytes = m_model.data(tensor);
        if (!bytes)
            return out;
        const auto type = static_cast<DataType>(tensor.data_type());
        const std::uint64_t count = elementCount(tensor);
        out.resize(count);
        for (std::uint64_t i = 0; i < count; ++i)
            out[i] = static_cast<std::uint64_t>(model::elementAsDouble(type, bytes->bytes.data(), i));
        return out;
    }

    FloatValues readFloats(const onnx::TensorProto& tensor) const
    {
        FloatValues out;
        const TensorSource* source = m_model.source(tensor);
        if (source && isFloatType(tensor.data_type())) {
            auto values = readFloatValues(*source, tensor.data_type());
            return values ? std::move(*values).plain() : out;
        }
        auto bytes = m_model.data(tensor);
        if (!bytes)
            return out;
        if (isFloatType(tensor.data_type())) {
            return viewFloats(*bytes, tensor.data_type());
        }
        out.owned = asFloats(*bytes, tensor.data_type(), elementCount(tensor));
        out.values = std::span<const float>(out.owned);
        return out;
    }

    // DequantizeLinear over values that are not a plain initializer (stored sparse): dense float values.
    FloatValues dequantizeDense(
        const onnx::NodeProto& node, const Effective& x, const Effective& scale, const Effective& zero) const
    {
        FloatValues out;
        const auto& values = x.floats.values;
        const auto& scales = scale.floats.values;
        if (values.empty() || scales.empty())
            return out;
        std::uint64_t inner = 1;
        if (scales.size() > 1) {
            std::int64_t axis = 1;
            for (const auto& attribute : node.attribute())
                if (attribute.name() == "axis")
                    axis = attribute.i();
            const auto sparse = m_sparse.find(node.input(0));
            if (sparse != m_sparse.end()) {
                const auto& dims = sparse->second->dims();
                if (axis < 0)
                    axis += dims.size();
                for (int d = static_cast<int>(axis) + 1; d < dims.size(); ++d)
                    inner *= static_cast<std::uint64_t>(dims[d]);
            }
        }
        out.owned.resize(values.size());
        for (std::size_t i = 0; i < values.size(); ++i) {
            const std::size_t c = scales.size() > 1 ? (i / inner) % scales.size() : 0;
            const float z
                = zero.floats.values.empty() ? 0.0f : zero.floats.values[std::min(c, zero.floats.values.size() - 1)];
            out.owned[i] = (values[i] - z) * scales[c];
        }
        out.values = std::span<const float>(out.owned);
        return out;
    }

    // A tensor a step re-expressed under other names (low_rank's factors, in whatever form later steps stored
    // them): their bytes. Its values are not rebuilt; the step measured its error.
    Effective storedAsParts(const StoredAs& stored) const
    {
        Effective e;
        for (const auto& part : stored.parts) {
            const Effective piece = find(part, false);
            if (!piece.found)
                return {};
            e.bytes += piece.bytes;
        }
        e.found = true;
        e.dtype = stored.dtype;
        e.storage = stored.storage;
        return e;
    }

    // The int8 form of models older than DequantizeLinear: q (int8/uint8) -> Cast -> [Sub zero points] -> Mul
    // scales, the scales shaped to broadcast along the channel axis.
    Effective castAndScaled(const onnx::NodeProto& mul, bool wantValues) const
    {
        Effective e;
        const auto producerOf = [&](const std::string& name) -> const onnx::NodeProto* {
            const auto found = m_producers.find(name);
            return found == m_producers.end() ? nullptr : found->second;
        };
        const onnx::NodeProto* cast = producerOf(mul.input(0));
        std::string zeroName;
        if (cast && cast->op_type() == "Sub" && cast->input_size() == 2) {
            zeroName = cast->input(1);
            cast = producerOf(cast->input(0));
        }
        if (!cast || cast->op_type() != "Cast" || cast->input_size() != 1)
            return e;
        const auto q = m_initializers.find(cast->input(0));
        const auto scaleTensor = m_initializers.find(mul.input(1));
        if (q == m_initializers.end() || scaleTensor == m_initializers.end())
            return e;
        const auto type = static_cast<DataType>(q->second->data_type());
        if (type != DataType::Int8 && type != DataType::Uint8)
            return e;
        const Effective scale = find(mul.input(1), true);
        const Effective zero = zeroName.empty() ? Effective {} : find(zeroName, true);
        e.found = true;
        e.dtype = type;
        e.storage = StorageAfter::Quantized;
        e.bytes = m_model.payloadBytes(*q->second) + scale.bytes + zero.bytes;
        if (wantValues) {
            std::int64_t axis = 0; // the dim of the scales that is not 1
            const auto& dims = scaleTensor->second->dims();
            for (int d = 0; d < dims.size(); ++d)
                if (dims[d] > 1)
                    axis = d;
            e.quantized = quantizedView(cast->input(0), scale, zero, axis);
        }
        return e;
    }

    std::optional<QuantizedView> quantizedView(
        const std::string& xName, const Effective& scale, const Effective& zero, std::int64_t axis) const
    {
        const auto x = m_initializers.find(xName);
        if (x == m_initializers.end())
            return std::nullopt; // quantized values stored sparse: compared through the dense fallback below
        const onnx::TensorProto& tensor = *x->second;
        auto bytes = m_model.data(tensor);
        const auto type = static_cast<DataType>(tensor.data_type());
        if (!bytes || (type != DataType::Int8 && type != DataType::Uint8) || scale.floats.values.empty())
            return std::nullopt;
        QuantizedView view;
        view.x = std::move(*bytes);
        view.isSigned = type == DataType::Int8;
        for (std::size_t i = 0; i < scale.floats.values.size(); ++i)
            view.scales.push_back(scale.floats.values[i]);
        for (std::size_t i = 0; i < zero.floats.values.size(); ++i)
            view.zeros.push_back(zero.floats.values[i]);
        if (view.scales.size() > 1) {
            if (axis < 0)
                axis += tensor.dims_size();
            for (int d = static_cast<int>(axis) + 1; d < tensor.dims_size(); ++d)
                view.inner *= static_cast<std::uint64_t>(tensor.dims(d));
        }
        return view;
    }

    const WorkingModel& m_model;
    GraphIndex m_index;
    std::unordered_map<std::string, onnx::TensorProto*> m_initializers;
    std::unordered_map<std::string, onnx::SparseTensorProto*> m_sparse;
    std::unordered_map<std::string, onnx::NodeProto*> m_producers;
    const std::map<std::string, StoredAs>& m_storedAs;
};

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
