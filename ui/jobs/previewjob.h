#pragma once

#include "jobrunner.h"
#include "modelptrs.h"
#include "slim/recipe.h"
#include "slim/slimmer.h"

#include <QObject>

#include <memory>

namespace slimscope::ui {

/// Computes the slimming preview of a recipe through a JobRunner. A newer request cancels the running one and
/// the results of older requests are dropped, so the panel can follow a slider. Previews of one analysis go
/// through one core::slim::PreviewSession: an edit of the last step reruns only that step, and every step
/// reuses the per-tensor work its settings do not change.
class PreviewJob : public QObject {
    Q_OBJECT
public:
    explicit PreviewJob(QObject* parent = nullptr);

    /// `sampleErrors`: measure errors on a sample of each large tensor (while a slider is being dragged).
    void start(const AnalysisPtr& analysis, const core::slim::Recipe& recipe, bool sampleErrors = false);
    void cancel() { m_runner->cancel(); }
    bool isRunning() const { return m_runner->isRunning(); }

signals:
    void finished(const slimscope::ui::SlimResultPtr& result);
    void failed(const QString& message);
    /// The current preview ended, whichever way (after finished or failed; also when cancelled).
    void settled();

private:
    JobRunner* m_runner;
    AnalysisPtr m_sessionAnalysis;
    std::shared_ptr<core::slim::PreviewSession> m_session;
};

} // namespace slimscope::ui
