#pragma once

// Sensitivity results as JSON (schema slimscope.sensitivity/1), a terminal table and CSV; plans as JSON (schema
// slimscope.plan/1) and a table.

#include "plan/planner.h"
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

/// A standalone document, schema slimscope.plan/1: the target, whether it was met, the best recipe and every
/// recipe verified on the way (the size/fidelity frontier).
void writePlanDocument(std::ostream& out, const plan::Plan& plan);
void writePlanTable(std::ostream& out, const plan::Plan& plan);

} // namespace slimscope::core::report
