#include "graph/minimap.h"

#include <QEvent>
#include <QGraphicsScene>
#include <QGraphicsView>
#include <QMouseEvent>
#include <QPainter>
#include <QScrollBar>

namespace slimscope::ui {

namespace {
constexpr int kMargin = 10;
} // namespace

GraphMinimap::GraphMinimap(QGraphicsView* view)
    : QWidget(view)
    , m_view(view)
{
    setObjectName(QStringLiteral("graphMinimap"));
    setCursor(Qt::PointingHandCursor);
    setToolTip(tr("The whole graph: click or drag to move the view"));
    view->viewport()->installEventFilter(this);
    connect(view->horizontalScrollBar(), &QScrollBar::valueChanged, this, qOverload<>(&QWidget::update));
    connect(view->verticalScrollBar(), &QScrollBar::valueChanged, this, qOverload<>(&QWidget::update));
    hide();
}

void GraphMinimap::setPicture(const QImage& picture)
{
    const QRectF source = m_view->scene() ? m_view->scene()->sceneRect() : QRectF();
    m_picture = picture;
    if (source.isEmpty() || picture.isNull()) {
        hide();
        return;
    }
    m_scale = picture.width() / source.width();
    resize(picture.size() + QSize(2, 2));
    follow();
}

QRectF GraphMinimap::viewedRect() const
{
    const QRectF source = m_view->scene() ? m_view->scene()->sceneRect() : QRectF();
    const QRectF viewed = m_view->mapToScene(m_view->viewport()->rect()).boundingRect();
    return QRectF((viewed.topLeft() - source.topLeft()) * m_scale, viewed.size() * m_scale).translated(1, 1);
}

void GraphMinimap::follow()
{
    const QRect viewport = m_view->viewport()->geometry();
    move(viewport.right() - width() - kMargin, viewport.bottom() - height() - kMargin);
    // Worth showing only when the view shows part of the graph.
    const QRectF viewed = m_view->mapToScene(m_view->viewport()->rect()).boundingRect();
    const bool partial = m_view->scene() && !viewed.contains(m_view->scene()->sceneRect());
    setVisible(partial && !m_picture.isNull() && viewport.width() > 3 * width() / 2);
    raise();
    update();
}

void GraphMinimap::paintEvent(QPaintEvent*)
{
    QPainter painter(this);
    painter.fillRect(rect(), Qt::white);
    painter.drawImage(1, 1, m_picture);
    painter.setPen(QColor(0x88, 0x88, 0x88));
    painter.drawRect(rect().adjusted(0, 0, -1, -1));
    painter.setPen(QPen(QColor(0xd0, 0x50, 0x00), 1.5));
    painter.setBrush(QColor(0xd0, 0x50, 0x00, 30));
    painter.drawRect(viewedRect().intersected(QRectF(rect()).adjusted(1, 1, -1, -1)));
}

void GraphMinimap::centreAt(const QPointF& point)
{
    const QRectF source = m_view->scene()->sceneRect();
    m_view->centerOn(source.topLeft() + (point - QPointF(1, 1)) / m_scale);
    update();
}

void GraphMinimap::mousePressEvent(QMouseEvent* event)
{
    centreAt(event->position());
}

void GraphMinimap::mouseMoveEvent(QMouseEvent* event)
{
    if (event->buttons() & Qt::LeftButton)
        centreAt(event->position());
}

bool GraphMinimap::eventFilter(QObject* watched, QEvent* event)
{
    if (watched == m_view->viewport() && event->type() == QEvent::Resize)
        follow();
    return QWidget::eventFilter(watched, event);
}

} // namespace slimscope::ui
