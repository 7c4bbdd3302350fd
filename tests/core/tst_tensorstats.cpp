// The statistics kernels against a naive double-precision computation written here, on sizes around the
// chunk and vector boundaries, with NaN, infinity, negative zero and per-channel zero points.
#include "analysis/tensorstats.h"

#include <QtTest>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

using namespace slimscope::core;
using namespace slimscope::core::analysis;

namespace {

struct Naive {
    std::uint64_t zeros = 0, nonFinite = 0;
    double min = INFINITY, max = -INFINITY, mean = 0, std = 0;
    std::array<std::uint64_t, kHistogramBins> counts {};
};

Naive naive(const std::vector<float>& values)
{
    Naive n;
    double sum = 0;
    std::uint64_t finite = 0;
    for (const float v : values) {
        n.zeros += v == 0.0f;
        if (!std::isfinite(v)) {
            ++n.nonFinite;
            continue;
        }
        ++finite;
        n.min = std::min<double>(n.min, v);
        n.max = std::max<double>(n.max, v);
        sum += v;
    }
    n.mean = finite ? sum / static_cast<double>(finite) : 0;
    double squares = 0;
    for (const float v : values)
        if (std::isfinite(v))
            squares += (v - n.mean) * (v - n.mean);
    n.std = finite ? std::sqrt(squares / static_cast<double>(finite)) : 0;
    for (const float v : values) {
        if (!std::isfinite(v))
            continue;
        const double position = n.max > n.min ? (v - n.min) / (n.max - n.min) * kHistogramBins : 0.0;
        n.counts[static_cast<std::size_t>(std::clamp(static_cast<int>(position), 0, kHistogramBins - 1))]++;
    }
    return n;
}

std::vector<float> randomValues(std::size_t count, unsigned seed, double zeroShare)
{
    std::mt19937 engine(seed);
    std::uniform_real_distribution<float> value(-2.0f, 3.0f);
    std::uniform_real_distribution<double> coin(0.0, 1.0);
    std::vector<float> values(count);
    for (float& v : values)
        v = coin(engine) < zeroShare ? 0.0f : value(engine);
    return values;
}

ValueStats run(const std::vector<float>& values, const ZeroPoint* zeroPoint = nullptr)
{
    StatsJob job;
    job.type = model::DataType::Float;
    job.bytes = std::as_bytes(std::span(values));
    job.elements = values.size();
    job.zeroPoint = zeroPoint;
    return computeStats(std::span(&job, 1), {}).front();
}

} // namespace

class TestTensorStats : public QObject {
    Q_OBJECT

private slots:
    void matchesNaive_data()
    {
        QTest::addColumn<int>("count");
        QTest::addColumn<double>("zeroShare");
        QTest::addColumn<QString>("special");
        for (const int count : { 1, 7, 8, 9, 15, 17, 1000, (1 << 20) - 1, (1 << 20) + 3, 3 * (1 << 20) + 5 }) {
            QTest::addRow("n=%d", count) << count << 0.3 << QString();
            QTest::addRow("n=%d nan", count) << count << 0.3 << QStringLiteral("nan");
            QTest::addRow("n=%d inf", count) << count << 0.0 << QStringLiteral("inf");
        }
        QTest::addRow("negative zero") << 100 << 0.0 << QStringLiteral("-0");
        QTest::addRow("all zero") << 4096 << 1.0 << QString();
    }

    void matchesNaive()
    {
        QFETCH(int, count);
        QFETCH(double, zeroShare);
        QFETCH(QString, special);
        auto values = randomValues(static_cast<std::size_t>(count), static_cast<unsigned>(count), zeroShare);
        if (special == QStringLiteral("nan"))
            values[values.size() / 2] = std::numeric_limits<float>::quiet_NaN();
        if (special == QStringLiteral("inf"))
            values.back() = -std::numeric_limits<float>::infinity();
        if (special == QStringLiteral("-0"))
            for (std::size_t i = 0; i < values.size(); i += 3)
                values[i] = -0.0f;
        const Naive expected = naive(values);
        const ValueStats stats = run(values);
        QVERIFY(stats.computed);
        QCOMPARE(stats.count, values.size());
        QCOMPARE(stats.zeros, expected.zeros);
        QCOMPARE(stats.nonFinite, expected.nonFinite);
        if (expected.nonFinite == values.size())
            return;
        QCOMPARE(stats.min, expected.min);
        QCOMPARE(stats.max, expected.max);
        QVERIFY2(std::abs(stats.mean - expected.mean) <= 1e-9 * std::max(1.0, std::abs(expected.mean)),
            qPrintable(QStringLiteral("%1 vs %2").arg(stats.mean).arg(expected.mean)));
        QVERIFY2(std::abs(stats.std - expected.std) <= 1e-6 * std::max(1.0, expected.std),
            qPrintable(QStringLiteral("%1 vs %2").arg(stats.std).arg(expected.std)));
        std::uint64_t total = 0;
        std::uint64_t moved = 0; // values that float rounding may put one bin over; allow a handful
        for (int b = 0; b < kHistogramBins; ++b) {
            total += stats.histogram.counts[static_cast<std::size_t>(b)];
            const auto diff = static_cast<std::int64_t>(stats.histogram.counts[static_cast<std::size_t>(b)])
                - static_cast<std::int64_t>(expected.counts[static_cast<std::size_t>(b)]);
            moved += static_cast<std::uint64_t>(std::abs(diff));
        }
        QCOMPARE(total, values.size() - expected.nonFinite);
        QVERIFY2(moved <= 2 + values.size() / 100000, qPrintable(QString::number(moved)));
    }

    void zeroPointPerChannel()
    {
        // int8 weights [4 channels, 3] with zero points 0, 5, -3, 7 along axis 0.
        const std::vector<std::int8_t> values { 0, 1, 0, 5, 5, 2, -3, 0, -3, 7, 7, 7 };
        ZeroPoint zeroPoint;
        zeroPoint.values = { 0, 5, -3, 7 };
        zeroPoint.inner = 3;
        StatsJob job;
        job.type = model::DataType::Int8;
        job.bytes = std::as_bytes(std::span(values));
        job.elements = values.size();
        job.zeroPoint = &zeroPoint;
        const ValueStats stats = computeStats(std::span(&job, 1), {}).front();
        QCOMPARE(stats.zeros, std::uint64_t { 2 + 2 + 2 + 3 });
        QCOMPARE(stats.min, -3.0);
        QCOMPARE(stats.max, 7.0);
    }

    void cancelStopsEarly()
    {
        const auto values = randomValues(1 << 22, 1, 0.1);
        StatsJob job;
        job.type = model::DataType::Float;
        job.bytes = std::as_bytes(std::span(values));
        job.elements = values.size();
        CancelToken cancel;
        cancel.cancel();
        const auto stats = computeStats(std::span(&job, 1), {}, &cancel);
        QVERIFY(!stats.front().computed);
    }
};

QTEST_GUILESS_MAIN(TestTensorStats)
#include "tst_tensorstats.moc"
