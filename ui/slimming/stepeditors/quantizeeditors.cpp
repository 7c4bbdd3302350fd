#include "slim/steps/quantize.h"
#include "stepeditor.h"
#include "stepeditors.h"

#include <QCheckBox>
#include <QLabel>
#include <QVBoxLayout>

namespace slimscope::ui::editors {

using core::slim::QuantizeFp16Step;
using core::slim::QuantizeInt8Step;

namespace {

class QuantizeInt8Editor final : public StepEditor {
public:
    explicit QuantizeInt8Editor(QWidget* parent)
        : StepEditor(parent)
    {
        auto* layout = new QVBoxLayout(this);
        m_perChannel = new QCheckBox(tr("Per output channel (off: one scale per tensor)"), this);
        m_symmetric = new QCheckBox(tr("Symmetric int8 (off: uint8 with a zero point)"), this);
        layout->addWidget(m_perChannel);
        layout->addWidget(m_symmetric);
        connect(m_perChannel, &QCheckBox::toggled, this, [this](bool on) {
            report([on](core::slim::StepParams& params) {
                if (auto* step = params.as<QuantizeInt8Step>())
                    step->perChannel = on;
            });
        });
        connect(m_symmetric, &QCheckBox::toggled, this, [this](bool on) {
            report([on](core::slim::StepParams& params) {
                if (auto* step = params.as<QuantizeInt8Step>())
                    step->symmetric = on;
            });
        });
    }

protected:
    void load(const core::slim::StepParams& params) override
    {
        if (const auto* step = params.as<QuantizeInt8Step>()) {
            m_perChannel->setChecked(step->perChannel);
            m_symmetric->setChecked(step->symmetric);
        }
    }

private:
    QCheckBox* m_perChannel;
    QCheckBox* m_symmetric;
};

class QuantizeFp16Editor final : public StepEditor {
public:
    explicit QuantizeFp16Editor(QWidget* parent)
        : StepEditor(parent)
    {
        auto* layout = new QVBoxLayout(this);
        auto* text = new QLabel(tr("Float weights are stored as float16 (values beyond ±65504 saturate) and "
                                   "cast back to float32 where they are read."),
            this);
        text->setWordWrap(true);
        layout->addWidget(text);
    }

protected:
    void load(const core::slim::StepParams&) override { }
};

} // namespace

StepEditor* quantizeInt8(QWidget* parent)
{
    return new QuantizeInt8Editor(parent);
}

StepEditor* quantizeFp16(QWidget* parent)
{
    return new QuantizeFp16Editor(parent);
}

} // namespace slimscope::ui::editors
