#pragma once

#include "report/report.h"
#include "support/error.h"

#include <QByteArray>
#include <QImage>
#include <QPicture>
#include <QString>

#include <string>
#include <vector>

namespace slimscope::ui {

/// A report chart recorded as vector drawing commands, ready to be played into a PDF in any thread.
struct PdfChart {
    std::string title;
    QPicture picture;
    QImage image; ///< a picture of its own size instead (the graph), scaled to the text width
};

/// Records the report's charts for the PDF. The chart widgets draw them: call it in the GUI thread.
std::vector<PdfChart> recordPdfCharts(const core::report::ReportInput& input, bool withGraph = true);

/// The PDF with charts recorded beforehand; touches no widget, so it runs in a worker thread.
core::Result<QByteArray> renderReportPdf(const core::report::ReportInput& input, const std::vector<PdfChart>& charts);

/// The review report as an A4 PDF: identity and summary, findings, the charts as vector graphics, top layers, the
/// full per-layer table (its header repeated on every page), the slimming preview, recipe and verification when
/// given, and page numbers. Needs a QApplication (offscreen is fine). The bytes go out through the output module.
core::Result<QByteArray> renderReportPdf(const core::report::ReportInput& input);

/// renderReportPdf() written to `path` through the output module (support/output.h).
core::Result<void> writeReportPdf(const QString& path, const core::report::ReportInput& input);

} // namespace slimscope::ui
