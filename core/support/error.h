#pragma once

#include <expected>
#include <string>
#include <vector>

namespace slimscope::core {

/// What went wrong, in categories a caller can act on (the CLI maps them to exit codes, the UI to icons).
enum class ErrorCode {
    NotFound,
    PermissionDenied,
    IoError,
    InvalidModel,
    TooLarge,
    UnsafePath,
    Unsupported,
    Cancelled,
    InvalidArgument,
    /// The request would destroy something (an output that is an input): the CLI's usage status, nothing written.
    Refused,
    Internal,
};

/// An error with a message that gains context as it travels up, e.g.
/// "tensor 'conv1.weight': external data 'w.bin' ends at 4096, file has 1024 bytes".
struct Error {
    ErrorCode code = ErrorCode::Internal;
    std::string message;

    /// Prefixes context ("graph 'main'", "tensor 'x'") to the message, innermost last.
    Error& withContext(const std::string& context)
    {
        message = context + ": " + message;
        return *this;
    }
};

template <class T> using Result = std::expected<T, Error>;

inline std::unexpected<Error> fail(ErrorCode code, std::string message)
{
    return std::unexpected<Error>(Error { code, std::move(message) });
}

/// A per-item problem that does not stop the job (shape inference of one node, an IR version newer than
/// the ONNX library knows). Shown to the user, never silently dropped.
struct Diagnostic {
    enum class Severity { Info, Warning, Error };
    Severity severity = Severity::Warning;
    std::string subject; ///< tensor or node name, or empty for the model
    std::string message;
};

using Diagnostics = std::vector<Diagnostic>;

const char* severityName(Diagnostic::Severity severity);

} // namespace slimscope::core
