// The Graph view in a real window, offscreen: showing it lays the model out with Graphviz's dot in the background;
// every node of the fixture is in the layout and in the scene with its analysis colour; picking a node selects its
// layer in the session, and a layer selected elsewhere is outlined here. dot's plain format is parsed by hand.
#include "fixtures.h"
#include "graph/dotgraph.h"
#include "graph/minimap.h"
#include "mainwindow.h"
#include "modelbuilder.h"
#include "session/session.h"
#include "testenv.h"
#include "views/graphview.h"

#include <QGraphicsScene>
#include <QGraphicsView>
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
        // Colours: white to blue by the square root of the layer's share of the largest layer's bytes.
        double largest = 0;
        for (const auto& layer : analysis.layers)
            largest = std::max(largest, static_cast<double>(layer.bytes));
        for (int i = 0; i < nodes; ++i) {
            const auto it
                = std::ranges::find(view->layout()->nodes, QStringLiteral("n%1").arg(i), &ui::GraphLayout::Node::id);
            QVERIFY2(it != view->layout()->nodes.end(), qPrintable(QString::number(i)));
            const double t
                = std::sqrt(static_cast<double>(analysis.layers[static_cast<std::size_t>(i)].bytes) / largest);
            const QColor expected(
                qRound(255 + (0x3b - 255) * t), qRound(255 + (0x6f - 255) * t), qRound(255 + (0xb6 - 255) * t));
            QCOMPARE(QColor(it->fill), expected);
        }
        // Picking a node in the scene selects its layer; a layer picked elsewhere is outlined here.
        ui::GraphNodeItem* second = nullptr;
        for (QGraphicsItem* item : view->scene()->items())
            if (auto* node = dynamic_cast<ui::GraphNodeItem*>(item);
                node && node->layer() >= 0 && node->label().contains(QStringLiteral("relu2")))
                second = node;
        QVERIFY(second);
        second->setSelected(true);
        const auto relu2 = std::ranges::find(analysis.layers, std::string("relu2"), &core::analysis::LayerStats::name);
        QCOMPARE(window.session()->selectedLayer(), static_cast<int>(relu2 - analysis.layers.begin()));
        window.session()->selectLayer(0);
        bool outlined = false;
        for (QGraphicsItem* item : view->scene()->items())
            if (auto* node = dynamic_cast<ui::GraphNodeItem*>(item); node && node->layer() == 0)
                outlined = node->highlighted();
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

    // A scoped model: closing its scope draws one group node; clicking that node opens it again; a layer found
    // inside a closed group opens the groups around it. Zoomed in, the minimap frames the part shown.
    void groupsCloseAndOpenOnClick()
    {
        if (QStandardPaths::findExecutable(QStringLiteral("dot")).isEmpty())
            SLIMSCOPE_SKIP("Graphviz's dot is not installed (scripts/install-deps.sh installs graphviz)");
        const QString model = m_dir.filePath(QStringLiteral("scoped.onnx"));
        QVERIFY(fixtures::scopedChain(6).save(model.toStdString()).has_value());
        ui::MainWindow window;
        QSignalSpy ready(&window, &ui::MainWindow::analysisReady);
        window.resize(1100, 760);
        window.show();
        window.openModel(model);
        QVERIFY(ready.wait(20000));
        auto* view = window.findChild<ui::GraphView*>();
        QSignalSpy finished(view, &ui::GraphView::finished);
        QVERIFY(window.showView(QStringLiteral("graph")));
        QVERIFY(finished.wait(60000));
        const auto layerNodes = [&] {
            return std::ranges::count_if(view->layout()->nodes, [](const auto& n) { return n.id.startsWith(u'n'); });
        };
        QCOMPARE(layerNodes(), std::ptrdiff_t(13)); // 12 in six blocks, "final": small enough to open whole
        const int enc = view->groups()->topGroups.front();
        view->setGroupOpen(enc, false);
        QVERIFY(finished.wait(60000));
        QCOMPARE(layerNodes(), std::ptrdiff_t(1));
        ui::GraphNodeItem* group = nullptr;
        for (QGraphicsItem* item : view->scene()->items())
            if (auto* node = dynamic_cast<ui::GraphNodeItem*>(item); node && node->group() == enc)
                group = node;
        QVERIFY(group);
        QVERIFY(group->label().contains(QStringLiteral("12 nodes")));
        auto* graphics = view->findChild<QGraphicsView*>();
        graphics->centerOn(group);
        const QPoint at = graphics->mapFromScene(group->sceneBoundingRect().center());
        QTest::mouseClick(graphics->viewport(), Qt::LeftButton, {}, at);
        QVERIFY(finished.wait(60000));
        QCOMPARE(layerNodes(), std::ptrdiff_t(13));

        // Find: a Relu of block 4 while "enc" is closed opens it and selects the layer.
        view->setGroupOpen(enc, false);
        QVERIFY(finished.wait(60000));
        QVERIFY(view->find(QStringLiteral("block.4/act")));
        QVERIFY(finished.wait(60000));
        QCOMPARE(window.session()->selectedLayer(), 9);
        QVERIFY(std::ranges::any_of(view->layout()->nodes, [](const auto& n) { return n.id == QStringLiteral("n9"); }));

        // Sensitivity: offered once the session has a sweep; the measured layer turns red.
        auto sweep = std::make_shared<core::plan::Sensitivity>();
        sweep->step = "quantize:int8";
        core::plan::LayerSensitivity fragile;
        fragile.node = "/enc/block.2/fc/MatMul";
        fragile.sqnrDb = 5.0;
        sweep->layers.push_back(fragile);
        window.session()->setSensitivity(sweep);
        view->setMeasure(QStringLiteral("sensitivity"));
        QVERIFY(finished.wait(60000));
        const auto red = std::ranges::find(view->layout()->nodes, QStringLiteral("n4"), &ui::GraphLayout::Node::id);
        QVERIFY(red != view->layout()->nodes.end());
        QCOMPARE(QColor(red->fill), QColor(0xc0, 0x39, 0x2b));

        // Zoomed in on part of the graph, the minimap shows with the viewed part framed inside it.
        if (const QByteArray shots = qgetenv("SLIMSCOPE_TEST_SHOTS"); !shots.isEmpty()) {
            graphics->scale(0.3, 0.3); // zoomed out: boxes without text
            QTest::qWait(200);
            window.grab().save(QString::fromLocal8Bit(shots) + QStringLiteral("/graph_zoomed_out.png"));
            graphics->scale(1 / 0.3, 1 / 0.3);
        }
        graphics->scale(4, 4);
        view->minimap()->follow();
        QVERIFY(view->minimap()->isVisible());
        const QRectF framed = view->minimap()->viewedRect();
        QVERIFY(framed.width() < view->minimap()->width());
    }
};

QTEST_MAIN(TestGraphView)
#include "tst_graphview.moc"
