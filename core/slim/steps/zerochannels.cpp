#include "zerochannels.h"

#include <algorithm>
#include <cmath>
#include <set>

namespace slimscope::core::slim {

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
    static const std::set<std::string> zeroToZero
        = { "Relu", "LeakyRelu", "PRelu", "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool", "Identity",
              "Dropout", "Cast", "Tanh", "Abs", "Neg", "HardSwish", "Gelu", "Mish", "Elu", "Selu", "Celu", "Softsign",
              "Flatten", "Concat", "Floor", "Ceil", "Round", "Sqrt", "ThresholdedRelu", "Erf", "Mul", "Div" };
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

} // namespace slimscope::core::slim
