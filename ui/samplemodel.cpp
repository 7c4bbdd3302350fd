#include "samplemodel.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>

namespace slimscope::ui {

QString sampleModelPath()
{
    const QString appDir = QCoreApplication::applicationDirPath();
    const QStringList candidates = {
        appDir + QStringLiteral("/../resources/slimscope-sample.onnx"), // build tree: build/app -> build/resources
        appDir + QStringLiteral("/../share/slimscope/slimscope-sample.onnx"), // installed: bin -> share
    };
    for (const QString& candidate : candidates)
        if (QFileInfo::exists(candidate))
            return QDir::cleanPath(candidate);
    return {};
}

} // namespace slimscope::ui
