// The Graph view in a real window, offscreen: showing it lays the model out with Graphviz's dot in the background;
// every node of the fixture is in the layout and in the scene with its analysis colour; picking a node selects its
// layer in the session, and a layer selected elsewhere is outlined here. dot's plain format is parsed by hand.
#include "fixtures.h"
#include "graph/dotgraph.h"
#include "mainwindow.h"
#include "modelbuilder.h"
#include "session/session.h"
#include "testenv.h"
#include "views/graphview.h"

#include <QGraphicsPathItem>
#include <QGraphicsScene>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

using namespace slimscope;

class TestGraphView : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;

private slots:
    void plainFormatIsParsed()
    {
        const QByteArray plain = "graph 1 2.5 3\n"
                                 "node n0 1.25 2.5 1 0.5 \"Conv\\nconv \\\"a\\\"\" rounded,filled box black #3b6fb6\n"
                                 "node in0 1.25 0.5 0.75 0.5 x filled ellipse black #eeeeee\n"
                                 "edge in0 n0 4 1.25 0.75 1.25 1 1.25 1.5 1.25 2.25 solid #666666\n"
                                 "stop\n";
        const auto layout = ui::parsePlainLayout(plain);
        QVERIFY(layout.has_value());
        QCOMPARE(layout->width, 2.5);
        QCOMPARE(layout->nodes.size(), std::size_t(2));
        QCOMPARE(layout->nodes[0].label, QStringLiteral("Conv\nconv \"a\""));
        QCOMPARE(layout->nodes[0].fill, QStringLiteral("#3b6fb6"));
        QCOMPARE(layout->nodes[1].shape, QStringLiteral("ellipse"));
        QCOMPARE(layout->edges.size(), std::size_t(1));
        QCOMPARE(layout->edges[0].points.size(), std::size_t(4));
        QCOMPARE(layout->edges[0].points[3], QPointF(1.25, 2.25));
        QVERIFY(!ui::parsePlainLayout("node n0 x y 1 1 a b box black #fff\n"));
    }

    void showingTheViewLaysOutAndSharesTheSelection()
    {
        if (QStandardPaths::findExecutable(QStringLiteral("dot")).isEmpty())
            SLIMSCOPE_SKIP("Graphviz's dot is not installed (scripts/install-deps.sh installs graphviz)");
        QVERIFY(m_dir.isValid());
        const QString model = m_dir.filePath(QStringLiteral("convnet.onnx"));
        const auto fixture = fixtures::convNet();
        QVERIFY(fixture.builder.save(model.toStdString()).has_value());
        ui::MainWindow window;
        QSignalSpy ready(&window, &ui::MainWindow::analysisReady);
        window.show();
        window.openModel(model);
        QVERIFY(ready.wait(20000));
        auto* view = window.findChild<ui::GraphView*>();
        QVERIFY(view);
        QSignalSpy finished(view, &ui::GraphView::finished);
        QVERIFY(window.showView(QStringLiteral("graph")));
        QVERIFY(finished.wait(60000));
        QVERIFY(view->layout());
        const auto& analysis = *window.analysis();
        const int nodes = fixture.builder.model().graph().node_size();
        for (int i = 0; i < nodes; ++i) {
            const auto it
                = std::ranges::find(view->layout()->nodes, QStringLiteral("n%1").arg(i), &ui::GraphLayout::Node::id);
            QVERIFY2(it != view->layout()->nodes.end(), qPrintable(QString::number(i)));
            QCOMPARE(it->fill.toStdString(),
                core::graph::nodeColour(analysis, static_cast<std::size_t>(i), core::graph::NodeMeasure::Bytes));
        }
        // Picking a node in the scene selects its layer; a layer picked elsewhere is outlined here.
        QGraphicsPathItem* second = nullptr;
        for (QGraphicsItem* item : view->scene()->items())
            if (auto* path = dynamic_cast<QGraphicsPathItem*>(item); path
                && path->flags() & QGraphicsItem::ItemIsSelectable && path->toolTip().contains(QStringLiteral("relu2")))
                second = path;
        QVERIFY(second);
        second->setSelected(true);
        const auto relu2 = std::ranges::find(analysis.layers, std::string("relu2"), &core::analysis::LayerStats::name);
        QCOMPARE(window.session()->selectedLayer(), static_cast<int>(relu2 - analysis.layers.begin()));
        window.session()->selectLayer(0);
        bool outlined = false;
        for (QGraphicsItem* item : view->scene()->items())
            if (auto* path = dynamic_cast<QGraphicsPathItem*>(item);
                path && path->toolTip().contains(QStringLiteral("conv1")))
                outlined = path->pen().widthF() > 2.0;
        QVERIFY(outlined);
        // Ctrl+F's search: a name selects its layer, Enter again steps to the next match, nothing found says so.
        QVERIFY(view->find(QStringLiteral("relu")));
        const auto relu1 = std::ranges::find(analysis.layers, std::string("relu1"), &core::analysis::LayerStats::name);
        QCOMPARE(window.session()->selectedLayer(), static_cast<int>(relu1 - analysis.layers.begin()));
        QVERIFY(view->find(QStringLiteral("relu")));
        QCOMPARE(window.session()->selectedLayer(), static_cast<int>(relu2 - analysis.layers.begin()));
        QVERIFY(!view->find(QStringLiteral("no such node")));

        // Export: SVG with the nodes' text, PNG at twice the scene's size; another extension is refused.
        const QString svg = m_dir.filePath(QStringLiteral("graph.svg")),
                      png = m_dir.filePath(QStringLiteral("graph.png"));
        const auto svgWritten = view->exportTo(svg);
        QVERIFY2(svgWritten.has_value(), svgWritten ? "" : svgWritten.error().message.c_str());
        QFile file(svg);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray text = file.readAll();
        QVERIFY(text.contains("<svg") && text.contains("GlobalAveragePool"));
        QVERIFY(view->exportTo(png).has_value());
        const QImage image(png);
        QCOMPARE(image.size(), (view->scene()->sceneRect().size() * 2).toSize());
        QVERIFY(!view->exportTo(m_dir.filePath(QStringLiteral("graph.bmp"))));
    }
};

QTEST_MAIN(TestGraphView)
#include "tst_graphview.moc"
