#include "previewjob.h"

namespace slimscope::ui {

PreviewJob::PreviewJob(QObject* parent)
    : QObject(parent)
    , m_runner(new JobRunner(this))
{ }

void PreviewJob::start(const AnalysisPtr& analysis, const core::slim::Recipe& recipe)
{
    m_runner->start<SlimResultPtr>(
        tr("Previewing"),
        [analysis, recipe](const JobContext& job) -> core::Result<SlimResultPtr> {
            auto result
                = core::slim::applyRecipe(analysis->modelFile, recipe, job.progress(), job.cancel(), analysis.get());
            if (!result)
                return std::unexpected(result.error());
            return std::make_shared<const core::slim::SlimResult>(std::move(*result));
        },
        [this](core::Result<SlimResultPtr> result) {
            if (result)
                emit finished(*result);
            else if (result.error().code != core::ErrorCode::Cancelled)
                emit failed(QString::fromStdString(result.error().message));
        });
}

} // namespace slimscope::ui
