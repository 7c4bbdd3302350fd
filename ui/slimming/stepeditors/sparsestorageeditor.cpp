#include "slim/steps/sparsestorage.h"
#include "stepeditor.h"
#include "stepeditors.h"

#include <QComboBox>
#include <QFormLayout>

namespace slimscope::ui::editors {

using core::slim::SparseStorageStep;

namespace {

class SparseStorageEditor final : public StepEditor {
public:
    explicit SparseStorageEditor(QWidget* parent)
        : StepEditor(parent)
    {
        auto* layout = new QFormLayout(this);
        m_policy = new QComboBox(this);
        m_policy->addItems({ tr("auto (where smaller)"), tr("always"), tr("never") });
        layout->addRow(tr("Policy"), m_policy);
        connect(m_policy, &QComboBox::currentIndexChanged, this, [this](int policy) {
            report([policy](core::slim::StepParams& params) {
                if (auto* step = params.as<SparseStorageStep>())
                    step->policy = policy == 1 ? SparseStorageStep::Policy::Always
                        : policy == 2          ? SparseStorageStep::Policy::Never
                                               : SparseStorageStep::Policy::Auto;
            });
        });
    }

protected:
    void load(const core::slim::StepParams& params) override
    {
        if (const auto* step = params.as<SparseStorageStep>())
            m_policy->setCurrentIndex(step->policy == SparseStorageStep::Policy::Always ? 1
                    : step->policy == SparseStorageStep::Policy::Never                  ? 2
                                                                                        : 0);
    }

private:
    QComboBox* m_policy;
};

} // namespace

StepEditor* sparseStorage(QWidget* parent)
{
    return new SparseStorageEditor(parent);
}

} // namespace slimscope::ui::editors
