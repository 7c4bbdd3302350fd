#include "slimmer.h"

#include "analysis/elementdecode.h"
#include "graphindex.h"
#include "steps.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <map>

namespace slimscope::core::slim {

using model::DataType;

namespace {

bool isFloatType(std::int32_t type)
{
    const auto t = static_cast<DataType>(type);
    return t == DataType::Float || t == DataType::Float16 || t == DataType::Double || t == DataType::Bfloat16;
}

// Reads a tensor of any numeric type as doubles.
std::vector<double> asDoubles(const model::TensorBytes& bytes, std::int32_t type, std::uint64_t count)
{
    std::vector<double> values(count);
    for (std::uint64_t i = 0; i < count; ++i)
        values[i] = analysis::elementAsDouble(static_cast<DataType>(type), bytes.bytes.data(), i);
    return values;
}

struct Effective {
    bool found = false;
    std::string dtype;
    std::string storage;
    std::uint64_t bytes = 0;
    std::vector<double> values; // dense, as the consumers see them
};

class Reconstructor {
public:
    explicit Reconstructor(WorkingModel& model)
        : m_model(model)
        , m_index(model)
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

    Effective find(const std::string& name, bool wantValues)
    {
        Effective e;
        if (const auto it = m_initializers.find(name); it != m_initializers.end()) {
            const onnx::TensorProto& t = *it->second;
            e.found = true;
            e.dtype = std::string(model::dataTypeName(t.data_type()));
            e.storage = "initializer";
            e.bytes = m_model.payloadBytes(t);
            if (wantValues)
                e.values = read(t);
            return e;
        }
        if (const auto it = m_sparse.find(name); it != m_sparse.end()) {
            const onnx::SparseTensorProto& s = *it->second;
            e.found = true;
            e.dtype = std::string(model::dataTypeName(s.values().data_type()));
            e.storage = "sparse_initializer";
            e.bytes = m_model.payloadBytes(s.values()) + m_model.payloadBytes(s.indices());
            if (wantValues) {
                std::uint64_t dense = 1;
                for (const auto d : s.dims())
                    dense *= static_cast<std::uint64_t>(d);
                e.values.assign(dense, 0.0);
                const auto values = read(s.values());
                const auto indices = read(s.indices());
                for (std::size_t i = 0; i < values.size() && i < indices.size(); ++i)
                    if (indices[i] >= 0 && static_cast<std::uint64_t>(indices[i]) < dense)
                        e.values[static_cast<std::size_t>(indices[i])] = values[i];
            }
            return e;
        }
        const auto producer = m_producers.find(name);
        if (producer == m_producers.end())
            return e;
        const onnx::NodeProto& node = *producer->second;
        if (node.op_type() == "DequantizeLinear" && node.input_size() >= 2) {
            const Effective x = find(node.input(0), wantValues);
            const Effective scale = find(node.input(1), true);
            const Effective zero = node.input_size() > 2 ? find(node.input(2), true) : Effective {};
            if (!x.found || !scale.found)
                return e;
            e.found = true;
            e.dtype = x.dtype;
            e.storage = "quantized";
            e.bytes = x.bytes + scale.bytes + zero.bytes;
            if (wantValues)
                e.values = dequantize(node, x.values, scale.values, zero.values, node.input(0));
            return e;
        }
        if (node.op_type() == "Cast" && node.input_size() == 1) {
            Effective source = find(node.input(0), wantValues);
            if (!source.found)
                return e;
            source.storage = source.dtype == "float16" ? "float16" : source.storage;
            return source;
        }
        return e;
    }

private:
    std::vector<double> read(const onnx::TensorProto& tensor)
    {
        auto bytes = m_model.data(tensor);
        if (!bytes)
            return {};
        return asDoubles(*bytes, tensor.data_type(), elementCount(tensor));
    }

    std::vector<double> dequantize(const onnx::NodeProto& node, const std::vector<double>& x,
        const std::vector<double>& scales, const std::vector<double>& zeros, const std::string& xName)
    {
        std::vector<double> out(x.size());
        std::int64_t axis = 1;
        for (const auto& attribute : node.attribute())
            if (attribute.name() == "axis")
                axis = attribute.i();
        std::uint64_t inner = 1;
        if (scales.size() > 1) {
            const auto it = m_initializers.find(xName);
            const auto sparse = m_sparse.find(xName);
            std::vector<std::int64_t> dims;
            if (it != m_initializers.end())
                dims.assign(it->second->dims().begin(), it->second->dims().end());
            else if (sparse != m_sparse.end())
                dims.assign(sparse->second->dims().begin(), sparse->second->dims().end());
            if (axis < 0)
                axis += static_cast<std::int64_t>(dims.size());
            for (std::size_t d = static_cast<std::size_t>(axis) + 1; d < dims.size(); ++d)
                inner *= static_cast<std::uint64_t>(dims[d]);
        }
        for (std::size_t i = 0; i < x.size(); ++i) {
            const std::size_t c = scales.size() > 1 ? (i / inner) % scales.size() : 0;
            const double zero = zeros.empty() ? 0.0 : zeros[std::min(c, zeros.size() - 1)];
            out[i] = (x[i] - zero) * scales[c];
        }
        return out;
    }

    WorkingModel& m_model;
    GraphIndex m_index;
    std::unordered_map<std::string, onnx::TensorProto*> m_initializers;
    std::unordered_map<std::string, onnx::SparseTensorProto*> m_sparse;
    std::unordered_map<std::string, onnx::NodeProto*> m_producers;
};

struct Totals {
    std::uint64_t params = 0;
    std::uint64_t bytes = 0;
    std::map<std::string, std::uint64_t> byDtype;
};

// Params and weight bytes of a working model, counted as the analysis counts them: initializers, sparse
// initializers (stored values) and Constant values in every graph.
Totals measure(WorkingModel& model)
{
    Totals totals;
    const auto add = [&](std::int32_t type, std::uint64_t elements, std::uint64_t bytes) {
        totals.params += elements;
        totals.bytes += bytes;
        totals.byDtype[std::string(model::dataTypeName(type))] += bytes;
    };
    for (const auto& info : model.graphs()) {
        for (const auto& tensor : info.graph->initializer())
            add(tensor.data_type(), elementCount(tensor), model.payloadBytes(tensor));
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
                    add(onnx::TensorProto::FLOAT, static_cast<std::uint64_t>(attribute.floats_size()), 4ull * attribute.floats_size());
                } else if (attribute.name() == "value_ints") {
                    add(onnx::TensorProto::INT64, static_cast<std::uint64_t>(attribute.ints_size()), 8ull * attribute.ints_size());
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

std::vector<DtypeBytes> sortedDtypes(const std::map<std::string, std::uint64_t>& byDtype)
{
    std::vector<DtypeBytes> out;
    for (const auto& [dtype, bytes] : byDtype)
        out.push_back({ dtype, bytes });
    std::ranges::sort(out, std::greater {}, &DtypeBytes::bytes);
    return out;
}

double sparsityOf(const std::vector<double>& values)
{
    if (values.empty())
        return 0.0;
    return static_cast<double>(std::ranges::count(values, 0.0)) / static_cast<double>(values.size());
}

void compareValues(TensorChange& change, const std::vector<double>& before, const std::vector<double>& after)
{
    if (before.size() != after.size() || before.empty())
        return;
    double signal = 0.0, noise = 0.0, maxAbs = 0.0;
    for (std::size_t i = 0; i < before.size(); ++i) {
        const double d = after[i] - before[i];
        signal += before[i] * before[i];
        noise += d * d;
        maxAbs = std::max(maxAbs, std::fabs(d));
    }
    change.hasError = true;
    change.maxAbs = maxAbs;
    change.relativeL2 = signal > 0.0 ? std::sqrt(noise / signal) : (noise > 0.0 ? INFINITY : 0.0);
    change.sqnrDb = noise > 0.0 ? 10.0 * std::log10(signal / noise) : INFINITY;
}

// One row per original initializer (and sparse initializer) of the main graph and subgraphs.
std::vector<TensorChange> describeChanges(const model::ModelFile& file, WorkingModel& model, const CancelToken* cancel)
{
    Reconstructor reconstructor(model);
    std::vector<TensorChange> changes;
    for (const auto& weight : file.weights()) {
        if (cancel && cancel->isCancelled())
            break;
        if (weight.storage == model::Storage::Constant)
            continue;
        TensorChange change;
        change.name = weight.name;
        change.graph = file.graphs()[static_cast<std::size_t>(weight.graphIndex)].path;
        change.dtypeBefore = std::string(model::dataTypeName(weight.dataType));
        change.elements = weight.elements;
        change.bytesBefore = weight.storedBytes;
        const bool numeric = analysis::isNumeric(static_cast<DataType>(weight.dataType));
        const bool isFloat = isFloatType(weight.dataType);
        std::vector<double> before;
        if (numeric) {
            auto bytes = file.read(weight);
            if (bytes) {
                before = asDoubles(*bytes, weight.dataType, weight.storedElements);
                if (weight.storage == model::Storage::SparseInitializer) {
                    // Densify through the indices for a like-for-like comparison.
                    std::vector<double> dense(weight.elements, 0.0);
                    auto indexBytes = file.readIndices(weight);
                    if (indexBytes && weight.sparseIndices)
                        for (std::uint64_t i = 0; i < before.size(); ++i) {
                            const auto index = static_cast<std::uint64_t>(analysis::elementAsDouble(
                                static_cast<DataType>(weight.sparseIndices->data_type()), indexBytes->bytes.data(), i));
                            if (index < dense.size())
                                dense[index] = before[i];
                        }
                    before = std::move(dense);
                }
            }
        }
        change.sparsityBefore = sparsityOf(before);
        const Effective after = reconstructor.find(weight.name, numeric);
        if (!after.found) {
            change.removed = true;
            change.changed = true;
            change.dtypeAfter = "-";
            change.storageAfter = "removed";
        } else {
            change.dtypeAfter = after.dtype;
            change.storageAfter = after.storage;
            change.bytesAfter = after.bytes;
            change.sparsityAfter = sparsityOf(after.values);
            if (isFloat)
                compareValues(change, before, after.values);
            change.changed = change.bytesAfter != change.bytesBefore || change.dtypeAfter != change.dtypeBefore
                || change.storageAfter != std::string(model::storageName(weight.storage))
                || (change.hasError && change.maxAbs > 0.0);
        }
        changes.push_back(std::move(change));
    }
    return changes;
}

} // namespace

Result<SlimResult> applyRecipe(std::shared_ptr<const model::ModelFile> file, const Recipe& recipe,
    const Progress& progress, const CancelToken* cancel)
{
    if (auto valid = validateRecipe(recipe); !valid)
        return std::unexpected(valid.error());
    SlimResult result;
    result.model = std::make_shared<WorkingModel>(file);
    Preview& preview = result.preview;
    preview.fileBytesBefore = file->fileSize();
    const Totals before = measure(*result.model);
    preview.paramsBefore = before.params;
    preview.weightBytesBefore = before.bytes;
    preview.weightBytesByDtypeBefore = sortedDtypes(before.byDtype);

    StepContext context { *result.model, preview.diagnostics, cancel };
    for (std::size_t i = 0; i < recipe.steps.size(); ++i) {
        const Step& step = recipe.steps[i];
        progress.report(describeStep(step), static_cast<double>(i) / static_cast<double>(recipe.steps.size() + 1));
        StepReport report { std::string(stepKindName(step.params)), describeStep(step), {}, step.enabled };
        if (!step.enabled) {
            report.summary = "disabled";
            preview.steps.push_back(std::move(report));
            continue;
        }
        Result<StepOutcome> outcome = std::visit(
            [&](const auto& params) -> Result<StepOutcome> {
                using T = std::decay_t<decltype(params)>;
                if constexpr (std::is_same_v<T, CleanupStep>)
                    return runCleanup(params, context);
                else if constexpr (std::is_same_v<T, PruneStep>)
                    return runPrune(params, step.scope, context);
                else if constexpr (std::is_same_v<T, QuantizeStep>)
                    return runQuantize(params, step.scope, context);
                else
                    return runSparseStorage(params, step.scope, context);
            },
            step.params);
        if (!outcome)
            return std::unexpected(outcome.error().withContext("step " + std::to_string(i + 1) + " (" + report.kind + ")"));
        report.summary = outcome->summary;
        preview.steps.push_back(std::move(report));
    }
    if (cancel && cancel->isCancelled())
        return fail(ErrorCode::Cancelled, "cancelled");
    progress.report("measuring", static_cast<double>(recipe.steps.size()) / static_cast<double>(recipe.steps.size() + 1));
    const Totals after = measure(*result.model);
    preview.paramsAfter = after.params;
    preview.weightBytesAfter = after.bytes;
    preview.weightBytesByDtypeAfter = sortedDtypes(after.byDtype);
    preview.predictedFileBytes = result.model->serializedSize();
    preview.tensors = describeChanges(*file, *result.model, cancel);
    progress.report("done", 1.0);
    return result;
}

} // namespace slimscope::core::slim
