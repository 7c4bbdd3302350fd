#include "analysisjob.h"

namespace slimscope::ui {

AnalysisJob::AnalysisJob(QObject* parent)
    : QObject(parent)
    , m_runner(new JobRunner(this))
{
    connect(m_runner, &JobRunner::progressChanged, this, &AnalysisJob::progressChanged);
}

void AnalysisJob::start(const QString& path)
{
    const std::string file = path.toStdString();
    m_runner->start<AnalysisPtr>(
        tr("Loading %1").arg(path),
        [file, self = QPointer<AnalysisJob>(this)](const JobContext& job) -> core::Result<AnalysisPtr> {
            job.progress().report("loading", 0.0);
            auto loaded = core::model::ModelFile::load(file, job.cancel());
            if (!loaded)
                return std::unexpected(loaded.error());
            // Deliver the model's identity at once, so the window can show it while the statistics run.
            std::shared_ptr<const core::model::ModelFile> model = *loaded;
            job.post([self, model] {
                if (self)
                    emit self->modelLoaded(model);
            });
            auto analysis = core::analysis::analyze(model, job.progress(), job.cancel());
            if (!analysis)
                return std::unexpected(analysis.error());
            return AnalysisPtr(std::move(*analysis));
        },
        [this](core::Result<AnalysisPtr> result) {
            if (result)
                emit finished(*result);
            else if (result.error().code == core::ErrorCode::Cancelled)
                emit failed(tr("Cancelled."), true);
            else
                emit failed(QString::fromStdString(result.error().message), false);
        });
}

} // namespace slimscope::ui
