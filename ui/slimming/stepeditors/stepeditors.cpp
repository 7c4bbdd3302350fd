#include "stepeditors.h"
#include "stepeditor.h"

#include <QLabel>
#include <QVBoxLayout>
#include <Qt>

#include <algorithm>

namespace slimscope::ui {

namespace editors {

namespace {

class MissingEditor final : public StepEditor {
public:
    MissingEditor(QWidget* parent, std::string_view step)
        : StepEditor(parent)
    {
        setObjectName(QStringLiteral("missingStepEditor"));
        auto* layout = new QVBoxLayout(this);
        layout->addWidget(new QLabel(tr("The step %1 has no settings editor yet; edit it in a recipe file.")
                                         .arg(QString::fromUtf8(step.data(), static_cast<qsizetype>(step.size()))),
            this));
    }

protected:
    void load(const core::slim::StepParams&) override { }
};

} // namespace

StepEditor* missing(QWidget* parent, std::string_view step)
{
    return new MissingEditor(parent, step);
}

} // namespace editors

void StepEditor::show(const core::slim::StepParams& params)
{
    const bool wasLoading = std::exchange(m_loading, true);
    load(params);
    m_loading = wasLoading;
}

void StepEditor::report(const Edit& edit, int mergeId)
{
    if (!m_loading)
        emit edited(edit, mergeId);
}

// The one list of step editors, keyed by registered step name (a test checks every registered step has one).
const std::vector<StepEditorEntry>& stepEditors()
{
    static const std::vector<StepEditorEntry> entries {
        { "cleanup", QT_TRANSLATE_NOOP("SlimMenu", "Add &Clean-up Step"), Qt::Key_C, editors::cleanup },
        { "prune", QT_TRANSLATE_NOOP("SlimMenu", "Add &Prune Step"), Qt::Key_P, editors::prune },
        { "prune_channels", QT_TRANSLATE_NOOP("SlimMenu", "Add Prune C&hannels Step"), Qt::Key_H,
            editors::pruneChannels },
        { "low_rank", QT_TRANSLATE_NOOP("SlimMenu", "Add &Low-Rank Step"), Qt::Key_L, editors::lowRank },
        { "quantize:int8", QT_TRANSLATE_NOOP("SlimMenu", "Add &Quantize int8 Step"), Qt::Key_Q, editors::quantizeInt8 },
        { "quantize:int4", QT_TRANSLATE_NOOP("SlimMenu", "Add Quantize int&4 Step"), Qt::Key_4, editors::quantizeInt4 },
        { "quantize:int8-dynamic", QT_TRANSLATE_NOOP("SlimMenu", "Add Quantize int8 &Dynamic Step"), 0,
            editors::quantizeInt8Dynamic },
        { "quantize:int8-static", QT_TRANSLATE_NOOP("SlimMenu", "Add Quantize int8 S&tatic Step"), 0,
            editors::quantizeInt8Static },
        { "quantize:fp16", QT_TRANSLATE_NOOP("SlimMenu", "Add Quantize &fp16 Step"), 0, editors::quantizeFp16 },
        { "quantize:bf16", QT_TRANSLATE_NOOP("SlimMenu", "Add Quantize &bf16 Step"), 0, editors::quantizeBf16 },
        { "sparse_storage", QT_TRANSLATE_NOOP("SlimMenu", "Add &Sparse Storage Step"), Qt::Key_A,
            editors::sparseStorage },
    };
    return entries;
}

const StepEditorEntry* findStepEditor(std::string_view step)
{
    const auto& entries = stepEditors();
    const auto it = std::ranges::find(entries, step, &StepEditorEntry::step);
    return it == entries.end() ? nullptr : &*it;
}

} // namespace slimscope::ui
