#pragma once

// Sensitivity results as JSON (schema slimscope.sensitivity/1), a terminal table and CSV.

#include "plan/sensitivity.h"
#include "support/jsonwriter.h"

#include <ostream>

namespace slimscope::core::report {

/// The sensitivity as a JSON object (the value only; the caller writes the key or the document).
void writeSensitivityJson(JsonWriter& json, const plan::Sensitivity& sensitivity);
/// A standalone document, schema slimscope.sensitivity/1.
void writeSensitivityDocument(std::ostream& out, const plan::Sensitivity& sensitivity);
void writeSensitivityTable(std::ostream& out, const plan::Sensitivity& sensitivity);
/// One row per layer, most sensitive first; the header names the columns as the JSON keys do.
void writeSensitivityCsv(std::ostream& out, const plan::Sensitivity& sensitivity);

} // namespace slimscope::core::report
