#include "previewjob.h"

#include <QFutureWatcher>
#include <QPointer>
#include <QtConcurrent/QtConcurrentRun>

namespace slimscope::ui {

struct PreviewJob::Run {
    quint64 generation = 0;
    core::CancelToken cancel;
};

PreviewJob::PreviewJob(QObject* parent)
    : QObject(parent)
{ }

PreviewJob::~PreviewJob()
{
    cancel();
    // Wait for workers, so that none outlives the objects it reports to.
    const auto watchers = findChildren<QFutureWatcherBase*>();
    for (auto* watcher : watchers)
        watcher->waitForFinished();
}

bool PreviewJob::isRunning() const
{
    return m_running > 0;
}

void PreviewJob::cancel()
{
    if (m_run)
        m_run->cancel.cancel();
}

void PreviewJob::start(const AnalysisPtr& analysis, const core::slim::Recipe& recipe)
{
    cancel();
    auto run = std::make_shared<Run>();
    run->generation = ++m_generation;
    m_run = run;
    using Outcome = core::Result<SlimResultPtr>;
    auto* watcher = new QFutureWatcher<Outcome>(this);
    ++m_running;
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, run] {
        --m_running;
        watcher->deleteLater();
        if (run != m_run)
            return; // a newer request superseded this one
        const Outcome outcome = watcher->result();
        if (outcome)
            emit finished(*outcome);
        else if (outcome.error().code != core::ErrorCode::Cancelled)
            emit failed(QString::fromStdString(outcome.error().message));
    });
    watcher->setFuture(QtConcurrent::run([analysis, recipe, run]() -> Outcome {
        auto result = core::slim::applyRecipe(analysis->modelFile, recipe, {}, &run->cancel, analysis.get());
        if (!result)
            return std::unexpected(result.error());
        return std::make_shared<const core::slim::SlimResult>(std::move(*result));
    }));
}

} // namespace slimscope::ui
