#include "pages.h"
#include "session/session.h"
#include "viewregistry.h"
#include "views/summaryview.h"

namespace slimscope::ui::views {

QWidget* summary(ViewContext& context)
{
    auto* view = new SummaryView(context.parent);
    QObject::connect(&context.session, &Session::analysisChanged, view, [view](const AnalysisPtr& analysis) {
        if (analysis)
            view->setAnalysis(analysis);
    });
    return view;
}

} // namespace slimscope::ui::views
