#include "reportactions.h"

#include "reportcharts.h"
#include "reportpdf.h"

#include "report/compare.h"
#include "support/output.h"

#include <QDateTime>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QMessageBox>
#include <QPointer>
#include <QTabWidget>
#include <QTextBrowser>
#include <QtConcurrent>

#include <sstream>

namespace slimscope::ui {

namespace {

using CompareResult = core::Result<std::string>;

/// The comparison of `a` with the model at `path` as one HTML page (runs in a worker thread).
CompareResult compareInBackground(const AnalysisPtr& a, const std::string& path)
{
    const auto b = core::analysis::analyzeFile(path);
    if (!b)
        return std::unexpected(b.error());
    const auto comparison = core::report::compareModels(*a, **b);
    if (!comparison)
        return std::unexpected(comparison.error());
    std::ostringstream html;
    core::report::writeComparisonHtml(html, *comparison);
    return html.str();
}

QTextBrowser* compareTab(QTabWidget* views)
{
    auto* browser = views->findChild<QTextBrowser*>(QStringLiteral("compareView"));
    if (!browser) {
        browser = new QTextBrowser(views);
        browser->setObjectName(QStringLiteral("compareView"));
        browser->setOpenLinks(false);
        views->addTab(browser, QObject::tr("Compare"));
    }
    return browser;
}

} // namespace

core::Result<void> writeReportFile(const std::filesystem::path& path, const core::report::ReportInput& input,
    std::string format, const std::vector<core::InputFile>& inputs)
{
    if (format.empty())
        format = core::report::reportFormatFor(path);
    if (format.empty())
        return core::fail(core::ErrorCode::InvalidArgument,
            path.string() + ": unknown report format (use .html, .pdf, .md, .json or .csv)");
    auto output = core::Output::open(path, inputs);
    if (!output)
        return std::unexpected(output.error());
    const auto done = [](const core::Result<std::uint64_t>& written) -> core::Result<void> {
        if (!written)
            return std::unexpected(written.error());
        return {};
    };
    if (format == "pdf") {
        auto pdf = renderReportPdf(input);
        if (!pdf)
            return std::unexpected(pdf.error());
        return done(output->write(std::string_view(pdf->constData(), static_cast<std::size_t>(pdf->size()))));
    }
    std::ostringstream text;
    if (format == "json") {
        core::report::writeReportJson(text, input);
    } else if (format == "csv") {
        core::report::writeReportCsv(text, input);
    } else if (format == "md") {
        // The pictures go beside a Markdown file; a stream or device has no "beside", so it gets the text alone.
        std::vector<core::report::ChartImage> charts;
        if (output->isRegularFile()) {
            const auto& destination = output->destination();
            charts = renderReportCharts(input, { 960, 480 }, destination.stem().string());
            for (const auto& chart : charts)
                if (auto written = core::writeOutput(destination.parent_path() / chart.fileName, chart.png, inputs);
                    !written)
                    return done(written);
        }
        core::report::writeReportMarkdown(text, input, charts);
    } else if (format == "html") {
        core::report::writeReportHtml(text, input, renderReportCharts(input, { 960, 480 }, path.stem().string()));
    } else {
        return core::fail(core::ErrorCode::InvalidArgument, "unknown report format '" + format + "'");
    }
    return done(output->write(text.str()));
}

QString exportReportWithDialog(QWidget* parent, const core::report::ReportInput& input)
{
    if (!input.analysis)
        return {};
    const QString suggested = QFileInfo(QString::fromStdString(input.analysis->model.path)).completeBaseName()
        + QStringLiteral("_report.html");
    QString path = QFileDialog::getSaveFileName(parent, QObject::tr("Export Report"), suggested,
        QObject::tr("HTML (*.html);;PDF (*.pdf);;Markdown (*.md);;JSON (*.json);;CSV (*.csv)"));
    if (path.isEmpty())
        return {};
    if (QFileInfo(path).suffix().isEmpty())
        path += QStringLiteral(".html");
    core::report::ReportInput withTime = input;
    withTime.generatedAt = QDateTime::currentDateTimeUtc().toString(Qt::ISODate).toStdString();
    const auto inputs
        = input.analysis->modelFile ? input.analysis->modelFile->inputFiles() : std::vector<core::InputFile> {};
    if (auto written = writeReportFile(path.toStdString(), withTime, {}, inputs); !written) {
        QMessageBox::warning(parent, QObject::tr("Export Report"),
            QObject::tr("Could not write the report: %1").arg(QString::fromStdString(written.error().message)));
        return {};
    }
    return QObject::tr("Report written to %1").arg(QDir::toNativeSeparators(path));
}

void compareWithDialog(QTabWidget* views, const AnalysisPtr& analysis)
{
    if (!analysis)
        return;
    const QString path = QFileDialog::getOpenFileName(
        views, QObject::tr("Compare With"), QString(), QObject::tr("ONNX models (*.onnx);;All files (*)"));
    if (!path.isEmpty())
        compareWith(views, analysis, path);
}

QTextBrowser* compareWith(QTabWidget* views, const AnalysisPtr& analysis, const QString& path)
{
    if (!analysis)
        return nullptr;
    QTextBrowser* browser = compareTab(views);
    // A newer comparison replaces an older one still running: the older result is dropped when it arrives.
    const int generation = browser->property("compareGeneration").toInt() + 1;
    browser->setProperty("compareGeneration", generation);
    browser->setPlainText(QObject::tr("Analysing %1…").arg(QDir::toNativeSeparators(path)));
    views->setCurrentWidget(browser);
    auto* watcher = new QFutureWatcher<CompareResult>(browser);
    QPointer<QTextBrowser> target(browser);
    QObject::connect(watcher, &QFutureWatcherBase::finished, browser, [watcher, target, path, generation] {
        const CompareResult result = watcher->result();
        watcher->deleteLater();
        if (!target || target->property("compareGeneration").toInt() != generation)
            return;
        if (result)
            target->setHtml(QString::fromStdString(*result));
        else
            target->setPlainText(
                QObject::tr("Could not compare with %1: %2")
                    .arg(QDir::toNativeSeparators(path), QString::fromStdString(result.error().message)));
    });
    watcher->setFuture(QtConcurrent::run(compareInBackground, analysis, path.toStdString()));
    return browser;
}

} // namespace slimscope::ui
