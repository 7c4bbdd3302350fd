// The GUI's one job runner: results of superseded jobs are dropped, cancel is a state the worker sees and the
// caller gets as ErrorCode::Cancelled, posts and progress reach the GUI thread only for the current job, and the
// destructor cancels and waits for every worker.
#include "jobs/jobrunner.h"

#include <QSignalSpy>
#include <QTest>
#include <QThread>

#include <atomic>
#include <chrono>
#include <thread>

using namespace slimscope;
using slimscope::ui::JobContext;
using slimscope::ui::JobRunner;
using slimscope::ui::JobState;

namespace {

/// Spins until cancelled or `release` is set; returns `value` (or Cancelled).
core::Result<int> waitFor(const JobContext& job, const std::atomic<bool>& release, int value)
{
    while (!release.load()) {
        if (job.isCancelled())
            return core::fail(core::ErrorCode::Cancelled, "cancelled");
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return value;
}

} // namespace

class TestJobRunner : public QObject {
    Q_OBJECT

private slots:
    void deliversTheResultOnTheGuiThread()
    {
        JobRunner runner;
        QSignalSpy states(&runner, &JobRunner::stateChanged);
        std::optional<core::Result<int>> got;
        QThread* doneThread = nullptr;
        const quint64 generation = runner.start<int>(
            QStringLiteral("answer"), [](const JobContext&) -> core::Result<int> { return 42; },
            [&](core::Result<int> result) {
                got = std::move(result);
                doneThread = QThread::currentThread();
            });
        QCOMPARE(generation, runner.generation());
        QVERIFY(runner.isRunning());
        QCOMPARE(runner.title(), QStringLiteral("answer"));
        QTRY_VERIFY(got.has_value());
        QVERIFY(got->has_value());
        QCOMPARE(**got, 42);
        QCOMPARE(doneThread, QThread::currentThread());
        QCOMPARE(runner.state(), JobState::Done);
        QCOMPARE(states.size(), 2); // Running, Done
    }

    void errorsArriveAsFailed()
    {
        JobRunner runner;
        std::optional<core::Result<int>> got;
        runner.start<int>(
            QStringLiteral("broken"),
            [](const JobContext&) -> core::Result<int> { return core::fail(core::ErrorCode::IoError, "disk gone"); },
            [&](core::Result<int> result) { got = std::move(result); });
        QTRY_VERIFY(got.has_value());
        QVERIFY(!got->has_value());
        QCOMPARE(got->error().message, std::string("disk gone"));
        QCOMPARE(runner.state(), JobState::Failed);
    }

    // A newer start() cancels the running job; its result, whenever it comes, is dropped.
    void aSupersededJobIsCancelledAndDropped()
    {
        JobRunner runner;
        std::atomic<bool> never { false };
        std::atomic<bool> firstSawCancel { false };
        int firstDone = 0;
        std::optional<core::Result<int>> second;
        runner.start<int>(
            QStringLiteral("first"),
            [&](const JobContext& job) {
                auto result = waitFor(job, never, 1);
                firstSawCancel = !result.has_value();
                return result;
            },
            [&](core::Result<int>) { ++firstDone; });
        const quint64 first = runner.generation();
        runner.start<int>(
            QStringLiteral("second"), [](const JobContext&) -> core::Result<int> { return 2; },
            [&](core::Result<int> result) { second = std::move(result); });
        QVERIFY(runner.generation() > first);
        QTRY_VERIFY(second.has_value());
        QCOMPARE(**second, 2);
        QTRY_VERIFY(firstSawCancel.load());
        QTest::qWait(50); // let the first job's finish reach the event loop
        QCOMPARE(firstDone, 0);
        QCOMPARE(runner.state(), JobState::Done);
    }

    void cancelIsAState()
    {
        JobRunner runner;
        std::atomic<bool> never { false };
        std::optional<core::Result<int>> got;
        runner.start<int>(
            QStringLiteral("long"), [&](const JobContext& job) { return waitFor(job, never, 1); },
            [&](core::Result<int> result) { got = std::move(result); });
        runner.cancel();
        QTRY_VERIFY(got.has_value());
        QVERIFY(!got->has_value());
        QCOMPARE(got->error().code, core::ErrorCode::Cancelled);
        QCOMPARE(runner.state(), JobState::Cancelled);
    }

    // A job cancelled after its last check of the token still ends as Cancelled, not as a result to show.
    void aResultAfterCancelIsStillCancelled()
    {
        JobRunner runner;
        std::atomic<bool> release { false };
        std::optional<core::Result<int>> got;
        runner.start<int>(
            QStringLiteral("ignores cancel"),
            [&](const JobContext&) -> core::Result<int> {
                while (!release.load())
                    std::this_thread::sleep_for(std::chrono::milliseconds(1));
                return 7;
            },
            [&](core::Result<int> result) { got = std::move(result); });
        runner.cancel();
        release = true;
        QTRY_VERIFY(got.has_value());
        QVERIFY(!got->has_value());
        QCOMPARE(got->error().code, core::ErrorCode::Cancelled);
        QCOMPARE(runner.state(), JobState::Cancelled);
    }

    void postsAndProgressReachTheGuiThreadForTheCurrentJobOnly()
    {
        JobRunner runner;
        QSignalSpy progress(&runner, &JobRunner::progressChanged);
        std::atomic<bool> release { false };
        std::vector<int> posted;
        bool done = false;
        runner.start<int>(
            QStringLiteral("posting"),
            [&](const JobContext& job) -> core::Result<int> {
                job.progress().report("half", 0.5);
                job.post([&posted] { posted.push_back(1); });
                while (!release.load())
                    std::this_thread::sleep_for(std::chrono::milliseconds(1));
                job.progress().report("done", 1.0);
                return 0;
            },
            [&](core::Result<int>) { done = true; });
        QTRY_COMPARE(posted.size(), std::size_t { 1 });
        release = true;
        QTRY_VERIFY(done);
        QVERIFY(progress.size() >= 1);
        QCOMPARE(progress.last().at(0).toString(), QStringLiteral("done"));

        // A superseded job's post is not delivered.
        std::atomic<bool> posting { false };
        std::atomic<bool> go { false };
        runner.start<int>(
            QStringLiteral("old"),
            [&](const JobContext& job) -> core::Result<int> {
                while (!go.load())
                    std::this_thread::sleep_for(std::chrono::milliseconds(1));
                job.post([&posted] { posted.push_back(2); });
                posting = true;
                return 0;
            },
            [](core::Result<int>) {});
        runner.start<int>(
            QStringLiteral("new"), [](const JobContext&) -> core::Result<int> { return 0; }, [](core::Result<int>) {});
        go = true;
        QTRY_VERIFY(posting.load());
        QTest::qWait(50);
        QCOMPARE(posted, std::vector<int> { 1 });
    }

    // Destroying the runner cancels its job and returns only when the worker has stopped.
    void theDestructorCancelsAndWaits()
    {
        std::atomic<bool> never { false };
        std::atomic<bool> workerRunning { false };
        std::atomic<bool> workerStopped { false };
        {
            JobRunner runner;
            runner.start<int>(
                QStringLiteral("endless"),
                [&](const JobContext& job) {
                    workerRunning = true;
                    auto result = waitFor(job, never, 0);
                    std::this_thread::sleep_for(std::chrono::milliseconds(30)); // a slow wind-down
                    workerStopped = true;
                    return result;
                },
                [](core::Result<int>) { QFAIL("a destroyed runner delivers nothing"); });
            QTRY_VERIFY(workerRunning.load());
        }
        QVERIFY(workerStopped.load());
        QTest::qWait(20);
    }
};

QTEST_MAIN(TestJobRunner)
#include "tst_jobrunner.moc"
