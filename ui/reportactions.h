#pragma once

#include "analysisjob.h"
#include "report/report.h"
#include "support/error.h"
#include "support/output.h"

#include <QString>

#include <filesystem>
#include <string>
#include <vector>

class QTabWidget;
class QTextBrowser;
class QWidget;

namespace slimscope::ui {

/// Writes a report in `format` ("html", "pdf", "md" with the chart PNGs beside it, "json", "csv"; empty: the
/// one the extension names) through the output module (`-` is standard output), refusing any of `inputs`. Charts
/// are rendered by the chart widgets: runs in the GUI thread (or the CLI's offscreen application).
core::Result<void> writeReportFile(const std::filesystem::path& path, const core::report::ReportInput& input,
    std::string format = {}, const std::vector<core::InputFile>& inputs = {});

/// File > Export Report…: asks for a file and writes the report of `input`. Returns a status-bar message, or an
/// empty string when the user cancelled; errors are shown in a message box.
QString exportReportWithDialog(QWidget* parent, const core::report::ReportInput& input);

/// File > Compare With…: asks for a second model, analyses it in the background and shows the comparison with
/// `analysis` as HTML in a "Compare" tab of `views` (created on first use, reused after).
void compareWithDialog(QTabWidget* views, const AnalysisPtr& analysis);

/// The comparison with the model at `path` without the dialog; returns the "Compare" tab's browser, which shows
/// "Analysing…" until the background job delivers the comparison (or its error).
QTextBrowser* compareWith(QTabWidget* views, const AnalysisPtr& analysis, const QString& path);

} // namespace slimscope::ui
