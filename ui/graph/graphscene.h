#pragma once

// The drawn graph (core/graph/visiblegraph.h) laid out by Graphviz's dot program (run as a process, never linked)
// and put into a QGraphicsScene: nodes, edges with their tensor shapes, open groups as dashed frames whose header
// closes them. Text is drawn only when the view is zoomed in far enough to read it, so a graph of thousands of
// nodes pans smoothly when zoomed out. The Graph view and the report's graph picture both use it.

#include "graph/visiblegraph.h"
#include "support/error.h"

#include <QGraphicsItem>
#include <QString>

#include <functional>
#include <memory>
#include <vector>

class QGraphicsScene;

namespace slimscope::core {
class CancelToken;
}

namespace slimscope::ui {

/// A laid-out graph as dot's plain output gives it (inches, y upwards).
struct GraphLayout {
    struct Node {
        QString id; ///< "n<layer>", "g<group>", "in<i>", "out<i>", "legend"
        double x = 0, y = 0, width = 0, height = 0;
        QString label; ///< lines separated by '\n'
        QString shape; ///< "box", "box3d", "ellipse", "note"
        QString fill;
    };
    struct Edge {
        QString tail, head;
        std::vector<QPointF> points; ///< B-spline control points
    };
    double width = 0, height = 0;
    std::vector<Node> nodes;
    std::vector<Edge> edges;
};

/// Parses `dot -Tplain` output; an error names the line it could not read.
core::Result<GraphLayout> parsePlainLayout(const QByteArray& plain);

/// Runs `dot -Tplain` on the DOT text and parses the layout; stops early when `cancel` is set. Any thread.
core::Result<GraphLayout> layOutWithDot(const std::string& dot, const core::CancelToken* cancel = nullptr);

/// A node of the scene: a layer, a closed group, a graph input or output, or the legend.
class GraphNodeItem final : public QGraphicsItem {
public:
    GraphNodeItem(const core::graph::GraphNode& node, const QRectF& box, const QString& shape);

    core::graph::GraphNode::Kind kind() const { return m_kind; }
    int layer() const { return m_kind == core::graph::GraphNode::Kind::Layer ? m_index : -1; }
    int group() const { return m_kind == core::graph::GraphNode::Kind::Group ? m_index : -1; }
    const QString& label() const { return m_label; }
    QColor fill() const { return m_fill; }
    bool highlighted() const { return m_highlighted; }
    void setHighlighted(bool highlighted);
    /// Called when a closed group is clicked (it opens).
    void setOnClick(std::function<void()> onClick) { m_onClick = std::move(onClick); }

    QRectF boundingRect() const override;
    QPainterPath shape() const override;
    void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget* widget) override;

protected:
    void mousePressEvent(QGraphicsSceneMouseEvent* event) override;
    void mouseReleaseEvent(QGraphicsSceneMouseEvent* event) override;

private:
    core::graph::GraphNode::Kind m_kind;
    int m_index;
    QRectF m_box;
    QString m_shape, m_label;
    QColor m_fill;
    bool m_removed;
    bool m_highlighted = false;
    std::function<void()> m_onClick;
};

/// QGraphicsItem::data() key of an open group's frame: the group's index + 1.
inline constexpr int kGroupFrameData = 0;

/// What the scene's clickable parts do.
struct GraphSceneActions {
    std::function<void(int group)> open; ///< a closed group was clicked
    std::function<void(int group)> close; ///< an open group's header was clicked
};

/// Fills `scene` (cleared first) with the laid-out graph: a GraphNodeItem per node, edges, open groups' frames.
void buildGraphScene(QGraphicsScene& scene, const core::graph::VisibleGraph& graph, const GraphLayout& layout,
    const GraphSceneActions& actions = {});

/// The nodes as filled boxes in at most `side` × `side` pixels, matching the scene's rectangle: the minimap's
/// picture, made from the layout alone (any thread) rather than by drawing thousands of scene items.
QImage overviewImage(const GraphLayout& layout, int side);

/// The graph of the analysed model closed to at most `maxNodes` nodes, coloured by bytes (`figures`, or the
/// analysis's own), laid out now and drawn at `scale` (pixels per point of dot's layout): the report's picture. An
/// error when dot is not installed.
core::Result<QImage> graphImage(const core::analysis::Analysis& analysis, std::size_t maxNodes,
    const core::graph::Figures* figures = nullptr, double scale = 1.5);

} // namespace slimscope::ui
