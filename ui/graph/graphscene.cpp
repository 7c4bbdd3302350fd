#include "graph/graphscene.h"

#include "graph/dotgraph.h"
#include "support/progress.h"

#include <QFontMetricsF>
#include <QGraphicsScene>
#include <QGraphicsSceneMouseEvent>
#include <QGraphicsSimpleTextItem>
#include <QHash>
#include <QImage>
#include <QPainter>
#include <QProcess>
#include <QStandardPaths>
#include <QStyleOptionGraphicsItem>

namespace slimscope::ui {

namespace {

constexpr double kPointsPerInch = 72.0; // scene units per inch of dot's layout
/// Below these zoom levels text is not drawn: it could not be read, and drawing it is what makes panning slow.
constexpr double kNodeTextLevel = 0.45;
constexpr double kEdgeTextLevel = 0.75;

using Kind = core::graph::GraphNode::Kind;

/// Splits a plain-format line into tokens; "quoted strings" keep their spaces and \n escapes become newlines.
QStringList tokens(const QByteArray& line)
{
    QStringList out;
    QString current;
    bool inQuotes = false, any = false;
    const QString text = QString::fromUtf8(line);
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text[i];
        if (inQuotes) {
            if (c == u'\\' && i + 1 < text.size()) {
                const QChar next = text[++i];
                current += next == u'n' ? QChar(u'\n') : next;
            } else if (c == u'"') {
                inQuotes = false;
            } else {
                current += c;
            }
        } else if (c == u'"') {
            inQuotes = any = true;
        } else if (c == u' ') {
            if (any)
                out << current;
            current.clear();
            any = false;
        } else {
            current += c;
            any = true;
        }
    }
    if (any)
        out << current;
    return out;
}

QFont sceneFont(double points)
{
    QFont font(QStringLiteral("Sans Serif"));
    font.setPointSizeF(points);
    return font;
}

/// An edge: its spline, an arrowhead, and the tensor's shape beside its middle when zoomed in.
class EdgeItem final : public QGraphicsItem {
public:
    EdgeItem(QPainterPath path, QPolygonF arrow, QString label, bool dashed)
        : m_path(std::move(path))
        , m_arrow(std::move(arrow))
        , m_label(std::move(label))
        , m_dashed(dashed)
    {
        m_labelAt = m_path.pointAtPercent(0.5) + QPointF(4, 0);
        static const QFontMetricsF metrics(sceneFont(6.5)); // one for all edges: thousands are made at once
        const QRectF text = metrics.boundingRect(m_label);
        m_bounds = m_path.boundingRect().united(m_arrow.boundingRect()).adjusted(-2, -2, 2, 2);
        if (!m_label.isEmpty())
            m_bounds = m_bounds.united(text.translated(m_labelAt));
        setZValue(-1);
    }
    QRectF boundingRect() const override { return m_bounds; }
    void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget*) override
    {
        const QColor colour(0x66, 0x66, 0x66);
        painter->setPen(QPen(colour, 1.0, m_dashed ? Qt::DashLine : Qt::SolidLine));
        painter->setBrush(Qt::NoBrush);
        painter->drawPath(m_path);
        painter->setBrush(colour);
        painter->setPen(Qt::NoPen);
        painter->drawPolygon(m_arrow);
        if (!m_label.isEmpty() && option->levelOfDetailFromTransform(painter->worldTransform()) >= kEdgeTextLevel) {
            painter->setFont(sceneFont(6.5));
            painter->setPen(QColor(0x55, 0x55, 0x77));
            painter->drawText(m_labelAt, m_label);
        }
    }

private:
    QPainterPath m_path;
    QPolygonF m_arrow;
    QString m_label;
    bool m_dashed;
    QPointF m_labelAt;
    QRectF m_bounds;
};

/// An open group's header: clicking it closes the group.
class ClusterHeader final : public QGraphicsSimpleTextItem {
public:
    ClusterHeader(const QString& text, std::function<void()> onClick, QGraphicsItem* parent)
        : QGraphicsSimpleTextItem(text, parent)
        , m_onClick(std::move(onClick))
    {
        setFont(sceneFont(7.5));
        setBrush(QColor(0x55, 0x55, 0x55));
        setCursor(Qt::PointingHandCursor);
        setToolTip(QObject::tr("Click to close this group"));
    }

    void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget* widget) override
    {
        if (option->levelOfDetailFromTransform(painter->worldTransform()) >= kNodeTextLevel)
            QGraphicsSimpleTextItem::paint(painter, option, widget);
    }

protected:
    void mousePressEvent(QGraphicsSceneMouseEvent* event) override { event->accept(); }
    void mouseReleaseEvent(QGraphicsSceneMouseEvent* event) override
    {
        if (m_onClick && QLineF(event->buttonDownScenePos(Qt::LeftButton), event->scenePos()).length() < 4)
            m_onClick();
    }

private:
    std::function<void()> m_onClick;
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

core::Result<GraphLayout> layOutWithDot(const std::string& dot, const core::CancelToken* cancel)
{
    const QString program = QStandardPaths::findExecutable(QStringLiteral("dot"));
    if (program.isEmpty())
        return core::fail(core::ErrorCode::Unsupported,
            "the graph is laid out by Graphviz's dot program, which is not installed (apt install graphviz)");
    QProcess process;
    process.start(program, { QStringLiteral("-Tplain") });
    if (!process.waitForStarted(10000))
        return core::fail(core::ErrorCode::IoError, "cannot start Graphviz's dot");
    process.write(dot.data(), static_cast<qint64>(dot.size()));
    process.closeWriteChannel();
    while (!process.waitForFinished(200))
        if (cancel && cancel->isCancelled()) {
            process.kill();
            process.waitForFinished(2000);
            return core::fail(core::ErrorCode::Cancelled, "cancelled");
        }
    if (process.exitStatus() != QProcess::NormalExit || process.exitCode() != 0)
        return core::fail(core::ErrorCode::Internal,
            "Graphviz's dot could not lay the graph out: " + process.readAllStandardError().toStdString());
    return parsePlainLayout(process.readAllStandardOutput());
}

GraphNodeItem::GraphNodeItem(const core::graph::GraphNode& node, const QRectF& box, const QString& shape)
    : m_kind(node.kind)
    , m_index(node.index)
    , m_box(box)
    , m_shape(shape)
    , m_label(QString::fromStdString(node.label))
    , m_fill(QString::fromStdString(node.fill.empty() ? std::string("#eeeeee") : node.fill))
    , m_removed(node.removed)
{
    setFlag(ItemIsSelectable, m_kind == Kind::Layer);
    setToolTip(QString::fromStdString(
        node.tooltip.empty() || node.tooltip == node.label ? node.label : node.label + "\n" + node.tooltip));
    if (m_kind == Kind::Group)
        setCursor(Qt::PointingHandCursor);
}

void GraphNodeItem::setHighlighted(bool highlighted)
{
    if (highlighted != m_highlighted) {
        m_highlighted = highlighted;
        update();
    }
}

QRectF GraphNodeItem::boundingRect() const
{
    return m_box.adjusted(-3, -3, m_kind == Kind::Group ? 7 : 3, 3);
}

QPainterPath GraphNodeItem::shape() const
{
    QPainterPath path;
    path.addRect(m_box);
    return path;
}

void GraphNodeItem::paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget*)
{
    const double level = option->levelOfDetailFromTransform(painter->worldTransform());
    const QColor outline = m_highlighted ? QColor(0xd0, 0x50, 0x00) : QColor(0x44, 0x44, 0x44);
    QPen pen(outline, m_highlighted ? 3.0 : 0.8, m_removed ? Qt::DashLine : Qt::SolidLine);
    painter->setPen(pen);
    painter->setBrush(m_fill);
    if (m_kind == Kind::Group) // a stack of boxes: what a closed group holds
        painter->drawRect(m_box.translated(4, -4));
    if (m_shape == QLatin1String("ellipse"))
        painter->drawEllipse(m_box);
    else if (m_kind == Kind::Layer)
        painter->drawRoundedRect(m_box, 6, 6);
    else
        painter->drawRect(m_box);
    if (level < kNodeTextLevel)
        return;
    painter->setFont(sceneFont(7.5));
    painter->setPen(m_removed ? QColor(0x77, 0x77, 0x77) : QColor(Qt::black));
    painter->drawText(m_box, Qt::AlignCenter, m_label);
}

void GraphNodeItem::mousePressEvent(QGraphicsSceneMouseEvent* event)
{
    if (m_onClick)
        event->accept();
    else
        QGraphicsItem::mousePressEvent(event);
}

void GraphNodeItem::mouseReleaseEvent(QGraphicsSceneMouseEvent* event)
{
    if (m_onClick && QLineF(event->buttonDownScenePos(Qt::LeftButton), event->scenePos()).length() < 4) {
        m_onClick();
        return;
    }
    QGraphicsItem::mouseReleaseEvent(event);
}

void buildGraphScene(QGraphicsScene& scene, const core::graph::VisibleGraph& graph, const GraphLayout& layout,
    const GraphSceneActions& actions)
{
    scene.clear();
    const double height = layout.height * kPointsPerInch;
    const auto at = [height](QPointF p) { return QPointF(p.x() * kPointsPerInch, height - p.y() * kPointsPerInch); };
    QHash<QString, const core::graph::GraphNode*> nodesById;
    for (const auto& node : graph.nodes)
        nodesById.insert(QString::fromStdString(node.id), &node);
    QHash<QString, const core::graph::GraphEdge*> edgesByEnds;
    for (const auto& edge : graph.edges)
        edgesByEnds.insert(QString::fromStdString(edge.tail + "\x1f" + edge.head), &edge);

    for (const auto& edge : layout.edges) {
        if (edge.points.size() < 4)
            continue;
        QPainterPath path(at(edge.points[0]));
        for (std::size_t i = 1; i + 2 < edge.points.size(); i += 3)
            path.cubicTo(at(edge.points[i]), at(edge.points[i + 1]), at(edge.points[i + 2]));
        // An arrowhead where the edge meets its head node: along the last control segment.
        const QPointF tip = at(edge.points.back());
        const QLineF direction(tip, at(edge.points[edge.points.size() - 2]));
        const auto* known = edgesByEnds.value(edge.tail + QChar(0x1f) + edge.head);
        QPolygonF arrow;
        if (direction.length() > 0.1 && !(known && known->ownership)) {
            QLineF side = direction;
            side.setLength(7);
            side.setAngle(direction.angle() + 22);
            arrow << tip << side.p2();
            side.setAngle(direction.angle() - 22);
            arrow << side.p2();
        }
        auto* item = new EdgeItem(
            path, arrow, known ? QString::fromStdString(known->label) : QString(), known && known->ownership);
        if (known && !known->tooltip.empty())
            item->setToolTip(QString::fromStdString(known->tooltip));
        scene.addItem(item);
    }
    QHash<int, QRectF> membersOf; // cluster (group) -> the union of what it holds
    for (const auto& node : layout.nodes) {
        const QRectF box(at(QPointF(node.x - node.width / 2, node.y + node.height / 2)),
            QSizeF(node.width * kPointsPerInch, node.height * kPointsPerInch));
        const core::graph::GraphNode* known = nodesById.value(node.id);
        core::graph::GraphNode legend;
        if (!known) { // the legend, or a node dot added: drawn as dot says
            legend.kind = Kind::Input;
            legend.label = node.label.toStdString();
            legend.fill = node.fill.toStdString();
            known = &legend;
        }
        auto* item = new GraphNodeItem(*known, box, node.shape);
        if (known->kind == Kind::Group && actions.open)
            item->setOnClick([open = actions.open, group = known->index] { open(group); });
        scene.addItem(item);
        if (known->cluster >= 0)
            membersOf[known->cluster] = membersOf.value(known->cluster).united(box);
    }
    // Open groups as frames around what they hold, children before parents so that a frame encloses its inner ones.
    QFontMetricsF headerMetrics(sceneFont(7.5));
    for (auto c = graph.clusters.rbegin(); c != graph.clusters.rend(); ++c) {
        QRectF frame = membersOf.value(c->group);
        if (frame.isNull())
            continue;
        const QString header = QStringLiteral("▾ ") + QString::fromStdString(c->label);
        frame.adjust(-8, -(10 + headerMetrics.height()), 8, 8);
        frame.setWidth(std::max(frame.width(), headerMetrics.horizontalAdvance(header) + 16));
        auto* item = scene.addRect(frame, QPen(QColor(0x99, 0x99, 0x99), 0.8, Qt::DashLine), QColor(0, 0, 0, 8));
        item->setZValue(-2);
        item->setData(kGroupFrameData, c->group + 1);
        auto* title = new ClusterHeader(header,
            actions.close ? [close = actions.close, group = c->group] { close(group); } : std::function<void()> {},
            item);
        title->setPos(frame.topLeft() + QPointF(6, 3));
        if (c->parent >= 0)
            membersOf[c->parent] = membersOf.value(c->parent).united(frame);
    }
    // dot's bounding box (plus the stacked boxes and frames' margins): asking the scene would visit every item.
    scene.setSceneRect(QRectF(0, 0, layout.width * kPointsPerInch, height).adjusted(-30, -30, 30, 30));
}

QImage overviewImage(const GraphLayout& layout, int side)
{
    const QSizeF size(layout.width * kPointsPerInch + 60, layout.height * kPointsPerInch + 60);
    if (size.isEmpty())
        return {};
    const double scale = std::min(side / size.width(), side / size.height());
    QImage image((size * scale).toSize().expandedTo(QSize(8, 8)), QImage::Format_RGB32);
    image.fill(Qt::white);
    QPainter painter(&image);
    painter.scale(scale, scale);
    painter.translate(30, 30);
    const double height = layout.height * kPointsPerInch;
    painter.setPen(Qt::NoPen);
    for (const auto& node : layout.nodes) {
        const QRectF box((node.x - node.width / 2) * kPointsPerInch,
            height - (node.y + node.height / 2) * kPointsPerInch, node.width * kPointsPerInch,
            node.height * kPointsPerInch);
        const QColor fill(node.fill.startsWith(u'#') ? node.fill : QStringLiteral("#eeeeee"));
        // White nodes would vanish on the white picture: a light grey stands for them.
        painter.setBrush(fill == QColor(Qt::white) ? QColor(0xdd, 0xdd, 0xdd) : fill);
        painter.drawRect(box);
    }
    return image;
}

core::Result<QImage> graphImage(
    const core::analysis::Analysis& analysis, std::size_t maxNodes, const core::graph::Figures* figures, double scale)
{
    const auto tree = core::graph::groupLayers(analysis);
    const auto graph = core::graph::visibleGraph(analysis, tree, core::graph::expandUpTo(tree, maxNodes),
        figures ? *figures : core::graph::figuresOf(analysis), core::graph::NodeMeasure::Bytes);
    auto layout = layOutWithDot(core::graph::toDot(graph));
    if (!layout)
        return std::unexpected(layout.error());
    QGraphicsScene scene;
    buildGraphScene(scene, graph, *layout);
    const QRectF source = scene.sceneRect();
    // A tall outline still fits a page: at most 2400 × 3200 pixels.
    scale = std::min({ scale, 2400.0 / source.width(), 3200.0 / source.height() });
    QImage image((source.size() * scale).toSize(), QImage::Format_ARGB32);
    image.fill(Qt::white);
    QPainter painter(&image);
    painter.setRenderHint(QPainter::Antialiasing);
    scene.render(&painter, QRectF(QPointF(0, 0), image.size()), source);
    return image;
}

} // namespace slimscope::ui
