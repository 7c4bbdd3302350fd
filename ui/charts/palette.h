#pragma once

#include <QColor>

#include <string_view>

namespace slimscope::ui {

// Stable colours per dtype, shared by the dtype chart and the treemap: float32 blue, float16 teal, int8 orange,
// float64 red, everything else grey. Chosen to read on both light and dark backgrounds.
QColor dtypeColour(std::string_view dtype);

} // namespace slimscope::ui
