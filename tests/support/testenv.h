#pragma once
// What a test may rely on from its environment, and the one way to skip: in CI (CI=true) a skipped test is a
// failed test, because a missing oracle, ONNX Runtime or reference model there is an install step to fix.

#include <QByteArray>
#include <QDir>
#include <QString>
#include <QTest>

namespace slimscope::testing {

inline bool inCi()
{
    return qEnvironmentVariable("CI") == QStringLiteral("true");
}

/// The folder of shared reference material: $SLIMSCOPE_SHARED_DIR, else `../shared` beside the source tree.
inline QString sharedDir()
{
    const QString fromEnvironment = qEnvironmentVariable("SLIMSCOPE_SHARED_DIR");
    return QDir::cleanPath(fromEnvironment.isEmpty() ? QStringLiteral(SLIMSCOPE_SHARED_DIR) : fromEnvironment);
}
inline QString sharedModelsDir()
{
    return sharedDir() + QStringLiteral("/models");
}
inline QString sharedToolsDir()
{
    return sharedDir() + QStringLiteral("/tools");
}
inline QString sharedModel(const QString& name)
{
    return sharedModelsDir() + QLatin1Char('/') + name;
}

} // namespace slimscope::testing

/// Skips the current test with `reason` (a const char*), except in CI, where it fails with the same reason.
#define SLIMSCOPE_SKIP(reason)                                                                                         \
    do {                                                                                                               \
        const QByteArray slimscopeSkipReason(reason);                                                                  \
        if (slimscope::testing::inCi())                                                                                \
            QFAIL(("skipped in CI, where every test must run: " + slimscopeSkipReason).constData());                   \
        QSKIP(slimscopeSkipReason.constData());                                                                        \
    } while (false)

/// Skips (fails in CI) unless the shared reference file or folder `path` (a QString) exists; the message names it.
#define SLIMSCOPE_REQUIRE_SHARED(path)                                                                                 \
    do {                                                                                                               \
        if (!QFileInfo::exists(path))                                                                                  \
            SLIMSCOPE_SKIP(qPrintable(QStringLiteral("%1 is not present (set SLIMSCOPE_SHARED_DIR to the folder "      \
                                                     "holding models/ and tools/)")                                    \
                                          .arg(path)));                                                                \
    } while (false)
