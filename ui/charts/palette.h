#pragma once

#include "analysis/analysis.h"

#include <QColor>

#include <string_view>

namespace slimscope::ui {

// The one palette of dtypes, shared by the dtype chart, the treemap and the reports: float32 blue, float16 teal,
// bfloat16 green, float64 red, int8 orange, uint8 yellow, int4/uint4 mauve, int32/int64 brown, everything else
// grey. Chosen to read on both light and dark backgrounds.
QColor dtypeColour(std::string_view dtype);
QColor dtypeColour(core::model::DataType dtype);
/// The grey of every dtype without a colour of its own.
QColor otherDtypeColour();
/// The type's name as ONNX spells it ("float32"), for display.
QString dtypeText(core::model::DataType dtype);

// The one palette of finding severities (Findings table, Summary): high red, medium amber, low blue, info grey.
QColor severityColour(core::analysis::Severity severity);

} // namespace slimscope::ui
