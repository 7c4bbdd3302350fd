#pragma once

#include "analysis/analysis.h"
#include "model/removedfeatures.h"
#include "support/error.h"

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace slimscope::core::report {

inline constexpr std::string_view kCompareSchema = "slimscope.compare/1";

/// A weight tensor of model A paired with one of model B.
struct TensorMatch {
    std::string nameA, nameB;
    /// "name"; "shape+hash" (same dtype, shape and content under another name); "dequantize" or "cast" (A's tensor
    /// is in B the output of a DequantizeLinear or Cast node reading `nameB`, as slimming stores it).
    std::string matchedBy;
    std::string graph; ///< A's graph path ("main" or a subgraph)
    std::string dtypeA, dtypeB;
    std::vector<std::int64_t> shapeA, shapeB;
    std::uint64_t bytesA = 0, bytesB = 0; ///< as stored; for "dequantize" B's bytes include scale and zero point
    std::vector<std::string> auxiliaryB; ///< scale and zero-point tensors of a "dequantize" match
    /// Largest |a - b| over all elements, both read as double; for "dequantize" B's values are dequantized
    /// ((q - zero_point) * scale, per axis); for "cast" they are decoded from the narrow type. Unset when the
    /// element counts differ, a type is not numeric, a tensor is sparse or could not be read.
    std::optional<double> maxAbsDiff;
    bool changed = false; ///< dtype, shape or stored bytes differ
};

/// A layer (node) present in both models under the same name.
struct LayerMatch {
    std::string name;
    std::string opTypeA, opTypeB;
    std::uint64_t paramsA = 0, paramsB = 0;
    std::uint64_t bytesA = 0, bytesB = 0;
};

/// What differs between two models' weights and layers.
struct Comparison {
    analysis::ModelSummary a, b;
    std::vector<TensorMatch> matched; ///< in A's tensor order
    std::vector<std::string> added; ///< tensors only in B
    std::vector<std::string> removed; ///< tensors only in A
    std::vector<std::pair<std::string, std::pair<std::string, std::string>>> dtypeChanges; ///< A name -> (A, B dtype)
    std::uint64_t changedCount = 0; ///< matched tensors with `changed`
    std::uint64_t bytesSaved = 0; ///< A's file bytes minus B's (external data included), 0 when B is not smaller
    std::int64_t fileBytesDelta = 0; ///< B - A, file plus external data
    std::int64_t weightBytesDelta = 0; ///< B - A
    std::int64_t paramsDelta = 0; ///< B - A
    std::vector<LayerMatch> layers; ///< layers of A that B has under the same name, in A's order
    std::vector<std::string> layersAdded; ///< only in B
    std::vector<std::string> layersRemoved; ///< only in A
    /// Input features B no longer reads (its metadata, prune_channels with inputs), as positions of A's inputs:
    /// feed B without them.
    std::vector<model::RemovedInputFeatures> removedInputFeatures;
    Diagnostics diagnostics; ///< tensors that could not be read (compared by size only)
};

/// Matches the weight tensors of two analysed models: by (graph, name) first, then the rest by dtype, shape and a
/// content hash, then A's remaining tensors that B computes with DequantizeLinear/Cast from a stored tensor.
Result<Comparison> compareModels(const analysis::Analysis& a, const analysis::Analysis& b);

/// A terminal summary: both models, totals, changed/added/removed tensors, changed layers.
void writeComparisonTable(std::ostream& out, const Comparison& comparison);
/// JSON, schema slimscope.compare/1 (docs/report.md).
void writeComparisonJson(std::ostream& out, const Comparison& comparison);
void writeComparisonMarkdown(std::ostream& out, const Comparison& comparison);
/// One self-contained XHTML-compatible file, as writeReportHtml.
void writeComparisonHtml(std::ostream& out, const Comparison& comparison);

} // namespace slimscope::core::report
