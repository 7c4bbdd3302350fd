// The Slim panel's work on files: recipe files, and export and verification in the background (JobRunner).
#include "slimming/slimpanel.h"

#include "report/verifywriters.h"
#include "runtime/verify.h"
#include "slim/exporter.h"
#include "slim/opsetupgrade.h"
#include "support/output.h"

#include <QDoubleSpinBox>
#include <QLabel>
#include <QPushButton>
#include <QTemporaryDir>

#include <filesystem>

namespace slimscope::ui {

using namespace core::slim;

namespace {

QString q(const std::string& text)
{
    return QString::fromStdString(text);
}

} // namespace

bool SlimPanel::loadRecipe(const QString& path, QString* error)
{
    auto recipe = loadRecipeFile(path.toStdString());
    if (!recipe) {
        *error = q(recipe.error().message);
        return false;
    }
    setRecipe(*recipe);
    return true;
}

bool SlimPanel::saveRecipe(const QString& path, QString* error) const
{
    const auto inputs
        = m_analysis && m_analysis->modelFile ? m_analysis->modelFile->inputFiles() : std::vector<core::InputFile> {};
    if (auto written = core::writeOutput(path.toStdString(), recipeToJson(m_recipe), inputs); !written) {
        *error = q(written.error().message);
        return false;
    }
    return true;
}

void SlimPanel::cancelWork()
{
    m_exportJob->cancel();
    m_verifyJob->cancel();
}

void SlimPanel::updateWorkStatus()
{
    const bool running = m_exportJob->isRunning() || m_verifyJob->isRunning();
    m_cancelWork->setVisible(running);
    m_workStatus->setVisible(running);
    m_exportButton->setEnabled(!m_exportJob->isRunning());
    m_verifyButton->setEnabled(!m_verifyJob->isRunning());
    if (running)
        m_workStatus->setText((m_exportJob->isRunning() ? m_exportJob : m_verifyJob)->title() + QStringLiteral("…"));
}

namespace {

/// An export and whether a step upgraded the model's opset on the way (then it is checked in ONNX Runtime).
struct ExportDone {
    ExportResult exported;
    bool upgradedOpset = false;
};

} // namespace

void SlimPanel::exportTo(const QString& path)
{
    if (!m_analysis)
        return;
    const AnalysisPtr analysis = m_analysis;
    const Recipe recipe = m_recipe;
    const std::string target = path.toStdString();
    m_exportJob->start<ExportDone>(
        tr("Exporting %1").arg(path),
        [analysis, recipe, target](const JobContext& job) -> core::Result<ExportDone> {
            auto slimmed = applyRecipe(analysis->modelFile, recipe, job.progress(), job.cancel(), analysis.get());
            if (!slimmed)
                return std::unexpected(slimmed.error());
            auto written = exportModel(*slimmed->model, target, {}, job.cancel());
            if (!written)
                return std::unexpected(written.error());
            return ExportDone { std::move(*written), upgradedOpset(slimmed->preview.diagnostics) };
        },
        [this, path](core::Result<ExportDone> result) {
            if (!result && result.error().code == core::ErrorCode::Cancelled) {
                emit exportFailed(tr("Export cancelled; nothing was written to %1.").arg(path));
                return;
            }
            if (!result) {
                emit exportFailed(q(result.error().message));
                return;
            }
            const ExportResult& written = result->exported;
            emit exported(tr("Wrote %1 (%2 bytes)").arg(q(written.path.string())).arg(written.fileBytes));
            // ONNX's version converter rewrote more than the steps did: compare the file just written with the
            // original without being asked, as slimscope-cli slim does. (Only regular files can be read back.)
            if (result->upgradedOpset && core::runtime::runtimeAvailable()
                && std::filesystem::is_regular_file(written.path))
                startVerification(written.path, tr("The export upgraded the model's opset; its outputs:"));
        });
}

void SlimPanel::verify()
{
    startVerification({}, {});
}

void SlimPanel::startVerification(const std::filesystem::path& writtenModel, const QString& heading)
{
    if (!m_analysis)
        return;
    m_verdict->setText(tr("Running both models in ONNX Runtime…"));
    const double minCosine = m_minCosine->value();
    const double minTop1 = m_minTop1->value() / 100.0;
    const AnalysisPtr analysis = m_analysis;
    const Recipe recipe = m_recipe;
    m_verifyJob->start<core::runtime::Verification>(
        writtenModel.empty() ? tr("Verifying") : tr("Verifying the exported model"),
        [analysis, recipe, writtenModel](const JobContext& job) -> core::Result<core::runtime::Verification> {
            if (!writtenModel.empty())
                return core::runtime::verify(
                    analysis->modelFile->path(), writtenModel, {}, job.progress(), job.cancel());
            QTemporaryDir folder;
            if (!folder.isValid())
                return core::fail(core::ErrorCode::IoError, "cannot create a temporary folder");
            const std::filesystem::path slimmedPath = folder.filePath(QStringLiteral("slimmed.onnx")).toStdString();
            auto slimmed = applyRecipe(analysis->modelFile, recipe, job.progress(), job.cancel(), analysis.get());
            if (!slimmed)
                return std::unexpected(slimmed.error());
            if (auto written = exportModel(*slimmed->model, slimmedPath, {}, job.cancel()); !written)
                return std::unexpected(written.error());
            return core::runtime::verify(analysis->modelFile->path(), slimmedPath, {}, job.progress(), job.cancel());
        },
        [this, minCosine, minTop1, heading, recipe](core::Result<core::runtime::Verification> result) {
            const QString prefix = heading.isEmpty() ? QString() : heading.toHtmlEscaped() + QStringLiteral("<br>");
            if (!result) {
                const bool cancelled = result.error().code == core::ErrorCode::Cancelled;
                const QString message = cancelled ? tr("Verification cancelled.") : q(result.error().message);
                m_verdict->setText(prefix
                    + (cancelled ? message
                                 : tr("<span style='color:#c33'>Verification failed: %1</span>")
                                       .arg(message.toHtmlEscaped())));
                emit verified(message, false);
                return;
            }
            m_latency = std::pair { result->originalLatencyMs, result->slimmedLatencyMs };
            m_latencyRecipe = recipe;
            updateFigures();
            core::runtime::FidelityThresholds thresholds;
            thresholds.minCosine = minCosine;
            thresholds.minTop1Agreement = minTop1;
            using core::runtime::Verdict;
            const Verdict verdict = core::runtime::verdictOf(*result, thresholds);
            const bool pass = verdict != Verdict::Fail;
            // Pass green, warn orange, fail in the error colour, with the outputs that failed named.
            const auto colour = [](Verdict v) {
                return v == Verdict::Pass ? QStringLiteral("#2a2")
                    : v == Verdict::Warn  ? QStringLiteral("#d80")
                                          : QStringLiteral("#c33");
            };
            const auto word = [this](Verdict v) {
                return v == Verdict::Pass ? tr("PASS") : v == Verdict::Warn ? tr("WARN") : tr("FAIL");
            };
            QString text = prefix + QStringLiteral("<b style='color:%1'>%2</b>").arg(colour(verdict), word(verdict));
            QStringList failed;
            for (const auto& o : result->outputs)
                if (core::runtime::outputVerdict(o, thresholds) == Verdict::Fail)
                    failed << q(o.name).toHtmlEscaped();
            if (!failed.isEmpty())
                text += tr(" — below the floor (cosine %1, top-1 %2 %): %3")
                            .arg(minCosine)
                            .arg(minTop1 * 100.0)
                            .arg(failed.join(QStringLiteral(", ")));
            for (const auto& o : result->outputs) {
                const Verdict own = core::runtime::outputVerdict(o, thresholds);
                text += tr("<br><span style='color:%5'>%1: cosine %2, SQNR %3 dB, max abs %4")
                            .arg(q(o.name).toHtmlEscaped())
                            .arg(o.cosine, 0, 'f', 6)
                            .arg(o.sqnrDb, 0, 'f', 1)
                            .arg(o.maxAbs, 0, 'g', 3)
                            .arg(own == Verdict::Pass ? QStringLiteral("inherit") : colour(own));
                if (o.top1Agreement)
                    text += tr(", top-1 %1 %").arg(*o.top1Agreement * 100.0, 0, 'f', 1);
                text += QStringLiteral("</span>");
            }
            text += tr("<br>latency %1 ms → %2 ms")
                        .arg(result->originalLatencyMs, 0, 'f', 2)
                        .arg(result->slimmedLatencyMs, 0, 'f', 2);
            m_verdict->setText(text);
            emit verified(text, pass);
        });
}

QString SlimPanel::figuresText() const
{
    return m_figures->text();
}

} // namespace slimscope::ui
