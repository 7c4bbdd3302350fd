#include "slim/steps/quantize.h"
#include "stepeditor.h"
#include "stepeditors.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFormLayout>
#include <QLabel>
#include <QVBoxLayout>

namespace slimscope::ui::editors {

using core::slim::QuantizeFp16Step;
using core::slim::QuantizeInt4Step;
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

class QuantizeInt4Editor final : public StepEditor {
public:
    explicit QuantizeInt4Editor(QWidget* parent)
        : StepEditor(parent)
    {
        auto* layout = new QFormLayout(this);
        m_blockSize = new QComboBox(this);
        m_blockSize->setObjectName(QStringLiteral("int4BlockSize"));
        for (const int size : { 16, 32, 64, 128, 256 })
            m_blockSize->addItem(QString::number(size), size);
        m_blockSize->setToolTip(tr("Weights per scale along K: smaller blocks are more accurate and a little larger"));
        layout->addRow(tr("Block size"), m_blockSize);
        m_accuracy = new QComboBox(this);
        m_accuracy->addItems({ tr("0: compute as the model's float type"), tr("1: float32"), tr("2: float16"),
            tr("3: bfloat16"), tr("4: int8 (fastest on CPUs with VNNI)") });
        layout->addRow(tr("Accuracy level"), m_accuracy);
        m_symmetric = new QCheckBox(tr("Symmetric (off: a zero point per block)"), this);
        layout->addRow(QString(), m_symmetric);
        m_others = new QCheckBox(tr("Other weights (Conv, embeddings) int8 per channel"), this);
        m_others->setToolTip(tr("ONNX Runtime's MatMulNBits reads only MatMul and Gemm weights"));
        layout->addRow(QString(), m_others);
        const auto edit = [this](auto apply) {
            return [this, apply](auto value) {
                report([apply, value](core::slim::StepParams& params) {
                    if (auto* step = params.as<QuantizeInt4Step>())
                        apply(*step, value);
                });
            };
        };
        connect(m_blockSize, &QComboBox::currentIndexChanged, this, [this, edit](int index) {
            edit([](QuantizeInt4Step& s, int size) { s.blockSize = size; })(m_blockSize->itemData(index).toInt());
        });
        connect(m_accuracy, &QComboBox::currentIndexChanged, this,
            edit([](QuantizeInt4Step& s, int level) { s.accuracyLevel = level; }));
        connect(m_symmetric, &QCheckBox::toggled, this, edit([](QuantizeInt4Step& s, bool on) { s.symmetric = on; }));
        connect(m_others, &QCheckBox::toggled, this, edit([](QuantizeInt4Step& s, bool on) { s.othersInt8 = on; }));
    }

protected:
    void load(const core::slim::StepParams& params) override
    {
        if (const auto* step = params.as<QuantizeInt4Step>()) {
            m_blockSize->setCurrentIndex(m_blockSize->findData(static_cast<int>(step->blockSize)));
            m_accuracy->setCurrentIndex(static_cast<int>(step->accuracyLevel));
            m_symmetric->setChecked(step->symmetric);
            m_others->setChecked(step->othersInt8);
        }
    }

private:
    QComboBox* m_blockSize;
    QComboBox* m_accuracy;
    QCheckBox* m_symmetric;
    QCheckBox* m_others;
};

// A step without settings: what it does, in a sentence.
class NoteEditor final : public StepEditor {
public:
    NoteEditor(QWidget* parent, const QString& note)
        : StepEditor(parent)
    {
        auto* layout = new QVBoxLayout(this);
        auto* text = new QLabel(note, this);
        text->setWordWrap(true);
        layout->addWidget(text);
    }

protected:
    void load(const core::slim::StepParams&) override { }
};

class QuantizeFp16Editor final : public StepEditor {
public:
    QuantizeFp16Editor(QWidget* parent, bool bfloat16)
        : StepEditor(parent)
    {
        auto* layout = new QVBoxLayout(this);
        auto* text = new QLabel(bfloat16
                ? tr("Float weights are stored as bfloat16 (float32's range, 8 bits of precision) and cast back to "
                     "float32 where they are read. Needs opset 13; older models are upgraded.")
                : tr("Float weights are stored as float16 (values beyond ±65504 saturate: the preview counts them, "
                     "and the fp16_overflow finding names them) and cast back to float32 where they are read."),
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

StepEditor* quantizeInt4(QWidget* parent)
{
    return new QuantizeInt4Editor(parent);
}

StepEditor* quantizeFp16(QWidget* parent)
{
    return new QuantizeFp16Editor(parent, false);
}

StepEditor* quantizeInt8Dynamic(QWidget* parent)
{
    return new NoteEditor(parent,
        QObject::tr("MatMul and Gemm weights are stored int8 per output column and read by ONNX Runtime's "
                    "DynamicQuantizeMatMul, which quantizes the activations of each batch at run time and multiplies "
                    "in integers: the usual speed-up for transformer models on CPU. Other weights stay as they are."));
}

StepEditor* quantizeBf16(QWidget* parent)
{
    return new QuantizeFp16Editor(parent, true);
}

} // namespace slimscope::ui::editors
