// The treemap offscreen: the squarified layout tiles its area in proportion to bytes (golden values from the
// analysis' scope tree, not from the widget), drill down and back up by mouse and keyboard, tooltips, colours,
// and screenshots in the build folder for a person to look at.
#include "analysis/analysis.h"
#include "fixtures.h"
#include "views/treemaplayout.h"
#include "views/treemapwidget.h"

#include <QHelpEvent>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QToolTip>
#include <QtTest>

#include <random>

using namespace slimscope;
using ui::TreemapWidget;

namespace {

double area(const QRectF& r)
{
    return r.width() * r.height();
}

/// Tiling and proportion checks shared by the layout tests; `current` is the scope shown.
void checkTiling(const TreemapWidget& widget, const core::analysis::Analysis& a, int current)
{
    const auto cells = widget.cellRects();
    const QRectF whole = widget.treemapArea();
    QVERIFY(!cells.isEmpty());
    double sum = 0.0;
    for (int i = 0; i < cells.size(); ++i) {
        const QRectF& r = cells[i].first;
        QVERIFY2(r.width() >= 0 && r.height() >= 0, "negative cell");
        QVERIFY2(whole.adjusted(-1e-6, -1e-6, 1e-6, 1e-6).contains(r), "cell outside the treemap area");
        sum += area(r);
        for (int j = i + 1; j < cells.size(); ++j)
            QVERIFY2(area(r.intersected(cells[j].first)) < 1e-6, "cells overlap");
    }
    QVERIFY2(std::abs(sum - area(whole)) < 0.5, qPrintable(QStringLiteral("%1 vs %2").arg(sum).arg(area(whole))));

    // Expected bytes per cell, from the scope tree: children by their bytes, the scope's own weights as the
    // remainder over its children, "other" as whatever the listed cells leave over.
    const auto& node = a.scopes[static_cast<std::size_t>(current)];
    std::uint64_t childBytes = 0;
    for (const int child : node.children)
        childBytes += a.scopes[static_cast<std::size_t>(child)].bytes;
    std::uint64_t listed = 0;
    int others = 0;
    for (const auto& [rect, scope] : cells) {
        if (scope < 0) {
            ++others;
            continue;
        }
        const std::uint64_t bytes
            = scope == current ? node.bytes - childBytes : a.scopes[static_cast<std::size_t>(scope)].bytes;
        listed += bytes;
        const double expected = static_cast<double>(bytes) / static_cast<double>(node.bytes);
        const double got = area(rect) / area(whole);
        QVERIFY2(std::abs(got - expected) <= 0.02 * expected,
            qPrintable(QStringLiteral("scope %1: area share %2, bytes share %3").arg(scope).arg(got).arg(expected)));
    }
    QVERIFY(others <= 1);
    for (const auto& [rect, scope] : cells)
        if (scope < 0) {
            const double expected = static_cast<double>(node.bytes - listed) / static_cast<double>(node.bytes);
            QVERIFY(std::abs(area(rect) / area(whole) - expected) <= 0.02 * expected);
        }
}

int scopeByPath(const core::analysis::Analysis& a, const std::string& path)
{
    for (std::size_t i = 0; i < a.scopes.size(); ++i)
        if (a.scopes[i].path == path)
            return static_cast<int>(i);
    return -1;
}

QRectF rectOf(const QVector<QPair<QRectF, int>>& cells, int scope)
{
    for (const auto& [rect, s] : cells)
        if (s == scope)
            return rect;
    return {};
}

} // namespace

class TestTreemap : public QObject {
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        auto sample = core::analysis::analyzeFile(SLIMSCOPE_SAMPLE_MODEL);
        QVERIFY2(sample.has_value(), "run the sample_model target first");
        m_sample = *sample;
        auto bloated = fixtures::bloated();
        const QString path = m_dir.filePath(QStringLiteral("bloated.onnx"));
        QVERIFY(bloated.builder.save(path.toStdString()).has_value());
        auto analysed = core::analysis::analyzeFile(path.toStdString());
        QVERIFY(analysed.has_value());
        m_bloated = *analysed;
    }

    void squarifyMatchesThePaper()
    {
        // Bruls et al.'s example: 6,6,4,3,2,2,1 in a 6 x 4 rectangle; the first row is two 3 x 2 cells.
        const std::vector<double> areas { 6, 6, 4, 3, 2, 2, 1 };
        const auto rects = ui::squarify(areas, QRectF(0, 0, 6, 4));
        QCOMPARE(rects.size(), areas.size());
        QCOMPARE(rects[0], QRectF(0, 0, 3, 2));
        QCOMPARE(rects[1], QRectF(0, 2, 3, 2));
        double worst = 0.0;
        for (std::size_t i = 0; i < rects.size(); ++i) {
            QVERIFY(std::abs(area(rects[i]) - areas[i]) < 1e-9);
            worst = std::max(
                worst, std::max(rects[i].width(), rects[i].height()) / std::min(rects[i].width(), rects[i].height()));
        }
        QVERIFY2(worst < 3.0, qPrintable(QString::number(worst)));
    }

    void squarifyTilesRandomAreas()
    {
        std::mt19937 rng(7);
        std::uniform_real_distribution<double> value(0.01, 1.0);
        std::vector<double> areas(200);
        for (double& a : areas)
            a = std::pow(value(rng), 4.0); // heavy-tailed, like layer sizes
        std::sort(areas.rbegin(), areas.rend());
        const QRectF rect(10, 20, 640, 360);
        double total = 0.0;
        for (const double a : areas)
            total += a;
        for (double& a : areas)
            a *= area(rect) / total;
        const auto rects = ui::squarify(areas, rect);
        double sum = 0.0;
        for (std::size_t i = 0; i < rects.size(); ++i) {
            sum += area(rects[i]);
            QVERIFY(std::abs(area(rects[i]) - areas[i]) <= 1e-6 * area(rect));
            QVERIFY(rect.adjusted(-1e-9, -1e-9, 1e-9, 1e-9).contains(rects[i]));
            for (std::size_t j = i + 1; j < rects.size(); ++j)
                QVERIFY(area(rects[i].intersected(rects[j])) < 1e-9);
        }
        QVERIFY(std::abs(sum - area(rect)) < 1e-6);
    }

    void layoutTilesAndFollowsBytes_data()
    {
        QTest::addColumn<bool>("sample");
        QTest::addColumn<QString>("scope");
        QTest::addColumn<QSize>("size");
        QTest::newRow("sample model") << true << QString() << QSize(900, 600);
        QTest::newRow("sample features") << true << QStringLiteral("features") << QSize(900, 600);
        QTest::newRow("sample classifier") << true << QStringLiteral("classifier") << QSize(640, 420);
        QTest::newRow("bloated model") << false << QString() << QSize(900, 600);
        // Small enough that the small tensors next to large_const are merged into "other".
        QTest::newRow("bloated small") << false << QString() << QSize(260, 180);
    }

    void layoutTilesAndFollowsBytes()
    {
        QFETCH(bool, sample);
        QFETCH(QString, scope);
        QFETCH(QSize, size);
        const ui::AnalysisPtr& analysis = sample ? m_sample : m_bloated;
        TreemapWidget widget;
        widget.resize(size);
        widget.setAnalysis(analysis);
        int current = 0;
        if (!scope.isEmpty()) {
            current = scopeByPath(*analysis, scope.toStdString());
            QVERIFY(current > 0);
            widget.setCurrentScope(current);
        }
        QCOMPARE(widget.currentScope(), current);
        checkTiling(widget, *analysis, current);
        // Second-level cells lie inside the first-level cell they belong to.
        const auto top = widget.cellRects();
        for (const auto& [rect, s] : widget.leafRects()) {
            bool inside = false;
            for (const auto& outer : top)
                inside = inside || outer.first.adjusted(-1e-6, -1e-6, 1e-6, 1e-6).contains(rect);
            QVERIFY(inside);
        }
        if (QTest::currentDataTag() == QByteArray("bloated small")) {
            bool hasOther = false;
            for (const auto& cell : top)
                hasOther = hasOther || cell.second < 0;
            QVERIFY2(hasOther, "no small cells were merged");
            for (const auto& [rect, s] : widget.leafRects())
                QVERIFY(s < 0 || std::min(rect.width(), rect.height()) >= 3.0);
        }
    }

    void clickDrillsDownAndBackUp()
    {
        TreemapWidget widget;
        widget.resize(900, 600);
        widget.setAnalysis(m_sample);
        widget.show();
        QVERIFY(QTest::qWaitForWindowExposed(&widget));
        QCOMPARE(widget.breadcrumbText(), QStringLiteral("model"));
        QSignalSpy selected(&widget, &TreemapWidget::scopeSelected);

        // A click on the "features" group header enters it.
        const int features = scopeByPath(*m_sample, "features");
        const QRectF group = rectOf(widget.cellRects(), features);
        QVERIFY(!group.isEmpty());
        QTest::mouseClick(&widget, Qt::LeftButton, {}, QPointF(group.center().x(), group.top() + 5).toPoint());
        QCOMPARE(widget.breadcrumbText(), QStringLiteral("model / features"));
        QCOMPARE(selected.count(), 1);
        QCOMPARE(selected.last().at(0).toInt(), features);

        // Inside it, block4 (its conv and its unfolded batch norm) is a group of its own; a click on its header
        // goes one deeper.
        // (block1..3 hold one layer each, so the scope tree folds them into leaves such as "block3/conv".)
        const int block4 = scopeByPath(*m_sample, "features/block4");
        const QRectF cell = rectOf(widget.cellRects(), block4);
        QVERIFY(!cell.isEmpty());
        QTest::mouseClick(&widget, Qt::LeftButton, {}, QPointF(cell.center().x(), cell.top() + 5).toPoint());
        QCOMPARE(widget.breadcrumbText(), QStringLiteral("model / features / block4"));

        // Backspace and a right click each go up one level; at the top they do nothing.
        QTest::keyClick(&widget, Qt::Key_Backspace);
        QCOMPARE(widget.breadcrumbText(), QStringLiteral("model / features"));
        QTest::mouseClick(&widget, Qt::RightButton, {}, QPoint(300, 300));
        QCOMPARE(widget.breadcrumbText(), QStringLiteral("model"));
        QTest::mouseClick(&widget, Qt::RightButton, {}, QPoint(300, 300));
        QCOMPARE(widget.breadcrumbText(), QStringLiteral("model"));

        // A breadcrumb segment jumps back to its scope.
        widget.setCurrentScope(block4);
        QCOMPARE(widget.breadcrumbText(), QStringLiteral("model / features / block4"));
        const auto crumbs = widget.breadcrumbRects();
        QCOMPARE(crumbs.size(), 3);
        QCOMPARE(crumbs[1].second, features);
        QTest::mouseClick(&widget, Qt::LeftButton, {}, crumbs[1].first.center().toPoint());
        QCOMPARE(widget.breadcrumbText(), QStringLiteral("model / features"));
        QTest::mouseClick(&widget, Qt::LeftButton, {}, crumbs[0].first.center().toPoint());
        QCOMPARE(widget.breadcrumbText(), QStringLiteral("model"));
    }

    void doubleClickActivatesLayer()
    {
        TreemapWidget widget;
        widget.resize(900, 600);
        widget.setAnalysis(m_sample);
        widget.show();
        QVERIFY(QTest::qWaitForWindowExposed(&widget));
        QSignalSpy activated(&widget, &TreemapWidget::layerActivated);
        const int fc1 = scopeByPath(*m_sample, "classifier/fc1");
        QVERIFY(fc1 > 0);
        const int layer = m_sample->scopes[static_cast<std::size_t>(fc1)].layer;
        QVERIFY(layer >= 0);
        QCOMPARE(m_sample->layers[static_cast<std::size_t>(layer)].name, std::string("classifier/fc1"));
        const QPoint at = rectOf(widget.leafRects(), fc1).center().toPoint();
        // What a window system sends for a double click: press, release, double click, release.
        QTest::mousePress(&widget, Qt::LeftButton, {}, at);
        QTest::mouseRelease(&widget, Qt::LeftButton, {}, at);
        QTest::mouseDClick(&widget, Qt::LeftButton, {}, at);
        QTest::mouseRelease(&widget, Qt::LeftButton, {}, at);
        QCOMPARE(activated.count(), 1);
        QCOMPARE(activated.at(0).at(0).toInt(), layer);
        QCOMPARE(widget.breadcrumbText(), QStringLiteral("model")); // a leaf is not entered
    }

    void tooltipHasExactBytes()
    {
        TreemapWidget widget;
        widget.resize(900, 600);
        widget.setAnalysis(m_sample);
        widget.show();
        QVERIFY(QTest::qWaitForWindowExposed(&widget));
        const int fc1 = scopeByPath(*m_sample, "classifier/fc1");
        const auto& node = m_sample->scopes[static_cast<std::size_t>(fc1)];
        // fc1: weight [128,2048] and bias [128], float32.
        QCOMPARE(node.bytes, std::uint64_t { (128 * 2048 + 128) * 4 });
        const QPoint at = rectOf(widget.leafRects(), fc1).center().toPoint();
        const QString text = widget.toolTipAt(at);
        QVERIFY2(text.contains(QStringLiteral("classifier/fc1")), qPrintable(text));
        QVERIFY2(text.contains(QStringLiteral("(1049088 bytes)")), qPrintable(text));
        QVERIFY2(text.contains(QStringLiteral("1.00 MiB")), qPrintable(text));
        QVERIFY2(text.contains(QStringLiteral("Gemm")), qPrintable(text));
        QVERIFY2(text.contains(QStringLiteral("float32")), qPrintable(text));
        QVERIFY(widget.toolTipAt(QPointF(-5, -5)).isEmpty());

        // The real tooltip event shows the same text.
        QHelpEvent help(QEvent::ToolTip, at, widget.mapToGlobal(at));
        QCoreApplication::sendEvent(&widget, &help);
        QTRY_VERIFY(QToolTip::isVisible());
        QCOMPARE(QToolTip::text(), text);
        QToolTip::hideText();
    }

    void coloursAndScreenshots()
    {
        TreemapWidget widget;
        widget.resize(1000, 640);
        widget.setAnalysis(m_sample);
        widget.show();
        QVERIFY(QTest::qWaitForWindowExposed(&widget));
        const QString dir = QCoreApplication::applicationDirPath();
        const int fc1 = scopeByPath(*m_sample, "classifier/fc1");
        const int block4 = scopeByPath(*m_sample, "features/block4");
        const int block3 = scopeByPath(*m_sample, "features/block3/conv");
        QVERIFY(block4 >= 0 && block3 >= 0 && fc1 >= 0);
        const auto pixelOf = [&](const QImage& image, int scope) {
            const QPointF c = rectOf(widget.leafRects(), scope).bottomRight() - QPointF(4, 4);
            return image.pixelColor(QPointF(c * image.devicePixelRatio()).toPoint());
        };

        for (const int leaf : { block4, block3, fc1 })
            QVERIFY(!rectOf(widget.leafRects(), leaf).isEmpty());
        QImage dtype = widget.grab().toImage();
        QVERIFY(dtype.save(dir + QStringLiteral("/treemap_dtype.png")));
        // float64 block4 and float32 block3 differ by dtype; fc1 (70 % zeros) and block3 (dense) by sparsity.
        QVERIFY(pixelOf(dtype, block4) != pixelOf(dtype, block3));
        QCOMPARE(pixelOf(dtype, fc1), pixelOf(dtype, block3));

        widget.setColourMode(TreemapWidget::ColourMode::Sparsity);
        QImage sparsity = widget.grab().toImage();
        QVERIFY(sparsity.save(dir + QStringLiteral("/treemap_sparsity.png")));
        QVERIFY(pixelOf(sparsity, fc1) != pixelOf(sparsity, block3));
        QVERIFY(pixelOf(sparsity, fc1).saturationF() > pixelOf(sparsity, block3).saturationF());

        // Dark palette, drilled into features, dtype colours.
        QPalette dark;
        dark.setColor(QPalette::Window, QColor(0x2b, 0x2b, 0x2b));
        dark.setColor(QPalette::WindowText, QColor(0xe6, 0xe6, 0xe6));
        dark.setColor(QPalette::Link, QColor(0x6c, 0xb4, 0xff));
        dark.setColor(QPalette::PlaceholderText, QColor(0x9a, 0x9a, 0x9a));
        widget.setPalette(dark);
        widget.setColourMode(TreemapWidget::ColourMode::Dtype);
        widget.setCurrentScope(scopeByPath(*m_sample, "features"));
        QVERIFY(widget.grab().save(dir + QStringLiteral("/treemap_dark.png")));

        TreemapWidget small;
        small.resize(420, 300);
        small.setAnalysis(m_bloated);
        QVERIFY(small.grab().save(dir + QStringLiteral("/treemap_bloated.png")));
    }

private:
    QTemporaryDir m_dir;
    ui::AnalysisPtr m_sample;
    ui::AnalysisPtr m_bloated;
};

QTEST_MAIN(TestTreemap)
#include "tst_treemap.moc"
