#include "slim/steps/prunechannels.h"
#include "stepeditor.h"
#include "stepeditors.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QSlider>

#include <cmath>

namespace slimscope::ui::editors {

using core::slim::PruneChannelsStep;

namespace {

constexpr int kMergeFraction = 3;

class PruneChannelsEditor final : public StepEditor {
public:
    explicit PruneChannelsEditor(QWidget* parent)
        : StepEditor(parent)
    {
        auto* layout = new QFormLayout(this);
        auto* sliderRow = new QHBoxLayout;
        m_slider = new QSlider(Qt::Horizontal, this);
        m_slider->setObjectName(QStringLiteral("channelFractionSlider"));
        m_slider->setRange(0, 90);
        m_slider->setToolTip(tr("Share of the output channels removed, with everything that reads them"));
        m_value = new QLabel(this);
        m_value->setMinimumWidth(48);
        sliderRow->addWidget(m_slider, 1);
        sliderRow->addWidget(m_value);
        layout->addRow(tr("Channels removed"), sliderRow);
        m_criterion = new QComboBox(this);
        m_criterion->addItems({ tr("L2 norm"), tr("L1 norm") });
        layout->addRow(tr("Rank by"), m_criterion);
        m_mode = new QComboBox(this);
        m_mode->addItems({ tr("Per group"), tr("Global ranking") });
        layout->addRow(tr("Mode"), m_mode);
        m_inputs = new QCheckBox(tr("Also remove dead input features"), this);
        m_inputs->setObjectName(QStringLiteral("pruneInputsCheck"));
        m_inputs->setToolTip(tr("Features of a graph input that the first layer multiplies by zero go from the "
                                "model: its input gets narrower, and callers must leave them out"));
        layout->addRow(QString(), m_inputs);
        connect(m_slider, &QSlider::valueChanged, this, [this](int value) {
            m_value->setText(QStringLiteral("%1 %").arg(value));
            report(
                [value](core::slim::StepParams& params) {
                    if (auto* step = params.as<PruneChannelsStep>())
                        step->fraction = value / 100.0;
                },
                m_slider->isSliderDown() ? kMergeFraction : -1);
        });
        connect(m_slider, &QSlider::sliderReleased, this, &StepEditor::dragFinished);
        connect(m_criterion, &QComboBox::currentIndexChanged, this, [this](int index) {
            report([index](core::slim::StepParams& params) {
                if (auto* step = params.as<PruneChannelsStep>())
                    step->criterion = index == 1 ? PruneChannelsStep::Criterion::L1 : PruneChannelsStep::Criterion::L2;
            });
        });
        connect(m_mode, &QComboBox::currentIndexChanged, this, [this](int index) {
            report([index](core::slim::StepParams& params) {
                if (auto* step = params.as<PruneChannelsStep>())
                    step->mode = index == 1 ? PruneChannelsStep::Mode::Global : PruneChannelsStep::Mode::Layer;
            });
        });
        connect(m_inputs, &QCheckBox::toggled, this, [this](bool on) {
            report([on](core::slim::StepParams& params) {
                if (auto* step = params.as<PruneChannelsStep>())
                    step->inputs = on;
            });
        });
    }

protected:
    void load(const core::slim::StepParams& params) override
    {
        const auto* step = params.as<PruneChannelsStep>();
        if (!step)
            return;
        m_slider->setValue(static_cast<int>(std::lround(step->fraction * 100.0)));
        m_value->setText(QStringLiteral("%1 %").arg(m_slider->value()));
        m_criterion->setCurrentIndex(step->criterion == PruneChannelsStep::Criterion::L1 ? 1 : 0);
        m_mode->setCurrentIndex(step->mode == PruneChannelsStep::Mode::Global ? 1 : 0);
        m_inputs->setChecked(step->inputs);
    }

private:
    QSlider* m_slider;
    QLabel* m_value;
    QComboBox* m_criterion;
    QComboBox* m_mode;
    QCheckBox* m_inputs;
};

} // namespace

StepEditor* pruneChannels(QWidget* parent)
{
    return new PruneChannelsEditor(parent);
}

} // namespace slimscope::ui::editors
