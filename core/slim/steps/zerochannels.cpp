#include "zerochannels.h"
#include "model/nodeattributes.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <set>

namespace slimscope::core::slim {

using model::floatAttribute;
using model::intAttribute;

// Whether channel c of a group whose producers' weights are all zero there is zero everywhere after every op it
// passes: then the consumers read zeros from it and removing it changes nothing. (A zero input channel adds
// nothing to a Conv, Gemm or MatMul, padding included.)
bool outputIsZero(const ChannelGroup& group, std::int64_t c, const ConstantReader& constants)
{
    const std::int64_t n = group.channels;
    const auto isZero = [&](const std::string& name) {
        const auto v = constants.at(name, c, n);
        return v && *v == 0.0;
    };
    for (const ChannelMember& member : group.members)
        if (member.role == ChannelMember::Role::ProducerBias && !isZero(member.tensor))
            return false;
    static const std::set<std::string> zeroToZero = { "Relu", "LeakyRelu", "PRelu", "MaxPool", "AveragePool",
        "GlobalAveragePool", "GlobalMaxPool", "Identity", "Dropout", "Cast", "Tanh", "Abs", "Neg", "HardSwish", "Gelu",
        "Mish", "Elu", "Selu", "Celu", "Softsign", "Flatten", "Concat", "Floor", "Ceil", "Round", "Sqrt",
        "ThresholdedRelu", "Erf", "Mul", "Div", "ReduceMean", "ReduceMax", "ReduceSum", "Split", "Upsample" };
    for (const onnx::NodeProto* node : group.ops) {
        const std::string& op = node->op_type();
        if (zeroToZero.contains(op))
            continue;
        if (op == "Add" || op == "Sub") { // with a constant: zero at c; with another channel flow: zero too
            for (const auto& input : node->input())
                if (constants.isConstant(input) && !isZero(input))
                    return false;
            continue;
        }
        if (op == "Clip") {
            double low = -INFINITY, high = INFINITY;
            for (const auto& a : node->attribute()) {
                low = a.name() == "min" ? a.f() : low;
                high = a.name() == "max" ? a.f() : high;
            }
            if (node->input_size() > 1 && !node->input(1).empty())
                low = constants.at(node->input(1), c, n).value_or(INFINITY);
            if (node->input_size() > 2 && !node->input(2).empty())
                high = constants.at(node->input(2), c, n).value_or(-INFINITY);
            if (!(low <= 0.0 && 0.0 <= high))
                return false;
            continue;
        }
        if (op == "BatchNormalization" && node->input_size() >= 5) { // 0 -> shift - scale * mean / sqrt(var + eps)
            double epsilon = 1e-5;
            for (const auto& a : node->attribute())
                epsilon = a.name() == "epsilon" ? a.f() : epsilon;
            const auto scale = constants.at(node->input(1), c, n), shift = constants.at(node->input(2), c, n),
                       mean = constants.at(node->input(3), c, n), var = constants.at(node->input(4), c, n);
            if (!scale || !shift || !mean || !var)
                return false;
            const double zero = *shift - *scale * *mean / std::sqrt(*var + epsilon);
            if (std::fabs(zero) > 1e-7 * std::max(1.0, std::fabs(*shift)))
                return false;
            continue;
        }
        if (op == "InstanceNormalization" && node->input_size() >= 3) { // a constant channel normalises to B
            if (!isZero(node->input(2)))
                return false;
            continue;
        }
        if (op == "Conv") { // depthwise: channel c of its bias
            if (node->input_size() > 2 && !node->input(2).empty() && !isZero(node->input(2)))
                return false;
            continue;
        }
        return false;
    }
    return true;
}

namespace {

bool hasPadding(const onnx::NodeProto& node)
{
    for (const auto& a : node.attribute()) {
        if (a.name() == "pads" && std::ranges::any_of(a.ints(), [](std::int64_t p) { return p != 0; }))
            return true;
        if (a.name() == "auto_pad" && a.s() != "NOTSET" && a.s() != "VALID")
            return true;
    }
    return false;
}

} // namespace

std::optional<double> constantOutput(const ChannelGroup& group, std::int64_t c, const ConstantReader& constants)
{
    const std::int64_t n = group.channels;
    if (group.producers.size() != 1 || group.values.empty() || !group.depthwise.empty() || !group.splits.empty())
        return std::nullopt;
    double k = 0.0;
    for (const ChannelMember& member : group.members)
        if (member.role == ChannelMember::Role::ProducerBias) {
            const auto bias = constants.at(member.tensor, c, n);
            if (!bias)
                return std::nullopt;
            k = *bias;
        }
    std::string value = group.values.front(); // the producer's output
    for (const onnx::NodeProto* node : group.ops) {
        // One chain: each op reads the previous one's output (a branch would mix two paths' ops).
        const auto flowInput = std::ranges::find(node->input(), value);
        if (flowInput == node->input().end() || node->output_size() == 0)
            return std::nullopt;
        const auto flowIndex = flowInput - node->input().begin();
        value = node->output(0);
        const std::string& op = node->op_type();
        if (op == "Identity" || op == "Dropout" || op == "Cast" || op == "Flatten" || op == "MaxPool"
            || op == "GlobalAveragePool" || op == "GlobalMaxPool" || op == "ReduceMean" || op == "ReduceMax")
            continue;
        if (op == "AveragePool") {
            if (intAttribute(*node, "count_include_pad", 0) != 0 && hasPadding(*node))
                return std::nullopt;
        } else if (op == "Relu") {
            k = std::max(0.0, k);
        } else if (op == "LeakyRelu") {
            k = k >= 0 ? k : floatAttribute(*node, "alpha", 0.01) * k;
        } else if (op == "Sigmoid") {
            k = 1.0 / (1.0 + std::exp(-k));
        } else if (op == "HardSigmoid") {
            k = std::clamp(floatAttribute(*node, "alpha", 0.2) * k + floatAttribute(*node, "beta", 0.5), 0.0, 1.0);
        } else if (op == "HardSwish") {
            k = k * std::clamp(k / 6.0 + 0.5, 0.0, 1.0);
        } else if (op == "Tanh") {
            k = std::tanh(k);
        } else if (op == "Clip") {
            double low = floatAttribute(*node, "min", -INFINITY), high = floatAttribute(*node, "max", INFINITY);
            if (node->input_size() > 1 && !node->input(1).empty())
                low = constants.at(node->input(1), c, n).value_or(NAN);
            if (node->input_size() > 2 && !node->input(2).empty())
                high = constants.at(node->input(2), c, n).value_or(NAN);
            if (std::isnan(low) || std::isnan(high))
                return std::nullopt;
            k = std::clamp(k, low, high);
        } else if (op == "BatchNormalization" && node->input_size() >= 5) {
            const auto scale = constants.at(node->input(1), c, n), shift = constants.at(node->input(2), c, n),
                       mean = constants.at(node->input(3), c, n), var = constants.at(node->input(4), c, n);
            if (!scale || !shift || !mean || !var)
                return std::nullopt;
            k = *scale * (k - *mean) / std::sqrt(*var + floatAttribute(*node, "epsilon", 1e-5)) + *shift;
        } else if ((op == "Add" || op == "Sub" || op == "Mul" || op == "Div") && node->input_size() == 2) {
            const auto other = constants.at(node->input(flowIndex == 0 ? 1 : 0), c, n);
            if (!other)
                return std::nullopt;
            const double a = flowIndex == 0 ? k : *other, b = flowIndex == 0 ? *other : k;
            k = op == "Add" ? a + b : op == "Sub" ? a - b : op == "Mul" ? a * b : a / b;
        } else {
            return std::nullopt;
        }
        if (!std::isfinite(k))
            return std::nullopt;
    }
    return k;
}

std::optional<std::vector<BiasFold>> foldsFor(const ChannelGroup& group, std::int64_t c, double value,
    const ConstantReader& constants, const std::unordered_map<std::string, const InitializerRef*>& weights)
{
    std::vector<BiasFold> folds;
    for (const ChannelMember& member : group.members) {
        if (member.role != ChannelMember::Role::Consumer)
            continue;
        const onnx::NodeProto& node = *member.node;
        const auto found = weights.find(member.tensor);
        if (found == weights.end())
            return std::nullopt;
        const onnx::TensorProto& w = *found->second->tensor;
        if (member.windowLength > 0 && (c < member.windowOffset || c >= member.windowOffset + member.windowLength))
            continue; // reads another part of a Split
        const std::int64_t channel = member.offset + c - member.windowOffset;
        std::vector<std::int64_t> dims(w.dims().begin(), w.dims().end());
        // The weight's values in input channel `channel`, one per output channel of the consumer.
        const auto column = [&](std::int64_t outputs, const std::function<std::int64_t(std::int64_t)>& index) {
            std::vector<double> out(static_cast<std::size_t>(outputs));
            for (std::int64_t o = 0; o < outputs; ++o) {
                const auto v = constants.element(member.tensor, index(o));
                if (!v)
                    return std::optional<std::vector<double>>();
                out[static_cast<std::size_t>(o)] = *v * value;
            }
            return std::optional(out);
        };
        std::optional<std::vector<double>> delta;
        if (node.op_type() == "Conv" && dims.size() >= 3 && intAttribute(node, "group", 1) == 1 && !hasPadding(node)
            && std::all_of(dims.begin() + 2, dims.end(), [](std::int64_t d) { return d == 1; })) {
            const std::int64_t inputs = dims[1];
            delta = column(dims[0], [&](std::int64_t o) { return o * inputs + channel; });
        } else if (node.op_type() == "Gemm" && dims.size() == 2 && intAttribute(node, "transA", 0) == 0) {
            const double alpha = floatAttribute(node, "alpha", 1.0), beta = floatAttribute(node, "beta", 1.0);
            if (beta == 0.0)
                return std::nullopt;
            const bool transB = intAttribute(node, "transB", 0) != 0;
            const std::int64_t outputs = transB ? dims[0] : dims[1];
            delta = column(
                outputs, [&](std::int64_t j) { return transB ? j * dims[1] + channel : channel * dims[1] + j; });
            if (delta)
                for (double& d : *delta)
                    d *= alpha / beta;
        }
        if (!delta)
            return std::nullopt;
        folds.push_back({ &node, member.nodeGraph, std::move(*delta) });
    }
    return folds;
}

} // namespace slimscope::core::slim
