// Groups of the graph view: name scopes close into group nodes and open again, flat graphs split into runs,
// If/Loop bodies hang from their owners, edges join whatever shows, and a recipe's effect (sizes after, removed
// nodes) reaches the nodes. Expected counts come from the fixtures' own construction, not from the code under test.
#include "analysis/analysis.h"
#include "fixtures.h"
#include "graph/dotgraph.h"
#include "modelbuilder.h"
#include "plan/sensitivity.h"
#include "slim/slimmer.h"
#include "slim/steps/cleanup.h"
#include "slim/steps/quantize.h"
#include "support/format.h"
#include "testenv.h"

#include <QTemporaryDir>
#include <QTest>

#include <set>

namespace an = slimscope::core::analysis;
namespace gr = slimscope::core::graph;
namespace fx = slimscope::fixtures;
namespace slim = slimscope::core::slim;

namespace {

constexpr int kBlocks = 10;

std::set<std::pair<std::string, std::string>> edgesOf(const gr::VisibleGraph& graph)
{
    std::set<std::pair<std::string, std::string>> edges;
    for (const auto& edge : graph.edges)
        edges.emplace(edge.tail, edge.head);
    return edges;
}

const gr::GraphNode* nodeWithId(const gr::VisibleGraph& graph, const std::string& id)
{
    const auto it = std::ranges::find(graph.nodes, id, &gr::GraphNode::id);
    return it == graph.nodes.end() ? nullptr : &*it;
}

} // namespace

class TestLayerGroups : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;

    std::shared_ptr<const an::Analysis> analyse(const fx::ModelBuilder& builder, const QString& name)
    {
        const auto path = m_dir.filePath(name).toStdString();
        if (!builder.save(path))
            return nullptr;
        auto analysis = an::analyzeFile(path);
        return analysis ? *analysis : nullptr;
    }

private slots:
    void scopesCloseAndOpen()
    {
        const auto a = analyse(fx::scopedChain(kBlocks), QStringLiteral("scoped.onnx"));
        QVERIFY(a);
        const gr::GroupTree tree = gr::groupLayers(*a);
        // "enc" holds ten blocks; each block's single-layer scopes (fc, act) dissolve into it.
        QCOMPARE(tree.topGroups.size(), std::size_t(1));
        const auto& enc = tree.groups[static_cast<std::size_t>(tree.topGroups.front())];
        QCOMPARE(enc.name, std::string("enc"));
        QCOMPARE(enc.groups.size(), std::size_t(kBlocks));
        QCOMPARE(enc.layerCount, std::size_t(2 * kBlocks));
        for (int k = 0; k < kBlocks; ++k) {
            const auto& block = tree.groups[static_cast<std::size_t>(enc.groups[static_cast<std::size_t>(k)])];
            QCOMPARE(block.path, "/enc/block." + std::to_string(k));
            QCOMPARE(block.layers, (std::vector<std::size_t> { std::size_t(2 * k), std::size_t(2 * k + 1) }));
        }
        QCOMPARE(tree.topLayers, std::vector<std::size_t> { std::size_t(2 * kBlocks) }); // "final" has no scope

        // Closed: one group between the input, the final Identity and the output.
        const gr::Figures figures = gr::figuresOf(*a);
        const std::string encId = "g" + std::to_string(tree.topGroups.front());
        const auto closed = gr::visibleGraph(*a, tree, gr::collapseAll(tree), figures, gr::NodeMeasure::Bytes);
        QCOMPARE(closed.nodes.size(), std::size_t(1 + 1 + 2)); // enc, final, in0, out0
        QCOMPARE(gr::visibleNodeCount(tree, gr::collapseAll(tree)), std::size_t(2));
        const std::string finalId = "n" + std::to_string(2 * kBlocks);
        QCOMPARE(edgesOf(closed),
            (std::set<std::pair<std::string, std::string>> {
                { "in0", encId }, { encId, finalId }, { finalId, "out0" } }));
        const auto* encNode = nodeWithId(closed, encId);
        QVERIFY(encNode && encNode->kind == gr::GraphNode::Kind::Group);
        // Its bytes: ten 4×4 float32 weights.
        QVERIFY2(encNode->label.find(slimscope::core::humanBytes(kBlocks * 16 * 4)) != std::string::npos,
            encNode->label.c_str());
        QVERIFY(encNode->label.find("20 nodes") != std::string::npos);

        // enc open: ten block nodes in a chain, each edge carrying the value's shape.
        gr::Expansion open = gr::collapseAll(tree);
        open[static_cast<std::size_t>(tree.topGroups.front())] = true;
        const auto blocks = gr::visibleGraph(*a, tree, open, figures, gr::NodeMeasure::Bytes);
        QCOMPARE(blocks.clusters.size(), std::size_t(1));
        for (int k = 0; k + 1 < kBlocks; ++k) {
            const std::string from = "g" + std::to_string(enc.groups[static_cast<std::size_t>(k)]);
            const std::string to = "g" + std::to_string(enc.groups[static_cast<std::size_t>(k + 1)]);
            const auto edge = std::ranges::find_if(
                blocks.edges, [&](const gr::GraphEdge& e) { return e.tail == from && e.head == to; });
            QVERIFY2(edge != blocks.edges.end(), (from + " -> " + to).c_str());
            QCOMPARE(edge->label, std::string("[1,4]"));
        }
        QCOMPARE(blocks.edges.size(), std::size_t(kBlocks - 1 + 3));

        // Budgets open whole levels: 12 nodes open enc (10 blocks + final = 11) but not the blocks (+10), 21 all.
        const gr::Expansion budget = gr::expandUpTo(tree, 12);
        QCOMPARE(gr::visibleNodeCount(tree, budget), std::size_t(11));
        QCOMPARE(std::ranges::count(budget, true), std::ptrdiff_t(1));
        QCOMPARE(gr::visibleNodeCount(tree, gr::expandUpTo(tree, 21)), std::size_t(21));
        QCOMPARE(gr::visibleNodeCount(tree, gr::expandUpTo(tree, 10)), std::size_t(2));

        // Everything open: every layer, each inside its block's cluster; a hidden layer is revealed by opening its
        // groups.
        const auto all = gr::visibleGraph(*a, tree, gr::expandAll(tree), figures, gr::NodeMeasure::Bytes);
        QCOMPARE(all.clusters.size(), std::size_t(1 + kBlocks));
        for (int l = 0; l < 2 * kBlocks; ++l) {
            const auto* node = nodeWithId(all, "n" + std::to_string(l));
            QVERIFY(node);
            QCOMPARE(node->cluster, enc.groups[static_cast<std::size_t>(l / 2)]);
            // Inside its block's frame a node is named below the block.
            QCOMPARE(node->label.substr(0, node->label.find('\n', node->label.find('\n') + 1)),
                l % 2 ? std::string("Relu\nact/Relu") : std::string("MatMul\nfc/MatMul"));
        }
        gr::Expansion hidden = gr::collapseAll(tree);
        QCOMPARE(gr::hiddenBy(tree, hidden, 11), tree.topGroups.front());
        gr::reveal(tree, hidden, 11);
        QCOMPARE(gr::hiddenBy(tree, hidden, 11), -1);
        QVERIFY(nodeWithId(gr::visibleGraph(*a, tree, hidden, figures, gr::NodeMeasure::Bytes), "n11"));
        // The DOT text holds the clusters and the closed group's box.
        const std::string dot = gr::toDot(closed);
        QVERIFY(dot.find(encId + " [label=") != std::string::npos);
        QVERIFY(dot.find("shape=box3d") != std::string::npos);
        QVERIFY(gr::toDot(all).find("subgraph cluster_g") != std::string::npos);
    }

    // Names without scopes: a 300-node chain opens as runs of 120, 120 and 60 consecutive nodes.
    void flatGraphsSplitIntoRuns()
    {
        fx::ModelBuilder b(13, 8);
        b.addInput("x", onnx::TensorProto::FLOAT, { 1, 4 });
        std::string value = "x";
        for (int i = 0; i < 300; ++i) {
            const std::string out = i == 299 ? "y" : "v" + std::to_string(i);
            b.addNode("Relu", { value }, { out }, "relu_" + std::to_string(i));
            value = out;
        }
        b.addOutput("y", onnx::TensorProto::FLOAT, { 1, 4 });
        const auto a = analyse(b, QStringLiteral("flat.onnx"));
        QVERIFY(a);
        const gr::GroupTree tree = gr::groupLayers(*a, 120);
        QCOMPARE(tree.topGroups.size(), std::size_t(3));
        QVERIFY(tree.topLayers.empty());
        std::size_t next = 0;
        for (const int g : tree.topGroups) {
            const auto& run = tree.groups[static_cast<std::size_t>(g)];
            QCOMPARE(run.kind, gr::LayerGroup::Kind::Run);
            for (const std::size_t l : run.layers)
                QCOMPARE(l, next++);
        }
        QCOMPARE(next, std::size_t(300));
        QCOMPARE(tree.groups[static_cast<std::size_t>(tree.topGroups[2])].layerCount, std::size_t(60));
        const gr::Expansion outline = gr::expandUpTo(tree, 50);
        QCOMPARE(gr::visibleNodeCount(tree, outline), std::size_t(3));
        const auto graph = gr::visibleGraph(*a, tree, outline, gr::figuresOf(*a), gr::NodeMeasure::Bytes);
        const std::string r0 = "g" + std::to_string(tree.topGroups[0]), r1 = "g" + std::to_string(tree.topGroups[1]),
                          r2 = "g" + std::to_string(tree.topGroups[2]);
        QCOMPARE(edgesOf(graph),
            (std::set<std::pair<std::string, std::string>> { { "in0", r0 }, { r0, r1 }, { r1, r2 }, { r2, "out0" } }));
    }

    // If/Loop bodies are groups owned by their node; closed, a dashed edge ties each to its owner.
    void bodiesHangFromTheirOwners()
    {
        const auto fixture = fx::ifSubgraphs();
        const auto a = analyse(fixture.builder, QStringLiteral("ifs.onnx"));
        QVERIFY(a);
        // Count the graph attributes in the proto itself.
        std::size_t bodies = 0;
        const std::function<void(const onnx::GraphProto&)> count = [&](const onnx::GraphProto& graph) {
            for (const auto& node : graph.node())
                for (const auto& attribute : node.attribute())
                    if (attribute.has_g()) {
                        ++bodies;
                        count(attribute.g());
                    }
        };
        count(fixture.builder.model().graph());
        QVERIFY(bodies >= 4);
        const gr::GroupTree tree = gr::groupLayers(*a);
        std::size_t found = 0;
        for (const auto& group : tree.groups)
            if (group.kind == gr::LayerGroup::Kind::Body) {
                ++found;
                QVERIFY(group.ownerLayer >= 0);
                const std::string& op = a->layers[static_cast<std::size_t>(group.ownerLayer)].opType;
                QVERIFY2(op == "If" || op == "Loop", op.c_str());
            }
        QCOMPARE(found, bodies);
        const auto closed
            = gr::visibleGraph(*a, tree, gr::collapseAll(tree), gr::figuresOf(*a), gr::NodeMeasure::Bytes);
        const auto owned = std::ranges::count_if(closed.edges, [](const gr::GraphEdge& e) { return e.ownership; });
        QCOMPARE(owned, std::ptrdiff_t(std::ranges::count_if(closed.nodes, [&](const gr::GraphNode& n) {
            return n.kind == gr::GraphNode::Kind::Group
                && tree.groups[static_cast<std::size_t>(n.index)].kind == gr::LayerGroup::Kind::Body;
        })));
        QVERIFY(owned >= 2); // the If's two branches and the Loop's body at the top
    }

    // After a recipe: int8 shrinks the weights (before → after in the label), cleanup's removed nodes are marked.
    void aRecipesEffectReachesTheNodes()
    {
        const auto bloated = fx::bloated();
        const auto a = analyse(bloated.builder, QStringLiteral("bloated.onnx"));
        QVERIFY(a);
        const auto cleaned = slim::applyRecipe(
            a->modelFile, slim::Recipe { { slim::Step { slim::CleanupStep {}, {}, true } } }, {}, nullptr, a.get());
        QVERIFY(cleaned.has_value());
        const std::vector<bool> removed = gr::removedLayers(*a, *cleaned->model);
        std::set<std::string> removedNames;
        for (std::size_t l = 0; l < removed.size(); ++l)
            if (removed[l])
                removedNames.insert(a->layers[l].name);
        QVERIFY(removedNames.contains("dead_relu"));
        QVERIFY(removedNames.contains("dead_mul"));
        gr::Figures after = gr::figuresOf(*a);
        gr::applyPreview(after, *a, cleaned->preview, removed);
        const gr::GroupTree tree = gr::groupLayers(*a);
        const auto graph = gr::visibleGraph(*a, tree, gr::expandAll(tree), after, gr::NodeMeasure::Bytes);
        const auto dead = std::ranges::find(a->layers, std::string("dead_mul"), &an::LayerStats::name);
        const auto* node = nodeWithId(graph, "n" + std::to_string(dead - a->layers.begin()));
        QVERIFY(node && node->removed && node->label.find("(removed)") != std::string::npos);
        QVERIFY(gr::toDot(graph).find("dashed") != std::string::npos);

        const auto chain = fx::linearChain();
        const auto b = analyse(chain.builder, QStringLiteral("chain.onnx"));
        QVERIFY(b);
        const auto int8 = slim::applyRecipe(b->modelFile,
            slim::Recipe { { slim::Step { slim::QuantizeInt8Step { true, true }, {}, true } } }, {}, nullptr, b.get());
        QVERIFY(int8.has_value());
        gr::Figures quantized = gr::figuresOf(*b);
        gr::applyPreview(quantized, *b, int8->preview, gr::removedLayers(*b, *int8->model));
        const auto gemm = static_cast<std::size_t>(
            std::ranges::find(b->layers, std::string("gemm"), &an::LayerStats::name) - b->layers.begin());
        // W1 is 128×64 float32 (32 KiB): int8 holds it in 8,192 bytes plus 128 scales, the bias stays float.
        QCOMPARE(quantized.layers[gemm].bytesBefore, b->layers[gemm].bytes);
        QVERIFY(quantized.layers[gemm].bytes < b->layers[gemm].bytes / 3);
        QCOMPARE(quantized.layers[gemm].dtype, std::string("int8"));
        const gr::GroupTree chainTree = gr::groupLayers(*b);
        const auto shown = gr::visibleGraph(*b, chainTree, gr::expandAll(chainTree), quantized, gr::NodeMeasure::Bytes);
        QVERIFY(nodeWithId(shown, "n" + std::to_string(gemm))->label.find("→") != std::string::npos);
    }

    // Sensitivity colours as the legend says: red at or below 10 dB of output SQNR, white at or above 45 dB and where
    // nothing was measured; a closed group shows its worst layer.
    void sensitivityColours()
    {
        const auto a = analyse(fx::scopedChain(3), QStringLiteral("scoped3.onnx"));
        QVERIFY(a);
        slimscope::core::plan::Sensitivity sweep;
        sweep.step = "quantize:int8";
        slimscope::core::plan::LayerSensitivity fragile, robust;
        fragile.node = "/enc/block.1/fc/MatMul";
        fragile.sqnrDb = 8.0;
        robust.node = "/enc/block.2/fc/MatMul";
        robust.sqnrDb = 60.0;
        sweep.layers = { fragile, robust };
        gr::Figures figures = gr::figuresOf(*a);
        gr::applySensitivity(figures, *a, sweep);
        const gr::GroupTree tree = gr::groupLayers(*a);
        const auto all = gr::visibleGraph(*a, tree, gr::expandAll(tree), figures, gr::NodeMeasure::Sensitivity);
        QCOMPARE(nodeWithId(all, "n2")->fill, std::string("#c0392b")); // block.1's MatMul
        QCOMPARE(nodeWithId(all, "n4")->fill, std::string("#ffffff")); // block.2's MatMul: 60 dB
        QCOMPARE(nodeWithId(all, "n0")->fill, std::string("#ffffff")); // not measured
        QVERIFY(nodeWithId(all, "n2")->label.find("SQNR 8.0 dB") != std::string::npos);
        QVERIFY(all.legend.find("quantize:int8") != std::string::npos);
        const auto closed = gr::visibleGraph(*a, tree, gr::collapseAll(tree), figures, gr::NodeMeasure::Sensitivity);
        QCOMPARE(nodeWithId(closed, "g" + std::to_string(tree.topGroups.front()))->fill, std::string("#c0392b"));
    }
};

QTEST_GUILESS_MAIN(TestLayerGroups)
#include "tst_layergroups.moc"
