#pragma once

#include "qcp.h"

#include <QString>
#include <QStringList>

#include <cstdint>

namespace slimscope::ui {

/// "1.18 MiB", "512 B": binary units with three significant digits.
QString formatBytes(double bytes);
/// "1,234,567 bytes" with the locale's digit grouping.
QString formatExactBytes(std::uint64_t bytes);
/// "12.3 %", "<0.1 %" for tiny non-zero shares.
QString formatPercent(double percent);
/// Shortens long layer names in the middle so that axis labels stay narrow; the tooltip shows the full name.
QString elideLabel(const QString& label, int maxChars = 22);

/// Ticks at round numbers of one binary unit (B, KiB, MiB, GiB), the unit chosen from the visible range, so a
/// byte axis reads "1.5 MiB" rather than "1.5e6". Values stay in bytes.
class ByteTicker : public QCPAxisTicker {
protected:
    double getTickStep(const QCPRange& range) override;
    QString getTickLabel(double tick, const QLocale& locale, QChar formatChar, int precision) override;

private:
    double m_unit = 1.0;
    QString m_unitName = QStringLiteral("B");
};

/// Ticks labelled "40 %" (values already in percent).
class PercentTicker : public QCPAxisTicker {
protected:
    QString getTickLabel(double tick, const QLocale& locale, QChar formatChar, int precision) override;
};

/// One label per integer key (a category axis). When the visible categories would not fit, it labels only
/// every k-th one; the chart tells it how many labels fit before each replot.
class CategoryTicker : public QCPAxisTicker {
public:
    void setLabels(const QStringList& labels) { m_labels = labels; }
    const QStringList& labels() const { return m_labels; }
    void setMaxLabels(int count) { m_maxLabels = count > 0 ? count : 1; }

protected:
    double getTickStep(const QCPRange& range) override;
    int getSubTickCount(double) override { return 0; }
    QString getTickLabel(double tick, const QLocale& locale, QChar formatChar, int precision) override;
    QVector<double> createTickVector(double tickStep, const QCPRange& range) override;

private:
    QStringList m_labels;
    int m_maxLabels = 30;
};

} // namespace slimscope::ui
