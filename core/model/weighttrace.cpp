#include "weighttrace.h"
#include "support/copybytes.h"

#include <algorithm>
#include <cstring>
#include <numeric>

namespace slimscope::core::model {

namespace {

constexpr int kMaxDepth = 32; // pass-through chains are short; this only guards against malformed cycles

const onnx::AttributeProto* attribute(const onnx::NodeProto& node, const std::string& name)
{
    for (const auto& a : node.attribute())
        if (a.name() == name)
            return &a;
    return nullptr;
}

/// The element count the tensor's dims declare; 0 for a negative dim, saturated on overflow (no real payload
/// matches either).
std::uint64_t elementCountOf(const onnx::TensorProto& tensor)
{
    std::uint64_t count = 1;
    for (const auto d : tensor.dims())
        if (d < 0 || __builtin_mul_overflow(count, static_cast<std::uint64_t>(d), &count))
            return d < 0 ? 0 : UINT64_MAX;
    return count;
}

int normalized(std::int64_t axis, std::size_t rank)
{
    return static_cast<int>(axis < 0 ? axis + static_cast<std::int64_t>(rank) : axis);
}

} // namespace

bool WeightTracer::holdsInts(const onnx::TensorProto& tensor)
{
    return tensor.data_type() == onnx::TensorProto::INT64 || tensor.data_type() == onnx::TensorProto::INT32;
}

std::optional<std::vector<std::int64_t>> WeightTracer::intsInProto(const onnx::TensorProto& tensor)
{
    if (tensor.has_raw_data())
        return intsInPayload(tensor, std::as_bytes(std::span(tensor.raw_data().data(), tensor.raw_data().size())));
    const std::uint64_t count = elementCountOf(tensor);
    if (tensor.data_type() == onnx::TensorProto::INT64 && static_cast<std::uint64_t>(tensor.int64_data_size()) == count)
        return std::vector<std::int64_t>(tensor.int64_data().begin(), tensor.int64_data().end());
    if (tensor.data_type() == onnx::TensorProto::INT32 && static_cast<std::uint64_t>(tensor.int32_data_size()) == count)
        return std::vector<std::int64_t>(tensor.int32_data().begin(), tensor.int32_data().end());
    return std::nullopt; // not integers, or no payload here (a skeleton without its bytes)
}

std::optional<std::vector<std::int64_t>> WeightTracer::intsInPayload(
    const onnx::TensorProto& tensor, std::span<const std::byte> bytes)
{
    const std::size_t width = tensor.data_type() == onnx::TensorProto::INT64 ? 8
        : tensor.data_type() == onnx::TensorProto::INT32                     ? 4
                                                                             : 0;
    if (width == 0 || bytes.size() % width != 0 || bytes.size() / width != elementCountOf(tensor))
        return std::nullopt;
    std::vector<std::int64_t> values(bytes.size() / width);
    if (width == 8) {
        copyBytes(values.data(), bytes.data(), bytes.size());
    } else {
        for (std::size_t i = 0; i < values.size(); ++i) {
            std::int32_t value = 0;
            std::memcpy(&value, bytes.data() + i * 4, 4);
            values[i] = value;
        }
    }
    return values;
}

int consumerChannelAxis(const onnx::NodeProto& node, int input, int rank)
{
    const std::string& op = node.op_type();
    if (op == "Conv" && input == 1)
        return 0;
    if (op == "ConvTranspose" && input == 1)
        return rank > 1 ? 1 : -1;
    if (op == "Gemm" && input == 1) {
        const auto* transB = attribute(node, "transB");
        return transB && transB->i() != 0 ? 0 : (rank == 2 ? 1 : -1);
    }
    if (op == "MatMul" && input == 1 && rank >= 2)
        return rank - 1;
    if (op == "Gather" && input == 0)
        return 0;
    if ((op == "LSTM" || op == "GRU" || op == "RNN") && (input == 1 || input == 2) && rank == 3)
        return 1;
    return -1;
}

bool isPassThrough(const onnx::NodeProto& node, int input)
{
    static const char* const kOps[]
        = { "Identity", "Cast", "Reshape", "Transpose", "Squeeze", "Unsqueeze", "Slice", "Split", "Gather" };
    return input == 0 && node.domain().empty()
        && std::ranges::any_of(kOps, [&](const char* op) { return node.op_type() == op; });
}

WeightTracer::WeightTracer(std::vector<TraceGraph> graphs, const IntReader& readInts)
    : m_graphs(std::move(graphs))
{
    for (int g = 0; g < static_cast<int>(m_graphs.size()); ++g) {
        const onnx::GraphProto& graph = *m_graphs[static_cast<std::size_t>(g)].graph;
        for (const auto& tensor : graph.initializer())
            if (auto ints = holdsInts(tensor) ? readInts(tensor) : std::nullopt)
                m_constants.emplace(
                    tensor.name(), ConstantInts { std::move(*ints), { tensor.dims().begin(), tensor.dims().end() } });
        for (const auto& tensor : graph.initializer())
            m_constantValues.insert(tensor.name());
        for (const auto& tensor : graph.sparse_initializer())
            m_constantValues.insert(tensor.values().name());
        for (const auto& node : graph.node()) {
            for (int i = 0; i < node.input_size(); ++i)
                if (!node.input(i).empty())
                    m_uses[node.input(i)].push_back({ g, &node, i });
            // Nodes come in topological order and a subgraph only reads outer values made before it.
            if ((isPassThrough(node, 0) || node.op_type() == "Concat") && allInputsConstant(node))
                for (const auto& output : node.output())
                    m_constantValues.insert(output);
            if (node.op_type() != "Constant" || node.output_size() != 1)
                continue;
            m_constantValues.insert(node.output(0));
            if (const auto* value = attribute(node, "value"); value && value->has_t()) {
                if (auto ints = holdsInts(value->t()) ? readInts(value->t()) : std::nullopt)
                    m_constants.emplace(node.output(0),
                        ConstantInts { std::move(*ints), { value->t().dims().begin(), value->t().dims().end() } });
            } else if (const auto* list = attribute(node, "value_ints")) {
                m_constants.emplace(node.output(0),
                    ConstantInts { { list->ints().begin(), list->ints().end() }, { list->ints_size() } });
            } else if (const auto* one = attribute(node, "value_int")) {
                m_constants.emplace(node.output(0), ConstantInts { { one->i() }, {} });
            }
        }
    }
}

bool WeightTracer::allInputsConstant(const onnx::NodeProto& node) const
{
    return std::ranges::all_of(
        node.input(), [&](const std::string& input) { return input.empty() || m_constantValues.contains(input); });
}

const WeightTracer::ConstantInts* WeightTracer::constant(const std::string& name) const
{
    const auto found = m_constants.find(name);
    return found == m_constants.end() ? nullptr : &found->second;
}

std::optional<std::vector<std::int64_t>> WeightTracer::constantInts(const std::string& name) const
{
    const ConstantInts* found = constant(name);
    return found ? std::optional(found->values) : std::nullopt;
}

std::vector<TracedUse> WeightTracer::trace(const std::string& name, const std::vector<std::int64_t>& dims) const
{
    std::vector<std::optional<int>> axisOf(dims.size());
    for (std::size_t k = 0; k < dims.size(); ++k)
        axisOf[k] = static_cast<int>(k);
    std::vector<TracedUse> out;
    std::vector<const onnx::NodeProto*> path;
    follow(name, std::move(axisOf), dims, path, true, 0, out);
    return out;
}

int WeightTracer::agreedChannelAxis(const std::string& name, const std::vector<std::int64_t>& dims) const
{
    const auto uses = trace(name, dims);
    std::optional<int> agreed;
    for (const auto& use : uses) {
        const int axis = use.weightAxis.value_or(-1);
        if (agreed && *agreed != axis)
            return -1;
        agreed = axis;
    }
    return agreed.value_or(-1);
}

void WeightTracer::follow(const std::string& name, std::vector<std::optional<int>> axisOf,
    std::vector<std::int64_t> dims, std::vector<const onnx::NodeProto*>& path, bool whole, int depth,
    std::vector<TracedUse>& out) const
{
    const auto found = m_uses.find(name);
    if (found == m_uses.end() || depth > kMaxDepth)
        return;
    for (const Use& use : found->second) {
        const onnx::NodeProto& node = *use.node;
        const std::string& op = node.op_type();
        const bool gatherByConstant = op != "Gather" || (node.input_size() > 1 && constant(node.input(1)) != nullptr);
        // Exporters reorder LSTM gates by slicing a weight and concatenating the pieces; a Concat that also
        // joins activations (a class token before the patches) is where the weight is really used.
        const bool concatOfConstants = op == "Concat" && allInputsConstant(node);
        if ((!(isPassThrough(node, use.input) && gatherByConstant) && !concatOfConstants) || node.output_size() == 0) {
            TracedUse traced { use.graph, &node, use.input, path, std::nullopt, whole };
            const int axis = consumerChannelAxis(node, use.input, static_cast<int>(axisOf.size()));
            if (axis >= 0 && axis < static_cast<int>(axisOf.size()))
                traced.weightAxis = axisOf[static_cast<std::size_t>(axis)];
            out.push_back(std::move(traced));
            continue;
        }
        // How the pass-through op moves the axes (nullopt: the weight axis is lost, -1 dims: size unknown).
        std::vector<std::optional<int>> nextAxes = axisOf;
        std::vector<std::int64_t> nextDims = dims;
        bool nextWhole = whole;
        const std::size_t rank = axisOf.size();
        if (op == "Transpose") {
            std::vector<std::int64_t> perm(rank);
            std::iota(perm.rbegin(), perm.rend(), 0);
            if (const auto* attr = attribute(node, "perm"))
                perm.assign(attr->ints().begin(), attr->ints().end());
            for (std::size_t k = 0; k < rank && k < perm.size(); ++k) {
                nextAxes[k] = axisOf[static_cast<std::size_t>(normalized(perm[k], rank))];
                nextDims[k] = dims[static_cast<std::size_t>(normalized(perm[k], rank))];
            }
        } else if (op == "Squeeze" || op == "Unsqueeze") {
            std::optional<std::vector<std::int64_t>> axes;
            if (const auto* attr = attribute(node, "axes"))
                axes = std::vector<std::int64_t>(attr->ints().begin(), attr->ints().end());
            else if (node.input_size() > 1)
                axes = constantInts(node.input(1));
            if (op == "Squeeze") {
                std::vector<bool> drop(rank, false);
                if (axes)
                    for (const auto a : *axes)
                        if (const int k = normalized(a, rank); k >= 0 && k < static_cast<int>(rank))
                            drop[static_cast<std::size_t>(k)] = true;
                nextAxes.clear();
                nextDims.clear();
                for (std::size_t k = 0; k < rank; ++k)
                    if (!(axes ? drop[k] : dims[k] == 1)) {
                        nextAxes.push_back(axisOf[k]);
                        nextDims.push_back(dims[k]);
                    }
            } else if (axes) {
                const std::size_t outRank = rank + axes->size();
                std::vector<bool> inserted(outRank, false);
                for (const auto a : *axes)
                    if (const int k = normalized(a, outRank); k >= 0 && k < static_cast<int>(outRank))
                        inserted[static_cast<std::size_t>(k)] = true;
                nextAxes.clear();
                nextDims.clear();
                for (std::size_t k = 0, from = 0; k < outRank; ++k) {
                    nextAxes.push_back(inserted[k] || from >= rank ? std::nullopt : axisOf[from]);
                    nextDims.push_back(inserted[k] || from >= rank ? 1 : dims[from]);
                    from += inserted[k] ? 0 : 1;
                }
            } else { // Unsqueeze with axes we cannot read: the consumer is still found, the axes are not
                nextAxes.clear();
                nextDims.clear();
            }
        } else if (op == "Reshape") {
            const auto shape = node.input_size() > 1 ? constantInts(node.input(1)) : std::nullopt;
            if (!shape) { // a shape we cannot read: the consumer is still found, the axes are not
                path.push_back(&node);
                follow(node.output(0), {}, {}, path, nextWhole, depth + 1, out);
                path.pop_back();
                continue;
            }
            // Output dims: 0 copies the input dim, -1 takes what is left.
            std::int64_t total = 1;
            bool known = std::ranges::none_of(dims, [](std::int64_t d) { return d < 0; });
            for (const auto d : dims)
                total *= d;
            nextDims.assign(shape->begin(), shape->end());
            std::int64_t product = 1;
            int inferred = -1;
            for (std::size_t k = 0; k < nextDims.size(); ++k) {
                if (nextDims[k] == 0 && k < rank)
                    nextDims[k] = dims[k];
                if (nextDims[k] == -1)
                    inferred = static_cast<int>(k);
                else
                    product *= nextDims[k];
            }
            if (inferred >= 0)
                nextDims[static_cast<std::size_t>(inferred)] = known && product > 0 ? total / product : -1;
            // An axis survives when it starts at the same element offset on both sides (equal products of
            // the dims before it) and keeps its size: [64, 3, 3, 3] -> [64, 27] keeps axis 0.
            nextAxes.assign(nextDims.size(), std::nullopt);
            known = known && std::ranges::none_of(nextDims, [](std::int64_t d) { return d < 0; });
            std::int64_t before = 1, after = 1;
            for (std::size_t in = 0, o = 0; known && in < rank && o < nextDims.size();) {
                if (before == after && dims[in] == nextDims[o]) {
                    nextAxes[o] = axisOf[in];
                    before *= dims[in++];
                    after *= nextDims[o++];
                } else if (before <= after) {
                    before *= dims[in++];
                } else {
                    after *= nextDims[o++];
                }
            }
        } else if (op == "Slice" || op == "Split") {
            nextWhole = false; // sizes along the cut axis change; the axes keep their meaning
            if (op == "Split") {
                const auto* attr = attribute(node, "axis");
                const int axis = normalized(attr ? attr->i() : 0, rank);
                if (axis >= 0 && axis < static_cast<int>(rank))
                    nextDims[static_cast<std::size_t>(axis)] = -1;
            } else {
                std::fill(nextDims.begin(), nextDims.end(), -1); // which axes Slice cuts needs its inputs
            }
        } else if (op == "Concat") {
            const auto* attr = attribute(node, "axis");
            const int axis = normalized(attr ? attr->i() : 0, rank);
            if (axis >= 0 && axis < static_cast<int>(rank))
                nextDims[static_cast<std::size_t>(axis)] = -1; // the other pieces' sizes are not known here
        } else if (op == "Gather") {
            const auto* attr = attribute(node, "axis");
            const int axis = normalized(attr ? attr->i() : 0, rank);
            if (axis < 0 || axis >= static_cast<int>(rank))
                continue;
            const ConstantInts& indices = *constant(node.input(1));
            nextAxes.assign(axisOf.begin(), axisOf.begin() + axis);
            nextDims.assign(dims.begin(), dims.begin() + axis);
            for (const std::int64_t d : indices.dims) { // the indices' axes replace the gathered one
                nextAxes.emplace_back(std::nullopt);
                nextDims.push_back(d);
            }
            nextAxes.insert(nextAxes.end(), axisOf.begin() + axis + 1, axisOf.end());
            nextDims.insert(nextDims.end(), dims.begin() + axis + 1, dims.end());
            nextWhole = false;
        }
        path.push_back(&node);
        for (const auto& output : node.output())
            if (!output.empty())
                follow(output, nextAxes, nextDims, path, nextWhole, depth + 1, out);
        path.pop_back();
    }
}

} // namespace slimscope::core::model
