#include "jobrunner.h"

#include <QElapsedTimer>
#include <QMetaObject>
#include <QPointer>

#include <mutex>

namespace slimscope::ui {

struct JobRunner::Run {
    quint64 generation = 0;
    std::shared_ptr<core::CancelToken> cancel = std::make_shared<core::CancelToken>();
    std::mutex throttleMutex;
    QElapsedTimer sinceReport;
};

JobRunner::JobRunner(QObject* parent)
    : QObject(parent)
{ }

JobRunner::~JobRunner()
{
    cancel();
    const auto watchers = findChildren<QFutureWatcherBase*>();
    for (auto* watcher : watchers)
        watcher->waitForFinished();
}

void JobRunner::cancel()
{
    if (m_current)
        m_current->cancel->cancel();
}

std::shared_ptr<JobRunner::Run> JobRunner::begin(const QString& title, JobContext& context)
{
    cancel(); // the previous job stops early; its result is dropped by generation when it arrives
    auto run = std::make_shared<Run>();
    run->generation = ++m_generation;
    run->sinceReport.start();
    m_current = run;
    m_title = title;
    m_state = JobState::Running;
    emit stateChanged(m_state);

    QPointer<JobRunner> self(this);
    // Progress comes from worker threads: at most about ten reports a second reach the GUI thread, each only
    // while its job is still the current one.
    context.m_progress = core::Progress([run, self](std::string_view stage, double fraction) {
        {
            std::lock_guard lock(run->throttleMutex);
            if (run->sinceReport.elapsed() < 100 && fraction < 1.0)
                return;
            run->sinceReport.restart();
        }
        const QString text = QString::fromUtf8(stage.data(), static_cast<qsizetype>(stage.size()));
        QMetaObject::invokeMethod(
            self.data(),
            [self, run, text, fraction] {
                if (self && self->m_current == run && !run->cancel->isCancelled())
                    emit self->progressChanged(text, fraction);
            },
            Qt::QueuedConnection);
    });
    context.m_cancel = run->cancel;
    context.m_post = [run, self](std::function<void()> fn) {
        QMetaObject::invokeMethod(
            self.data(),
            [self, run, fn = std::move(fn)] {
                if (self && self->m_current == run && !run->cancel->isCancelled())
                    fn();
            },
            Qt::QueuedConnection);
    };
    return run;
}

bool JobRunner::end(const std::shared_ptr<Run>& run, bool succeeded, bool cancelled)
{
    if (run != m_current)
        return false;
    m_state = cancelled ? JobState::Cancelled : succeeded ? JobState::Done : JobState::Failed;
    emit stateChanged(m_state);
    return true;
}

} // namespace slimscope::ui
