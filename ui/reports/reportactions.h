#pragma once

#include "plan/sensitivity.h"

#include "jobs/jobrunner.h"
#include "modelptrs.h"
#include "report/report.h"
#include "reports/reportpdf.h"
#include "support/error.h"
#include "support/output.h"

#include <QString>

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

class QTabWidget;
class QTextBrowser;
class QWidget;

namespace slimscope::ui {

/// A report whose charts are drawn (they need the chart widgets, so the GUI thread) and whose output is open,
/// ready to be written from any thread.
struct PreparedReport {
    std::string format; ///< "html", "pdf", "md", "json", "csv"
    std::vector<core::report::ChartImage> charts; ///< PNG charts of HTML and Markdown
    std::vector<PdfChart> pdfCharts;
    std::optional<core::Output> output;
};

/// Resolves the format (empty: the one the extension names), opens the output through the output module (`-` is
/// standard output), refusing any of `inputs`, and draws the charts. GUI thread (or the CLI's offscreen application).
core::Result<PreparedReport> prepareReport(const std::filesystem::path& path, const core::report::ReportInput& input,
    std::string format = {}, const std::vector<core::InputFile>& inputs = {});
/// Writes the document (and a Markdown report's chart PNGs beside it); any thread.
core::Result<void> writePreparedReport(
    PreparedReport& prepared, const core::report::ReportInput& input, const std::vector<core::InputFile>& inputs = {});

/// prepareReport() and writePreparedReport() in one go, in the calling thread (the CLI).
core::Result<void> writeReportFile(const std::filesystem::path& path, const core::report::ReportInput& input,
    std::string format = {}, const std::vector<core::InputFile>& inputs = {});

/// What the GUI's report is made of, held shared so that a report written in the background keeps it alive.
struct ReportSources {
    AnalysisPtr analysis;
    std::shared_ptr<const core::slim::Recipe> recipe;
    SlimResultPtr preview;
    std::shared_ptr<const core::plan::Sensitivity> sensitivity; ///< the Sensitivity view's, when it measured this model
};

/// File > Export Report…: asks for a file and writes the report in the background (writeReportInBackground).
void exportReportWithDialog(QWidget* parent, const ReportSources& sources, const std::function<void(QString)>& done);

/// Writes the report of `sources` to `path`: charts now, the document in a worker of the JobRunner "reportJob"
/// (a child of `owner`, created on first use, which it returns). `done` gets a status-bar message, also when
/// cancelled; errors are shown in a message box.
JobRunner* writeReportInBackground(
    QObject* owner, const ReportSources& sources, const QString& path, const std::function<void(QString)>& done);

/// File > Compare With…: asks for a second model, analyses it in the background and shows the comparison with
/// `analysis` as HTML in a "Compare" tab of `views` (created on first use, reused after).
void compareWithDialog(QTabWidget* views, const AnalysisPtr& analysis);

/// The comparison with the model at `path` without the dialog; returns the "Compare" tab's browser, which shows
/// "Analysing…" until the background job delivers the comparison (or its error).
QTextBrowser* compareWith(QTabWidget* views, const AnalysisPtr& analysis, const QString& path);

} // namespace slimscope::ui
