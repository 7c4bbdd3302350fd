#pragma once

#include "support/error.h"
#include "support/progress.h"
#include "workingmodel.h"

#include <filesystem>

namespace slimscope::core::slim {

struct ExportOptions {
    /// Store weight payloads of at least `externalThreshold` bytes in one file next to the model
    /// (`<model file name>.data`). Forced on when the model would exceed protobuf's 2 GiB limit.
    bool externalData = false;
    std::uint64_t externalThreshold = 1024;
    /// Run onnx::checker::check_model on the result (skipped, with a diagnostic, for IR versions newer than the
    /// ONNX library knows). A failure removes the written files and is an error.
    bool check = true;
};

struct ExportResult {
    std::filesystem::path path;
    std::uint64_t fileBytes = 0;
    std::filesystem::path externalPath; ///< empty without external data
    std::uint64_t externalBytes = 0;
    Diagnostics diagnostics;
};

/// Writes the working model through the one output module (support/output.h): a regular or new file atomically
/// (temporary file in the target folder, fsync, rename), a device or FIFO written through, `-` to standard
/// output. Refuses (ErrorCode::Refused) to write over the input model or its external data, and external data for
/// an output that is not a regular file. On failure or cancel nothing is left behind and the working model is
/// unchanged. `fileBytes` counts the bytes written, whatever the output is.
Result<ExportResult> exportModel(WorkingModel& model, const std::filesystem::path& target,
    const ExportOptions& options = {}, const CancelToken* cancel = nullptr);

/// The model serialized in memory (tests and small models; no external data).
Result<std::string> serializeToString(WorkingModel& model);

} // namespace slimscope::core::slim
