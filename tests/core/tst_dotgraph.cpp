// The model's graph as DOT: every node of the fixture is there with its op and name, every edge the proto's values
// make (computed here from the proto), graph inputs and outputs as ellipses, weight-only nodes folded away, and
// colours from the analysis (the largest layer the darkest, a layer without weights white). With Graphviz's dot
// installed, the CLI's SVG holds every node's name.
#include "analysis/analysis.h"
#include "fixtures.h"
#include "graph/dotgraph.h"
#include "testenv.h"

#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <set>

namespace an = slimscope::core::analysis;
namespace gr = slimscope::core::graph;
namespace fx = slimscope::fixtures;

class TestDotGraph : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;

private slots:
    void everyNodeAndEdgeOfTheFixture()
    {
        const auto path = m_dir.filePath(QStringLiteral("convnet.onnx")).toStdString();
        const auto fixture = fx::convNet();
        QVERIFY(fixture.builder.save(path).has_value());
        const auto analysis = an::analyzeFile(path);
        QVERIFY(analysis.has_value());
        const std::string dot = gr::toDot(**analysis);
        const QString text = QString::fromStdString(dot);
        QVERIFY(text.startsWith(QStringLiteral("digraph model {")));

        const auto& graph = fixture.builder.model().graph();
        std::map<std::string, int> producer;
        for (int i = 0; i < graph.node_size(); ++i) {
            const auto& node = graph.node(i);
            // Every node: "n<i> [label="<op>\n<name>..."".
            const QString declared
                = QStringLiteral("n%1 [label=\"%2\\n%3")
                      .arg(i)
                      .arg(QString::fromStdString(node.op_type()), QString::fromStdString(node.name()));
            QVERIFY2(text.contains(declared), qPrintable(declared));
            for (const auto& output : node.output())
                producer[output] = i;
        }
        std::set<QString> expected;
        for (int i = 0; i < graph.node_size(); ++i)
            for (const auto& input : graph.node(i).input()) {
                if (const auto from = producer.find(input); from != producer.end())
                    expected.insert(QStringLiteral("n%1 -> n%2").arg(from->second).arg(i));
                else if (input == graph.input(0).name())
                    expected.insert(QStringLiteral("in0 -> n%1").arg(i));
            }
        expected.insert(QStringLiteral("n%1 -> out0").arg(producer.at(graph.output(0).name())));
        std::set<QString> found;
        const QRegularExpression edge(
            QStringLiteral("^  ((?:n|in)\\d+ -> (?:n|out)\\d+)"), QRegularExpression::MultilineOption);
        for (auto it = edge.globalMatch(text); it.hasNext();)
            found.insert(it.next().captured(1));
        QCOMPARE(found, expected);
        QVERIFY(
            QRegularExpression(QStringLiteral("in0 \\[label=\"input\"[^\\]]*shape=ellipse")).match(text).hasMatch());
        QVERIFY(text.contains(QStringLiteral("legend [shape=note")));

        // Colours: the layer with the most bytes is the darkest blue, one without weights white, float32 weights in
        // the float32 colour when coloured by dtype.
        const auto& layers = (*analysis)->layers;
        std::size_t largest = 0, none = layers.size();
        for (std::size_t i = 0; i < layers.size(); ++i) {
            if (layers[i].bytes > layers[largest].bytes)
                largest = i;
            if (layers[i].bytes == 0 && none == layers.size())
                none = i;
        }
        QVERIFY(none < layers.size());
        const auto fillOf = [&](gr::NodeMeasure measure, std::size_t layer) {
            const auto tree = gr::groupLayers(**analysis);
            const auto graph
                = gr::visibleGraph(**analysis, tree, gr::expandAll(tree), gr::figuresOf(**analysis), measure);
            const auto it = std::ranges::find(graph.nodes, "n" + std::to_string(layer), &gr::GraphNode::id);
            return it == graph.nodes.end() ? std::string("missing") : it->fill;
        };
        QCOMPARE(fillOf(gr::NodeMeasure::Bytes, largest), std::string("#3b6fb6"));
        QCOMPARE(fillOf(gr::NodeMeasure::Bytes, none), std::string("#ffffff"));
        QCOMPARE(fillOf(gr::NodeMeasure::Dtype, largest), std::string("#7aa6d6")); // float32
        QVERIFY(gr::toDot(**analysis, { gr::NodeMeasure::Sparsity }).find("zeros") != std::string::npos);
        QCOMPARE(gr::parseNodeMeasure("macs"), std::optional(gr::NodeMeasure::Macs));
        QVERIFY(!gr::parseNodeMeasure("colour"));
    }

    // Names with quotes and backslashes stay inside their DOT strings.
    void awkwardNamesAreEscaped()
    {
        fx::ModelBuilder b(13, 8);
        b.addInput("x\"in", onnx::TensorProto::FLOAT, { 1, 4 });
        b.addNode("Relu", { "x\"in" }, { "y" }, "relu \"one\" \\ two");
        b.addOutput("y", onnx::TensorProto::FLOAT, { 1, 4 });
        const auto path = m_dir.filePath(QStringLiteral("awkward.onnx")).toStdString();
        QVERIFY(b.save(path).has_value());
        const auto analysis = an::analyzeFile(path);
        QVERIFY(analysis.has_value());
        const QString text = QString::fromStdString(gr::toDot(**analysis));
        QVERIFY2(text.contains(QStringLiteral("relu \\\"one\\\" \\\\ two")), qPrintable(text));
        QVERIFY(text.contains(QStringLiteral("label=\"x\\\"in\"")));
    }

    // --max-nodes closes the scopes: the scoped chain's ten blocks show as one group; --recipe marks sizes after.
    void cliClosesScopesAndShowsARecipe()
    {
        const auto model = m_dir.filePath(QStringLiteral("scoped-cli.onnx"));
        QVERIFY(fx::scopedChain(10).save(model.toStdString()).has_value());
        QProcess cli;
        cli.start(QStringLiteral(SLIMSCOPE_CLI),
            { QStringLiteral("graph"), model, QStringLiteral("--max-nodes"), QStringLiteral("5"), QStringLiteral("-o"),
                QStringLiteral("-") });
        QVERIFY(cli.waitForFinished(60000));
        QCOMPARE(cli.exitCode(), 0);
        const QByteArray closed = cli.readAllStandardOutput();
        QCOMPARE(closed.count("shape=box3d"), 1);
        QVERIFY(closed.contains("20 nodes"));
        QVERIFY(!closed.contains(" n0 [label"));
        const auto recipe = m_dir.filePath(QStringLiteral("int8.json"));
        QFile file(recipe);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(
            R"({"schema":"slimscope.recipe/1","steps":[{"kind":"quantize","type":"int8","scope":{"min_elements":1}}]})");
        file.close();
        cli.start(QStringLiteral(SLIMSCOPE_CLI),
            { QStringLiteral("graph"), model, QStringLiteral("--recipe"), recipe, QStringLiteral("-o"),
                QStringLiteral("-") });
        QVERIFY(cli.waitForFinished(60000));
        QCOMPARE(cli.exitCode(), 0);
        const QString after = QString::fromUtf8(cli.readAllStandardOutput());
        // Each block's 4×4 float32 weight (64 bytes) as int8: 16 values and 4 scales.
        QVERIFY2(after.contains(QStringLiteral("64 B → ")), qPrintable(after.left(2000)));
        QVERIFY(after.contains(QStringLiteral("after the recipe")));
    }

    void cliWritesSvgThroughDot()
    {
        if (QStandardPaths::findExecutable(QStringLiteral("dot")).isEmpty())
            SLIMSCOPE_SKIP("Graphviz's dot is not installed (apt install graphviz; scripts/install-deps.sh does)");
        const auto model = m_dir.filePath(QStringLiteral("convnet-cli.onnx"));
        QVERIFY(fx::convNet().builder.save(model.toStdString()).has_value());
        const auto svg = m_dir.filePath(QStringLiteral("convnet.svg"));
        QProcess cli;
        cli.start(QStringLiteral(SLIMSCOPE_CLI),
            { QStringLiteral("graph"), model, QStringLiteral("--format"), QStringLiteral("svg"),
                QStringLiteral("--color"), QStringLiteral("sparsity"), QStringLiteral("-o"), svg });
        QVERIFY(cli.waitForFinished(60000));
        QCOMPARE(cli.exitCode(), 0);
        QFile file(svg);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray text = file.readAll();
        QVERIFY(text.contains("<svg"));
        for (const char* name : { "conv1", "relu1", "conv2", "dwconv", "gap", "flatten", "fc" })
            QVERIFY2(text.contains(QByteArray(">") + name + "<"), name);
        // The input model is never an output.
        QProcess self;
        self.start(QStringLiteral(SLIMSCOPE_CLI), { QStringLiteral("graph"), model, QStringLiteral("-o"), model });
        QVERIFY(self.waitForFinished(60000));
        QCOMPARE(self.exitCode(), 2);
    }
};

QTEST_GUILESS_MAIN(TestDotGraph)
#include "tst_dotgraph.moc"
