#pragma once

// Graph edits of structured pruning (steps/prunechannels.cpp) besides cutting the members' tensors: the parts of a
// Split, and the aliases left behind when readers took copies of a shared weight.

#include "slim/channelgroups.h"
#include "slim/graphindex.h"
#include "slim/workingmodel.h"

#include <string>
#include <unordered_set>
#include <vector>

namespace slimscope::core::slim {

/// Every part of a Split keeps a channel (an empty part is not a tensor ONNX Runtime runs): the strongest of a part
/// that lost all of them stays.
void keepOnePerPart(const ChannelGroup& group, const std::vector<double>& norms, std::vector<bool>& kept);

/// A Split's sizes become the kept channels of each part: its `split` attribute (opset < 13), the constant input
/// it alone reads, or a new constant input of its own (an equal split by output count gets one too).
void setSplitSizes(WorkingModel& model, GraphIndex& index, const ChannelSplit& split, const std::vector<bool>& kept);

/// After readers took copies of their own, the shared original may be read by nothing but Identity nodes whose
/// outputs nothing reads: those nodes go, and the original when nothing reads it any more.
void removeUnusedAliases(WorkingModel& model, const std::unordered_set<std::string>& originals);

} // namespace slimscope::core::slim
