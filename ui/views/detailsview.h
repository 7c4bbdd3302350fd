#pragma once

#include "modelptrs.h"

#include <QTextBrowser>

namespace slimscope::ui {

/// The selected layer: its weight tensors with statistics, consumers, and the findings that name them.
class DetailsView : public QTextBrowser {
    Q_OBJECT
public:
    explicit DetailsView(QWidget* parent = nullptr);
    void setAnalysis(const AnalysisPtr& analysis);
    void showLayer(int layerIndex);
    int currentLayer() const { return m_layer; }

private:
    AnalysisPtr m_analysis;
    int m_layer = -1;
};

} // namespace slimscope::ui
