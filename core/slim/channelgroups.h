#pragma once

// Channel dependency groups: the output channels of a Conv, Gemm or MatMul followed through the ops that keep
// them apart (activations, normalisations, pools, depthwise convs, elementwise ops with constants) to the
// weights that read them (a Conv's input channels, a Gemm's input features after global pooling), with the
// couplings that make several producers' channels one (a residual Add, a squeeze-excite gate multiplying the
// feature map). A Split along the channels hands each part to what reads it; the parts are rewritten to the kept
// counts. Removing channel c of a group means removing index c along the axis of every member. A path
// that cannot be proven safe (an unknown op, a Reshape, a graph output) freezes the group, with the reason. A
// Concat along the channels is followed when every input is a group's channels: what reads the concatenation
// holds each group's channels at that group's offset. Structured pruning (steps/prunechannels.cpp) removes channels
// from groups that are not frozen.

#include "graphindex.h"
#include "workingmodel.h"

#include <cstdint>
#include <string>
#include <vector>

namespace slimscope::core::slim {

/// One tensor axis that holds a group's channels.
struct ChannelMember {
    enum class Role {
        Producer, ///< the weight that makes the channels (its output-channel axis)
        ProducerBias, ///< the producer's bias
        Norm, ///< BatchNormalization / InstanceNormalization parameters, a per-channel constant of Add/Mul/PRelu
        Depthwise, ///< a depthwise Conv's weight or bias: it passes each channel on
        Consumer, ///< a weight that reads the channels (input channels, input features)
    };
    std::string tensor; ///< the stored weight's name (GraphIndex::weights())
    int axis = 0;
    Role role = Role::Producer;
    /// Set when other nodes read the same stored values (exporters merge equal biases and alias them through
    /// Identity): this node, which reads them at input `readerInput`, gets a copy of its own to cut.
    onnx::NodeProto* reader = nullptr;
    int readerInput = 0;
    int readerGraph = 0;
    /// After a Concat the axis holds several groups' channels: this group's are [offset, offset + channels) of
    /// `extent` (0: the axis holds this group's channels alone).
    std::int64_t offset = 0;
    std::int64_t extent = 0;
    /// After a Split along the channels the axis holds one part: the group's channels [windowOffset,
    /// windowOffset + windowLength) (windowLength 0: all of them).
    std::int64_t windowOffset = 0;
    std::int64_t windowLength = 0;
    const onnx::NodeProto* node = nullptr; ///< the node that reads it (set for every member)
    int nodeGraph = 0;
};

/// A Split along a group's channels: output i holds the group's channels [parts[i].first, + parts[i].second).
struct ChannelSplit {
    onnx::NodeProto* node = nullptr;
    int graph = 0;
    std::vector<std::pair<std::int64_t, std::int64_t>> parts;
};

struct ChannelGroup {
    std::int64_t channels = 0;
    std::vector<std::string> producers; ///< the nodes whose output channels these are
    std::vector<ChannelMember> members;
    /// Depthwise Convs the channels pass through: their `group` attribute is the channel count.
    std::vector<onnx::NodeProto*> depthwise;
    std::vector<ChannelSplit> splits; ///< their sizes become the kept channels of each part
    std::vector<std::string> values; ///< the activations that carry the channels (their declared shapes change)
    std::vector<const onnx::NodeProto*> ops; ///< the nodes the channels pass through, producer to consumers
    std::string frozenReason; ///< empty when its channels can be removed
};

/// The groups of every Conv (group 1), Gemm and MatMul with a constant weight in the model's graphs.
std::vector<ChannelGroup> findChannelGroups(const GraphIndex& index);

} // namespace slimscope::core::slim
