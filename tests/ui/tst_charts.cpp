// The chart widgets over real analyses: Pareto bars against independently sorted layer sizes, dtype totals,
// histogram counts, exports, clicks, and screenshots of every chart in the build folder.
#include "charts/qcp.h"

#include "analysis/analysis.h"
#include "charts/beforeafterchart.h"
#include "charts/dtypechart.h"
#include "charts/histogramchart.h"
#include "charts/palette.h"
#include "charts/paretochart.h"
#include "charts/sparsitychart.h"
#include "fixtures.h"

#include <QProcess>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <functional>
#include <map>
#include <numeric>

using namespace slimscope;
using ui::AnalysisPtr;

namespace {

std::vector<double> barValues(const QCPBars* bars)
{
    std::vector<double> values;
    for (auto it = bars->data()->constBegin(); it != bars->data()->constEnd(); ++it)
        values.push_back(it->value);
    return values;
}

// The pixel at the middle of bar `index` (keys are 0..n-1) of a vertical bar chart, after a real layout.
QPoint barCentre(QCustomPlot* plot, double key, double value)
{
    plot->replot();
    return QPoint(qRound(plot->xAxis->coordToPixel(key)), qRound(plot->yAxis->coordToPixel(value / 2)));
}

} // namespace

class TestCharts : public QObject {
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        const auto load = [this](fixtures::Fixture fixture, const QString& key) -> AnalysisPtr {
            const QString path = m_dir.filePath(key + QStringLiteral(".onnx"));
            if (!fixture.builder.save(path.toStdString()).has_value())
                return {};
            m_weightBytes[key] = fixture.truth.totalWeightBytes;
            auto result = core::analysis::analyzeFile(path.toStdString());
            return result ? *result : AnalysisPtr {};
        };
        m_analyses[QStringLiteral("convnet")] = load(fixtures::convNet(), QStringLiteral("convnet"));
        m_analyses[QStringLiteral("bloated")] = load(fixtures::bloated(), QStringLiteral("bloated"));
        auto sample = core::analysis::analyzeFile(SLIMSCOPE_SAMPLE_MODEL);
        QVERIFY2(sample.has_value(), SLIMSCOPE_SAMPLE_MODEL);
        m_analyses[QStringLiteral("sample")] = *sample;
        for (const auto& [name, analysis] : m_analyses.asKeyValueRange())
            QVERIFY2(analysis, qPrintable(name));

        m_screenshots
            = QDir(QCoreApplication::applicationDirPath()).absoluteFilePath(QStringLiteral("../chart-screenshots"));
        QVERIFY(QDir().mkpath(m_screenshots));
    }

    void paretoBarsAreTheLargestLayers_data()
    {
        QTest::addColumn<QString>("model");
        QTest::addColumn<int>("topN");
        for (const char* model : { "convnet", "bloated", "sample" })
            for (int topN : { 1, 3, ui::ParetoChart::kDefaultTopN })
                QTest::addRow("%s/top%d", model, topN) << QString::fromLatin1(model) << topN;
    }

    void paretoBarsAreTheLargestLayers()
    {
        QFETCH(QString, model);
        QFETCH(int, topN);
        const AnalysisPtr analysis = m_analyses.value(model);

        // Golden: every non-zero layer size, sorted largest first, computed here without the chart.
        std::vector<double> sizes;
        for (const auto& layer : analysis->layers)
            if (layer.bytes > 0)
                sizes.push_back(static_cast<double>(layer.bytes));
        std::sort(sizes.begin(), sizes.end(), std::greater<>());
        const std::size_t shown = std::min(sizes.size(), static_cast<std::size_t>(topN));
        const bool hasOther = sizes.size() > shown;

        ui::ParetoChart chart;
        chart.setTopN(topN);
        chart.setAnalysis(analysis);
        const std::vector<double> bars = barValues(chart.layerBars());
        QCOMPARE(bars.size(), shown);
        QCOMPARE(static_cast<std::size_t>(chart.otherBar()->data()->size()), hasOther ? 1u : 0u);
        QCOMPARE(bars, std::vector<double>(sizes.begin(), sizes.begin() + static_cast<std::ptrdiff_t>(shown)));
        if (hasOther) {
            const double rest = std::accumulate(sizes.begin() + static_cast<std::ptrdiff_t>(shown), sizes.end(), 0.0);
            QCOMPARE(barValues(chart.otherBar()), std::vector<double> { rest });
            QCOMPARE(chart.otherBar()->data()->at(0)->key, static_cast<double>(shown));
            QCOMPARE(chart.barLayers().last(), -1);
        }
        // Each bar names the layer whose bytes it shows.
        const QVector<int> layers = chart.barLayers();
        QCOMPARE(layers.size(), static_cast<qsizetype>(shown + (hasOther ? 1 : 0)));
        for (std::size_t i = 0; i < shown; ++i)
            QCOMPARE(static_cast<double>(
                         analysis->layers[static_cast<std::size_t>(layers[static_cast<qsizetype>(i)])].bytes),
                bars[i]);

        // The cumulative line has a point per bar, never falls, and ends at exactly 100 %.
        const QCPGraph* line = chart.cumulativeLine();
        QCOMPARE(line->data()->size(), layers.size());
        for (int i = 1; i < line->data()->size(); ++i)
            QVERIFY(line->data()->at(i)->value >= line->data()->at(i - 1)->value);
        QCOMPARE(line->data()->at(line->data()->size() - 1)->value, 100.0);
        QVERIFY(qFuzzyCompare(
            line->data()->at(0)->value, 100.0 * sizes[0] / std::accumulate(sizes.begin(), sizes.end(), 0.0)));
        QCOMPARE(line->valueAxis(), chart.plot()->yAxis2);
    }

    void paretoWithoutAnalysisIsEmpty()
    {
        ui::ParetoChart chart;
        chart.setAnalysis({});
        QCOMPARE(chart.layerBars()->data()->size(), 0);
        QCOMPARE(chart.otherBar()->data()->size(), 0);
        QVERIFY(chart.exportTo(m_dir.filePath(QStringLiteral("empty.png"))));
    }

    void dtypeTotalsMatchTheAnalysis_data()
    {
        QTest::addColumn<QString>("model");
        for (const char* model : { "convnet", "bloated", "sample" })
            QTest::newRow(model) << QString::fromLatin1(model);
    }

    void dtypeTotalsMatchTheAnalysis()
    {
        QFETCH(QString, model);
        const AnalysisPtr analysis = m_analyses.value(model);
        ui::DtypeChart chart;
        chart.setAnalysis(analysis);
        QCOMPARE(chart.bars().size(), static_cast<qsizetype>(analysis->byDtype.size()));
        const QStringList dtypes = chart.dtypes();
        double sum = 0.0;
        double previous = std::numeric_limits<double>::infinity();
        for (qsizetype row = 0; row < dtypes.size(); ++row) {
            const auto total = std::find_if(analysis->byDtype.begin(), analysis->byDtype.end(),
                [&](const auto& t) { return ui::dtypeText(t.dtype) == dtypes[row]; });
            QVERIFY(total != analysis->byDtype.end());
            const std::vector<double> values = barValues(chart.bars()[row]);
            QCOMPARE(values, std::vector<double> { static_cast<double>(total->bytes) });
            QCOMPARE(chart.bars()[row]->brush().color(), ui::dtypeColour(total->dtype));
            QVERIFY(values[0] <= previous); // largest on top
            previous = values[0];
            sum += values[0];
        }
        // Independent of the analysis: the fixture's own count of weight bytes.
        if (m_weightBytes.contains(model))
            QCOMPARE(sum, static_cast<double>(m_weightBytes.value(model)));
    }

    void dtypeColoursAreStable()
    {
        QCOMPARE(ui::dtypeColour("float32"), ui::dtypeColour(std::string("float32")));
        const QList<QColor> colours { ui::dtypeColour("float32"), ui::dtypeColour("float16"), ui::dtypeColour("int8"),
            ui::dtypeColour("float64"), ui::dtypeColour("bool") };
        QCOMPARE(
            QSet<QRgb>({ colours[0].rgb(), colours[1].rgb(), colours[2].rgb(), colours[3].rgb(), colours[4].rgb() })
                .size(),
            5);
        QCOMPARE(ui::dtypeColour("uint16"), ui::dtypeColour("string")); // the rest share grey
        QVERIFY(colours[0].blue() > colours[0].red()); // float32 is blue
        QVERIFY(colours[3].red() > colours[3].blue()); // float64 is red
    }

    void histogramCountsTheFiniteValues()
    {
        for (const auto& [model, analysis] : m_analyses.asKeyValueRange()) {
            ui::HistogramChart chart;
            int checked = 0;
            for (int t = 0; t < static_cast<int>(analysis->tensors.size()); ++t) {
                const auto& values = analysis->tensors[static_cast<std::size_t>(t)].values;
                if (!values.computed)
                    continue;
                const double finite = static_cast<double>(values.count - values.nonFinite);
                for (bool log : { false, true }) {
                    chart.setLogScale(log);
                    chart.setTensor(analysis, t);
                    const std::vector<double> bars = barValues(chart.bars());
                    QCOMPARE(std::accumulate(bars.begin(), bars.end(), 0.0), finite);
                    if (log) // zero counts have no place on a log axis and are left out
                        QVERIFY(std::none_of(bars.begin(), bars.end(), [](double v) { return v <= 0; }));
                    else
                        QCOMPARE(bars.size(), static_cast<std::size_t>(core::analysis::kHistogramBins));
                    QCOMPARE(chart.plot()->yAxis->scaleType(), log ? QCPAxis::stLogarithmic : QCPAxis::stLinear);
                }
                ++checked;
            }
            QVERIFY2(checked > 0, qPrintable(model));
        }
        ui::HistogramChart chart;
        chart.setTensor(m_analyses.value(QStringLiteral("convnet")), 100000);
        QCOMPARE(chart.tensorIndex(), -1);
        QCOMPARE(chart.bars()->data()->size(), 0);
    }

    void beforeAfterBars()
    {
        ui::BeforeAfterChart chart;
        chart.setData({ QStringLiteral("conv1"), QStringLiteral("conv2"), QStringLiteral("fc") },
            { 4096, 1 << 20, 300 }, { 2048, 1 << 19, 300 });
        QCOMPARE(barValues(chart.beforeBars()), (std::vector<double> { 4096, 1 << 20, 300 }));
        QCOMPARE(barValues(chart.afterBars()), (std::vector<double> { 2048, 1 << 19, 300 }));
        chart.setData({ QStringLiteral("a") }, { 1, 2 }, { 1 }); // shortest list wins
        QCOMPARE(chart.beforeBars()->data()->size(), 1);
    }

    void categoryLabelsThinOutInsteadOfOverlapping()
    {
        ui::BeforeAfterChart chart;
        QStringList names;
        QVector<double> before, after;
        for (int i = 0; i < 200; ++i) {
            names.append(QStringLiteral("encoder/layer%1/attention/query").arg(i));
            before.append(1000.0 * (i % 17 + 1));
            after.append(600.0 * (i % 17 + 1));
        }
        chart.setData(names, before, after);
        chart.resize(960, 540);
        chart.show();
        QVERIFY(QTest::qWaitForWindowExposed(&chart));
        QCustomPlot* plot = chart.plot();
        plot->replot();
        plot->replot(); // the second pass sees the laid-out axis length
        const auto labelCount = [plot] {
            const QVector<QString> labels = plot->xAxis->tickVectorLabels();
            return std::count_if(labels.begin(), labels.end(), [](const QString& l) { return !l.isEmpty(); });
        };
        // Slanted labels need about a line height each along the axis.
        const double room = plot->axisRect()->width() / QFontMetricsF(plot->xAxis->tickLabelFont()).height();
        QVERIFY2(labelCount() > 5 && labelCount() <= room, qPrintable(QString::number(labelCount())));
        QVERIFY(chart.grab().save(QDir(m_screenshots).filePath(QStringLiteral("before-after-200.png"))));

        // Zoomed in on ten layers, every one is labelled.
        plot->xAxis->setRange(9.5, 19.5);
        plot->replot();
        plot->replot();
        QCOMPARE(labelCount(), 10);
        // Zoom and pan stay within the data.
        plot->xAxis->setRange(-50, 500);
        QCOMPARE(plot->xAxis->range().lower, -0.6);
        QCOMPARE(plot->xAxis->range().upper, 199.6);
    }

    void exportsPngSvgAndPdf()
    {
        ui::ParetoChart chart;
        chart.setAnalysis(m_analyses.value(QStringLiteral("sample")));
        const QString png = m_dir.filePath(QStringLiteral("pareto.png"));
        const QString svg = m_dir.filePath(QStringLiteral("pareto.svg"));
        const QString pdf = m_dir.filePath(QStringLiteral("pareto.pdf"));
        QVERIFY(chart.exportTo(png));
        const QImage image(png);
        QCOMPARE(image.size(), QSize(1920, 1080)); // 960x540 at twice the density when not shown

        QVERIFY(ui::ChartWidget::canExportSvg());
        QVERIFY(chart.exportTo(svg));
        QFile svgFile(svg);
        QVERIFY(svgFile.open(QIODevice::ReadOnly));
        const QByteArray svgText = svgFile.readAll();
        QVERIFY(svgText.contains("<svg"));
        QVERIFY(svgText.contains("conv")); // the layer names are text, not pixels

        QVERIFY(chart.exportTo(pdf));
        QFile pdfFile(pdf);
        QVERIFY(pdfFile.open(QIODevice::ReadOnly));
        QVERIFY(pdfFile.read(5) == "%PDF-");
        const QString pdftoppm = QStandardPaths::findExecutable(QStringLiteral("pdftoppm"));
        if (!pdftoppm.isEmpty()) {
            const QString prefix = m_dir.filePath(QStringLiteral("pdfpage"));
            QCOMPARE(QProcess::execute(pdftoppm,
                         { QStringLiteral("-png"), QStringLiteral("-r"), QStringLiteral("50"),
                             QStringLiteral("-singlefile"), pdf, prefix }),
                0);
            QVERIFY(!QImage(prefix + QStringLiteral(".png")).isNull());
        }
        QVERIFY(!chart.exportTo(m_dir.filePath(QStringLiteral("pareto.bmpx"))));
        QVERIFY(!QFile::exists(m_dir.filePath(QStringLiteral("pareto.bmpx"))));
    }

    void paretoClickSelectsTheLayer()
    {
        ui::ParetoChart chart;
        chart.setTopN(3);
        chart.setAnalysis(m_analyses.value(QStringLiteral("sample")));
        chart.resize(900, 500);
        chart.show();
        QVERIFY(QTest::qWaitForWindowExposed(&chart));
        QSignalSpy selected(&chart, &ui::ParetoChart::layerSelected);
        const QVector<int> layers = chart.barLayers();
        QVERIFY(layers.size() == 4 && layers.last() == -1);
        const auto bar = chart.layerBars()->data()->at(1);
        const QPoint at = barCentre(chart.plot(), bar->key, bar->value);
        QTest::mouseClick(chart.plot(), Qt::LeftButton, {}, at);
        QCOMPARE(selected.size(), 1);
        QCOMPARE(selected.at(0).at(0).toInt(), layers[1]);
        const QString tip = chart.toolTipAt(at);
        QVERIFY2(tip.contains(QString::fromStdString(
                     m_analyses.value(QStringLiteral("sample"))->layers[static_cast<std::size_t>(layers[1])].name)
                                  .toHtmlEscaped()),
            qPrintable(tip));
        QVERIFY(tip.contains(QStringLiteral("cumulative")));

        // "other" is no layer: hover explains it, a click selects nothing.
        const auto other = chart.otherBar()->data()->at(0);
        const QPoint otherAt = barCentre(chart.plot(), other->key, other->value);
        QVERIFY(chart.toolTipAt(otherAt).contains(QStringLiteral("other")));
        QTest::mouseClick(chart.plot(), Qt::LeftButton, {}, otherAt);
        QCOMPARE(selected.size(), 1);
        // Outside the bars' columns, nothing either.
        QTest::mouseClick(chart.plot(), Qt::LeftButton, {}, QPoint(2, 2));
        QCOMPARE(selected.size(), 1);
    }

    void sparsityBarsAndClick()
    {
        const AnalysisPtr analysis = m_analyses.value(QStringLiteral("bloated"));
        ui::SparsityChart chart;
        chart.setAnalysis(analysis);
        std::vector<double> expected;
        std::vector<int> expectedLayers;
        for (int i = 0; i < static_cast<int>(analysis->layers.size()); ++i) {
            if (analysis->layers[static_cast<std::size_t>(i)].params > 0) {
                expected.push_back(100.0 * analysis->layers[static_cast<std::size_t>(i)].sparsity);
                expectedLayers.push_back(i);
            }
        }
        QCOMPARE(barValues(chart.bars()), expected);
        QCOMPARE(std::vector<int>(chart.barLayers().begin(), chart.barLayers().end()), expectedLayers);

        chart.resize(900, 500);
        chart.show();
        QVERIFY(QTest::qWaitForWindowExposed(&chart));
        QSignalSpy selected(&chart, &ui::SparsityChart::layerSelected);
        // The sparsest layer, and one with no zeros at all (its column is still clickable).
        const auto sparsest = static_cast<int>(std::max_element(expected.begin(), expected.end()) - expected.begin());
        const auto dense = static_cast<int>(std::find(expected.begin(), expected.end(), 0.0) - expected.begin());
        QVERIFY(dense < static_cast<int>(expected.size()));
        for (int index : { sparsest, dense }) {
            QTest::mouseClick(chart.plot(), Qt::LeftButton, {},
                barCentre(chart.plot(), index, std::max(expected[static_cast<std::size_t>(index)], 10.0)));
            QCOMPARE(selected.last().at(0).toInt(), expectedLayers[static_cast<std::size_t>(index)]);
        }
        QCOMPARE(selected.size(), 2);
    }

    void followsThePalette()
    {
        ui::DtypeChart chart;
        chart.setAnalysis(m_analyses.value(QStringLiteral("sample")));
        QPalette dark;
        dark.setColor(QPalette::Base, QColor(0x1e, 0x1e, 0x1e));
        dark.setColor(QPalette::Text, QColor(0xe0, 0xe0, 0xe0));
        dark.setColor(QPalette::Highlight, QColor(0x2a, 0x82, 0xda));
        chart.setPalette(dark);
        const QImage image = chart.plot()->toPixmap(300, 200).toImage();
        QCOMPARE(image.pixelColor(1, 1), QColor(0x1e, 0x1e, 0x1e));
        QCOMPARE(chart.plot()->xAxis->tickLabelColor(), QColor(0xe0, 0xe0, 0xe0));
    }

    // Not assertions: pictures to look at, in <build>/chart-screenshots.
    void screenshots()
    {
        const AnalysisPtr sample = m_analyses.value(QStringLiteral("sample"));
        const AnalysisPtr bloated = m_analyses.value(QStringLiteral("bloated"));
        const auto shoot = [this](ui::ChartWidget& chart, const QString& name) {
            chart.resize(960, 540);
            chart.show();
            QVERIFY(QTest::qWaitForWindowExposed(&chart));
            chart.plot()->replot();
            QVERIFY(chart.grab().save(QDir(m_screenshots).filePath(name + QStringLiteral(".png"))));
            QVERIFY(chart.exportTo(QDir(m_screenshots).filePath(name + QStringLiteral(".svg"))));
            QVERIFY(chart.exportTo(QDir(m_screenshots).filePath(name + QStringLiteral(".pdf"))));
        };
        ui::ParetoChart pareto;
        pareto.setAnalysis(sample);
        shoot(pareto, QStringLiteral("pareto-sample"));
        ui::ParetoChart paretoBloated;
        paretoBloated.setAnalysis(bloated);
        shoot(paretoBloated, QStringLiteral("pareto-bloated"));
        ui::DtypeChart dtype;
        dtype.setAnalysis(bloated);
        shoot(dtype, QStringLiteral("dtype-bloated"));
        ui::SparsityChart sparsity;
        sparsity.setAnalysis(sample);
        shoot(sparsity, QStringLiteral("sparsity-sample"));

        // The largest float tensor of the sample, on both scales.
        int largest = -1;
        for (int t = 0; t < static_cast<int>(sample->tensors.size()); ++t) {
            const auto& tensor = sample->tensors[static_cast<std::size_t>(t)];
            if (tensor.values.computed && tensor.dtype == core::model::DataType::Float
                && (largest < 0 || tensor.bytes > sample->tensors[static_cast<std::size_t>(largest)].bytes))
                largest = t;
        }
        QVERIFY(largest >= 0);
        ui::HistogramChart histogram;
        histogram.setTensor(sample, largest);
        shoot(histogram, QStringLiteral("histogram-linear"));
        histogram.setLogScale(true);
        shoot(histogram, QStringLiteral("histogram-log"));

        ui::BeforeAfterChart beforeAfter;
        QStringList names;
        QVector<double> before, after;
        for (const auto& layer : sample->layers) {
            if (layer.bytes == 0)
                continue;
            names.append(QString::fromStdString(layer.name));
            before.append(static_cast<double>(layer.bytes));
            after.append(static_cast<double>(layer.bytes) * (layer.opType == "Conv" ? 0.5 : 0.25));
        }
        beforeAfter.setData(names, before, after);
        shoot(beforeAfter, QStringLiteral("before-after-sample"));

        QPalette dark;
        dark.setColor(QPalette::Base, QColor(0x1e, 0x1e, 0x1e));
        dark.setColor(QPalette::Window, QColor(0x2b, 0x2b, 0x2b));
        dark.setColor(QPalette::Text, QColor(0xe0, 0xe0, 0xe0));
        dark.setColor(QPalette::WindowText, QColor(0xe0, 0xe0, 0xe0));
        dark.setColor(QPalette::Highlight, QColor(0x2a, 0x82, 0xda));
        pareto.setPalette(dark);
        shoot(pareto, QStringLiteral("pareto-sample-dark"));
        qInfo("screenshots in %s", qPrintable(m_screenshots));
    }

private:
    QTemporaryDir m_dir;
    QString m_screenshots;
    QMap<QString, AnalysisPtr> m_analyses;
    QMap<QString, qint64> m_weightBytes;
};

QTEST_MAIN(TestCharts)
#include "tst_charts.moc"
