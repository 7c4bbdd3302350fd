#include "session.h"

namespace slimscope::ui {

int Session::selectedTensor() const
{
    if (!m_analysis || m_selectedLayer < 0 || m_selectedLayer >= static_cast<int>(m_analysis->layers.size()))
        return -1;
    return m_analysis->largestTensor(m_analysis->layers[static_cast<std::size_t>(m_selectedLayer)]).raw();
}

void Session::setAnalysis(const AnalysisPtr& analysis)
{
    m_analysis = analysis;
    m_preview.reset();
    m_sensitivity.reset();
    m_selectedLayer = -1;
    emit analysisChanged(m_analysis);
    emit previewChanged(m_preview);
    emit sensitivityChanged(m_sensitivity);
}

void Session::setRecipe(const core::slim::Recipe& recipe)
{
    if (recipe == m_recipe)
        return;
    m_recipe = recipe;
    emit recipeChanged(m_recipe);
}

void Session::setPreview(const SlimResultPtr& preview)
{
    m_preview = preview;
    emit previewChanged(m_preview);
}

void Session::setSensitivity(const SensitivityPtr& sensitivity)
{
    m_sensitivity = sensitivity;
    emit sensitivityChanged(m_sensitivity);
}

void Session::setTickedTensors(std::vector<std::string> tensors)
{
    m_tickedTensors = std::move(tensors);
    emit tickedTensorsChanged(m_tickedTensors);
}

void Session::selectLayer(int layerIndex)
{
    // Every view follows one selection and ignores a selection it already shows; re-emitting is harmless.
    m_selectedLayer = layerIndex;
    emit layerSelected(layerIndex);
}

} // namespace slimscope::ui
