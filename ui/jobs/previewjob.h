#pragma once

#include "jobrunner.h"
#include "modelptrs.h"
#include "slim/recipe.h"

#include <QObject>

namespace slimscope::ui {

/// Computes the slimming preview of a recipe through a JobRunner. A newer request cancels the running one and
/// the results of older requests are dropped, so the panel can follow a slider.
class PreviewJob : public QObject {
    Q_OBJECT
public:
    explicit PreviewJob(QObject* parent = nullptr);

    void start(const AnalysisPtr& analysis, const core::slim::Recipe& recipe);
    void cancel() { m_runner->cancel(); }
    bool isRunning() const { return m_runner->isRunning(); }

signals:
    void finished(const slimscope::ui::SlimResultPtr& result);
    void failed(const QString& message);

private:
    JobRunner* m_runner;
};

} // namespace slimscope::ui
