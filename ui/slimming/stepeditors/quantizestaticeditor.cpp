// The int8-static step's editor: the calibration samples (a folder or random:N), the range method, exclusions.
#include "runtime/inputset.h"
#include "slim/steps/quantize.h"
#include "stepeditor.h"
#include "stepeditors.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>

namespace slimscope::ui::editors {

using core::slim::QuantizeInt8StaticStep;

namespace {

QString joined(const std::vector<std::string>& items)
{
    QStringList list;
    for (const auto& item : items)
        list << QString::fromStdString(item);
    return list.join(QStringLiteral(", "));
}

std::vector<std::string> split(const QString& text)
{
    std::vector<std::string> items;
    for (const QString& part : text.split(u',', Qt::SkipEmptyParts))
        if (const QString trimmed = part.trimmed(); !trimmed.isEmpty())
            items.push_back(trimmed.toStdString());
    return items;
}

class QuantizeInt8StaticEditor final : public StepEditor {
public:
    explicit QuantizeInt8StaticEditor(QWidget* parent)
        : StepEditor(parent)
    {
        auto* layout = new QFormLayout(this);
        auto* note = new QLabel(tr("Weights int8 per channel and activations uint8, so that ONNX Runtime runs Conv, "
                                   "MatMul, Add and Concat on integers (faster on CPUs with VNNI). Activation ranges "
                                   "come from running the model on the calibration samples."),
            this);
        note->setWordWrap(true);
        layout->addRow(note);

        auto* samplesRow = new QHBoxLayout;
        m_inputs = new QLineEdit(this);
        m_inputs->setObjectName(QStringLiteral("calibrationInputs"));
        m_inputs->setPlaceholderText(QStringLiteral("random:8"));
        m_inputs->setToolTip(tr("random:N for N seeded random samples, or a folder of <input name>.npy|.pb files or "
                                "test_data_set_<k>/ sub-folders"));
        auto* browse = new QPushButton(tr("Folder…"), this);
        samplesRow->addWidget(m_inputs, 1);
        samplesRow->addWidget(browse);
        layout->addRow(tr("Calibration samples"), samplesRow);
        m_inputsError = new QLabel(this);
        m_inputsError->setStyleSheet(QStringLiteral("color: #c33"));
        m_inputsError->setWordWrap(true);
        m_inputsError->hide();
        layout->addRow(QString(), m_inputsError);

        m_method = new QComboBox(this);
        m_method->addItem(tr("Percentile (clips rare outliers)"), QStringLiteral("percentile"));
        m_method->addItem(tr("Min-max (every value in range)"), QStringLiteral("minmax"));
        layout->addRow(tr("Ranges"), m_method);
        m_percentile = new QDoubleSpinBox(this);
        m_percentile->setRange(90.0, 100.0);
        m_percentile->setDecimals(3);
        m_percentile->setSingleStep(0.01);
        m_percentile->setSuffix(QStringLiteral(" %"));
        layout->addRow(tr("Percentile"), m_percentile);
        m_excludeOps = new QLineEdit(this);
        m_excludeOps->setPlaceholderText(tr("op types, e.g. Add, Concat"));
        layout->addRow(tr("Keep float: ops"), m_excludeOps);
        m_excludeNodes = new QLineEdit(this);
        m_excludeNodes->setPlaceholderText(tr("node names, comma-separated"));
        layout->addRow(tr("Keep float: nodes"), m_excludeNodes);

        const auto edit = [this](auto apply) {
            report([apply](core::slim::StepParams& params) {
                if (auto* step = params.as<QuantizeInt8StaticStep>())
                    apply(*step);
            });
        };
        connect(m_inputs, &QLineEdit::editingFinished, this, [this, edit] { applyInputs(edit); });
        connect(browse, &QPushButton::clicked, this, [this, edit] {
            const QString folder = QFileDialog::getExistingDirectory(this, tr("Calibration Samples"));
            if (folder.isEmpty())
                return;
            m_inputs->setText(folder);
            applyInputs(edit);
        });
        connect(m_method, &QComboBox::currentIndexChanged, this, [this, edit](int index) {
            const std::string method = m_method->itemData(index).toString().toStdString();
            m_percentile->setEnabled(method == "percentile");
            edit([method](QuantizeInt8StaticStep& s) { s.method = method; });
        });
        connect(m_percentile, &QDoubleSpinBox::valueChanged, this,
            [edit](double p) { edit([p](QuantizeInt8StaticStep& s) { s.percentile = p; }); });
        connect(m_excludeOps, &QLineEdit::editingFinished, this, [this, edit] {
            edit([ops = split(m_excludeOps->text())](QuantizeInt8StaticStep& s) { s.excludeOps = ops; });
        });
        connect(m_excludeNodes, &QLineEdit::editingFinished, this, [this, edit] {
            edit([nodes = split(m_excludeNodes->text())](QuantizeInt8StaticStep& s) { s.excludeNodes = nodes; });
        });
    }

protected:
    void load(const core::slim::StepParams& params) override
    {
        if (const auto* step = params.as<QuantizeInt8StaticStep>()) {
            m_inputs->setText(QString::fromStdString(step->inputs));
            m_inputsError->hide();
            m_method->setCurrentIndex(m_method->findData(QString::fromStdString(step->method)));
            m_percentile->setValue(step->percentile);
            m_percentile->setEnabled(step->method == "percentile");
            m_excludeOps->setText(joined(step->excludeOps));
            m_excludeNodes->setText(joined(step->excludeNodes));
        }
    }

private:
    template <class Edit> void applyInputs(const Edit& edit)
    {
        const std::string text
            = m_inputs->text().trimmed().isEmpty() ? std::string("random:8") : m_inputs->text().trimmed().toStdString();
        if (auto spec = core::runtime::parseInputSetSpec(text); !spec) {
            m_inputsError->setText(QString::fromStdString(spec.error().message));
            m_inputsError->show();
            return;
        }
        m_inputsError->hide();
        edit([text](QuantizeInt8StaticStep& s) { s.inputs = text; });
    }

    QLineEdit* m_inputs;
    QLabel* m_inputsError;
    QComboBox* m_method;
    QDoubleSpinBox* m_percentile;
    QLineEdit* m_excludeOps;
    QLineEdit* m_excludeNodes;
};

} // namespace

StepEditor* quantizeInt8Static(QWidget* parent)
{
    return new QuantizeInt8StaticEditor(parent);
}

} // namespace slimscope::ui::editors
