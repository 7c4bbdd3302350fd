#include "reportactions.h"

#include "reportcharts.h"
#include "reportpdf.h"

#include "report/compare.h"
#include "support/atomicfile.h"

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

core::Result<void> writeReportFile(const std::filesystem::path& path, const core::report::ReportInput& input)
{
    std::string extension = path.extension().string();
    for (char& c : extension)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::ostringstream text;
    if (extension == ".pdf")
        return writeReportPdf(QString::fromStdString(path.string()), input);
    if (extension == ".json") {
        core::report::writeReportJson(text, input);
    } else if (extension == ".csv") {
        core::report::writeReportCsv(text, input);
    } else if (extension == ".md" || extension == ".markdown") {
        const auto charts = renderReportCharts(input, { 960, 480 }, path.stem().string());
        for (const auto& chart : charts)
            if (auto written = core::writeFileAtomically(path.parent_path() / chart.fileName, chart.png); !written)
                return written;
        core::report::writeReportMarkdown(text, input, charts);
    } else if (extension == ".html" || extension == ".htm") {
        core::report::writeReportHtml(text, input, renderReportCharts(input, { 960, 480 }, path.stem().string()));
    } else {
        return core::fail(core::ErrorCode::InvalidArgument,
            path.string() + ": unknown report format (use .html, .pdf, .md, .json or .csv)");
    }
    return core::writeFileAtomically(path, text.str());
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
    if (auto written = writeReportFile(path.toStdString(), withTime); !written) {
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
