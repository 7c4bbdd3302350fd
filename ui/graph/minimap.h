#pragma once

// A small picture of the whole graph in the corner of the Graph view, with the part the view shows framed; clicking
// or dragging in it moves the view there. The picture is drawn once per layout from the layout's boxes (in the
// layout job), not from the scene, so it costs the window nothing even for ten thousand nodes.

#include <QImage>
#include <QWidget>

class QGraphicsView;

namespace slimscope::ui {

class GraphMinimap final : public QWidget {
    Q_OBJECT
public:
    /// Sits over `view`'s bottom right corner and follows its scrolling and zoom.
    explicit GraphMinimap(QGraphicsView* view);

    /// A new layout's picture (overviewImage), covering the view's scene rectangle; hidden while the whole scene
    /// fits the view.
    void setPicture(const QImage& picture);
    /// Moves to the corner and shows or hides itself after the view's size or zoom changed.
    void follow();
    /// The scene rectangle the view shows, in the minimap's own pixels.
    QRectF viewedRect() const;

protected:
    void paintEvent(QPaintEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void centreAt(const QPointF& point);

    QGraphicsView* m_view;
    QImage m_picture;
    double m_scale = 1.0; ///< minimap pixels per scene unit
};

} // namespace slimscope::ui
