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

QColor severityColour(core::analysis::Severity severity)
{
    switch (severity) {
    case core::analysis::Severity::High:
        return QColor(0xd9, 0x53, 0x4f);
    case core::analysis::Severity::Medium:
        return QColor(0xf0, 0xad, 0x4e);
    case core::analysis::Severity::Low:
        return QColor(0x5b, 0xc0, 0xde);
    case core::analysis::Severity::Info:
        break;
    }
    return QColor(0x99, 0x99, 0x99);
}

} // namespace slimscope::ui
