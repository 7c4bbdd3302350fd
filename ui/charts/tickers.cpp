#include "tickers.h"

#include <QLocale>

#include <cmath>

namespace slimscope::ui {

namespace {

struct Unit {
    double bytes;
    QString name;
};

Unit unitFor(double magnitude)
{
    static const char* const names[] = { "B", "KiB", "MiB", "GiB", "TiB" };
    double unit = 1.0;
    int index = 0;
    while (index < 4 && std::abs(magnitude) >= unit * 1024.0) {
        unit *= 1024.0;
        ++index;
    }
    return { unit, QString::fromLatin1(names[index]) };
}

} // namespace

QString formatBytes(double bytes)
{
    const Unit unit = unitFor(bytes);
    if (unit.bytes == 1.0)
        return QStringLiteral("%1 B").arg(std::llround(bytes));
    const double value = bytes / unit.bytes;
    const int decimals = std::abs(value) < 10.0 ? 2 : std::abs(value) < 100.0 ? 1 : 0;
    return QStringLiteral("%1 %2").arg(value, 0, 'f', decimals).arg(unit.name);
}

QString formatExactBytes(std::uint64_t bytes)
{
    return QStringLiteral("%1 bytes").arg(QLocale().toString(static_cast<qulonglong>(bytes)));
}

QString formatPercent(double percent)
{
    // Never round a sliver to 0 % or a near-whole to 100 %: both would read as "all" or "nothing".
    if (percent > 0.0 && percent < 0.05)
        return QStringLiteral("<0.1 %");
    if (percent < 100.0 && percent >= 99.95)
        return QStringLiteral(">99.9 %");
    return QStringLiteral("%1 %").arg(percent, 0, 'f', 1);
}

QString elideLabel(const QString& label, int maxChars)
{
    if (label.size() <= maxChars)
        return label;
    const int keep = (maxChars - 1) / 2;
    return label.left(keep) + QChar(0x2026) + label.right(maxChars - 1 - keep);
}

double ByteTicker::getTickStep(const QCPRange& range)
{
    const Unit unit = unitFor(std::max(std::abs(range.lower), std::abs(range.upper)));
    m_unit = unit.bytes;
    m_unitName = unit.name;
    const double step = QCPAxisTicker::getTickStep(QCPRange(range.lower / m_unit, range.upper / m_unit)) * m_unit;
    return m_unit == 1.0 ? std::max(step, 1.0) : step; // no fractional bytes
}

QString ByteTicker::getTickLabel(double tick, const QLocale& locale, QChar, int)
{
    if (std::abs(tick) < m_unit * 1e-9)
        return QStringLiteral("0");
    return QStringLiteral("%1 %2").arg(locale.toString(tick / m_unit, 'g', 4), m_unitName);
}

QString PercentTicker::getTickLabel(double tick, const QLocale& locale, QChar, int)
{
    return QStringLiteral("%1 %").arg(locale.toString(tick, 'g', 4));
}

double CategoryTicker::getTickStep(const QCPRange& range)
{
    return std::max(1.0, std::ceil(range.size() / m_maxLabels));
}

QString CategoryTicker::getTickLabel(double tick, const QLocale&, QChar, int)
{
    const auto index = static_cast<qsizetype>(std::llround(tick));
    return index >= 0 && index < m_labels.size() ? m_labels[index] : QString();
}

QVector<double> CategoryTicker::createTickVector(double tickStep, const QCPRange& range)
{
    // Anchored at multiples of the stride, so that panning does not make the labels jump between categories.
    QVector<double> ticks;
    const auto stride = static_cast<qint64>(tickStep);
    const qint64 last = std::min<qint64>(static_cast<qint64>(std::floor(range.upper)), m_labels.size() - 1);
    qint64 first = std::max<qint64>(0, static_cast<qint64>(std::ceil(range.lower)));
    first = (first + stride - 1) / stride * stride;
    for (qint64 key = first; key <= last; key += stride)
        ticks.append(static_cast<double>(key));
    return ticks;
}

} // namespace slimscope::ui
