#pragma once

#include "analysis/analysis.h"

#include <ostream>
#include <string_view>

namespace slimscope::core::report {

inline constexpr std::string_view kAnalysisSchema = "slimscope.analysis/1";

/// The whole analysis as JSON (schema slimscope.analysis/1, documented in docs/cli.md).
/// The model's whole size: "4.00 GiB (4294967296 bytes: model file 85.0 KiB + external data 4.00 GiB in 600
/// files)", or the model file alone when it keeps no external data.
std::string fileSizeText(const analysis::ModelSummary& model);

void writeAnalysisJson(std::ostream& out, const analysis::Analysis& analysis);

/// Which rows a CSV or table lists.
enum class Rows { Tensors, Layers, Findings };

/// One row per tensor, layer or finding, RFC 4180 quoting, exact numbers.
void writeAnalysisCsv(std::ostream& out, const analysis::Analysis& analysis, Rows rows);

/// A terminal summary: model, totals, top layers, findings, diagnostics.
void writeAnalysisTable(std::ostream& out, const analysis::Analysis& analysis, int topLayers = 15);

/// The same content as Markdown tables, suited to a pull request.
void writeAnalysisMarkdown(std::ostream& out, const analysis::Analysis& analysis, int topLayers = 25);

} // namespace slimscope::core::report
