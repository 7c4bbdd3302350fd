#pragma once

// The Graph view: the model's graph laid out top to bottom by Graphviz's dot program (run in a background job, never
// linked), drawn with QGraphicsView, nodes coloured by a chosen measure (core/graph/dotgraph.h). Clicking a node
// selects its layer everywhere; the selected layer is centred and outlined here.

#include "modelptrs.h"

#include <QWidget>

class QComboBox;
class QGraphicsScene;
class QGraphicsView;
class QLabel;
class QLineEdit;

namespace slimscope::ui {

class JobRunner;
class Session;

/// A laid-out graph as dot's plain output gives it (inches, y upwards).
struct GraphLayout {
    struct Node {
        QString id; ///< "n<layer>", "in<i>", "out<i>", "legend"
        double x = 0, y = 0, width = 0, height = 0;
        QString label; ///< lines separated by '\n'
        QString shape; ///< "box", "ellipse", "note"
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

class GraphView : public QWidget {
    Q_OBJECT
public:
    GraphView(Session& session, QWidget* parent = nullptr);
    ~GraphView() override;

    /// Lays the current model out again (with the chosen measure).
    void relayout();
    const GraphLayout* layout() const { return m_layout.get(); }
    /// Selects and centres the first node (after the selected one, wrapping) whose label contains `text`; false when
    /// none does.
    bool find(const QString& text);
    /// Writes the whole laid-out graph as .svg (vectors) or .png (twice the screen's density), through the output
    /// module (atomic for a regular file); an error says why not.
    core::Result<void> exportTo(const QString& path) const;
    QGraphicsScene* scene() const { return m_scene; }

signals:
    /// A layout ended (drawn, or the reason it could not be shown).
    void finished();

protected:
    void showEvent(QShowEvent* event) override;
    /// Ctrl+wheel on the graph zooms around the pointer.
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void draw();
    void showSelection(int layer);

    Session& m_session;
    JobRunner* m_job = nullptr;
    QComboBox* m_measure = nullptr;
    QLabel* m_status = nullptr;
    QLineEdit* m_find = nullptr;
    QGraphicsView* m_view = nullptr;
    QGraphicsScene* m_scene = nullptr;
    std::shared_ptr<const GraphLayout> m_layout;
    AnalysisPtr m_laidOut; ///< the analysis m_layout belongs to
};

} // namespace slimscope::ui
