#pragma once

#include "analysis/analysis.h"

#include <QColor>

#include <string_view>

namespace slimscope::ui {

// Stable colours per dtype, shared by the dtype chart and the treemap: float32 blue, float16 teal, int8 orange,
// float64 red, everything else grey. Chosen to read on both light and dark backgrounds.
QColor dtypeColour(std::string_view dtype);

// The one palette of finding severities (Findings table, Summary): high red, medium amber, low blue, info grey.
QColor severityColour(core::analysis::Severity severity);

} // namespace slimscope::ui
