#include "palette.h"

namespace slimscope::ui {

QColor dtypeColour(std::string_view dtype)
{
    if (dtype == "float32")
        return QColor(0x35, 0x74, 0xc4);
    if (dtype == "float16")
        return QColor(0x1a, 0x9c, 0x94);
    if (dtype == "int8")
        return QColor(0xe8, 0x83, 0x3a);
    if (dtype == "float64")
        return QColor(0xd0, 0x41, 0x3c);
    return QColor(0x8c, 0x8c, 0x8c);
}

} // namespace slimscope::ui
