#include "slim/steps/prune.h"
#include "stepeditor.h"
#include "stepeditors.h"

#include <QComboBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QSlider>

#include <cmath>

namespace slimscope::ui::editors {

using core::slim::PruneStep;

namespace {

constexpr int kMergeSparsity = 1;

class PruneEditor final : public StepEditor {
public:
    explicit PruneEditor(QWidget* parent)
        : StepEditor(parent)
    {
        auto* layout = new QFormLayout(this);
        auto* sliderRow = new QHBoxLayout;
        m_slider = new QSlider(Qt::Horizontal, this);
        m_slider->setObjectName(QStringLiteral("sparsitySlider"));
        m_slider->setRange(0, 99);
        m_slider->setToolTip(tr("Target sparsity: the share of weights set to exactly zero"));
        m_value = new QLabel(this);
        m_value->setMinimumWidth(48);
        sliderRow->addWidget(m_slider, 1);
        sliderRow->addWidget(m_value);
        layout->addRow(tr("Sparsity"), sliderRow);
        m_mode = new QComboBox(this);
        m_mode->addItems({ tr("Per layer"), tr("Global threshold") });
        layout->addRow(tr("Mode"), m_mode);
        connect(m_slider, &QSlider::valueChanged, this, [this](int value) {
            m_value->setText(QStringLiteral("%1 %").arg(value));
            // While the handle is dragged, every position lands in one undo step.
            report(
                [value](core::slim::StepParams& params) {
                    if (auto* step = params.as<PruneStep>())
                        step->sparsity = value / 100.0;
                },
                m_slider->isSliderDown() ? kMergeSparsity : -1);
        });
        connect(m_slider, &QSlider::sliderReleased, this, &StepEditor::dragFinished);
        connect(m_mode, &QComboBox::currentIndexChanged, this, [this](int mode) {
            report([mode](core::slim::StepParams& params) {
                if (auto* step = params.as<PruneStep>())
                    step->mode = mode == 1 ? PruneStep::Mode::Global : PruneStep::Mode::Layer;
            });
        });
    }

protected:
    void load(const core::slim::StepParams& params) override
    {
        const auto* step = params.as<PruneStep>();
        if (!step)
            return;
        m_slider->setValue(static_cast<int>(std::lround(step->sparsity * 100.0)));
        m_value->setText(QStringLiteral("%1 %").arg(m_slider->value()));
        m_mode->setCurrentIndex(step->mode == PruneStep::Mode::Global ? 1 : 0);
    }

private:
    QSlider* m_slider;
    QLabel* m_value;
    QComboBox* m_mode;
};

} // namespace

StepEditor* prune(QWidget* parent)
{
    return new PruneEditor(parent);
}

} // namespace slimscope::ui::editors
