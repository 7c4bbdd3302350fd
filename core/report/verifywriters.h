#pragma once

#include "runtime/verify.h"
#include "support/jsonwriter.h"

#include <ostream>
#include <string_view>

namespace slimscope::core::report {

inline constexpr std::string_view kVerifySchema = "slimscope.verify/1";

/// Fidelity thresholds for the pass/warn verdict (the GUI lets the user change them).
struct FidelityThresholds {
    double minCosine = 0.99;
    double minTop1Agreement = 0.99;
};

/// "pass" when every output meets the thresholds, "warn" otherwise.
bool passes(const runtime::Verification& verification, const FidelityThresholds& thresholds = {});

/// The verification as a JSON object (the value only; the caller writes the key or the document).
void writeVerificationJson(
    JsonWriter& json, const runtime::Verification& verification, const FidelityThresholds& thresholds = {});
/// A standalone document, schema slimscope.verify/1.
void writeVerifyDocument(
    std::ostream& out, const runtime::Verification& verification, const FidelityThresholds& thresholds = {});
void writeVerificationTable(
    std::ostream& out, const runtime::Verification& verification, const FidelityThresholds& thresholds = {});

} // namespace slimscope::core::report
