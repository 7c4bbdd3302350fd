#include "slim/steps/cleanup.h"
#include "stepeditor.h"
#include "stepeditors.h"

#include <QCheckBox>
#include <QVBoxLayout>

namespace slimscope::ui::editors {

using core::slim::CleanupStep;

namespace {

class CleanupEditor final : public StepEditor {
public:
    explicit CleanupEditor(QWidget* parent)
        : StepEditor(parent)
    {
        auto* layout = new QVBoxLayout(this);
        const auto box = [&](const QString& text, bool CleanupStep::*field) {
            auto* check = new QCheckBox(text, this);
            layout->addWidget(check);
            connect(check, &QCheckBox::toggled, this, [this, field](bool on) {
                report([field, on](core::slim::StepParams& params) {
                    if (auto* step = params.as<CleanupStep>())
                        step->*field = on;
                });
            });
            return check;
        };
        m_dedupe = box(tr("Merge byte-identical tensors"), &CleanupStep::dedupe);
        m_unused = box(tr("Remove unused tensors"), &CleanupStep::removeUnused);
        m_dead = box(tr("Remove dead nodes"), &CleanupStep::removeDeadNodes);
        m_inputs = box(tr("Drop initializers listed as graph inputs"), &CleanupStep::dropInitializerInputs);
    }

protected:
    void load(const core::slim::StepParams& params) override
    {
        const auto* step = params.as<CleanupStep>();
        if (!step)
            return;
        m_dedupe->setChecked(step->dedupe);
        m_unused->setChecked(step->removeUnused);
        m_dead->setChecked(step->removeDeadNodes);
        m_inputs->setChecked(step->dropInitializerInputs);
    }

private:
    QCheckBox* m_dedupe;
    QCheckBox* m_unused;
    QCheckBox* m_dead;
    QCheckBox* m_inputs;
};

} // namespace

StepEditor* cleanup(QWidget* parent)
{
    return new CleanupEditor(parent);
}

} // namespace slimscope::ui::editors
