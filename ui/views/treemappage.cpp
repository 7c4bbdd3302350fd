#include "mainwindow.h"
#include "pages.h"
#include "session/session.h"
#include "viewregistry.h"
#include "views/treemapwidget.h"

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QVBoxLayout>

namespace slimscope::ui::views {

namespace {

/// The analysis with each tensor's bytes replaced by what the preview's recipe leaves of it.
AnalysisPtr analysisAfter(const AnalysisPtr& analysis, const SlimResultPtr& preview)
{
    auto after = std::make_shared<core::analysis::Analysis>(*analysis);
    const auto changes = core::slim::changesByTensor(preview->preview, after->tensors.size());
    for (std::size_t t = 0; t < after->tensors.size(); ++t)
        if (changes[t])
            after->tensors[t].bytes = changes[t]->bytesAfter;
    core::analysis::assignScopes(*after);
    return after;
}

} // namespace

QWidget* treemap(ViewContext& context)
{
    Session& session = context.session;
    auto* page = new QWidget(context.parent);
    auto* layout = new QVBoxLayout(page);
    layout->setContentsMargins(4, 4, 4, 4);
    auto* colourBy = new QComboBox(page);
    colourBy->addItems({ QObject::tr("Colour by dtype"), QObject::tr("Colour by sparsity") });
    colourBy->setToolTip(QObject::tr("What the treemap's colours show"));
    auto* treemap = new TreemapWidget(page);
    QObject::connect(colourBy, &QComboBox::currentIndexChanged, treemap, [treemap](int mode) {
        treemap->setColourMode(mode == 1 ? TreemapWidget::ColourMode::Sparsity : TreemapWidget::ColourMode::Dtype);
    });
    auto* showAfter = new QCheckBox(QObject::tr("Show sizes after the recipe"), page);
    showAfter->setObjectName(QStringLiteral("treemapAfter"));
    showAfter->setToolTip(QObject::tr("Areas follow the Slim view's preview instead of the model as it is"));
    auto* controls = new QHBoxLayout;
    controls->addWidget(colourBy);
    controls->addWidget(showAfter);
    controls->addStretch(1);
    layout->addLayout(controls);
    layout->addWidget(treemap, 1);

    const auto refresh = [&session, treemap, showAfter] {
        const AnalysisPtr& analysis = session.analysis();
        if (!analysis)
            return;
        const SlimResultPtr& preview = session.preview();
        treemap->setAnalysis(showAfter->isChecked() && preview ? analysisAfter(analysis, preview) : analysis);
    };
    QObject::connect(&session, &Session::analysisChanged, treemap, refresh);
    QObject::connect(&session, &Session::previewChanged, treemap, [refresh, showAfter] {
        if (showAfter->isChecked())
            refresh();
    });
    QObject::connect(showAfter, &QCheckBox::toggled, treemap, refresh);
    QObject::connect(treemap, &TreemapWidget::scopeSelected, &session, [&session](int scope) {
        const AnalysisPtr& analysis = session.analysis();
        if (analysis && scope >= 0 && scope < static_cast<int>(analysis->scopes.size())
            && analysis->scopes[static_cast<std::size_t>(scope)].layer >= 0)
            session.selectLayer(analysis->scopes[static_cast<std::size_t>(scope)].layer);
    });
    MainWindow* window = &context.window;
    QObject::connect(treemap, &TreemapWidget::layerActivated, &session, [&session, window](int layer) {
        session.selectLayer(layer);
        window->showView(QStringLiteral("layers"));
    });
    return page;
}

} // namespace slimscope::ui::views
