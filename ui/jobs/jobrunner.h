#pragma once

// The one way the GUI runs long work: load and analysis, preview, export, verify, report and compare all go
// through a JobRunner. It gives each job progress (throttled, delivered on the GUI thread), cancel as a state,
// a generation id that drops the results of superseded jobs, and a destructor that cancels and waits.

#include "support/error.h"
#include "support/progress.h"

#include <QFutureWatcher>
#include <QObject>
#include <QString>
#include <QtConcurrent/QtConcurrentRun>

#include <functional>
#include <memory>

namespace slimscope::ui {

enum class JobState { Idle, Running, Done, Failed, Cancelled };

/// What a worker gets: progress, the cancel token, and a way to hand an intermediate value to the GUI thread.
class JobContext {
public:
    const core::Progress& progress() const { return m_progress; }
    const core::CancelToken* cancel() const { return m_cancel.get(); }
    bool isCancelled() const { return m_cancel->isCancelled(); }
    /// Runs `fn` on the GUI thread, if the job is still its runner's current one (and not cancelled) by then.
    void post(std::function<void()> fn) const { m_post(std::move(fn)); }

private:
    friend class JobRunner;
    core::Progress m_progress;
    std::shared_ptr<core::CancelToken> m_cancel;
    std::function<void(std::function<void()>)> m_post;
};

class JobRunner : public QObject {
    Q_OBJECT
public:
    explicit JobRunner(QObject* parent = nullptr);
    /// Cancels the current job and waits for every worker still running, so that none outlives what it reports to.
    ~JobRunner() override;

    /// Runs `work(const JobContext&) -> core::Result<T>` on the thread pool; then, on the GUI thread, calls
    /// `done(core::Result<T>)` unless a newer start() superseded the job. A running job is cancelled first. A
    /// cancelled job ends in state Cancelled and `done` gets ErrorCode::Cancelled. Returns the job's generation.
    template <class T, class Work, class Done> quint64 start(const QString& title, Work work, Done done);

    void cancel();
    bool isRunning() const { return m_state == JobState::Running; }
    JobState state() const { return m_state; }
    quint64 generation() const { return m_generation; }
    /// What the current (or last) job does: "Exporting model.onnx".
    QString title() const { return m_title; }

signals:
    void progressChanged(const QString& stage, double fraction);
    void stateChanged(slimscope::ui::JobState state);

private:
    struct Run;
    std::shared_ptr<Run> begin(const QString& title, JobContext& context);
    /// True (and the state updated) when `run` is still the current job; `result` becomes Cancelled if it was.
    bool end(const std::shared_ptr<Run>& run, bool succeeded, bool cancelled);

    std::shared_ptr<Run> m_current;
    JobState m_state = JobState::Idle;
    quint64 m_generation = 0;
    QString m_title;
};

template <class T, class Work, class Done> quint64 JobRunner::start(const QString& title, Work work, Done done)
{
    JobContext context;
    auto run = begin(title, context);
    auto* watcher = new QFutureWatcher<core::Result<T>>(this);
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, run, context, done = std::move(done)] {
        watcher->deleteLater();
        core::Result<T> result = watcher->result();
        const bool cancelled = context.isCancelled() || (!result && result.error().code == core::ErrorCode::Cancelled);
        if (!end(run, result.has_value() && !cancelled, cancelled))
            return; // superseded: a newer job owns the runner
        if (cancelled && result)
            result = core::fail(core::ErrorCode::Cancelled, "cancelled");
        done(std::move(result));
    });
    watcher->setFuture(
        QtConcurrent::run([work = std::move(work), context]() -> core::Result<T> { return work(context); }));
    return m_generation;
}

} // namespace slimscope::ui
