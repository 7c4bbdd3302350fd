#include "pages.h"
#include "session/session.h"
#include "slimming/slimpanel.h"
#include "viewregistry.h"

namespace slimscope::ui::views {

QWidget* slim(ViewContext& context)
{
    Session& session = context.session;
    auto* panel = new SlimPanel(context.parent);
    QObject::connect(&session, &Session::analysisChanged, panel, [panel](const AnalysisPtr& analysis) {
        if (analysis)
            panel->setAnalysis(analysis);
    });
    QObject::connect(&session, &Session::tickedTensorsChanged, panel, &SlimPanel::setTickedTensors);
    QObject::connect(panel, &SlimPanel::previewChanged, &session, &Session::setPreview);
    QObject::connect(panel, &SlimPanel::recipeChanged, &session, &Session::setRecipe);
    return panel;
}

} // namespace slimscope::ui::views
