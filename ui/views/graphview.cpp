#include "graphview.h"

#include "graph/dotgraph.h"
#include "graph/minimap.h"
#include "jobs/jobrunner.h"
#include "pages.h"
#include "session/session.h"
#include "support/output.h"
#include "viewregistry.h"

#ifdef SLIMSCOPE_HAVE_SVG
#include <QSvgGenerator>
#endif

#include <QBuffer>
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QElapsedTimer>
#include <QFileDialog>
#include <QFileInfo>
#include <QGraphicsRectItem>
#include <QGraphicsScene>
#include <QGraphicsView>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPainter>
#include <QPushButton>
#include <QShortcut>
#include <QStandardItemModel>
#include <QStandardPaths>
#include <QTimer>
#include <QVBoxLayout>
#include <QWheelEvent>

namespace slimscope::ui {

namespace {

namespace cg = core::graph;

/// What a layout job hands back: the graph it drew and where dot put it.
struct DrawnGraph {
    std::shared_ptr<const cg::GroupTree> tree; ///< the groups, computed in the job for a new model
    cg::Expansion expansion;
    std::shared_ptr<const cg::VisibleGraph> graph;
    GraphLayout layout;
    QImage overview; ///< the minimap's picture
};

QString q(const std::string& text)
{
    return QString::fromStdString(text);
}

} // namespace

GraphView::GraphView(Session& session, QWidget* parent)
    : QWidget(parent)
    , m_session(session)
    , m_job(new JobRunner(this))
    , m_scene(new QGraphicsScene(this))
    , m_previewDelay(new QTimer(this))
{
    setObjectName(QStringLiteral("graphView"));
    auto* layout = new QVBoxLayout(this);
    auto* controls = new QHBoxLayout;
    m_measure = new QComboBox(this);
    m_measure->setObjectName(QStringLiteral("graphMeasure"));
    for (const char* name : { "bytes", "params", "macs", "sparsity", "dtype", "sensitivity" })
        m_measure->addItem(QString::fromLatin1(name));
    controls->addWidget(new QLabel(tr("Colour by"), this));
    controls->addWidget(m_measure);
    m_after = new QCheckBox(tr("After recipe"), this);
    m_after->setToolTip(tr("Sizes after the recipe's preview; removed nodes dashed, cut channels counted"));
    controls->addWidget(m_after);
    auto* outline = new QPushButton(tr("Outline"), this);
    outline->setToolTip(tr("Close name scopes again until about %1 nodes show").arg(kOutlineNodes));
    controls->addWidget(outline);
    auto* all = new QPushButton(tr("Expand all"), this);
    all->setToolTip(tr("Open every group: the whole graph (a large model takes dot a while)"));
    controls->addWidget(all);
    controls->addStretch(1);
    m_find = new QLineEdit(this);
    m_find->setObjectName(QStringLiteral("graphFind"));
    m_find->setPlaceholderText(tr("Find node (Ctrl+F)"));
    m_find->setClearButtonEnabled(true);
    m_find->setMaximumWidth(200);
    controls->addWidget(m_find);
    auto* exportButton = new QPushButton(tr("Export…"), this);
    exportButton->setToolTip(tr("Save the graph as SVG or PNG"));
    controls->addWidget(exportButton);
    layout->addLayout(controls);
    m_status = new QLabel(this);
    m_status->setWordWrap(true);
    layout->addWidget(m_status);
    m_view = new QGraphicsView(m_scene, this);
    m_view->setDragMode(QGraphicsView::ScrollHandDrag);
    m_view->setRenderHint(QPainter::Antialiasing);
    m_view->viewport()->installEventFilter(this);
    layout->addWidget(m_view, 1);
    m_minimap = new GraphMinimap(m_view);

    connect(exportButton, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getSaveFileName(
            this, tr("Export Graph"), QStringLiteral("graph.svg"), tr("SVG (*.svg);;PNG (*.png)"));
        if (path.isEmpty())
            return;
        const auto written = exportTo(path);
        m_status->setText(written
                ? tr("Graph written to %1").arg(QDir::toNativeSeparators(path))
                : tr("<span style='color:#c33'>%1</span>").arg(q(written.error().message).toHtmlEscaped()));
    });
    auto* findShortcut = new QShortcut(QKeySequence::Find, this);
    findShortcut->setContext(Qt::WidgetWithChildrenShortcut);
    connect(findShortcut, &QShortcut::activated, this, [this] {
        m_find->setFocus();
        m_find->selectAll();
    });
    connect(m_find, &QLineEdit::returnPressed, this, [this] {
        if (!m_find->text().isEmpty() && !find(m_find->text()))
            m_status->setText(tr("No node's op or name contains '%1'.").arg(m_find->text().toHtmlEscaped()));
    });
    connect(outline, &QPushButton::clicked, this, &GraphView::showOutline);
    connect(all, &QPushButton::clicked, this, &GraphView::expandAll);
    connect(m_measure, &QComboBox::currentIndexChanged, this, &GraphView::relayout);
    connect(m_after, &QCheckBox::toggled, this, &GraphView::relayout);
    m_previewDelay->setSingleShot(true);
    m_previewDelay->setInterval(400); // previews follow sliders: lay out once the slider rests
    connect(m_previewDelay, &QTimer::timeout, this, [this] {
        if (isVisible() && m_after->isChecked())
            relayout();
    });
    connect(&m_session, &Session::analysisChanged, this, [this](const AnalysisPtr& analysis) {
        if (analysis == m_laidOut)
            return;
        m_job->cancel();
        m_scene->clear();
        m_minimap->hide();
        m_layout.reset();
        m_graph.reset();
        m_laidOut.reset();
        m_tree.reset();
        m_expansion.clear();
        if (analysis && isVisible())
            relayout();
    });
    connect(&m_session, &Session::previewChanged, this, [this](const SlimResultPtr& preview) {
        m_after->setEnabled(preview != nullptr);
        if (m_after->isChecked())
            m_previewDelay->start();
    });
    m_after->setEnabled(m_session.preview() != nullptr);
    connect(&m_session, &Session::sensitivityChanged, this, &GraphView::updateSensitivityChoice);
    updateSensitivityChoice();
    connect(&m_session, &Session::layerSelected, this, &GraphView::showSelection);
    connect(m_scene, &QGraphicsScene::selectionChanged, this, [this] {
        const auto items = m_scene->selectedItems();
        if (items.size() == 1)
            if (const auto* node = dynamic_cast<GraphNodeItem*>(items.front());
                node && node->layer() >= 0 && node->layer() != m_session.selectedLayer())
                m_session.selectLayer(node->layer());
    });
}

GraphView::~GraphView() = default;

void GraphView::updateSensitivityChoice()
{
    auto* model = qobject_cast<QStandardItemModel*>(m_measure->model());
    const bool measured = m_session.sensitivity() != nullptr;
    if (QStandardItem* item = model ? model->item(m_measure->findText(QStringLiteral("sensitivity"))) : nullptr) {
        item->setEnabled(measured);
        item->setToolTip(measured ? QString() : tr("Measure it in the Sensitivity view first"));
    }
    if (m_measure->currentText() == QLatin1String("sensitivity")) {
        if (!measured)
            m_measure->setCurrentIndex(0); // relayouts
        else if (isVisible())
            relayout();
    }
}

void GraphView::showEvent(QShowEvent* event)
{
    QWidget::showEvent(event);
    if (!m_layout && m_session.analysis() && m_job->state() != JobState::Running)
        relayout();
}

bool GraphView::eventFilter(QObject* watched, QEvent* event)
{
    if (watched == m_view->viewport() && event->type() == QEvent::Wheel) {
        auto* wheel = static_cast<QWheelEvent*>(event);
        if (wheel->modifiers() & Qt::ControlModifier) {
            const double factor = wheel->angleDelta().y() > 0 ? 1.15 : 1 / 1.15;
            m_view->setTransformationAnchor(QGraphicsView::AnchorUnderMouse);
            m_view->scale(factor, factor);
            m_minimap->follow();
            return true;
        }
    }
    return QWidget::eventFilter(watched, event);
}

void GraphView::setMeasure(const QString& measure)
{
    m_measure->setCurrentText(measure);
}

void GraphView::setAfterRecipe(bool after)
{
    m_after->setChecked(after);
}

void GraphView::setGroupOpen(int group, bool open)
{
    if (!m_tree || group < 0 || static_cast<std::size_t>(group) >= m_expansion.size())
        return;
    m_expansion[static_cast<std::size_t>(group)] = open;
    m_focusGroup = group;
    relayout();
}

void GraphView::expandAll()
{
    if (!m_tree)
        return;
    m_expansion = cg::expandAll(*m_tree);
    relayout();
}

void GraphView::showOutline()
{
    if (!m_tree)
        return;
    m_expansion = cg::expandUpTo(*m_tree, kOutlineNodes);
    relayout();
}

void GraphView::relayout()
{
    const AnalysisPtr analysis = m_session.analysis();
    if (!analysis)
        return;
    if (QStandardPaths::findExecutable(QStringLiteral("dot")).isEmpty()) {
        m_status->setText(tr("The graph is laid out by Graphviz's dot program, which is not installed: "
                             "<b>apt install graphviz</b>, then reopen this view."));
        emit finished();
        return;
    }
    const cg::NodeMeasure measure = *cg::parseNodeMeasure(m_measure->currentText().toStdString());
    const SlimResultPtr preview = m_after->isChecked() ? m_session.preview() : nullptr;
    const SensitivityPtr sensitivity = m_session.sensitivity();
    m_status->setText(tr("Laying the graph out…"));
    QElapsedTimer clock;
    clock.start();
    m_job->start<DrawnGraph>(
        tr("Laying out the graph"),
        [analysis, known = m_tree, opened = m_expansion, measure, preview, sensitivity](
            const JobContext& job) -> core::Result<DrawnGraph> {
            auto tree = known;
            auto expansion = opened;
            if (!tree) { // a new model: its groups and outline (a large model's take a moment: not in the GUI thread)
                tree = std::make_shared<const cg::GroupTree>(cg::groupLayers(*analysis));
                expansion = cg::expandUpTo(*tree, kOutlineNodes);
            }
            cg::Figures figures = cg::figuresOf(*analysis);
            if (preview && preview->model)
                cg::applyPreview(figures, *analysis, preview->preview, cg::removedLayers(*analysis, *preview->model));
            if (sensitivity)
                cg::applySensitivity(figures, *analysis, *sensitivity);
            auto graph = std::make_shared<const cg::VisibleGraph>(
                cg::visibleGraph(*analysis, *tree, expansion, figures, measure));
            auto layout = layOutWithDot(cg::toDot(*graph), job.cancel());
            if (!layout)
                return std::unexpected(layout.error());
            QImage overview = overviewImage(*layout, kMinimapSide);
            return DrawnGraph { std::move(tree), std::move(expansion), std::move(graph), std::move(*layout),
                std::move(overview) };
        },
        [this, analysis, clock](core::Result<DrawnGraph> result) {
            if (!result) {
                m_status->setText(result.error().code == core::ErrorCode::Cancelled
                        ? QString()
                        : tr("<span style='color:#c33'>%1</span>").arg(q(result.error().message).toHtmlEscaped()));
                emit finished();
                return;
            }
            const bool sameModel = m_laidOut == analysis;
            if (!m_tree) {
                m_tree = std::move(result->tree);
                m_expansion = std::move(result->expansion);
            }
            m_graph = std::move(result->graph);
            m_layout = std::make_shared<const GraphLayout>(std::move(result->layout));
            m_overview = std::move(result->overview);
            m_laidOut = analysis;
            draw(sameModel ? m_focusGroup : -2);
            m_focusGroup = -1;
            std::size_t closed = 0;
            for (const auto& node : m_graph->nodes)
                closed += node.kind == cg::GraphNode::Kind::Group;
            QString text = tr("%1 nodes, %2 edges, laid out in %3 s.")
                               .arg(m_graph->nodes.size())
                               .arg(m_graph->edges.size())
                               .arg(static_cast<double>(clock.elapsed()) / 1000.0, 0, 'f', 2);
            if (closed)
                text
                    += tr(" %1 closed groups: click one to open it, an open group's ▾ header to close it.").arg(closed);
            m_status->setText(text + tr(" Ctrl+wheel zooms."));
            emit finished();
        });
}

void GraphView::draw(int focusGroup)
{
    GraphSceneActions actions;
    actions.open = [this](int group) { setGroupOpen(group, true); };
    actions.close = [this](int group) { setGroupOpen(group, false); };
    const QTransform zoom = m_view->transform();
    buildGraphScene(*m_scene, *m_graph, *m_layout, actions);
    if (focusGroup == -2) {
        // A new model starts readable: full width when that leaves text legible, else the top at 80 %.
        m_view->resetTransform();
        const double fit = m_view->viewport()->width() / std::max(1.0, m_scene->sceneRect().width());
        m_view->scale(std::clamp(fit, 0.8, 1.5), std::clamp(fit, 0.8, 1.5));
        m_view->centerOn(m_scene->sceneRect().center().x(), m_scene->sceneRect().top());
    } else {
        m_view->setTransform(zoom);
    }
    m_minimap->setPicture(m_overview);
    if (focusGroup >= 0)
        for (QGraphicsItem* item : m_scene->items()) {
            const auto* node = dynamic_cast<GraphNodeItem*>(item);
            if ((node && node->group() == focusGroup) || item->data(kGroupFrameData).toInt() == focusGroup + 1) {
                m_view->centerOn(item);
                break;
            }
        }
    showSelection(m_session.selectedLayer());
    m_minimap->follow();
}

core::Result<void> GraphView::exportTo(const QString& path) const
{
    if (!m_layout)
        return core::fail(core::ErrorCode::InvalidArgument, "no graph laid out yet");
    const QString suffix = QFileInfo(path).suffix().toLower();
    const QRectF source = m_scene->sceneRect();
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    if (suffix == QLatin1String("png")) {
        QImage image((source.size() * 2).toSize(), QImage::Format_ARGB32);
        image.fill(Qt::white);
        QPainter painter(&image);
        painter.setRenderHint(QPainter::Antialiasing);
        m_scene->render(&painter, QRectF(QPointF(0, 0), image.size()), source);
        painter.end();
        image.save(&buffer, "PNG");
    } else if (suffix == QLatin1String("svg")) {
#ifdef SLIMSCOPE_HAVE_SVG
        QSvgGenerator generator;
        generator.setOutputDevice(&buffer);
        generator.setSize(source.size().toSize());
        generator.setViewBox(QRectF(QPointF(0, 0), source.size()));
        generator.setTitle(QStringLiteral("Slimscope graph"));
        QPainter painter(&generator);
        m_scene->render(&painter, QRectF(QPointF(0, 0), source.size()), source);
        painter.end();
#else
        return core::fail(core::ErrorCode::Unsupported, "built without Qt SVG: export the graph as .png");
#endif
    } else {
        return core::fail(
            core::ErrorCode::InvalidArgument, "export the graph as .svg or .png, not ." + suffix.toStdString());
    }
    auto written = core::writeOutput(path.toStdString(),
        std::string_view(bytes.constData(), static_cast<std::size_t>(bytes.size())),
        m_session.analysis() ? m_session.analysis()->modelFile->inputFiles() : std::vector<core::InputFile> {});
    if (!written)
        return std::unexpected(written.error());
    return {};
}

bool GraphView::find(const QString& text)
{
    const AnalysisPtr analysis = m_session.analysis();
    if (!analysis || !m_tree || text.isEmpty())
        return false;
    // Drawn layers in model order, starting after the selected one, so Enter steps through the matches.
    std::vector<int> matches;
    for (std::size_t l = 0; l < analysis->layers.size(); ++l) {
        const auto& layer = analysis->layers[l];
        if (!m_tree->folded[l]
            && (q(layer.opType).contains(text, Qt::CaseInsensitive)
                || q(layer.name).contains(text, Qt::CaseInsensitive)))
            matches.push_back(static_cast<int>(l));
    }
    if (matches.empty())
        return false;
    auto next = std::ranges::upper_bound(matches, m_session.selectedLayer());
    const int found = next == matches.end() ? matches.front() : *next;
    if (cg::hiddenBy(*m_tree, m_expansion, static_cast<std::size_t>(found)) >= 0) {
        cg::reveal(*m_tree, m_expansion, static_cast<std::size_t>(found));
        relayout(); // the selection is shown once the layout is drawn
    }
    m_session.selectLayer(found);
    return true;
}

void GraphView::showSelection(int layer)
{
    const int hidden = layer >= 0 && m_tree && static_cast<std::size_t>(layer) < m_tree->groupOf.size()
        ? cg::hiddenBy(*m_tree, m_expansion, static_cast<std::size_t>(layer))
        : -1;
    for (QGraphicsItem* item : m_scene->items())
        if (auto* node = dynamic_cast<GraphNodeItem*>(item)) {
            const bool selected = (layer >= 0 && node->layer() == layer) || (hidden >= 0 && node->group() == hidden);
            node->setHighlighted(selected);
            if (selected && isVisible())
                m_view->centerOn(node);
        }
    m_minimap->update();
}

namespace views {

QWidget* graph(ViewContext& context)
{
    return new GraphView(context.session, context.parent);
}

} // namespace views

} // namespace slimscope::ui
