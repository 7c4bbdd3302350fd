#pragma once

#include "modelptrs.h"

#include <QTextBrowser>

namespace slimscope::ui {

/// The model at a glance: identity, sizes, totals by dtype, the top layers and the findings with the bytes
/// each would recover.
class SummaryView : public QTextBrowser {
    Q_OBJECT
public:
    explicit SummaryView(QWidget* parent = nullptr);
    void setAnalysis(const AnalysisPtr& analysis);
    /// The first stage of a load: what the file says about itself, while statistics are computed.
    void showLoading(const core::model::ModelFile& file);

private:
    QString render(const core::analysis::Analysis& analysis) const;
};

} // namespace slimscope::ui
