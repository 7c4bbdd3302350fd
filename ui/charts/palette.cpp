#include "palette.h"

#include <array>
#include <utility>

namespace slimscope::ui {

QColor dtypeColour(core::model::DataType dtype)
{
    return dtypeColour(core::model::dataTypeName(dtype));
}

QString dtypeText(core::model::DataType dtype)
{
    const std::string_view name = core::model::dataTypeName(dtype);
    return QString::fromUtf8(name.data(), static_cast<qsizetype>(name.size()));
}

QColor otherDtypeColour()
{
    return QColor(0x8c, 0x8c, 0x8c);
}

QColor dtypeColour(std::string_view dtype)
{
    static const std::array<std::pair<std::string_view, QColor>, 10> colours { {
        { "float32", QColor(0x4e, 0x79, 0xa7) },
        { "float16", QColor(0x2a, 0x9d, 0x8f) },
        { "bfloat16", QColor(0x59, 0xa1, 0x4f) },
        { "float64", QColor(0xe1, 0x57, 0x59) },
        { "int8", QColor(0xf2, 0x8e, 0x2b) },
        { "uint8", QColor(0xed, 0xc9, 0x48) },
        { "int4", QColor(0xb0, 0x7a, 0xa1) },
        { "uint4", QColor(0xd3, 0x9e, 0xc4) },
        { "int32", QColor(0x9c, 0x75, 0x5f) },
        { "int64", QColor(0x7f, 0x5a, 0x45) },
    } };
    for (const auto& [name, colour] : colours)
        if (name == dtype)
            return colour;
    return otherDtypeColour();
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
