#pragma once

#include "analysis/analysis.h"

#include <QFutureWatcher>
#include <QObject>
#include <QString>

#include <memory>

namespace slimscope::ui {

using AnalysisPtr = std::shared_ptr<const core::analysis::Analysis>;

/// Loads and analyzes a model in the background. Starting a new job cancels the running one; a result that
/// arrives for an older generation is dropped. Progress is throttled to about 10 Hz and delivered queued.
class AnalysisJob : public QObject {
    Q_OBJECT
public:
    explicit AnalysisJob(QObject* parent = nullptr);
    ~AnalysisJob() override;

    void start(const QString& path);
    void cancel();
    bool isRunning() const;

signals:
    void progressChanged(const QString& stage, double fraction);
    /// First stage: the file is parsed and validated; statistics follow.
    void modelLoaded(const std::shared_ptr<const slimscope::core::model::ModelFile>& file);
    void finished(const slimscope::ui::AnalysisPtr& analysis);
    void failed(const QString& message);

private:
    struct Run;
    void onFinished();

    std::shared_ptr<Run> m_run;
    QFutureWatcher<core::Result<AnalysisPtr>>* m_watcher = nullptr;
    quint64 m_generation = 0;
};

} // namespace slimscope::ui
