// sparse_storage: stores mostly-zero initializers as sparse_initializer (COO values + int64 linear indices).
// With 8-byte indices it pays only when zeros exceed about 2/3 of a float32 tensor (8/9 of an int8 one).
#include "sparsestorage.h"

#include "slim/stepsupport.h"
#include "support/jsonreader.h"
#include "support/jsonwriter.h"

#include "model/datatype.h"
#include "support/format.h"

#include <cstring>
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
    for (const auto& initializer : index.initializers()) {
        onnx::TensorProto& tensor = *initializer.tensor;
        if (!matcher.matchesAnyType(initializer, index) || index.isGraphInput(tensor.name()))
            continue;
        const auto info = model::dataTypeInfo(tensor.data_type());
        if (!info || info->bits < 8)
            continue; // packed 4-bit values cannot be listed one per index
        auto bytes = model.data(tensor);
        if (!bytes)
            return std::unexpected(bytes.error());
        const std::size_t width = info->bits / 8;
        const std::uint64_t elements = bytes->bytes.size() / width;
        // Count first (a cheap pass): most tensors have too few zeros, and then nothing is built.
        const std::uint64_t nonZeros = countNonZero(bytes->bytes, width);
        const bool paysFromCount = nonZeros * (width + 8) < bytes->bytes.size();
        if (!(paysFromCount || (step.policy == SparseStorageStep::Policy::Always && nonZeros < elements)))
            continue;
        std::vector<std::int64_t> indices;
        std::vector<std::byte> values;
        indices.reserve(nonZeros);
        values.reserve(nonZeros * width);
        static const std::byte zeros[16] = {};
        for (std::uint64_t i = 0; i < elements; ++i) {
            const std::byte* element = bytes->bytes.data() + i * width;
            // Only exact zero bit patterns are left out; -0.0 is kept so the values stay bit-identical.
            if (std::memcmp(element, zeros, width) == 0)
                continue;
            indices.push_back(static_cast<std::int64_t>(i));
            values.insert(values.end(), element, element + width);
        }
        const std::uint64_t dense = bytes->bytes.size();
        const std::uint64_t sparse = values.size() + indices.size() * 8;
        const bool pays = sparse < dense;
        if (!(pays || (step.policy == SparseStorageStep::Policy::Always && indices.size() < elements)))
            continue;
        onnx::GraphProto& graph = *index.graphs()[static_cast<std::size_t>(initializer.graph)].graph;
        onnx::SparseTensorProto& stored = *graph.add_sparse_initializer();
        for (const auto dim : tensor.dims())
            stored.add_dims(dim);
        onnx::TensorProto& valueTensor = *stored.mutable_values();
        valueTensor.set_name(tensor.name());
        valueTensor.set_data_type(tensor.data_type());
        valueTensor.add_dims(static_cast<std::int64_t>(indices.size()));
        model.setData(valueTensor, std::move(values));
        onnx::TensorProto& indexTensor = *stored.mutable_indices();
        indexTensor.set_name(index.uniqueName(tensor.name() + "_indices"));
        indexTensor.set_data_type(onnx::TensorProto::INT64);
        indexTensor.add_dims(static_cast<std::int64_t>(indices.size()));
        std::vector<std::byte> indexBytes(indices.size() * 8);
        std::memcpy(indexBytes.data(), indices.data(), indexBytes.size());
        model.setData(indexTensor, std::move(indexBytes));
        before += dense;
        after += sparse;
        converted[static_cast<std::size_t>(initializer.graph)].insert(tensor.name());
        outcome.tensors.push_back(tensor.name());
    }
    for (std::size_t g = 0; g < converted.size(); ++g)
        if (!converted[g].empty())
            eraseInitializers(model, *index.graphs()[g].graph,
                [&](const onnx::TensorProto& t) { return converted[g].contains(t.name()); });
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
