#pragma once

// What the window is looking at, in one object: the model's analysis, the recipe, its preview, the last
// sensitivity sweep and the selected layer. Views subscribe to its signals; MainWindow keeps layout and actions
// and feeds the session, not the views.

#include "modelptrs.h"
#include "slim/recipe.h"

#include <QObject>

namespace slimscope::ui {

class Session : public QObject {
    Q_OBJECT
public:
    explicit Session(QObject* parent = nullptr)
        : QObject(parent)
    { }

    const AnalysisPtr& analysis() const { return m_analysis; }
    const core::slim::Recipe& recipe() const { return m_recipe; }
    /// The preview of recipe() on analysis(), or null while none is computed (or the recipe is empty).
    const SlimResultPtr& preview() const { return m_preview; }
    /// The last sensitivity sweep measured on analysis(), or null (cleared with a new model).
    const SensitivityPtr& sensitivity() const { return m_sensitivity; }
    /// Index into Analysis::layers, or -1.
    int selectedLayer() const { return m_selectedLayer; }
    /// The largest weight tensor of the selected layer (index into Analysis::tensors), or -1.
    int selectedTensor() const;

    /// A new model: the preview and the selection are cleared (the recipe stays, to be applied to the new model).
    void setAnalysis(const AnalysisPtr& analysis);
    void setRecipe(const core::slim::Recipe& recipe);
    void setPreview(const SlimResultPtr& preview);
    void setSensitivity(const SensitivityPtr& sensitivity);
    void selectLayer(int layerIndex);
    /// The weights of the layers ticked in the Layers table (biases and normalisation parameters left out, as the
    /// default scope does); the Slim panel can limit a step to them.
    void setTickedTensors(std::vector<std::string> tensors);
    const std::vector<std::string>& tickedTensors() const { return m_tickedTensors; }

signals:
    void analysisChanged(const slimscope::ui::AnalysisPtr& analysis);
    void recipeChanged(const slimscope::core::slim::Recipe& recipe);
    void previewChanged(const slimscope::ui::SlimResultPtr& preview);
    void sensitivityChanged(const slimscope::ui::SensitivityPtr& sensitivity);
    void layerSelected(int layerIndex);
    void tickedTensorsChanged(const std::vector<std::string>& tensors);

private:
    std::vector<std::string> m_tickedTensors;
    AnalysisPtr m_analysis;
    core::slim::Recipe m_recipe;
    SlimResultPtr m_preview;
    SensitivityPtr m_sensitivity;
    int m_selectedLayer = -1;
};

} // namespace slimscope::ui
