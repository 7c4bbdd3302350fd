#include "previewjob.h"

namespace slimscope::ui {

PreviewJob::PreviewJob(QObject* parent)
    : QObject(parent)
    , m_runner(new JobRunner(this))
{ }

void PreviewJob::start(const AnalysisPtr& analysis, const core::slim::Recipe& recipe, bool sampleErrors)
{
    if (analysis != m_sessionAnalysis) {
        m_sessionAnalysis = analysis;
        m_session = std::make_shared<core::slim::PreviewSession>(analysis->modelFile, analysis);
    }
    // The session runs one preview at a time: the one this start cancels finishes before this one begins.
    m_runner->start<SlimResultPtr>(
        tr("Previewing"),
        [session = m_session, recipe, sampleErrors](const JobContext& job) -> core::Result<SlimResultPtr> {
            auto result = session->preview(recipe, sampleErrors, job.progress(), job.cancel());
            if (!result)
                return std::unexpected(result.error());
            return std::make_shared<const core::slim::SlimResult>(std::move(*result));
        },
        [this](core::Result<SlimResultPtr> result) {
            if (result)
                emit finished(*result);
            else if (result.error().code != core::ErrorCode::Cancelled)
                emit failed(QString::fromStdString(result.error().message));
            emit settled();
        });
}

} // namespace slimscope::ui
