#pragma once

// JSON fragments that several documents share (analysis, slim, report, compare, verify), so that one field
// list serves them all.

#include "analysis/analysis.h"
#include "slim/slimmer.h"
#include "support/error.h"
#include "support/jsonwriter.h"

#include <string_view>
#include <vector>

namespace slimscope::core::report {

/// "diagnostics": [{severity, subject, message}]
void writeDiagnostics(JsonWriter& json, const Diagnostics& diagnostics);
/// "by_dtype" and "by_op_type" totals of an analysis.
void writeTotals(JsonWriter& json, const analysis::Analysis& analysis);
/// A layer's "tensors" (counted in it) and "shared_tensors" (used, counted in another layer), by name.
void writeLayerTensors(JsonWriter& json, const analysis::Analysis& analysis, const analysis::LayerStats& layer);
/// "steps": [{kind, description, enabled, summary}]
void writeStepReports(JsonWriter& json, const std::vector<slim::StepReport>& steps);
/// `key`: one object per weight tensor of a slimming preview, errors included for float tensors.
void writeTensorChanges(JsonWriter& json, std::string_view key, const std::vector<slim::TensorChange>& changes);
/// "sqnr_db": the value, or null when the values are exact (infinite SQNR).
void writeSqnr(JsonWriter& json, double sqnrDb);

} // namespace slimscope::core::report
