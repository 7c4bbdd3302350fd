#include "slim/steps/lowrank.h"
#include "stepeditor.h"
#include "stepeditors.h"

#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QSlider>

#include <cmath>

namespace slimscope::ui::editors {

using core::slim::LowRankStep;

namespace {

constexpr int kMergeEnergy = 2;

// Energy kept from 50 % to 100 % in steps of 0.1 %: the useful range is narrow (0.9 to 0.999).
class LowRankEditor final : public StepEditor {
public:
    explicit LowRankEditor(QWidget* parent)
        : StepEditor(parent)
    {
        auto* layout = new QFormLayout(this);
        auto* sliderRow = new QHBoxLayout;
        m_slider = new QSlider(Qt::Horizontal, this);
        m_slider->setObjectName(QStringLiteral("energySlider"));
        m_slider->setRange(500, 1000);
        m_slider->setToolTip(tr("Share of the weight's energy (sum of squared singular values) the factors keep"));
        m_value = new QLabel(this);
        m_value->setMinimumWidth(56);
        sliderRow->addWidget(m_slider, 1);
        sliderRow->addWidget(m_value);
        layout->addRow(tr("Energy kept"), sliderRow);
        layout->addRow(
            new QLabel(tr("MatMul and Gemm weights become two smaller factors where that is smaller."), this));
        connect(m_slider, &QSlider::valueChanged, this, [this](int value) {
            m_value->setText(QStringLiteral("%1 %").arg(value / 10.0, 0, 'f', 1));
            report(
                [value](core::slim::StepParams& params) {
                    if (auto* step = params.as<LowRankStep>())
                        step->energy = value / 1000.0;
                },
                m_slider->isSliderDown() ? kMergeEnergy : -1);
        });
        connect(m_slider, &QSlider::sliderReleased, this, &StepEditor::dragFinished);
    }

protected:
    void load(const core::slim::StepParams& params) override
    {
        const auto* step = params.as<LowRankStep>();
        if (!step)
            return;
        m_slider->setValue(static_cast<int>(std::lround(step->energy * 1000.0)));
        m_value->setText(QStringLiteral("%1 %").arg(m_slider->value() / 10.0, 0, 'f', 1));
    }

private:
    QSlider* m_slider;
    QLabel* m_value;
};

} // namespace

StepEditor* lowRank(QWidget* parent)
{
    return new LowRankEditor(parent);
}

} // namespace slimscope::ui::editors
