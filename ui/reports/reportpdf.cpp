#include "charts/qcp.h" // first: QCustomPlot must see the foreach definitions

#include "reports/reportpdf.h"

#include "charts/chartwidget.h"
#include "report/reportcontent.h"
#include "report/reportsections.h"
#include "report/verifywriters.h"
#include "reports/reportcharts.h"
#include "support/format.h"
#include "support/output.h"

#include <QBuffer>
#include <QFileInfo>
#include <QFontMetricsF>
#include <QPageLayout>
#include <QPdfWriter>

#include <algorithm>
#include <numeric>
#include <sstream>

namespace slimscope::ui {

namespace {

using core::analysis::Analysis;
using namespace core::report::detail;

constexpr int kResolution = 300; // dots per inch of the page coordinates
constexpr double kMargin = 150; // ~12.7 mm
constexpr QSize kChartSize { 960, 400 }; // the chart's own layout size, scaled to the text width: three to a page

/// Words wrap at spaces; names without spaces (paths, layer names) may break anywhere rather than overflow.
int wrapFlags(const QString& text)
{
    return text.contains(QLatin1Char(' ')) ? Qt::TextWordWrap : Qt::TextWrapAnywhere;
}

/// The report's fonts: DejaVu, with ligatures off (any letter spacing, here 0.05 px, turns them off in Qt 6.4) so text
/// extracted from the PDF reads "fixture", not "\uFB01xture".
QFont reportFont(const QString& family, double pointSize, bool bold = false)
{
    QFont font(family, -1, bold ? QFont::Bold : QFont::Normal);
    font.setPointSizeF(pointSize);
    font.setLetterSpacing(QFont::AbsoluteSpacing, 0.05);
    return font;
}

QString qs(const std::string& text)
{
    return QString::fromStdString(text);
}

struct Column {
    QString title;
    double weight = 1; ///< share of the table width
    Qt::Alignment align = Qt::AlignLeft;
};

/// Flowing layout over A4 pages: a cursor that moves down the page, a new page (and footer) when a block does
/// not fit, tables whose header row is repeated on every page they span.
class PdfPages {
public:
    PdfPages(QPdfWriter& writer, QCPPainter& painter, QString footer)
        : m_writer(writer)
        , m_painter(painter)
        , m_footer(std::move(footer))
        , m_content(kMargin, kMargin, writer.width() - 2 * kMargin, writer.height() - 2 * kMargin - 90)
        , m_y(m_content.top())
    {
        m_body = reportFont(QStringLiteral("DejaVu Sans"), 9);
        m_small = reportFont(QStringLiteral("DejaVu Sans"), 7.5);
        m_bold = reportFont(QStringLiteral("DejaVu Sans"), 9, true);
        m_mono = reportFont(QStringLiteral("DejaVu Sans Mono"), 7.5);
    }

    const QFont& body() const { return m_body; }
    const QFont& mono() const { return m_mono; }
    double width() const { return m_content.width(); }

    void newPage()
    {
        drawFooter();
        m_writer.newPage();
        ++m_page;
        m_y = m_content.top();
    }

    void finish() { drawFooter(); }

    /// Starts a new page unless `height` fits below the cursor (or the cursor is at the top already).
    void ensure(double height)
    {
        if (m_y + height > m_content.bottom() && m_y > m_content.top())
            newPage();
    }

    void space(double height) { m_y += height; }

    void title(const QString& text, const QString& subtitle)
    {
        const QFont font = reportFont(QStringLiteral("DejaVu Sans"), 20, true);
        m_y += drawWrapped(text, font, m_content.left(), m_content.width(), QColor(0x20, 0x20, 0x20));
        m_y += drawWrapped(subtitle, m_body, m_content.left(), m_content.width(), QColor(0x60, 0x60, 0x60));
        m_y += 40;
    }

    /// A section heading, moved to a new page unless `keep` (at least a few lines) of its section fits below it.
    void heading(const QString& text, double keep = 0)
    {
        const QFont font = reportFont(QStringLiteral("DejaVu Sans"), 13, true);
        const double height = lineHeight(font);
        ensure(height + 60 + std::max(keep, 5 * lineHeight(m_body)));
        m_y += 30;
        m_y += drawWrapped(text, font, m_content.left(), m_content.width(), QColor(0x1f, 0x4e, 0x79));
        m_painter.setPen(QPen(QColor(0x1f, 0x4e, 0x79), 3));
        m_painter.drawLine(QPointF(m_content.left(), m_y + 4), QPointF(m_content.right(), m_y + 4));
        m_y += 25;
    }

    void paragraph(const QString& text, const QFont* font = nullptr)
    {
        const QFont& f = font ? *font : m_body;
        const double height = textHeight(text, f, m_content.width());
        ensure(height);
        m_y += drawWrapped(text, f, m_content.left(), m_content.width(), Qt::black) + 12;
    }

    /// Preformatted text line by line (recipe JSON): breaks across pages anywhere.
    void lines(const QString& text)
    {
        const double height = lineHeight(m_mono);
        for (const QString& line : text.split(QLatin1Char('\n'))) {
            ensure(height);
            m_painter.setFont(m_mono);
            m_painter.setPen(Qt::black);
            m_painter.drawText(QRectF(m_content.left() + 20, m_y, m_content.width() - 20, height),
                Qt::AlignLeft | Qt::AlignVCenter, line);
            m_y += height;
        }
        m_y += 12;
    }

    void table(const QList<Column>& columns, const QList<QStringList>& rows, const QFont* font = nullptr)
    {
        const QFont& f = font ? *font : m_small;
        QFont headerFont = f;
        headerFont.setBold(true);
        const double total = std::accumulate(
            columns.begin(), columns.end(), 0.0, [](double sum, const Column& column) { return sum + column.weight; });
        QList<double> widths;
        for (const Column& column : columns)
            widths << column.weight / total * m_content.width();
        QStringList headers;
        for (const Column& column : columns)
            headers << column.title;
        const auto rowHeight = [&](const QStringList& cells, const QFont& cellFont) {
            double height = lineHeight(cellFont);
            for (qsizetype c = 0; c < cells.size() && c < widths.size(); ++c)
                height = std::max(height, textHeight(cells[c], cellFont, widths[c] - 2 * kPad));
            return height + 2 * kPad;
        };
        const double headerHeight = rowHeight(headers, headerFont);
        const auto drawHeader = [&] {
            m_painter.fillRect(
                QRectF(m_content.left(), m_y, m_content.width(), headerHeight), QColor(0xdd, 0xe6, 0xf0));
            drawRow(headers, columns, widths, headerFont, headerHeight);
        };
        ensure(headerHeight + rowHeight(rows.value(0), f));
        drawHeader();
        for (qsizetype r = 0; r < rows.size(); ++r) {
            const double height = rowHeight(rows[r], f);
            if (m_y + height > m_content.bottom()) {
                newPage();
                drawHeader();
            }
            if (r % 2 == 1)
                m_painter.fillRect(QRectF(m_content.left(), m_y, m_content.width(), height), QColor(0xf4, 0xf6, 0xf8));
            drawRow(rows[r], columns, widths, f, height);
        }
        m_painter.setPen(QPen(QColor(0xb0, 0xb0, 0xb0), 2));
        m_painter.drawLine(QPointF(m_content.left(), m_y), QPointF(m_content.right(), m_y));
        m_y += 30;
    }

    /// Key/value rows without a header.
    void keyValues(const QList<QPair<QString, QString>>& pairs)
    {
        for (const auto& [key, value] : pairs) {
            const double keyWidth = m_content.width() * 0.28;
            const double height
                = std::max(textHeight(key, m_bold, keyWidth), textHeight(value, m_body, m_content.width() - keyWidth))
                + 8;
            ensure(height);
            drawWrapped(key, m_bold, m_content.left(), keyWidth, QColor(0x40, 0x40, 0x40));
            drawWrapped(value, m_body, m_content.left() + keyWidth, m_content.width() - keyWidth, Qt::black);
            m_y += height;
        }
        m_y += 20;
    }

    /// Room a chart takes: its title and the chart scaled to the text width.
    double chartHeight() const
    {
        return kChartSize.height() * m_content.width() / kChartSize.width() + 2 * lineHeight(m_bold);
    }

    /// The chart in vector form (recorded by recordPdfCharts), scaled to the text width, with its title above it.
    void chart(const PdfChart& chart)
    {
        if (!chart.image.isNull()) {
            image(chart);
            return;
        }
        const double height = chartHeight();
        const double scale = m_content.width() / kChartSize.width();
        ensure(height);
        m_y += drawWrapped(qs(chart.title), m_bold, m_content.left(), m_content.width(), Qt::black) + 8;
        m_painter.save();
        m_painter.translate(m_content.left(), m_y);
        m_painter.scale(scale, scale);
        m_painter.setClipRect(QRect(QPoint(0, 0), kChartSize));
        // A picture plays scaled by the target's resolution over its own (300 dpi page, screen-dpi picture): undo
        // that, so that the chart keeps the layout it was recorded with.
        const double toPicture = static_cast<double>(chart.picture.logicalDpiX()) / m_writer.logicalDpiX();
        m_painter.scale(toPicture, toPicture);
        m_painter.drawPicture(0, 0, chart.picture);
        m_painter.restore();
        m_y += height - 2 * lineHeight(m_bold) + 30;
    }

    /// A picture (the graph) scaled to the text width, or to the page's height when it is taller, title above it.
    void image(const PdfChart& chart)
    {
        const double title = textHeight(qs(chart.title), m_bold, m_content.width()) + 8;
        double width = m_content.width();
        double height = chart.image.height() * width / chart.image.width();
        const double room = m_content.height() - title - 30;
        if (height > room) {
            width *= room / height;
            height = room;
        }
        ensure(title + height);
        m_y += drawWrapped(qs(chart.title), m_bold, m_content.left(), m_content.width(), Qt::black) + 8;
        m_painter.drawImage(QRectF(m_content.left(), m_y, width, height), chart.image);
        m_y += height + 30;
    }

private:
    static constexpr double kPad = 8;

    double lineHeight(const QFont& font) const { return QFontMetricsF(font, &m_writer).height(); }

    double textHeight(const QString& text, const QFont& font, double width) const
    {
        if (text.isEmpty())
            return lineHeight(font);
        return QFontMetricsF(font, &m_writer).boundingRect(QRectF(0, 0, width, 1e6), wrapFlags(text), text).height();
    }

    double drawWrapped(const QString& text, const QFont& font, double x, double width, const QColor& colour)
    {
        const double height = textHeight(text, font, width);
        m_painter.setFont(font);
        m_painter.setPen(colour);
        m_painter.drawText(
            QRectF(x, m_y, width, height), static_cast<int>(Qt::AlignLeft | Qt::AlignTop) | wrapFlags(text), text);
        return height;
    }

    void drawRow(const QStringList& cells, const QList<Column>& columns, const QList<double>& widths, const QFont& font,
        double height)
    {
        m_painter.setFont(font);
        m_painter.setPen(Qt::black);
        double x = m_content.left();
        for (qsizetype c = 0; c < columns.size(); ++c) {
            m_painter.drawText(QRectF(x + kPad, m_y + kPad, widths[c] - 2 * kPad, height - 2 * kPad),
                static_cast<int>(columns[c].align | Qt::AlignTop) | wrapFlags(cells.value(c)), cells.value(c));
            x += widths[c];
        }
        m_y += height;
    }

    void drawFooter()
    {
        const QRectF footer(m_content.left(), m_writer.height() - kMargin, m_content.width(), lineHeight(m_small));
        m_painter.setPen(QPen(QColor(0xb0, 0xb0, 0xb0), 2));
        m_painter.drawLine(footer.topLeft() - QPointF(0, 15), footer.topRight() - QPointF(0, 15));
        m_painter.setFont(m_small);
        m_painter.setPen(QColor(0x60, 0x60, 0x60));
        m_painter.drawText(footer, Qt::AlignLeft | Qt::AlignVCenter, m_footer);
        m_painter.drawText(footer, Qt::AlignRight | Qt::AlignVCenter, QStringLiteral("Page %1").arg(m_page));
    }

    QPdfWriter& m_writer;
    QCPPainter& m_painter;
    QString m_footer;
    QRectF m_content;
    double m_y = 0;
    int m_page = 1;
    QFont m_body, m_small, m_bold, m_mono;
};

/// A table of core's report content (the one the HTML, Markdown and text reports render): key/value tables (no
/// headers) as aligned pairs, the others with their headers; column widths follow the cells' lengths.
void coreTable(PdfPages& pages, const Table& table)
{
    const bool keyValue = std::ranges::all_of(table.headers, [](const std::string& h) { return h.empty(); })
        && table.headers.size() == 2;
    if (keyValue) {
        QList<QPair<QString, QString>> pairs;
        for (const auto& row : table.rows)
            pairs << qMakePair(qs(row.at(0)), qs(row.at(1)));
        pages.keyValues(pairs);
        return;
    }
    QList<Column> columns;
    for (std::size_t c = 0; c < table.headers.size(); ++c) {
        // As wide as its longest cell (names capped, they wrap) or the longest word of its header.
        double length = 3;
        std::istringstream words(table.headers[c]);
        for (std::string word; words >> word;)
            length = std::max(length, static_cast<double>(word.size()) * 1.3); // the header is bold
        for (std::size_t r = 0; r < table.rows.size() && r < 500; ++r)
            length = std::max(length, static_cast<double>(std::min<std::size_t>(table.rows[r][c].size(), 36)));
        const bool numeric = c < table.numeric.size() && table.numeric[c];
        columns << Column { qs(table.headers[c]), length + 2.5, numeric ? Qt::AlignRight : Qt::AlignLeft };
    }
    QList<QStringList> rows;
    for (const auto& row : table.rows) {
        QStringList cells;
        for (const auto& cell : row)
            cells << qs(cell);
        rows << cells;
    }
    pages.table(columns, rows);
}

} // namespace

std::vector<PdfChart> recordPdfCharts(const core::report::ReportInput& input, bool withGraph)
{
    std::vector<PdfChart> out;
    for (const ReportChart& chart : buildReportCharts(input, kChartSize)) {
        // QCustomPlot measures text with screen metrics but the PDF draws it with its own: a font in points would
        // come out 300/96 times larger than measured. A pixel size means the same on both, and the scale maps it.
        ChartWidget& widget = *chart.widget;
        QFont font = widget.font();
        if (font.pointSizeF() > 0)
            font.setPixelSize(qRound(font.pointSizeF() * widget.logicalDpiY() / 72.0));
        font.setLetterSpacing(QFont::AbsoluteSpacing, 0.05);
        widget.setFont(font);
        widget.plot()->replot(QCustomPlot::rpImmediateRefresh); // category axes refit their labels to the font
        PdfChart recorded { chart.title, QPicture(), QImage() };
        QCPPainter painter;
        if (!painter.begin(&recorded.picture))
            continue;
        painter.setMode(QCPPainter::pmVectorized);
        widget.plot()->toPainter(&painter, kChartSize.width(), kChartSize.height());
        painter.end();
        out.push_back(std::move(recorded));
    }
    if (auto graph = withGraph ? reportGraphImage(input) : std::nullopt)
        out.push_back({ reportGraphTitle(), QPicture(), std::move(*graph) });
    return out;
}

core::Result<QByteArray> renderReportPdf(const core::report::ReportInput& input)
{
    return renderReportPdf(input, recordPdfCharts(input));
}

core::Result<QByteArray> renderReportPdf(const core::report::ReportInput& input, const std::vector<PdfChart>& charts)
{
    if (!input.analysis)
        return core::fail(core::ErrorCode::InvalidArgument, "no analysis to report");
    const Analysis& a = *input.analysis;

    // Rendered in memory (a report is a few megabytes) so that the output module decides how the file is written.
    QByteArray pdf;
    QBuffer file(&pdf);
    file.open(QIODevice::WriteOnly);
    const QString modelName = QFileInfo(qs(a.model.path)).fileName();
    {
        QPdfWriter writer(&file);
        writer.setResolution(kResolution);
        writer.setPageLayout(QPageLayout(QPageSize(QPageSize::A4), QPageLayout::Portrait, QMarginsF()));
        writer.setTitle(QStringLiteral("Slimscope report: %1").arg(modelName));
        writer.setCreator(QStringLiteral("Slimscope %1").arg(QStringLiteral(SLIMSCOPE_VERSION)));
        QCPPainter painter;
        if (!painter.begin(&writer))
            return core::fail(core::ErrorCode::Internal, "cannot start the PDF");
        painter.setRenderHint(QPainter::Antialiasing);
        painter.setRenderHint(QPainter::TextAntialiasing);
        PdfPages pages(writer, painter, QStringLiteral("Slimscope report · %1").arg(modelName));
        // The sections and their order are core's (core/report/reportsections.cpp), as in the HTML report.
        pages.title(QStringLiteral("Slimscope report: %1").arg(modelName),
            QStringLiteral("Generated %1").arg(qs(input.generatedAt)));
        for (const Section& section : reportSections(input, Medium::Pdf)) {
            if (section.id == "charts" && charts.empty())
                continue;
            if (!section.title.empty())
                pages.heading(qs(section.title), section.id == "charts" ? pages.chartHeight() : 0);
            for (const Block& block : section.blocks) {
                switch (block.kind) {
                case Block::Kind::Table:
                    coreTable(pages, block.table);
                    break;
                case Block::Kind::Paragraph:
                    pages.paragraph(qs(block.text));
                    break;
                case Block::Kind::Code:
                    pages.lines(qs(block.text));
                    break;
                case Block::Kind::Charts:
                    for (const PdfChart& chart : charts)
                        pages.chart(chart);
                    break;
                case Block::Kind::Details:
                    pages.paragraph(qs(block.text));
                    coreTable(pages, block.table);
                    break;
                case Block::Kind::List:
                    for (const auto& item : block.items)
                        pages.paragraph(qs("• " + item));
                    break;
                }
            }
        }
        pages.finish();
        if (!painter.end())
            return core::fail(core::ErrorCode::Internal, "cannot finish the PDF");
    }
    return pdf;
}

core::Result<void> writeReportPdf(const QString& path, const core::report::ReportInput& input)
{
    auto pdf = renderReportPdf(input);
    if (!pdf)
        return std::unexpected(pdf.error());
    auto written = core::writeOutput(
        path.toStdString(), std::string_view(pdf->constData(), static_cast<std::size_t>(pdf->size())));
    if (!written)
        return std::unexpected(written.error());
    return {};
}

} // namespace slimscope::ui
