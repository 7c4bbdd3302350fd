#pragma once

#include "analysisjob.h"
#include "slim/recipe.h"
#include "slim/slimmer.h"

#include <QFutureWatcher>
#include <QObject>

#include <memory>

namespace slimscope::ui {

using SlimResultPtr = std::shared_ptr<const core::slim::SlimResult>;

/// Computes the slimming preview of a recipe in the background. A newer request cancels the running one and
/// results of older requests are dropped, so the panel can follow a slider.
class PreviewJob : public QObject {
    Q_OBJECT
public:
    explicit PreviewJob(QObject* parent = nullptr);
    ~PreviewJob() override;

    void start(const AnalysisPtr& analysis, const core::slim::Recipe& recipe);
    void cancel();
    bool isRunning() const;

signals:
    void finished(const slimscope::ui::SlimResultPtr& result);
    void failed(const QString& message);

private:
    struct Run;
    std::shared_ptr<Run> m_run;
    quint64 m_generation = 0;
    int m_running = 0;
};

} // namespace slimscope::ui
