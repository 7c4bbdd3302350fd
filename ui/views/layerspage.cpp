#include "pages.h"
#include "session/session.h"
#include "viewregistry.h"
#include "views/layersmodel.h"
#include "views/layersview.h"

#include <QSet>

#include <algorithm>

namespace slimscope::ui::views {

QWidget* layers(ViewContext& context)
{
    Session& session = context.session;
    auto* view = new LayersView(context.parent);
    QObject::connect(&session, &Session::analysisChanged, view, [view](const AnalysisPtr& analysis) {
        if (analysis)
            view->setAnalysis(analysis);
    });
    QObject::connect(&session, &Session::layerSelected, view, &LayersView::selectLayer);
    QObject::connect(&session, &Session::previewChanged, view->model(), &LayersModel::setPreview);
    QObject::connect(view, &LayersView::layerSelected, &session, &Session::selectLayer);
    QObject::connect(view->model(), &LayersModel::tickedLayersChanged, &session, [&session](const QSet<int>& layers) {
        std::vector<std::string> tensors;
        if (const AnalysisPtr& analysis = session.analysis())
            for (const int layer : layers) {
                const auto& ticked = analysis->layers[static_cast<std::size_t>(layer)];
                // A ticked layer selects every weight it uses, also those counted in another layer; biases
                // and normalisation parameters stay out, as in the default scope.
                for (const auto* list : { &ticked.tensors, &ticked.sharedTensors })
                    for (const auto t : *list)
                        if (!analysis->tensor(t).biasOrNorm)
                            tensors.push_back(analysis->tensor(t).name);
            }
        std::ranges::sort(tensors);
        tensors.erase(std::unique(tensors.begin(), tensors.end()), tensors.end());
        session.setTickedTensors(std::move(tensors));
    });
    return view;
}

} // namespace slimscope::ui::views
