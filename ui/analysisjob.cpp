#include "analysisjob.h"

#include <QElapsedTimer>
#include <QMetaObject>
#include <QPointer>
#include <QtConcurrent/QtConcurrentRun>

#include <atomic>
#include <mutex>

namespace slimscope::ui {

struct AnalysisJob::Run {
    quint64 generation = 0;
    core::CancelToken cancel;
    std::mutex throttleMutex;
    QElapsedTimer sinceReport;
};

AnalysisJob::AnalysisJob(QObject* parent)
    : QObject(parent)
{ }

AnalysisJob::~AnalysisJob()
{
    // Cancel and wait: the worker must not outlive the objects it reports to.
    cancel();
    if (m_watcher)
        m_watcher->waitForFinished();
}

bool AnalysisJob::isRunning() const
{
    return m_watcher && m_watcher->isRunning();
}

void AnalysisJob::cancel()
{
    if (m_run)
        m_run->cancel.cancel();
}

void AnalysisJob::start(const QString& path)
{
    cancel();
    if (m_watcher) {
        // The old watcher keeps running to completion on its own; its result is ignored by generation.
        m_watcher->disconnect(this);
        connect(m_watcher, &QFutureWatcherBase::finished, m_watcher, &QObject::deleteLater);
        m_watcher = nullptr;
    }
    auto run = std::make_shared<Run>();
    run->generation = ++m_generation;
    run->sinceReport.start();
    m_run = run;

    QPointer<AnalysisJob> self(this);
    const std::string file = path.toStdString();
    core::Progress progress([run, self](std::string_view stage, double fraction) {
        {
            std::lock_guard lock(run->throttleMutex);
            if (run->sinceReport.elapsed() < 100 && fraction < 1.0)
                return;
            run->sinceReport.restart();
        }
        const QString stageText = QString::fromUtf8(stage.data(), static_cast<qsizetype>(stage.size()));
        QMetaObject::invokeMethod(
            self.data(),
            [self, run, stageText, fraction] {
                if (self && self->m_run == run)
                    emit self->progressChanged(stageText, fraction);
            },
            Qt::QueuedConnection);
    });

    m_watcher = new QFutureWatcher<core::Result<AnalysisPtr>>(this);
    connect(m_watcher, &QFutureWatcherBase::finished, this, &AnalysisJob::onFinished);
    m_watcher->setFuture(QtConcurrent::run([file, run, progress, self]() -> core::Result<AnalysisPtr> {
        progress.report("loading", 0.0);
        auto loaded = core::model::ModelFile::load(file, &run->cancel);
        if (!loaded)
            return std::unexpected(loaded.error());
        // Deliver the model's identity at once, so the window can show it while the statistics run.
        std::shared_ptr<const core::model::ModelFile> model = *loaded;
        QMetaObject::invokeMethod(
            self.data(),
            [self, run, model] {
                if (self && self->m_run == run && !run->cancel.isCancelled())
                    emit self->modelLoaded(model);
            },
            Qt::QueuedConnection);
        return core::analysis::analyze(model, progress, &run->cancel);
    }));
}

void AnalysisJob::onFinished()
{
    auto* watcher = m_watcher;
    m_watcher = nullptr;
    watcher->deleteLater();
    const auto result = watcher->result();
    // A cancel that came after the core's last check still means "do not open this model".
    const bool cancelled = m_run && m_run->cancel.isCancelled();
    if (result && !cancelled)
        emit finished(*result);
    else if (cancelled || result.error().code == core::ErrorCode::Cancelled)
        emit failed(tr("Cancelled."));
    else
        emit failed(QString::fromStdString(result.error().message));
}

} // namespace slimscope::ui
