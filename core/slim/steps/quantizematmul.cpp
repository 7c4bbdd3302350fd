// quantize:int4 and quantize:int8-dynamic. int4: the weights of MatMul (and Gemm without transA, alpha or beta)
// become ONNX Runtime's com.microsoft MatMulNBits: codes of 4 bits packed two per byte (low nibble first) along K,
// in blocks of `blockSize` with one float scale each (and a zero point each when asymmetric, packed the same way);
// the node computes A · dequant(B) where dequant = (code − zero point) · scale, the zero point 8 when absent. A
// Gemm with a bias becomes MatMulNBits then Add. The other weights in scope (Conv kernels, embeddings) get int8
// per channel: MatMulNBits reads only MatMul weights. int8-dynamic: the same MatMul and Gemm weights become int8
// per output column read by ONNX Runtime's com.microsoft DynamicQuantizeMatMul, which quantizes the activations
// per batch at run time and multiplies in integers.
#include "quantize.h"

#include "blockquant.h"
#include "quantizegather.h"

#include "slim/stepcache.h"
#include "slim/stepregistry.h"
#include "slim/stepsupport.h"
#include "support/format.h"
#include "support/jsonreader.h"
#include "support/jsonwriter.h"
#include "support/parallel.h"

#include "model/nodeattributes.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <unordered_set>

namespace slimscope::core::slim {

namespace blockquant {

PackedWeight quantizeBlocks(
    const FloatView& values, std::int64_t k, std::int64_t n, bool transposed, std::int64_t blockSize, bool symmetric)
{
    const auto K = static_cast<std::size_t>(k), N = static_cast<std::size_t>(n);
    const auto block = static_cast<std::size_t>(blockSize);
    const std::size_t blocks = (K + block - 1) / block, zeroBytes = (blocks + 1) / 2;
    PackedWeight out;
    out.codes.assign(N * blocks * block / 2, std::byte { 0 });
    out.scales.assign(N * blocks, 0.0f);
    if (!symmetric)
        out.zeroPoints.assign(N * zeroBytes, std::byte { 0 });
    const auto at
        = [&](std::size_t row, std::size_t col) { return transposed ? values[col * K + row] : values[row * N + col]; };
    std::vector<float> chunk(block);
    for (std::size_t c = 0; c < N; ++c)
        for (std::size_t b = 0; b < blocks; ++b) {
            const std::size_t first = b * block, count = std::min(block, K - first);
            for (std::size_t i = 0; i < count; ++i)
                chunk[i] = at(first + i, c);
            float scale = 0.0f;
            int zero = 8;
            if (symmetric) {
                // The value of largest magnitude maps to code −8 exactly: the whole range [−8, 7] is used.
                float extreme = 0.0f;
                for (std::size_t i = 0; i < count; ++i)
                    extreme = std::fabs(finiteOrZero(chunk[i])) > std::fabs(extreme) ? chunk[i] : extreme;
                scale = extreme / -8.0f;
            } else {
                float lo = 0.0f, hi = 0.0f;
                for (std::size_t i = 0; i < count; ++i) {
                    lo = std::min(lo, finiteOrZero(chunk[i]));
                    hi = std::max(hi, finiteOrZero(chunk[i]));
                }
                scale = (hi - lo) / 15.0f;
                zero = scale > 0.0f ? std::clamp(static_cast<int>(std::lround(-lo / scale)), 0, 15) : 8;
                const std::size_t byte = c * zeroBytes + b / 2;
                out.zeroPoints[byte] |= static_cast<std::byte>(b % 2 == 0 ? zero : zero << 4);
            }
            out.scales[c * blocks + b] = scale;
            const float inverse = scale != 0.0f ? 1.0f / scale : 0.0f;
            for (std::size_t i = 0; i < block; ++i) {
                int code = zero; // past K: the zero point, a value of 0
                if (i < count) {
                    code = std::clamp(static_cast<int>(std::lround(roundable(chunk[i] * inverse))) + zero, 0, 15);
                    const double v = chunk[i], restored = static_cast<double>(code - zero) * scale;
                    if (std::isfinite(v)) { // no error to measure against NaN or an infinity
                        out.signal += v * v;
                        out.noise += (v - restored) * (v - restored);
                        out.maxAbs = std::max(out.maxAbs, std::fabs(v - restored));
                    }
                }
                const std::size_t byte = (c * blocks + b) * block / 2 + i / 2;
                out.codes[byte] |= static_cast<std::byte>(i % 2 == 0 ? code : code << 4);
            }
        }
    return out;
}

onnx::AttributeProto intAttr(const std::string& name, std::int64_t value)
{
    onnx::AttributeProto attribute;
    attribute.set_name(name);
    attribute.set_type(onnx::AttributeProto::INT);
    attribute.set_i(value);
    return attribute;
}

void importContribDomain(onnx::ModelProto& proto)
{
    for (const auto& opset : proto.opset_import())
        if (opset.domain() == "com.microsoft")
            return;
    auto* opset = proto.add_opset_import();
    opset->set_domain("com.microsoft");
    opset->set_version(1);
}

} // namespace blockquant

namespace {

using namespace blockquant;

/// DynamicQuantizeMatMul's weight: int8 per output column (symmetric, zero point 0), laid out [K, N].
PackedWeight quantizeColumns(const FloatView& values, std::int64_t k, std::int64_t n, bool transposed)
{
    const auto K = static_cast<std::size_t>(k), N = static_cast<std::size_t>(n);
    const auto at
        = [&](std::size_t row, std::size_t col) { return transposed ? values[col * K + row] : values[row * N + col]; };
    PackedWeight out;
    out.codes.resize(K * N);
    out.scales.assign(N, 0.0f);
    for (std::size_t c = 0; c < N; ++c) {
        float largest = 0.0f;
        for (std::size_t r = 0; r < K; ++r)
            largest = std::max(largest, std::fabs(finiteOrZero(at(r, c))));
        const float scale = largest / 127.0f;
        out.scales[c] = scale;
        const float inverse = scale > 0.0f ? 1.0f / scale : 0.0f;
        for (std::size_t r = 0; r < K; ++r) {
            const float v = at(r, c);
            const int code = std::clamp(static_cast<int>(std::lround(roundable(v * inverse))), -127, 127);
            out.codes[r * N + c] = static_cast<std::byte>(static_cast<std::int8_t>(code));
            const double restored = static_cast<double>(code) * scale;
            if (!std::isfinite(v))
                continue;
            out.signal += double(v) * v;
            out.noise += (v - restored) * (v - restored);
            out.maxAbs = std::max(out.maxAbs, std::fabs(v - restored));
        }
    }
    return out;
}

/// What the MatMul-reading formats differ in: 4-bit blocks for MatMulNBits, or int8 columns for ONNX Runtime's
/// DynamicQuantizeMatMul (activations quantized per batch at run time).
struct MatMulFormat {
    bool dynamicInt8 = false;
    QuantizeInt4Step int4; ///< for MatMulNBits
};

/// A MatMul or Gemm that can read the weight as MatMulNBits, with the orientation it reads it in.
struct Reader {
    onnx::NodeProto* node = nullptr;
    int graph = 0;
    bool transposed = false; ///< Gemm with transB: the weight is stored [N, K]
};

std::optional<Reader> readerOf(const ValueUse& use)
{
    const onnx::NodeProto& node = *use.node;
    if (use.input != 1 || !node.domain().empty() || node.input_size() < 2)
        return std::nullopt;
    if (node.op_type() == "MatMul")
        return Reader { use.node, use.graph, false };
    if (node.op_type() != "Gemm" || model::intAttribute(node, "transA", 0) != 0
        || model::floatAttribute(node, "alpha", 1.0) != 1.0 || model::floatAttribute(node, "beta", 1.0) != 1.0)
        return std::nullopt;
    return Reader { use.node, use.graph, model::intAttribute(node, "transB", 0) != 0 };
}

// A name as an ECMAScript regular expression that matches it literally.
std::string escapedPattern(const std::string& name)
{
    std::string pattern;
    for (const char c : name) {
        if (std::string_view("\\^$.|?*+()[]{}/").find(c) != std::string_view::npos)
            pattern += '\\';
        pattern += c;
    }
    return pattern;
}

Result<StepOutcome> runMatMulFormat(const MatMulFormat& format, const Scope& scope, StepContext& context)
{
    const QuantizeInt4Step& step = format.int4;
    const bool dynamic = format.dynamicInt8;
    WorkingModel& model = context.model;
    GraphIndex index(model);
    ScopeMatcher matcher(scope);
    std::unordered_set<std::string> existing; // the int8 pass below must not quantize the scales made here
    for (const InitializerRef& weight : index.weights())
        existing.insert(weight.name);
    struct Job {
        InitializerRef weight;
        std::vector<Reader> readers;
        std::int64_t k = 0, n = 0;
        bool transposed = false;
        TensorSource input;
        std::uint64_t bytesBefore = 0;
        std::shared_ptr<const PackedWeight> blocks;
        std::optional<Error> failure;
    };
    std::vector<Job> jobs;
    std::size_t skipped = 0;
    for (const InitializerRef& weight : index.weights()) {
        const onnx::TensorProto& tensor = *weight.tensor;
        if (tensor.dims_size() != 2 || tensor.data_type() != onnx::TensorProto::FLOAT
            || !matcher.matches(weight, index))
            continue;
        Job job { weight, {}, 0, 0, false, {}, model.payloadBytes(tensor), nullptr, std::nullopt };
        bool readable = !index.uses(weight.name).empty() && !index.isGraphOutput(weight.name);
        for (const ValueUse& use : index.uses(weight.name)) {
            const auto reader = readerOf(use);
            readable
                = readable && reader && (job.readers.empty() || reader->transposed == job.readers.front().transposed);
            if (reader)
                job.readers.push_back(*reader);
        }
        if (!readable) {
            skipped += std::ranges::any_of(index.uses(weight.name),
                [](const ValueUse& u) { return u.node->op_type() == "MatMul" || u.node->op_type() == "Gemm"; });
            continue;
        }
        job.transposed = job.readers.front().transposed;
        job.k = tensor.dims(job.transposed ? 1 : 0);
        job.n = tensor.dims(job.transposed ? 0 : 1);
        if (const TensorSource* source = model.source(tensor))
            job.input = *source;
        jobs.push_back(std::move(job));
    }
    const std::string kind = dynamic
        ? std::string("int8-columns:")
        : "int4:block=" + std::to_string(step.blockSize) + (step.symmetric ? ":symmetric" : ":zero") + ":";
    parallelFor(
        jobs.size(),
        [&](std::size_t j) {
            Job& job = jobs[j];
            const auto compute = [&]() -> PackedWeight {
                auto values = readFloatValues(job.input, onnx::TensorProto::FLOAT);
                if (!values) {
                    job.failure = values.error();
                    return {};
                }
                const FloatValues plain = std::move(*values).plain();
                return dynamic
                    ? quantizeColumns(plain.values, job.k, job.n, job.transposed)
                    : quantizeBlocks(plain.values, job.k, job.n, job.transposed, step.blockSize, step.symmetric);
            };
            const std::function<PackedWeight()> fn = compute;
            job.blocks = context.cache && job.input.identity()
                ? context.cache->get<PackedWeight>(job.input, kind + (job.transposed ? "t" : "n"), fn)
                : std::make_shared<const PackedWeight>(compute());
        },
        context.cancel);
    if (context.cancel && context.cancel->isCancelled())
        return fail(ErrorCode::Cancelled, "cancelled");

    StepOutcome outcome;
    std::uint64_t before = 0, after = 0;
    std::map<const onnx::NodeProto*, onnx::NodeProto> before_; // a Gemm with a bias: MatMulNBits before its Add
    std::unordered_set<std::string> removed;
    std::vector<const onnx::NodeProto*> removedConstants;
    for (Job& job : jobs) {
        if (job.failure)
            return std::unexpected(*job.failure);
        const PackedWeight& blocks = *job.blocks;
        const std::string& name = job.weight.name;
        onnx::GraphProto& graph = *index.graphs()[static_cast<std::size_t>(job.weight.graph)].graph;
        const std::int64_t blockCount = (job.k + step.blockSize - 1) / step.blockSize;
        const auto add = [&](const std::string& base, std::int32_t type, std::vector<std::int64_t> dims,
                             std::vector<std::byte> bytes) {
            after += bytes.size();
            return addInitializer(model, graph, index.uniqueName(base), type, dims, std::move(bytes)).name();
        };
        const std::string codes = dynamic
            ? add(name + "_int8", onnx::TensorProto::INT8, { job.k, job.n }, blocks.codes)
            : add(name + "_int4", onnx::TensorProto::UINT8, { job.n, blockCount, step.blockSize / 2 }, blocks.codes);
        const std::string scales = add(name + (dynamic ? "_int8_scales" : "_int4_scales"), onnx::TensorProto::FLOAT,
            { dynamic ? job.n : job.n * blockCount }, floatBytes(blocks.scales));
        std::string zeros;
        if (!dynamic && !step.symmetric)
            zeros = add(name + "_int4_zero_points", onnx::TensorProto::UINT8,
                { static_cast<std::int64_t>(blocks.zeroPoints.size()) }, blocks.zeroPoints);
        for (const Reader& reader : job.readers) {
            onnx::NodeProto& node = *reader.node;
            const std::string a = node.input(0), output = node.output(0);
            const std::string bias = node.op_type() == "Gemm" && node.input_size() > 2 ? node.input(2) : "";
            onnx::NodeProto nbits;
            nbits.set_op_type(dynamic ? "DynamicQuantizeMatMul" : "MatMulNBits");
            nbits.set_domain("com.microsoft");
            nbits.set_name(
                index.uniqueName((node.name().empty() ? output : node.name()) + (dynamic ? "_int8" : "_int4")));
            for (const std::string& in : { a, codes, scales })
                nbits.add_input(in);
            if (!zeros.empty())
                nbits.add_input(zeros);
            if (!dynamic)
                for (const auto& [key, value] : { std::pair<const char*, std::int64_t> { "K", job.k }, { "N", job.n },
                         { "bits", 4 }, { "block_size", step.blockSize }, { "accuracy_level", step.accuracyLevel } })
                    *nbits.add_attribute() = intAttr(key, value);
            if (bias.empty()) {
                nbits.add_output(output);
                node = std::move(nbits);
            } else { // the Gemm becomes the Add of its bias, after the MatMulNBits
                const std::string product = index.uniqueName(output + (dynamic ? "_int8_product" : "_int4_product"));
                nbits.add_output(product);
                before_[&node] = std::move(nbits);
                node.Clear();
                node.set_op_type("Add");
                node.set_name(index.uniqueName(output + "_bias"));
                node.add_input(product);
                node.add_input(bias);
                node.add_output(output);
            }
        }
        before += job.bytesBefore;
        if (job.weight.constantNode)
            removedConstants.push_back(job.weight.constantNode);
        else
            removed.insert(name);
        outcome.tensors.push_back(name);
        outcome.errors[name] = errorFromSums(blocks.signal, blocks.noise, blocks.maxAbs);
        outcome.storedAs[name] = { zeros.empty() ? std::vector<std::string> { codes, scales }
                                                 : std::vector<std::string> { codes, scales, zeros },
            dynamic ? StorageAfter::Quantized : StorageAfter::Blockwise4Bit,
            dynamic ? model::DataType::Int8 : model::DataType::Uint4 };
    }
    for (const auto& graphRef : index.graphs()) {
        onnx::GraphProto& graph = *graphRef.graph;
        // Rebuild the node list: each MatMulNBits goes right before the Add that became of its Gemm; a Constant
        // that held a weight goes.
        auto* nodes = graph.mutable_node();
        std::vector<onnx::NodeProto*> kept(static_cast<std::size_t>(nodes->size()));
        nodes->ExtractSubrange(0, nodes->size(), kept.data());
        for (onnx::NodeProto* node : kept) {
            if (std::ranges::find(removedConstants, node) != removedConstants.end()) {
                model.forgetAllIn(*node);
                delete node;
                continue;
            }
            if (const auto first = before_.find(node); first != before_.end())
                *nodes->Add() = std::move(first->second);
            nodes->AddAllocated(node);
        }
        eraseInitializers(model, graph, [&](const onnx::TensorProto& t) { return removed.contains(t.name()); });
        auto* inputs = graph.mutable_input();
        for (int i = inputs->size() - 1; i >= 0; --i)
            if (removed.contains(inputs->Get(i).name()))
                inputs->DeleteSubrange(i, 1);
    }
    if (!jobs.empty())
        importContribDomain(model.proto());
    outcome.summary = (dynamic ? std::string("int8 per column (DynamicQuantizeMatMul, activations quantized at run "
                                             "time): ")
                               : "int4 blocks of " + std::to_string(step.blockSize) + " (MatMulNBits): ")
        + std::to_string(jobs.size()) + " MatMul/Gemm weight(s), " + humanBytes(before) + " -> " + humanBytes(after);
    if (skipped > 0)
        context.diagnostics.push_back({ Diagnostic::Severity::Info, {},
            std::string(dynamic ? "quantize int8-dynamic: " : "quantize int4: ") + std::to_string(skipped)
                + " MatMul/Gemm weight(s) stay: another op reads them too, or a Gemm transposes A or scales by alpha "
                  "or beta" });
    if (!dynamic) { // embedding tables: GatherBlockQuantized
        std::uint64_t tableBytes = 0, packedBytes = 0;
        auto tables = quantizeEmbeddings(step, scope, context, outcome, tableBytes, packedBytes);
        if (!tables)
            return std::unexpected(tables.error());
        if (*tables > 0)
            outcome.summary += "; " + std::to_string(*tables) + " embedding table(s) (GatherBlockQuantized), "
                + humanBytes(tableBytes) + " -> " + humanBytes(packedBytes);
    }
    if (!dynamic && step.othersInt8) {
        Scope others = scope;
        const GraphIndex now(model);
        for (const InitializerRef& weight : now.weights())
            if (!existing.contains(weight.name))
                others.exclude.push_back("^" + escapedPattern(weight.name) + "$");
        auto rest = quantizeInt8StepType().apply(QuantizeInt8Step {}, others, context);
        if (!rest)
            return std::unexpected(rest.error());
        if (!rest->tensors.empty()) {
            outcome.summary += "; the other weights (Conv, embeddings: MatMulNBits reads only MatMul weights) int8: "
                + rest->summary;
            outcome.tensors.insert(outcome.tensors.end(), rest->tensors.begin(), rest->tensors.end());
            outcome.errors.merge(rest->errors);
        }
    }
    return outcome;
}

class QuantizeInt4Type final : public TypedStepType<QuantizeInt4Step> {
public:
    std::string_view title() const override { return "Quantize int4"; }
    std::string_view help() const override
    {
        return "MatMul/Gemm weights in 4-bit blocks (ONNX Runtime's MatMulNBits), about 7x smaller; other weights "
               "int8";
    }
    std::string_view valueName() const override { return "TYPE"; }
    std::vector<StepPreset> presets() const override
    {
        return { { "int4", "MatMul/Gemm weights in 4-bit blocks of 32 (MatMulNBits), the rest int8",
            QuantizeInt4Step {} } };
    }
    std::vector<StepOption> options() const override
    {
        return {
            { "block-size", "N", "int4: values per scale along K, a power of two from 16 to 256 (default 32)",
                [](StepParams& params, std::string_view value) -> Result<void> {
                    auto* step = params.as<QuantizeInt4Step>();
                    if (!step)
                        return fail(ErrorCode::InvalidArgument, "--quantize-block-size applies to --quantize int4");
                    const auto n = parseShare(value);
                    if (!n || *n < 16 || *n > 256 || std::popcount(static_cast<unsigned>(*n)) != 1
                        || *n != std::floor(*n))
                        return fail(ErrorCode::InvalidArgument,
                            "--quantize-block-size is a power of two from 16 to 256, not '" + std::string(value) + "'");
                    step->blockSize = static_cast<std::int64_t>(*n);
                    return {};
                },
                {}, false },
            { "accuracy-level", "L", "int4: MatMulNBits accuracy_level, 0 (compute in float) to 4 (int8 compute)",
                [](StepParams& params, std::string_view value) -> Result<void> {
                    auto* step = params.as<QuantizeInt4Step>();
                    if (!step)
                        return fail(ErrorCode::InvalidArgument, "--quantize-accuracy-level applies to --quantize int4");
                    if (value.size() != 1 || value[0] < '0' || value[0] > '4')
                        return fail(ErrorCode::InvalidArgument,
                            "--quantize-accuracy-level is 0 to 4, not '" + std::string(value) + "'");
                    step->accuracyLevel = value[0] - '0';
                    return {};
                },
                {}, false }
        };
    }

protected:
    std::string describeParams(const QuantizeInt4Step& step) const override
    {
        return "quantize int4 blocks of " + std::to_string(step.blockSize) + (step.symmetric ? "" : " with zero points")
            + (step.othersInt8 ? ", other weights int8" : "");
    }
    Result<QuantizeInt4Step> readParams(JsonObjectReader& reader) const override
    {
        QuantizeInt4Step step;
        double blockSize = 32, accuracy = 0;
        if (auto read = reader.number("block_size", blockSize, 16, 256); !read)
            return std::unexpected(read.error());
        if (auto read = reader.boolean("symmetric", step.symmetric); !read)
            return std::unexpected(read.error());
        if (auto read = reader.number("accuracy_level", accuracy, 0, 4); !read)
            return std::unexpected(read.error());
        if (auto read = reader.boolean("others_int8", step.othersInt8); !read)
            return std::unexpected(read.error());
        step.blockSize = static_cast<std::int64_t>(blockSize);
        step.accuracyLevel = static_cast<std::int64_t>(accuracy);
        if (auto valid = validateParams(step); !valid)
            return std::unexpected(reader.error("block_size", valid.error().message));
        return step;
    }
    void writeParams(JsonWriter& json, const QuantizeInt4Step& step) const override
    {
        json.field("block_size", step.blockSize).field("symmetric", step.symmetric);
        json.field("accuracy_level", step.accuracyLevel).field("others_int8", step.othersInt8);
    }
    Result<void> validateParams(const QuantizeInt4Step& step) const override
    {
        if (step.blockSize < 16 || step.blockSize > 256 || std::popcount(static_cast<unsigned>(step.blockSize)) != 1)
            return fail(ErrorCode::InvalidArgument, "block_size is a power of two from 16 to 256");
        if (step.accuracyLevel < 0 || step.accuracyLevel > 4)
            return fail(ErrorCode::InvalidArgument, "accuracy_level is 0 to 4");
        return {};
    }
    Result<StepOutcome> run(const QuantizeInt4Step& step, const Scope& scope, StepContext& context) const override
    {
        return runMatMulFormat({ false, step }, scope, context);
    }
};

class QuantizeInt8DynamicType final : public TypedStepType<QuantizeInt8DynamicStep> {
public:
    std::string_view title() const override { return "Quantize int8 dynamic"; }
    std::string_view help() const override
    {
        return "MatMul/Gemm weights int8 per column, activations quantized at run time (ONNX Runtime's "
               "DynamicQuantizeMatMul): smaller and faster for transformer models on CPU";
    }
    std::string_view valueName() const override { return "TYPE"; }
    std::vector<StepPreset> presets() const override
    {
        return { { "int8-dynamic", "MatMul/Gemm weights int8, activations quantized per batch (DynamicQuantizeMatMul)",
            QuantizeInt8DynamicStep {} } };
    }

protected:
    std::string describeParams(const QuantizeInt8DynamicStep&) const override { return "quantize int8 dynamic"; }
    Result<QuantizeInt8DynamicStep> readParams(JsonObjectReader&) const override { return QuantizeInt8DynamicStep {}; }
    void writeParams(JsonWriter&, const QuantizeInt8DynamicStep&) const override { }
    Result<void> validateParams(const QuantizeInt8DynamicStep&) const override { return {}; }
    Result<StepOutcome> run(const QuantizeInt8DynamicStep&, const Scope& scope, StepContext& context) const override
    {
        return runMatMulFormat({ true, {} }, scope, context);
    }
};

} // namespace

const StepType& quantizeInt8DynamicStepType()
{
    static const QuantizeInt8DynamicType type;
    return type;
}

const StepType& quantizeInt4StepType()
{
    static const QuantizeInt4Type type;
    return type;
}

} // namespace slimscope::core::slim
