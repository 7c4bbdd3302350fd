#include "reports/reportactions.h"

#include "jobs/jobrunner.h"
#include "reports/reportcharts.h"
#include "reports/reportpdf.h"

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
CompareResult compareInBackground(const AnalysisPtr& a, const std::string& path, const JobContext& job)
{
    const auto b = core::analysis::analyzeFile(path, job.progress(), job.cancel());
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
        auto* runner = new JobRunner(browser);
        runner->setObjectName(QStringLiteral("compareJob"));
        // While a comparison runs, the page offers a "Cancel" link.
        QObject::connect(browser, &QTextBrowser::anchorClicked, runner, [runner](const QUrl& url) {
            if (url.toString() == QStringLiteral("slimscope:cancel"))
                runner->cancel();
        });
        QObject::connect(runner, &JobRunner::progressChanged, browser, [browser, runner](const QString& stage) {
            browser->setHtml(QStringLiteral("<p>%1: %2</p><p><a href='slimscope:cancel'>%3</a></p>")
                                 .arg(runner->title().toHtmlEscaped(), stage.toHtmlEscaped(), QObject::tr("Cancel")));
        });
        views->addTab(browser, QObject::tr("Compare"));
    }
    return browser;
}

} // namespace

core::Result<PreparedReport> prepareReport(const std::filesystem::path& path, const core::report::ReportInput& input,
    std::string format, const std::vector<core::InputFile>& inputs)
{
    if (format.empty())
        format = core::report::reportFormatFor(path);
    if (format.empty())
        return core::fail(core::ErrorCode::InvalidArgument,
            path.string() + ": unknown report format (use .html, .pdf, .md, .json or .csv)");
    if (format != "pdf" && format != "json" && format != "csv" && format != "md" && format != "html")
        return core::fail(core::ErrorCode::InvalidArgument, "unknown report format '" + format + "'");
    auto output = core::Output::open(path, inputs);
    if (!output)
        return std::unexpected(output.error());
    PreparedReport prepared { format, {}, {}, std::move(*output) };
    if (format == "pdf")
        prepared.pdfCharts = recordPdfCharts(input, false);
    else if (format == "html")
        prepared.charts = renderReportCharts(input, { 960, 480 }, path.stem().string(), false);
    else if (format == "md" && prepared.output->isRegularFile()) // a stream has no "beside" for the pictures
        prepared.charts
            = renderReportCharts(input, { 960, 480 }, prepared.output->destination().stem().string(), false);
    return prepared;
}

core::Result<void> writePreparedReport(
    PreparedReport& prepared, const core::report::ReportInput& input, const std::vector<core::InputFile>& inputs)
{
    const auto done = [](const core::Result<std::uint64_t>& written) -> core::Result<void> {
        if (!written)
            return std::unexpected(written.error());
        return {};
    };
    if (!prepared.output)
        return core::fail(core::ErrorCode::Internal, "the report's output is not open");
    core::Output& output = *prepared.output;
    // The graph's picture runs Graphviz's dot: here, in the worker, not while the charts were drawn in the GUI
    // thread.
    if (prepared.format == "pdf") {
        if (auto graph = reportGraphImage(input))
            prepared.pdfCharts.push_back({ reportGraphTitle(), QPicture(), std::move(*graph) });
    } else if (prepared.format == "html" || (prepared.format == "md" && output.isRegularFile())) {
        if (auto graph = reportGraphChart(input, output.destination().stem().string()))
            prepared.charts.push_back(std::move(*graph));
    }
    if (prepared.format == "pdf") {
        auto pdf = renderReportPdf(input, prepared.pdfCharts);
        if (!pdf)
            return std::unexpected(pdf.error());
        return done(output.write(std::string_view(pdf->constData(), static_cast<std::size_t>(pdf->size()))));
    }
    std::ostringstream text;
    if (prepared.format == "json") {
        core::report::writeReportJson(text, input);
    } else if (prepared.format == "csv") {
        core::report::writeReportCsv(text, input);
    } else if (prepared.format == "md") {
        for (const auto& chart : prepared.charts)
            if (auto written
                = core::writeOutput(output.destination().parent_path() / chart.fileName, chart.png, inputs);
                !written)
                return done(written);
        core::report::writeReportMarkdown(text, input, prepared.charts);
    } else {
        core::report::writeReportHtml(text, input, prepared.charts);
    }
    return done(output.write(text.str()));
}

core::Result<void> writeReportFile(const std::filesystem::path& path, const core::report::ReportInput& input,
    std::string format, const std::vector<core::InputFile>& inputs)
{
    auto prepared = prepareReport(path, input, std::move(format), inputs);
    if (!prepared)
        return std::unexpected(prepared.error());
    return writePreparedReport(*prepared, input, inputs);
}

void exportReportWithDialog(QWidget* parent, const ReportSources& sources, const std::function<void(QString)>& done)
{
    if (!sources.analysis)
        return;
    const QString suggested = QFileInfo(QString::fromStdString(sources.analysis->model.path)).completeBaseName()
        + QStringLiteral("_report.html");
    QString path = QFileDialog::getSaveFileName(parent, QObject::tr("Export Report"), suggested,
        QObject::tr("HTML (*.html);;PDF (*.pdf);;Markdown (*.md);;JSON (*.json);;CSV (*.csv)"));
    if (path.isEmpty())
        return;
    if (QFileInfo(path).suffix().isEmpty())
        path += QStringLiteral(".html");
    writeReportInBackground(parent, sources, path, done);
}

JobRunner* writeReportInBackground(
    QObject* owner, const ReportSources& sources, const QString& path, const std::function<void(QString)>& done)
{
    if (!sources.analysis)
        return nullptr;
    auto* runner = owner->findChild<JobRunner*>(QStringLiteral("reportJob"), Qt::FindDirectChildrenOnly);
    if (!runner) {
        runner = new JobRunner(owner);
        runner->setObjectName(QStringLiteral("reportJob"));
    }
    // The sources are shared: the worker keeps what it reads alive, whatever the window does meanwhile.
    auto input = std::make_shared<core::report::ReportInput>();
    input->analysis = sources.analysis;
    if (sources.preview && sources.recipe) {
        input->recipe = sources.recipe.get();
        input->preview = &sources.preview->preview;
    }
    input->sensitivity = sources.sensitivity.get();
    input->generatedAt = QDateTime::currentDateTimeUtc().toString(Qt::ISODate).toStdString();
    const auto inputs
        = sources.analysis->modelFile ? sources.analysis->modelFile->inputFiles() : std::vector<core::InputFile> {};
    // Charts are drawn by widgets, so they are made here, in the GUI thread; the document is written in a worker.
    auto prepared = prepareReport(path.toStdString(), *input, {}, inputs);
    const auto fail = [parent = qobject_cast<QWidget*>(owner)](const QString& message) {
        QMessageBox::warning(
            parent, QObject::tr("Export Report"), QObject::tr("Could not write the report: %1").arg(message));
    };
    if (!prepared) {
        fail(QString::fromStdString(prepared.error().message));
        return runner;
    }
    auto shared = std::make_shared<PreparedReport>(std::move(*prepared));
    runner->start<bool>(
        QObject::tr("Writing %1").arg(QDir::toNativeSeparators(path)),
        [shared, input, inputs, sources](const JobContext&) -> core::Result<bool> {
            if (auto written = writePreparedReport(*shared, *input, inputs); !written)
                return std::unexpected(written.error());
            return true;
        },
        [done, fail, path](core::Result<bool> result) {
            if (!result && result.error().code == core::ErrorCode::Cancelled)
                done(QObject::tr("Report cancelled; nothing was written to %1").arg(QDir::toNativeSeparators(path)));
            else if (!result)
                fail(QString::fromStdString(result.error().message));
            else
                done(QObject::tr("Report written to %1").arg(QDir::toNativeSeparators(path)));
        });
    return runner;
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
    // A newer comparison replaces an older one still running: the runner drops the older result.
    auto* runner = browser->findChild<JobRunner*>(QStringLiteral("compareJob"));
    const QString title = QObject::tr("Analysing %1").arg(QDir::toNativeSeparators(path));
    browser->setHtml(QStringLiteral("<p>%1…</p><p><a href='slimscope:cancel'>%2</a></p>")
                         .arg(title.toHtmlEscaped(), QObject::tr("Cancel")));
    views->setCurrentWidget(browser);
    QPointer<QTextBrowser> target(browser);
    runner->start<std::string>(
        title,
        [analysis, file = path.toStdString()](
            const JobContext& job) { return compareInBackground(analysis, file, job); },
        [target, path](CompareResult result) {
            if (!target)
                return;
            if (result)
                target->setHtml(QString::fromStdString(*result));
            else if (result.error().code == core::ErrorCode::Cancelled)
                target->setPlainText(QObject::tr("Comparison with %1 cancelled.").arg(QDir::toNativeSeparators(path)));
            else
                target->setPlainText(
                    QObject::tr("Could not compare with %1: %2")
                        .arg(QDir::toNativeSeparators(path), QString::fromStdString(result.error().message)));
        });
    return browser;
}

} // namespace slimscope::ui
