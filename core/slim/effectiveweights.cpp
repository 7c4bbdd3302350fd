// What consumers read in place of an original weight after slimming (effectiveweights.h).
#include "effectiveweights.h"

#include "reconstructor.h"

#include <algorithm>

namespace slimscope::core::slim {

namespace {

const model::WeightTensor* originalWeight(const model::ModelFile& file, const std::string& name)
{
    for (const auto& weight : file.weights())
        if (weight.name == name)
            return &weight;
    return nullptr;
}

/// True when a Gemm with transB reads `name` as B in the original main graph (its weight is stored [N, K]).
bool readByTransposedGemm(const model::ModelFile& file, const std::string& name)
{
    for (const auto& node : file.proto().graph().node()) {
        if (node.op_type() != "Gemm" || node.input_size() < 2 || node.input(1) != name)
            continue;
        for (const auto& attribute : node.attribute())
            if (attribute.name() == "transB" && attribute.i() != 0)
                return true;
    }
    return false;
}

/// MatMulNBits' blocks back to the original layout: codes [N, blocks, block / 2] (low nibble first along K),
/// scales [N · blocks], zero points packed the same way (8 when absent). `transposed`: the original is [N, K].
std::optional<std::vector<float>> decodeBlocks(const Reconstructor& reconstructor, const WorkingModel& model,
    const StoredAs& stored, std::int64_t k, std::int64_t n, bool transposed)
{
    if (stored.parts.size() < 2)
        return std::nullopt;
    const onnx::TensorProto* codes = nullptr;
    const_cast<WorkingModel&>(model).forEachTensor([&](onnx::TensorProto& t) {
        if (t.name() == stored.parts[0])
            codes = &t;
    });
    const auto scales = reconstructor.denseValues(stored.parts[1]);
    if (!codes || !scales || codes->dims_size() != 3 || codes->dims(0) != n)
        return std::nullopt;
    auto bytes = model.data(*codes);
    std::optional<std::vector<float>> zeros;
    if (!bytes)
        return std::nullopt;
    std::vector<std::byte> zeroBytes;
    if (stored.parts.size() > 2) {
        const onnx::TensorProto* z = nullptr;
        const_cast<WorkingModel&>(model).forEachTensor([&](onnx::TensorProto& t) {
            if (t.name() == stored.parts[2])
                z = &t;
        });
        auto zb = z ? model.data(*z) : Result<model::TensorBytes>(fail(ErrorCode::NotFound, "zero points"));
        if (!zb)
            return std::nullopt;
        zeroBytes.assign(zb->bytes.begin(), zb->bytes.end());
    }
    const auto blocks = static_cast<std::size_t>(codes->dims(1)), block = static_cast<std::size_t>(codes->dims(2)) * 2;
    const auto K = static_cast<std::size_t>(k), N = static_cast<std::size_t>(n);
    if (blocks * block < K || scales->size() != N * blocks || bytes->bytes.size() != N * blocks * block / 2)
        return std::nullopt;
    std::vector<float> out(K * N);
    for (std::size_t col = 0; col < N; ++col)
        for (std::size_t row = 0; row < K; ++row) {
            const std::size_t b = row / block, within = row % block;
            const auto byte = static_cast<unsigned char>(bytes->bytes[(col * blocks + b) * block / 2 + within / 2]);
            const int code = within % 2 == 0 ? byte & 0x0F : byte >> 4;
            int zero = 8;
            if (!zeroBytes.empty()) {
                const auto zb = static_cast<unsigned char>(zeroBytes[col * ((blocks + 1) / 2) + b / 2]);
                zero = b % 2 == 0 ? zb & 0x0F : zb >> 4;
            }
            const float value = static_cast<float>(code - zero) * (*scales)[col * blocks + b];
            out[transposed ? col * K + row : row * N + col] = value;
        }
    return out;
}

} // namespace

std::optional<std::vector<float>> effectiveWeight(
    SlimResult& result, const model::ModelFile& original, const std::string& name)
{
    const model::WeightTensor* weight = originalWeight(original, name);
    if (!weight)
        return std::nullopt;
    std::uint64_t elements = 1;
    for (const auto d : weight->shape)
        elements *= static_cast<std::uint64_t>(d);
    const Reconstructor reconstructor(*result.model, result.storedAs);
    std::optional<std::vector<float>> values;
    if (const auto stored = result.storedAs.find(name); stored != result.storedAs.end()) {
        if (weight->shape.size() != 2)
            return std::nullopt;
        const std::int64_t rows = weight->shape[0], cols = weight->shape[1];
        if (stored->second.storage == StorageAfter::LowRank && stored->second.parts.size() == 2) {
            const auto a = reconstructor.denseValues(stored->second.parts[0]);
            const auto b = reconstructor.denseValues(stored->second.parts[1]);
            if (!a || !b || a->empty() || a->size() % static_cast<std::size_t>(rows) != 0)
                return std::nullopt;
            const std::size_t rank = a->size() / static_cast<std::size_t>(rows);
            if (b->size() != rank * static_cast<std::size_t>(cols))
                return std::nullopt;
            values.emplace(static_cast<std::size_t>(rows * cols), 0.0f);
            for (std::size_t r = 0; r < static_cast<std::size_t>(rows); ++r)
                for (std::size_t j = 0; j < rank; ++j) {
                    const float x = (*a)[r * rank + j];
                    for (std::size_t c = 0; c < static_cast<std::size_t>(cols); ++c)
                        (*values)[r * static_cast<std::size_t>(cols) + c]
                            += x * (*b)[j * static_cast<std::size_t>(cols) + c];
                }
        } else if (stored->second.storage == StorageAfter::Blockwise4Bit) {
            // Codes are [N, ...]: an original [K, N] was read as MatMul's B; [N, K] by a Gemm with transB.
            const auto n = [&]() -> std::int64_t {
                std::int64_t found = -1;
                const_cast<WorkingModel&>(*result.model).forEachTensor([&](onnx::TensorProto& t) {
                    if (t.name() == stored->second.parts[0] && t.dims_size() > 0)
                        found = t.dims(0);
                });
                return found;
            }();
            const bool transposed = n == rows && (n != cols || readByTransposedGemm(original, name));
            values
                = decodeBlocks(reconstructor, *result.model, stored->second, transposed ? cols : rows, n, transposed);
        }
    } else {
        values = reconstructor.denseValues(name);
    }
    if (!values || values->size() != elements)
        return std::nullopt;
    return values;
}

} // namespace slimscope::core::slim
