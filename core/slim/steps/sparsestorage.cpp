// sparse_storage: stores mostly-zero weights sparse (COO values + int64 linear indices): initializers as
// sparse_initializer, Constant nodes with a sparse_value.
// With 8-byte indices it pays only when zeros exceed about 2/3 of a float32 tensor (8/9 of an int8 one).
#include "sparsestorage.h"

#include "slim/stepsupport.h"
#include "support/jsonreader.h"
#include "support/jsonwriter.h"

#include "model/datatype.h"
#include "support/format.h"

#include <cstring>
#include <optional>
#include <span>
#include <unordered_set>

namespace slimscope::core::slim {

namespace {

// Elements whose bytes are not all zero, read as whole words for the usual widths.
std::uint64_t countNonZero(std::span<const std::byte> bytes, std::size_t width)
{
    const auto count = [&](auto zero) {
        using T = decltype(zero);
        std::uint64_t nonZero = 0;
        const std::size_t n = bytes.size() / sizeof(T);
        for (std::size_t i = 0; i < n; ++i) {
            T value;
            std::memcpy(&value, bytes.data() + i * sizeof(T), sizeof(T));
            nonZero += value != zero ? 1 : 0;
        }
        return nonZero;
    };
    switch (width) {
    case 1:
        return count(std::uint8_t { 0 });
    case 2:
        return count(std::uint16_t { 0 });
    case 4:
        return count(std::uint32_t { 0 });
    case 8:
        return count(std::uint64_t { 0 });
    default: {
        static const std::byte zeros[16] = {};
        std::uint64_t nonZero = 0;
        for (std::size_t i = 0; i + width <= bytes.size(); i += width)
            nonZero += std::memcmp(bytes.data() + i, zeros, width) != 0 ? 1 : 0;
        return nonZero;
    }
    }
}

// The COO form of a dense payload: the elements whose bytes are not all zero and their linear indices.
struct SparseParts {
    std::vector<std::byte> values;
    std::vector<std::byte> indices; ///< int64 little-endian
    std::int64_t count = 0;
};

// Builds the sparse form when the policy wants it: when it is smaller, or for "always" when any element is zero.
std::optional<SparseParts> sparseForm(
    std::span<const std::byte> dense, std::size_t width, SparseStorageStep::Policy policy)
{
    const std::uint64_t elements = dense.size() / width;
    // Count first (a cheap pass): most tensors have too few zeros, and then nothing is built.
    const std::uint64_t nonZeros = countNonZero(dense, width);
    const bool pays = nonZeros * (width + 8) < dense.size();
    if (!(pays || (policy == SparseStorageStep::Policy::Always && nonZeros < elements)))
        return std::nullopt;
    SparseParts parts;
    parts.values.reserve(nonZeros * width);
    std::vector<std::int64_t> indices;
    indices.reserve(nonZeros);
    static const std::byte zeros[16] = {};
    for (std::uint64_t i = 0; i < elements; ++i) {
        const std::byte* element = dense.data() + i * width;
        // Only exact zero bit patterns are left out; -0.0 is kept so the values stay bit-identical.
        if (std::memcmp(element, zeros, width) == 0)
            continue;
        indices.push_back(static_cast<std::int64_t>(i));
        parts.values.insert(parts.values.end(), element, element + width);
    }
    parts.count = static_cast<std::int64_t>(indices.size());
    parts.indices.resize(indices.size() * 8);
    std::memcpy(parts.indices.data(), indices.data(), parts.indices.size());
    return parts;
}

// Fills `stored` with the sparse form of `tensor` (dims, values named like the tensor, linear int64 indices).
void fillSparse(WorkingModel& model, GraphIndex& index, const onnx::TensorProto& tensor, const std::string& name,
    SparseParts parts, onnx::SparseTensorProto& stored)
{
    for (const auto dim : tensor.dims())
        stored.add_dims(dim);
    onnx::TensorProto& valueTensor = *stored.mutable_values();
    valueTensor.set_name(name);
    valueTensor.set_data_type(tensor.data_type());
    valueTensor.add_dims(parts.count);
    model.setData(valueTensor, std::move(parts.values));
    onnx::TensorProto& indexTensor = *stored.mutable_indices();
    indexTensor.set_name(index.uniqueName(name + "_indices"));
    indexTensor.set_data_type(onnx::TensorProto::INT64);
    indexTensor.add_dims(parts.count);
    model.setData(indexTensor, std::move(parts.indices));
}

// Initializers become sparse initializers of their graph; Constant nodes (paddle2onnx and exports with weights
// in If branches hold them so) keep their place and take a `sparse_value` (Constant-11) instead of `value`.
Result<StepOutcome> runSparseStorage(const SparseStorageStep& step, const Scope& scope, StepContext& context)
{
    StepOutcome outcome;
    if (step.policy == SparseStorageStep::Policy::Never) {
        outcome.summary = "sparse storage disabled";
        return outcome;
    }
    WorkingModel& model = context.model;
    if (model.proto().ir_version() < 6) {
        context.diagnostics.push_back({ Diagnostic::Severity::Warning, {},
            "sparse storage needs IR version 6 (sparse_initializer); the model has IR "
                + std::to_string(model.proto().ir_version()) + ", so tensors stay dense" });
        outcome.summary = "skipped: IR version too old for sparse_initializer";
        return outcome;
    }
    GraphIndex index(model);
    ScopeMatcher matcher(scope);
    std::uint64_t before = 0, after = 0;
    std::vector<std::unordered_set<std::string>> converted(index.graphs().size());
    std::uint64_t constantsLeftDense = 0;
    for (const auto& weight : index.weights()) {
        const onnx::TensorProto& tensor = *weight.tensor;
        if (!matcher.matchesAnyType(weight, index) || index.isGraphInput(weight.name))
            continue;
        const auto info = model::dataTypeInfo(tensor.data_type());
        if (!info || info->bits < 8)
            continue; // packed 4-bit values cannot be listed one per index
        auto bytes = model.data(tensor);
        if (!bytes)
            return std::unexpected(bytes.error());
        const std::size_t width = info->bits / 8;
        auto parts = sparseForm(bytes->bytes, width, step.policy);
        if (!parts)
            continue;
        if (weight.constantNode && index.opset() < 11) {
            ++constantsLeftDense; // Constant has no sparse_value before opset 11
            continue;
        }
        const std::uint64_t dense = bytes->bytes.size();
        const std::uint64_t sparse = parts->values.size() + parts->indices.size();
        if (weight.constantNode) {
            onnx::NodeProto& node = *weight.constantNode;
            onnx::TensorProto header; // dtype and dims outlive the dense value, which goes now
            header.set_data_type(tensor.data_type());
            *header.mutable_dims() = tensor.dims();
            model.forgetAllIn(node);
            node.clear_attribute();
            onnx::AttributeProto& attribute = *node.add_attribute();
            attribute.set_name("sparse_value");
            attribute.set_type(onnx::AttributeProto::SPARSE_TENSOR);
            fillSparse(model, index, header, weight.name, std::move(*parts), *attribute.mutable_sparse_tensor());
        } else {
            onnx::GraphProto& graph = *index.graphs()[static_cast<std::size_t>(weight.graph)].graph;
            fillSparse(model, index, tensor, weight.name, std::move(*parts), *graph.add_sparse_initializer());
            converted[static_cast<std::size_t>(weight.graph)].insert(weight.name);
        }
        before += dense;
        after += sparse;
        outcome.tensors.push_back(weight.name);
    }
    for (std::size_t g = 0; g < converted.size(); ++g)
        if (!converted[g].empty())
            eraseInitializers(model, *index.graphs()[g].graph,
                [&](const onnx::TensorProto& t) { return converted[g].contains(t.name()); });
    if (constantsLeftDense)
        context.diagnostics.push_back({ Diagnostic::Severity::Info, {},
            "sparse storage: " + std::to_string(constantsLeftDense)
                + " Constant node(s) would be smaller sparse, but a Constant takes a sparse_value only from opset "
                  "11 (the model imports opset "
                + std::to_string(index.opset()) + "); they stay dense" });
    outcome.summary = outcome.tensors.empty() ? "no tensor has enough zeros for sparse storage to pay"
                                              : "stored " + std::to_string(outcome.tensors.size())
            + " tensor(s) sparse, " + humanBytes(before) + " -> " + humanBytes(after);
    return outcome;
}

const char* policyName(SparseStorageStep::Policy policy)
{
    return policy == SparseStorageStep::Policy::Always ? "always"
        : policy == SparseStorageStep::Policy::Never   ? "never"
                                                       : "auto";
}

class SparseStorageType final : public TypedStepType<SparseStorageStep> {
public:
    std::string_view title() const override { return "Sparse storage"; }
    std::string_view help() const override { return "store mostly-zero tensors as sparse_initializer"; }
    std::string_view valueName() const override { return "POLICY"; }
    std::vector<StepPreset> presets() const override
    {
        using P = SparseStorageStep::Policy;
        return { { "auto", "where sparse storage is smaller", SparseStorageStep { P::Auto } },
            { "always", "every tensor in scope with a zero", SparseStorageStep { P::Always } },
            { "never", "keep dense storage", SparseStorageStep { P::Never } } };
    }

protected:
    std::string describeParams(const SparseStorageStep& step) const override
    {
        return std::string("sparse storage (") + policyName(step.policy) + ")";
    }
    Result<SparseStorageStep> readParams(JsonObjectReader& reader) const override
    {
        SparseStorageStep step;
        std::string policy = policyName(step.policy);
        if (auto read = reader.text("policy", policy, { "auto", "always", "never" }); !read)
            return std::unexpected(read.error());
        step.policy = policy == "always" ? SparseStorageStep::Policy::Always
            : policy == "never"          ? SparseStorageStep::Policy::Never
                                         : SparseStorageStep::Policy::Auto;
        return step;
    }
    void writeParams(JsonWriter& json, const SparseStorageStep& step) const override
    {
        json.field("policy", policyName(step.policy));
    }
    Result<StepOutcome> run(const SparseStorageStep& step, const Scope& scope, StepContext& context) const override
    {
        return runSparseStorage(step, scope, context);
    }
};

} // namespace

const StepType& sparseStorageStepType()
{
    static const SparseStorageType type;
    return type;
}

} // namespace slimscope::core::slim
