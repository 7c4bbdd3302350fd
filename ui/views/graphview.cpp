#include "graphview.h"

#include "graph/dotgraph.h"
#include "jobs/jobrunner.h"
#include "pages.h"
#include "session/session.h"
#include "support/output.h"
#include "viewregistry.h"

#ifdef SLIMSCOPE_HAVE_SVG
#include <QSvgGenerator>
#endif

#include <QBuffer>
#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QGraphicsPathItem>
#include <QGraphicsScene>
#include <QGraphicsSimpleTextItem>
#include <QGraphicsView>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMouseEvent>
#include <QPainter>
#include <QProcess>
#include <QPushButton>
#include <QShortcut>
#include <QStandardPaths>
#include <QVBoxLayout>
#include <QWheelEvent>

namespace slimscope::ui {

namespace {

constexpr double kDpi = 72.0; // scene units per inch of dot's layout

/// Splits a plain-format line into tokens; "quoted strings" keep their spaces and \n escapes become newlines.
QStringList tokens(const QByteArray& line)
{
    QStringList out;
    QString current;
    bool inQuotes = false, any = false;
    for (qsizetype i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (inQuotes) {
            if (c == '\\' && i + 1 < line.size()) {
                const char next = line[++i];
                current += next == 'n' ? QChar(u'\n') : QChar(QLatin1Char(next));
            } else if (c == '"') {
                inQuotes = false;
            } else {
                current += QLatin1Char(c);
            }
        } else if (c == '"') {
            inQuotes = any = true;
        } else if (c == ' ') {
            if (any)
                out << current;
            current.clear();
            any = false;
        } else {
            current += QLatin1Char(c);
            any = true;
        }
    }
    if (any)
        out << current;
    return out;
}

class NodeItem final : public QGraphicsPathItem {
public:
    NodeItem(int layer, const QPainterPath& path)
        : QGraphicsPathItem(path)
        , m_layer(layer)
    { }
    int layer() const { return m_layer; }

private:
    int m_layer;
};

} // namespace

core::Result<GraphLayout> parsePlainLayout(const QByteArray& plain)
{
    GraphLayout layout;
    int number = 0;
    for (const QByteArray& line : plain.split('\n')) {
        ++number;
        const QStringList t = tokens(line.trimmed());
        if (t.isEmpty() || t[0] == QLatin1String("stop"))
            continue;
        bool ok = true;
        const auto num = [&](qsizetype i) {
            bool good = false;
            const double v = i < t.size() ? t[i].toDouble(&good) : 0.0;
            ok = ok && good;
            return v;
        };
        if (t[0] == QLatin1String("graph")) {
            layout.width = num(2);
            layout.height = num(3);
        } else if (t[0] == QLatin1String("node") && t.size() >= 11) {
            GraphLayout::Node node { t[1], num(2), num(3), num(4), num(5), t[6], t[8], t[10] };
            layout.nodes.push_back(std::move(node));
        } else if (t[0] == QLatin1String("edge") && t.size() >= 4) {
            GraphLayout::Edge edge { t[1], t[2], {} };
            const int count = static_cast<int>(num(3));
            for (int p = 0; p < count; ++p)
                edge.points.emplace_back(num(4 + 2 * p), num(5 + 2 * p));
            layout.edges.push_back(std::move(edge));
        }
        if (!ok)
            return core::fail(core::ErrorCode::InvalidArgument,
                "dot's layout: cannot read line " + std::to_string(number) + ": " + line.toStdString());
    }
    return layout;
}

GraphView::GraphView(Session& session, QWidget* parent)
    : QWidget(parent)
    , m_session(session)
    , m_job(new JobRunner(this))
    , m_scene(new QGraphicsScene(this))
{
    setObjectName(QStringLiteral("graphView"));
    auto* layout = new QVBoxLayout(this);
    auto* controls = new QHBoxLayout;
    m_measure = new QComboBox(this);
    for (const char* name : { "bytes", "params", "macs", "sparsity", "dtype" })
        m_measure->addItem(QString::fromLatin1(name));
    controls->addWidget(new QLabel(tr("Colour by"), this));
    controls->addWidget(m_measure);
    m_status = new QLabel(this);
    m_status->setWordWrap(true);
    controls->addWidget(m_status, 1);
    m_find = new QLineEdit(this);
    m_find->setObjectName(QStringLiteral("graphFind"));
    m_find->setPlaceholderText(tr("Find node (Ctrl+F)"));
    m_find->setClearButtonEnabled(true);
    m_find->setMaximumWidth(220);
    controls->addWidget(m_find);
    auto* exportButton = new QPushButton(tr("Export…"), this);
    exportButton->setToolTip(tr("Save the whole graph as SVG or PNG"));
    controls->addWidget(exportButton);
    connect(exportButton, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getSaveFileName(
            this, tr("Export Graph"), QStringLiteral("graph.svg"), tr("SVG (*.svg);;PNG (*.png)"));
        if (path.isEmpty())
            return;
        const auto written = exportTo(path);
        m_status->setText(written ? tr("Graph written to %1").arg(QDir::toNativeSeparators(path))
                                  : tr("<span style='color:#c33'>%1</span>")
                                        .arg(QString::fromStdString(written.error().message).toHtmlEscaped()));
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
    layout->addLayout(controls);
    m_view = new QGraphicsView(m_scene, this);
    m_view->setDragMode(QGraphicsView::ScrollHandDrag);
    m_view->setRenderHint(QPainter::Antialiasing);
    m_view->viewport()->installEventFilter(this);
    layout->addWidget(m_view, 1);
    connect(m_measure, &QComboBox::currentIndexChanged, this, &GraphView::relayout);
    connect(&m_session, &Session::analysisChanged, this, [this](const AnalysisPtr& analysis) {
        if (analysis == m_laidOut)
            return;
        m_scene->clear();
        m_layout.reset();
        m_laidOut.reset();
        if (analysis && isVisible())
            relayout();
    });
    connect(&m_session, &Session::layerSelected, this, &GraphView::showSelection);
    connect(m_scene, &QGraphicsScene::selectionChanged, this, [this] {
        const auto items = m_scene->selectedItems();
        if (items.size() == 1)
            if (const auto* node = dynamic_cast<NodeItem*>(items.front());
                node && node->layer() >= 0 && node->layer() != m_session.selectedLayer())
                m_session.selectLayer(node->layer());
    });
}

GraphView::~GraphView() = default;

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
            return true;
        }
    }
    return QWidget::eventFilter(watched, event);
}

void GraphView::relayout()
{
    const AnalysisPtr analysis = m_session.analysis();
    if (!analysis)
        return;
    const QString dot = QStandardPaths::findExecutable(QStringLiteral("dot"));
    if (dot.isEmpty()) {
        m_status->setText(tr("The graph is laid out by Graphviz's dot program, which is not installed: "
                             "<b>apt install graphviz</b>, then reopen this view."));
        emit finished();
        return;
    }
    core::graph::DotOptions options;
    options.measure = *core::graph::parseNodeMeasure(m_measure->currentText().toStdString());
    m_status->setText(tr("Laying the graph out…"));
    m_job->start<GraphLayout>(
        tr("Laying out the graph"),
        [analysis, options, dot](const JobContext& job) -> core::Result<GraphLayout> {
            const std::string text = core::graph::toDot(*analysis, options);
            QProcess process;
            process.start(dot, { QStringLiteral("-Tplain") });
            if (!process.waitForStarted(10000))
                return core::fail(core::ErrorCode::IoError, "cannot start Graphviz's dot");
            process.write(text.data(), static_cast<qint64>(text.size()));
            process.closeWriteChannel();
            while (!process.waitForFinished(200))
                if (job.cancel()->isCancelled()) {
                    process.kill();
                    return core::fail(core::ErrorCode::Cancelled, "cancelled");
                }
            if (process.exitCode() != 0)
                return core::fail(core::ErrorCode::Internal,
                    "Graphviz's dot could not lay the graph out: " + process.readAllStandardError().toStdString());
            return parsePlainLayout(process.readAllStandardOutput());
        },
        [this, analysis](core::Result<GraphLayout> result) {
            if (!result) {
                m_status->setText(result.error().code == core::ErrorCode::Cancelled
                        ? QString()
                        : tr("<span style='color:#c33'>%1</span>")
                              .arg(QString::fromStdString(result.error().message).toHtmlEscaped()));
                emit finished();
                return;
            }
            m_layout = std::make_shared<const GraphLayout>(std::move(*result));
            m_laidOut = analysis;
            draw();
            m_status->setText(tr("%1 nodes, %2 edges. Drag to pan, Ctrl+wheel to zoom, click a node to select its "
                                 "layer.")
                                  .arg(m_layout->nodes.size())
                                  .arg(m_layout->edges.size()));
            emit finished();
        });
}

void GraphView::draw()
{
    m_scene->clear();
    const double height = m_layout->height * kDpi;
    const auto at = [height](double x, double y) { return QPointF(x * kDpi, height - y * kDpi); };
    for (const auto& edge : m_layout->edges) {
        if (edge.points.size() < 4)
            continue;
        QPainterPath path(at(edge.points[0].x(), edge.points[0].y()));
        for (std::size_t i = 1; i + 2 < edge.points.size(); i += 3)
            path.cubicTo(at(edge.points[i].x(), edge.points[i].y()), at(edge.points[i + 1].x(), edge.points[i + 1].y()),
                at(edge.points[i + 2].x(), edge.points[i + 2].y()));
        // An arrowhead where the edge meets its head node: along the last control segment.
        const QPointF tip = at(edge.points.back().x(), edge.points.back().y());
        const QPointF from = at(edge.points[edge.points.size() - 2].x(), edge.points[edge.points.size() - 2].y());
        const QLineF direction(tip, from);
        if (direction.length() > 0.1) {
            QLineF side = direction;
            side.setLength(7);
            side.setAngle(direction.angle() + 25);
            const QPointF left = side.p2();
            side.setAngle(direction.angle() - 25);
            path.moveTo(left);
            path.lineTo(tip);
            path.lineTo(side.p2());
        }
        auto* item = m_scene->addPath(path, QPen(QColor(0x66, 0x66, 0x66), 1.0));
        item->setZValue(-1);
    }
    QFont font = this->font();
    font.setPointSizeF(7.5);
    for (const auto& node : m_layout->nodes) {
        const QRectF box(
            at(node.x - node.width / 2, node.y + node.height / 2), QSizeF(node.width * kDpi, node.height * kDpi));
        QPainterPath shape;
        if (node.shape == QLatin1String("ellipse"))
            shape.addEllipse(box);
        else
            shape.addRoundedRect(box, 6, 6);
        const int layer = node.id.startsWith(u'n') ? node.id.mid(1).toInt() : -1;
        auto* item = new NodeItem(layer, shape);
        item->setBrush(QColor(node.fill.startsWith(u'#') ? node.fill : QStringLiteral("#eeeeee")));
        item->setPen(QPen(QColor(0x44, 0x44, 0x44), 0.8));
        item->setFlag(QGraphicsItem::ItemIsSelectable, layer >= 0);
        item->setToolTip(node.label);
        m_scene->addItem(item);
        auto* text = new QGraphicsSimpleTextItem(node.label, item);
        text->setFont(font);
        text->setBrush(Qt::black);
        const QRectF bounds = text->boundingRect();
        text->setPos(box.center() - QPointF(bounds.width() / 2, bounds.height() / 2));
    }
    m_scene->setSceneRect(m_scene->itemsBoundingRect().adjusted(-20, -20, 20, 20));
    m_view->resetTransform();
    // Start readable: full width when that leaves text legible, else the top of the graph at 80 %.
    const double fit = m_view->viewport()->width() / std::max(1.0, m_scene->sceneRect().width());
    m_view->scale(std::clamp(fit, 0.8, 1.5), std::clamp(fit, 0.8, 1.5));
    m_view->centerOn(m_scene->sceneRect().center().x(), m_scene->sceneRect().top());
    showSelection(m_session.selectedLayer());
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
    if (!m_layout || text.isEmpty())
        return false;
    // Nodes in layout order, starting after the selected layer's, so Enter steps through the matches.
    std::vector<int> matches;
    for (const auto& node : m_layout->nodes)
        if (node.id.startsWith(u'n') && node.label.contains(text, Qt::CaseInsensitive))
            matches.push_back(node.id.mid(1).toInt());
    if (matches.empty())
        return false;
    const int current = m_session.selectedLayer();
    auto next = std::ranges::find(matches, current);
    next = next == matches.end() || next + 1 == matches.end() ? matches.begin() : next + 1;
    m_session.selectLayer(*next);
    return true;
}

void GraphView::showSelection(int layer)
{
    for (QGraphicsItem* item : m_scene->items())
        if (auto* node = dynamic_cast<NodeItem*>(item)) {
            const bool selected = node->layer() == layer && layer >= 0;
            node->setPen(QPen(selected ? QColor(0xd0, 0x50, 0x00) : QColor(0x44, 0x44, 0x44), selected ? 3.0 : 0.8));
            if (selected && isVisible())
                m_view->centerOn(node);
        }
}

namespace views {

QWidget* graph(ViewContext& context)
{
    return new GraphView(context.session, context.parent);
}

} // namespace views

} // namespace slimscope::ui
