#pragma once

#include "report/report.h"
#include "support/error.h"

#include <QString>

namespace slimscope::ui {

/// Writes the review report as an A4 PDF (atomically): identity and summary, findings, the charts as vector
/// graphics, top layers, the full per-layer table (its header repeated on every page), the slimming preview,
/// recipe and verification when given, and page numbers. Needs a QApplication (offscreen is fine).
core::Result<void> writeReportPdf(const QString& path, const core::report::ReportInput& input);

} // namespace slimscope::ui
