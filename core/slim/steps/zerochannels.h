#pragma once

// prune_channels' zero mode: whether a channel whose producers' weights are all zero is zero everywhere after
// the ops it passes (so that removing it changes no output). Internal to the prune_channels step.

#include "slim/channelgroups.h"
#include "slim/graphindex.h"
#include "slim/stepsupport.h"
#include "slim/workingmodel.h"

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace slimscope::core::slim {

/// Float values of constants by name (normalisation parameters, biases, Clip bounds), read once each.
class ConstantReader {
public:
    ConstantReader(WorkingModel& model, const std::unordered_map<std::string, const InitializerRef*>& weights)
        : m_model(model)
        , m_weights(weights)
    { }

    bool isConstant(const std::string& name) const { return m_weights.contains(name); }

    /// Element `index` of the constant's values.
    std::optional<double> element(const std::string& name, std::int64_t index) const
    {
        const auto* values = valuesOf(name);
        if (!values || index < 0 || index >= static_cast<std::int64_t>(values->size()))
            return std::nullopt;
        return (*values)[static_cast<std::size_t>(index)];
    }

    /// The constant's value for channel `c`: its only value, or value c of a per-channel constant.
    std::optional<double> at(const std::string& name, std::int64_t c, std::int64_t channels) const
    {
        const auto* values = valuesOf(name);
        if (!values)
            return std::nullopt;
        if (values->size() == 1)
            return values->front();
        if (static_cast<std::int64_t>(values->size()) == channels)
            return (*values)[static_cast<std::size_t>(c)];
        return std::nullopt;
    }

private:
    const std::vector<float>* valuesOf(const std::string& name) const
    {
        const auto found = m_weights.find(name);
        if (found == m_weights.end())
            return nullptr;
        auto cached = m_values.find(name);
        if (cached == m_values.end()) {
            auto values = floatCopy(m_model, *found->second->tensor); // unreadable: no values, no answers
            cached = m_values.emplace(name, values ? std::move(*values) : std::vector<float> {}).first;
        }
        return &cached->second;
    }

    WorkingModel& m_model;
    const std::unordered_map<std::string, const InitializerRef*>& m_weights;
    mutable std::unordered_map<std::string, std::vector<float>> m_values;
};

// Whether channel c of a group whose producers' weights are all zero there is zero everywhere after every op it
// passes: then the consumers read zeros from it and removing it changes nothing. (A zero input channel adds
// nothing to a Conv, Gemm or MatMul, padding included.)
bool outputIsZero(const ChannelGroup& group, std::int64_t c, const ConstantReader& constants);

/// The constant value channel c carries to the consumers when the producer's weights are all zero there: its bias
/// through the chain of ops after it. nullopt unless the group has one producer and its channels pass one
/// chain of ops whose effect on a constant is exact (activations, normalisations, pools without counted
/// padding, elementwise ops with constants).
std::optional<double> constantOutput(const ChannelGroup& group, std::int64_t c, const ConstantReader& constants);

/// What the consumers add to their outputs for a constant `value` in channel c, per consumer node (Conv 1×1
/// without padding: value × W[:, c]; Gemm: alpha × value × B's row c / beta), to put into their biases; nullopt
/// when some consumer cannot take it exactly (a Conv with a larger kernel sees the constant only inside its
/// borders).
struct BiasFold {
    const onnx::NodeProto* node = nullptr;
    int graph = 0;
    std::vector<double> delta; ///< one per output channel of the consumer
};
std::optional<std::vector<BiasFold>> foldsFor(const ChannelGroup& group, std::int64_t c, double value,
    const ConstantReader& constants, const std::unordered_map<std::string, const InitializerRef*>& weights);

} // namespace slimscope::core::slim
