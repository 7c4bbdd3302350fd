#pragma once
// Running the real slimscope-cli binary from a test, as a user would, and reading what it left behind.

#include <QByteArray>
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QString>
#include <QStringList>

namespace slimscope::testing {

struct Run {
    bool finished = false;
    QProcess::ExitStatus status = QProcess::CrashExit;
    int code = -1;
    QByteArray out;
    QByteArray err;
};

/// Runs `program` (slimscope-cli by default) with `args`; kills it after `timeoutMs`.
inline Run runProgram(const QString& program, const QStringList& args, int timeoutMs = 180000)
{
    QProcess process;
    process.start(program, args);
    Run run;
    run.finished = process.waitForFinished(timeoutMs);
    if (!run.finished) {
        process.kill();
        process.waitForFinished();
    }
    run.status = process.exitStatus();
    run.code = run.status == QProcess::NormalExit ? process.exitCode() : -1; // a crash is never "exit 0"
    run.out = process.readAllStandardOutput();
    run.err = process.readAllStandardError();
    return run;
}

inline Run runCli(const QStringList& args, int timeoutMs = 180000)
{
    return runProgram(QStringLiteral(SLIMSCOPE_CLI), args, timeoutMs);
}

inline QString describe(const Run& run)
{
    return QStringLiteral("finished %1, status %2, code %3, stderr: %4")
        .arg(run.finished)
        .arg(run.status == QProcess::NormalExit ? "normal" : "crash")
        .arg(run.code)
        .arg(QString::fromUtf8(run.err.left(600)));
}

inline QByteArray readFile(const QString& path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

inline QStringList entries(const QString& dir)
{
    return QDir(dir).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden | QDir::System, QDir::Name);
}

} // namespace slimscope::testing
