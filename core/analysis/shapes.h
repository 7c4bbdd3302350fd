#pragma once

#include "support/error.h"

#include <onnx/onnx_pb.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace slimscope::core::analysis {

/// A value's type and shape after ONNX shape inference. A dimension is -1 when unknown; symbolic dimensions
/// keep their name in `symbols` (and count as 1 for MACs, i.e. MACs are per sample).
struct ValueShape {
    std::int32_t elemType = 0;
    bool hasShape = false;
    std::vector<std::int64_t> dims;
    std::vector<std::string> symbols;
};

/// Shapes of every value in every graph of a model, and what shape inference said per node.
struct ShapeTable {
    std::unordered_map<std::string, ValueShape> values;
    std::unordered_map<std::string, std::string> nodeErrors; ///< by node name (or output name)
};

/// Runs ONNX shape inference on a copy of the model skeleton. Node-level problems are collected in
/// ShapeTable::nodeErrors; a failure of inference as a whole becomes a diagnostic.
ShapeTable inferShapes(const onnx::ModelProto& model, Diagnostics& diagnostics);

/// "[1,3,224,224]", with symbols ("[N,3,224,224]") and "?" for unknown dimensions.
std::string shapeText(const ValueShape& shape);

/// The shape of `name` when each dimension is known or symbolic (symbols count as 1: per sample); null otherwise.
const ValueShape* usableShape(const ShapeTable& shapes, const std::string& name);
/// Product of dims[from, to), symbolic (negative) dimensions as 1.
std::uint64_t dimsProduct(const std::vector<std::int64_t>& dims, std::size_t from = 0, std::size_t to = SIZE_MAX);

/// Multiply-accumulates of one node given the shapes around it; nullopt when the op is not one we count or a
/// shape it needs is unknown.
std::optional<std::uint64_t> nodeMacs(const onnx::NodeProto& node, const ShapeTable& shapes);

/// True for a recurrent node (LSTM, GRU, RNN) whose sequence length is symbolic: its MACs are per time step.
bool macsPerTimeStep(const onnx::NodeProto& node, const ShapeTable& shapes);

/// MACs of one inference over every node of every graph whose MACs are known, as the analysis totals them
/// (runs shape inference; a model whose shapes cannot be inferred counts what it can).
std::uint64_t countMacs(const onnx::ModelProto& model);

} // namespace slimscope::core::analysis
