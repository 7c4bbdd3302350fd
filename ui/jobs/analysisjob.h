#pragma once

#include "jobrunner.h"
#include "modelptrs.h"

#include <QObject>
#include <QString>

namespace slimscope::ui {

/// Loads and analyzes a model through a JobRunner: starting a new load cancels the running one and drops its
/// result; progress is throttled to about 10 Hz.
class AnalysisJob : public QObject {
    Q_OBJECT
public:
    explicit AnalysisJob(QObject* parent = nullptr);

    void start(const QString& path);
    void cancel() { m_runner->cancel(); }
    bool isRunning() const { return m_runner->isRunning(); }
    JobRunner* runner() const { return m_runner; }

signals:
    void progressChanged(const QString& stage, double fraction);
    /// First stage: the file is parsed and validated; statistics follow.
    void modelLoaded(const std::shared_ptr<const slimscope::core::model::ModelFile>& file);
    void finished(const slimscope::ui::AnalysisPtr& analysis);
    /// The load failed, or was cancelled (`cancelled`: the user asked for it, no error to show).
    void failed(const QString& message, bool cancelled);

private:
    JobRunner* m_runner;
};

} // namespace slimscope::ui
