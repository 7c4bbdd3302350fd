#include "error.h"

namespace slimscope::core {

const char* severityName(Diagnostic::Severity severity)
{
    switch (severity) {
    case Diagnostic::Severity::Info:
        return "info";
    case Diagnostic::Severity::Warning:
        return "warning";
    case Diagnostic::Severity::Error:
        return "error";
    }
    return "warning";
}

} // namespace slimscope::core
