#pragma once

// The Graph view: the model's graph (core/graph/visiblegraph.h) laid out top to bottom by Graphviz's dot program
// (run in a background job, never linked) and drawn with QGraphicsView (ui/graph/graphscene.h). A large model opens
// as its outline: name scopes, If/Loop/Scan bodies and runs of nodes closed into group nodes that open on a click.
// Nodes are coloured by a chosen measure, after the recipe when asked; the selection is the session's.

#include "graph/graphscene.h"
#include "graph/layergroups.h"
#include "modelptrs.h"

#include <QImage>
#include <QWidget>

class QCheckBox;
class QComboBox;
class QGraphicsScene;
class QGraphicsView;
class QLabel;
class QLineEdit;
class QTimer;

namespace slimscope::ui {

class GraphMinimap;
class JobRunner;
class Session;

class GraphView : public QWidget {
    Q_OBJECT
public:
    /// A model opens with groups opened from the top while at most this many nodes show.
    static constexpr std::size_t kOutlineNodes = 160;
    /// The minimap's longer side, in pixels.
    static constexpr int kMinimapSide = 180;

    GraphView(Session& session, QWidget* parent = nullptr);
    ~GraphView() override;

    /// Lays the current model out again (with the chosen measure and open groups).
    void relayout();
    const GraphLayout* layout() const { return m_layout.get(); }
    std::shared_ptr<const GraphLayout> layoutPtr() const { return m_layout; }
    const core::graph::VisibleGraph* visibleGraph() const { return m_graph.get(); }
    const core::graph::GroupTree* groups() const { return m_tree.get(); }
    /// Opens or closes a group and lays the graph out again.
    void setGroupOpen(int group, bool open);
    /// Every group open (the whole graph), or the outline the model opened with.
    void expandAll();
    void showOutline();
    /// Colours by "bytes", "params", "macs", "sparsity", "dtype" or "sensitivity" (once the Sensitivity view measured).
    void setMeasure(const QString& measure);
    /// Shows the figures after the session's recipe preview (sizes after, removed nodes dashed, channels cut).
    void setAfterRecipe(bool after);
    /// Selects the first layer (after the selected one, wrapping) whose op or name contains `text`, opening the
    /// groups around it; false when none does.
    bool find(const QString& text);
    /// Writes the whole laid-out graph as .svg (vectors) or .png (twice the screen's density), through the output
    /// module (atomic for a regular file); an error says why not.
    core::Result<void> exportTo(const QString& path) const;
    QGraphicsScene* scene() const { return m_scene; }
    GraphMinimap* minimap() const { return m_minimap; }

signals:
    /// A layout ended (drawn, or the reason it could not be shown).
    void finished();

protected:
    void showEvent(QShowEvent* event) override;
    /// Ctrl+wheel on the graph zooms around the pointer.
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void draw(int focusGroup);
    void showSelection(int layer);
    void updateSensitivityChoice();

    Session& m_session;
    JobRunner* m_job = nullptr;
    QComboBox* m_measure = nullptr;
    QCheckBox* m_after = nullptr;
    QLabel* m_status = nullptr;
    QLineEdit* m_find = nullptr;
    QGraphicsView* m_view = nullptr;
    QGraphicsScene* m_scene = nullptr;
    GraphMinimap* m_minimap = nullptr;
    QTimer* m_previewDelay = nullptr;
    std::shared_ptr<const core::graph::GroupTree> m_tree;
    core::graph::Expansion m_expansion;
    std::shared_ptr<const GraphLayout> m_layout;
    std::shared_ptr<const core::graph::VisibleGraph> m_graph;
    QImage m_overview;
    AnalysisPtr m_laidOut; ///< the analysis m_layout belongs to
    int m_focusGroup = -1; ///< the group just opened or closed: centred after the next layout
};

} // namespace slimscope::ui
