#pragma once

#include "runtime/verify.h"
#include "support/jsonwriter.h"

#include <ostream>
#include <string_view>

namespace slimscope::core::report {

inline constexpr std::string_view kVerifySchema = "slimscope.verify/1";

using runtime::FidelityThresholds;

/// True unless the verdict is fail (runtime::verdictOf).
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
