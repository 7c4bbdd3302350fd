// The statistics kernels of every instruction set against a naive double-precision computation written
// here, on sizes around the chunk and vector boundaries, with NaN, infinity, negative zero and per-channel
// zero points; and the sets against each other, bit for bit, on every element type.
#include "analysis/tensorstats.h"
#include "model/elementdecode.h"
#include "testenv.h"

#include <QtTest>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <tuple>

Q_DECLARE_METATYPE(slimscope::core::analysis::KernelSet)

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

ValueStats run(const std::vector<float>& values, KernelSet kernels)
{
    StatsJob job;
    job.type = model::DataType::Float;
    job.bytes = std::as_bytes(std::span(values));
    job.elements = values.size();
    return computeStats(std::span(&job, 1), {}, nullptr, kernels).front();
}

void requireCpuSupport(KernelSet kernels)
{
    if (!cpuSupports(kernels))
        SLIMSCOPE_SKIP(qPrintable(QStringLiteral("this CPU does not run the %1 kernels")
                                      .arg(QString::fromUtf8(kernelSetName(kernels).data()))));
}

// Values of one element type stored as bytes, with the quirks that take the kernels off their fast paths.
struct TypedValues {
    model::DataType type;
    std::vector<std::byte> bytes;
    std::uint64_t elements = 0;
};

template <class T> TypedValues typed(model::DataType type, const std::vector<T>& values)
{
    TypedValues result { type, std::vector<std::byte>(values.size() * sizeof(T)), values.size() };
    std::memcpy(result.bytes.data(), values.data(), result.bytes.size());
    return result;
}

TypedValues typedValues(const QString& kind, int count)
{
    std::mt19937 engine(static_cast<unsigned>(count) * 7919u + static_cast<unsigned>(kind.size()));
    std::normal_distribution<float> normal(0.0f, 0.02f);
    std::vector<float> floats(static_cast<std::size_t>(count));
    for (std::size_t i = 0; i < floats.size(); ++i)
        floats[i] = (engine() % 10) < 3 ? 0.0f : normal(engine);
    if (kind == QStringLiteral("float32"))
        return typed(model::DataType::Float, floats);
    if (kind == QStringLiteral("float32 one value")) // every value in one bin: the scatter conflict case
        return typed(model::DataType::Float, std::vector<float>(floats.size(), 0.25f));
    if (kind == QStringLiteral("float32 two values"))
        for (std::size_t i = 0; i < floats.size(); ++i)
            floats[i] = (i % 5) == 0 ? 1.0f : -1.0f;
    if (kind == QStringLiteral("float32 wide range")) // sums that round: any change of order shows
        for (std::size_t i = 0; i < floats.size(); ++i)
            floats[i] = std::ldexp(normal(engine), static_cast<int>(engine() % 60) - 30);
    if (kind == QStringLiteral("float32 nan"))
        floats[floats.size() / 3] = std::numeric_limits<float>::quiet_NaN();
    if (kind == QStringLiteral("float32 denormal range"))
        for (std::size_t i = 0; i < floats.size(); ++i)
            floats[i] = static_cast<float>(i % 3) * std::numeric_limits<float>::denorm_min();
    if (kind.startsWith(QStringLiteral("float32")))
        return typed(model::DataType::Float, floats);
    if (kind == QStringLiteral("float16") || kind == QStringLiteral("bfloat16")) {
        std::vector<std::uint16_t> halves(floats.size());
        for (std::size_t i = 0; i < floats.size(); ++i)
            halves[i]
                = kind == QStringLiteral("float16") ? model::floatToHalf(floats[i]) : model::floatToBfloat16(floats[i]);
        return typed(kind == QStringLiteral("float16") ? model::DataType::Float16 : model::DataType::Bfloat16, halves);
    }
    if (kind == QStringLiteral("float64")) {
        std::vector<double> doubles(floats.begin(), floats.end());
        for (std::size_t i = 0; i < doubles.size(); i += 7)
            doubles[i] = std::ldexp(doubles[i] * (1.0 + 1e-12), static_cast<int>(i % 40) - 20); // not floats
        return typed(model::DataType::Double, doubles);
    }
    std::vector<std::int8_t> bytes(floats.size());
    for (std::size_t i = 0; i < floats.size(); ++i)
        bytes[i] = static_cast<std::int8_t>(std::clamp(floats[i] * 3000.0f, -128.0f, 127.0f));
    return typed(model::DataType::Int8, bytes);
}

ValueStats runTyped(const TypedValues& values, KernelSet kernels)
{
    StatsJob job;
    job.type = values.type;
    job.bytes = values.bytes;
    job.elements = values.elements;
    return computeStats(std::span(&job, 1), {}, nullptr, kernels).front();
}

// Bit for bit: doubles through their representation, so that NaN equals NaN and -0 differs from 0.
bool sameBits(double a, double b)
{
    return std::memcmp(&a, &b, sizeof a) == 0;
}

} // namespace

class TestTensorStats : public QObject {
    Q_OBJECT

private slots:
    void matchesNaive_data()
    {
        QTest::addColumn<KernelSet>("kernels");
        QTest::addColumn<int>("count");
        QTest::addColumn<double>("zeroShare");
        QTest::addColumn<QString>("special");
        for (const KernelSet kernels : kKernelSets) {
            const char* set = kernelSetName(kernels).data();
            for (const int count : { 1, 7, 8, 9, 15, 17, 63, 64, 65, 127, 128, 129, 1000, (1 << 20) - 1, (1 << 20) + 3,
                     3 * (1 << 20) + 5 }) {
                QTest::addRow("%s n=%d", set, count) << kernels << count << 0.3 << QString();
                QTest::addRow("%s n=%d nan", set, count) << kernels << count << 0.3 << QStringLiteral("nan");
                QTest::addRow("%s n=%d inf", set, count) << kernels << count << 0.0 << QStringLiteral("inf");
            }
            QTest::addRow("%s negative zero", set) << kernels << 100 << 0.0 << QStringLiteral("-0");
            QTest::addRow("%s all zero", set) << kernels << 4096 << 1.0 << QString();
        }
    }

    void matchesNaive()
    {
        QFETCH(KernelSet, kernels);
        QFETCH(int, count);
        QFETCH(double, zeroShare);
        QFETCH(QString, special);
        requireCpuSupport(kernels);
        auto values = randomValues(static_cast<std::size_t>(count), static_cast<unsigned>(count), zeroShare);
        if (special == QStringLiteral("nan"))
            values[values.size() / 2] = std::numeric_limits<float>::quiet_NaN();
        if (special == QStringLiteral("inf"))
            values.back() = -std::numeric_limits<float>::infinity();
        if (special == QStringLiteral("-0"))
            for (std::size_t i = 0; i < values.size(); i += 3)
                values[i] = -0.0f;
        const Naive expected = naive(values);
        const ValueStats stats = run(values, kernels);
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

    // Every set gives the generic set's bits: moments summed in the canonical order, the same bins.
    void kernelSetsAgree_data()
    {
        QTest::addColumn<KernelSet>("kernels");
        QTest::addColumn<QString>("kind");
        QTest::addColumn<int>("count");
        for (const KernelSet kernels : { KernelSet::Avx2, KernelSet::Avx512 })
            for (const char* kind : { "float32", "float32 one value", "float32 two values", "float32 wide range",
                     "float32 nan", "float32 denormal range", "float16", "bfloat16", "float64", "int8" })
                for (const int count : { 5, 16, 130, 100003, (1 << 20) + 129 })
                    QTest::addRow("%s %s n=%d", kernelSetName(kernels).data(), kind, count)
                        << kernels << QString::fromLatin1(kind) << count;
    }

    void kernelSetsAgree()
    {
        QFETCH(KernelSet, kernels);
        QFETCH(QString, kind);
        QFETCH(int, count);
        requireCpuSupport(kernels);
        const TypedValues values = typedValues(kind, count);
        const ValueStats expected = runTyped(values, KernelSet::Generic);
        const ValueStats actual = runTyped(values, kernels);
        QVERIFY(expected.computed && actual.computed);
        QCOMPARE(actual.count, expected.count);
        QCOMPARE(actual.zeros, expected.zeros);
        QCOMPARE(actual.nonFinite, expected.nonFinite);
        for (const auto& [name, a, e] :
            { std::tuple { "min", actual.min, expected.min }, std::tuple { "max", actual.max, expected.max },
                std::tuple { "mean", actual.mean, expected.mean }, std::tuple { "std", actual.std, expected.std } })
            QVERIFY2(sameBits(a, e),
                qPrintable(
                    QStringLiteral("%1: %2 vs %3").arg(QLatin1String(name)).arg(a, 0, 'g', 17).arg(e, 0, 'g', 17)));
        QVERIFY(actual.histogram.counts == expected.histogram.counts);
        // The generic set itself is checked against the naive computation in matchesNaive; here its
        // histogram must at least hold every finite value.
        std::uint64_t total = 0;
        for (const std::uint64_t c : expected.histogram.counts)
            total += c;
        QCOMPARE(total, expected.count - expected.nonFinite);
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
