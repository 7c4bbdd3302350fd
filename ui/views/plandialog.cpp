#include "plandialog.h"

#include "runtime/inputset.h"
#include "support/quantities.h"

#include <QCheckBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>

namespace slimscope::ui {

core::Result<std::uint64_t> parsePlanTarget(const QString& text, std::uint64_t fileBytes)
{
    const QString trimmed = text.trimmed();
    if (trimmed.endsWith(u'x', Qt::CaseInsensitive)) {
        bool ok = false;
        const double ratio = trimmed.chopped(1).trimmed().toDouble(&ok);
        if (!ok || ratio < 1.0)
            return core::fail(core::ErrorCode::InvalidArgument,
                "target '" + text.toStdString() + "': a ratio is a number of at least 1 followed by x (4x)");
        return static_cast<std::uint64_t>(static_cast<double>(fileBytes) / ratio);
    }
    return core::parseByteSize(trimmed.toStdString());
}

std::optional<core::plan::PlanOptions> askPlanOptions(QWidget* parent, std::uint64_t fileBytes)
{
    QDialog dialog(parent);
    dialog.setWindowTitle(QObject::tr("Plan for a Target Size"));
    auto* form = new QFormLayout(&dialog);
    auto* target = new QLineEdit(QStringLiteral("4x"), &dialog);
    target->setObjectName(QStringLiteral("planTarget"));
    target->setToolTip(QObject::tr("A size (25MB, 9.5MiB, bytes) or how many times smaller (4x)"));
    form->addRow(QObject::tr("Target"), target);
    auto* minCosine = new QDoubleSpinBox(&dialog);
    minCosine->setRange(0.0, 1.0);
    minCosine->setDecimals(4);
    minCosine->setSingleStep(0.001);
    minCosine->setValue(0.99);
    form->addRow(QObject::tr("Every output's cosine at least"), minCosine);
    auto* steps = new QHBoxLayout;
    std::vector<std::pair<QCheckBox*, std::string>> boxes;
    for (const auto& [spec, on] : std::vector<std::pair<std::string, bool>> {
             { "int8", true }, { "int4", true }, { "fp16", true }, { "bf16", false }, { "prune:0.5", false } }) {
        auto* box = new QCheckBox(QString::fromStdString(spec), &dialog);
        box->setChecked(on);
        steps->addWidget(box);
        boxes.emplace_back(box, spec);
    }
    form->addRow(QObject::tr("Candidate steps"), steps);
    auto* samples = new QLineEdit(QStringLiteral("random:8"), &dialog);
    form->addRow(QObject::tr("Samples"), samples);
    auto* error = new QLabel(&dialog);
    error->setStyleSheet(QStringLiteral("color: #c33"));
    error->setWordWrap(true);
    form->addRow(error);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
    buttons->button(QDialogButtonBox::Ok)->setText(QObject::tr("Plan"));
    form->addRow(buttons);
    core::plan::PlanOptions options;
    QObject::connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    QObject::connect(buttons, &QDialogButtonBox::accepted, &dialog, [&] {
        const auto bytes = parsePlanTarget(target->text(), fileBytes);
        const auto inputs = core::runtime::parseInputSetSpec(samples->text().trimmed().toStdString());
        options.steps.clear();
        for (const auto& [box, spec] : boxes)
            if (box->isChecked())
                options.steps.push_back(spec);
        if (!bytes || !inputs || options.steps.empty()) {
            error->setText(QString::fromStdString(!bytes ? bytes.error().message
                    : !inputs                            ? inputs.error().message
                                                         : std::string("choose at least one candidate step")));
            return;
        }
        options.targetBytes = *bytes;
        options.minCosine = minCosine->value();
        options.sensitivity.inputs = *inputs;
        dialog.accept();
    });
    if (dialog.exec() != QDialog::Accepted)
        return std::nullopt;
    return options;
}

} // namespace slimscope::ui
