#pragma once

#include "report/report.h"
#include "support/error.h"

#include <QByteArray>
#include <QString>

namespace slimscope::ui {

/// The review report as an A4 PDF: identity and summary, findings, the charts as vector graphics, top layers, the
/// full per-layer table (its header repeated on every page), the slimming preview, recipe and verification when
/// given, and page numbers. Needs a QApplication (offscreen is fine). The bytes go out through the output module.
core::Result<QByteArray> renderReportPdf(const core::report::ReportInput& input);

/// renderReportPdf() written to `path` through the output module (support/output.h).
core::Result<void> writeReportPdf(const QString& path, const core::report::ReportInput& input);

} // namespace slimscope::ui
