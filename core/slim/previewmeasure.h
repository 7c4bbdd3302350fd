#pragma once

// How a preview is measured once the steps ran: totals by dtype, the exact file size, and one row per
// original weight with its error (measured by its step, or compared element by element). Internal to core/slim.

#include "slimmer.h"
#include "stepregistry.h"

#include <map>
#include <string>

namespace slimscope::core::slim {

/// Params and weight bytes counted as the analysis counts them: initializers, sparse initializers (stored
/// values) and Constant values in every graph.
struct Totals {
    std::uint64_t params = 0;
    std::uint64_t bytes = 0;
    std::map<std::string, std::uint64_t> byDtype;
};
Totals measure(WorkingModel& model);
std::vector<DtypeBytes> sortedDtypes(const std::map<std::string, std::uint64_t>& byDtype);

/// One row per original initializer (and sparse initializer) of every graph. `measured` holds the errors
/// steps measured against the original values; the other changed tensors are compared element by element
/// (on a sample with options.sampleErrors). A changed shape with no measured error becomes a diagnostic.
std::vector<TensorChange> describeChanges(const model::ModelFile& file, WorkingModel& model,
    const std::map<std::string, MeasuredError>& measured, const std::map<std::string, StoredAs>& storedAs,
    const ApplyOptions& options, Diagnostics& diagnostics, const CancelToken* cancel);

} // namespace slimscope::core::slim
