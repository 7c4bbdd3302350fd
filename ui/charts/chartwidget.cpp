#include "qcp.h" // first: QCustomPlot must see the foreach definitions

#include "chartwidget.h"
#include "tickers.h"

#include <QContextMenuEvent>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontMetricsF>
#include <QHelpEvent>
#include <QMenu>
#include <QMessageBox>
#include <QToolTip>
#include <QVBoxLayout>
#include <QWindow>

#ifdef SLIMSCOPE_HAVE_SVG
#include <QSvgGenerator>
#endif

#include <cmath>
#include <numbers>

namespace slimscope::ui {

namespace {

QColor blend(const QColor& a, const QColor& b, double t)
{
    return QColor::fromRgbF(static_cast<float>(a.redF() * (1 - t) + b.redF() * t),
        static_cast<float>(a.greenF() * (1 - t) + b.greenF() * t),
        static_cast<float>(a.blueF() * (1 - t) + b.blueF() * t));
}

constexpr QSize kExportSize { 960, 540 };
constexpr double kLabelAngle = -45.0; // degrees; negative: each slanted label ends under its own bar

} // namespace

ChartWidget::ChartWidget(QWidget* parent)
    : QWidget(parent)
    , m_plot(new QCustomPlot(this))
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_plot);

    m_plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    m_plot->axisRect()->setRangeDrag(Qt::Horizontal);
    m_plot->axisRect()->setRangeZoom(Qt::Horizontal);
    m_plot->setNoAntialiasingOnDrag(true);
    m_plot->setContextMenuPolicy(Qt::CustomContextMenu);
    m_plot->installEventFilter(this);
    connect(m_plot, &QCustomPlot::customContextMenuRequested, this, &ChartWidget::showContextMenu);
    connect(m_plot, &QCustomPlot::mousePress, this, [this](QMouseEvent* event) { m_pressPos = event->pos(); });
    connect(m_plot, &QCustomPlot::mouseRelease, this, [this](QMouseEvent* event) {
        if (event->button() == Qt::LeftButton && (event->pos() - m_pressPos).manhattanLength() <= 3)
            clickedAt(event->pos());
    });
    connect(m_plot->xAxis, qOverload<const QCPRange&>(&QCPAxis::rangeChanged), this, &ChartWidget::clampXRange);
    connect(m_plot, &QCustomPlot::beforeReplot, this, &ChartWidget::fitCategoryLabels);

    rebuildTheme();
    styleAxes();
}

ChartWidget::~ChartWidget() = default;

bool ChartWidget::canExportSvg()
{
#ifdef SLIMSCOPE_HAVE_SVG
    return true;
#else
    return false;
#endif
}

bool ChartWidget::exportTo(const QString& path)
{
    const QString suffix = QFileInfo(path).suffix().toLower();
    QSize size = kExportSize;
    if (isVisible() && m_plot->width() >= 200 && m_plot->height() >= 150)
        size = m_plot->size();
    bool ok = false;
    if (suffix == QLatin1String("png")) {
        ok = m_plot->savePng(path, size.width(), size.height(), 2.0);
    } else if (suffix == QLatin1String("pdf")) {
        ok = m_plot->savePdf(path, size.width(), size.height());
    } else if (suffix == QLatin1String("svg")) {
#ifdef SLIMSCOPE_HAVE_SVG
        QSvgGenerator generator;
        generator.setFileName(path);
        generator.setSize(size);
        generator.setViewBox(QRect(QPoint(0, 0), size));
        generator.setResolution(logicalDpiX()); // fonts in points come out as large as on screen
        generator.setTitle(QStringLiteral("Slimscope chart"));
        QCPPainter painter;
        if (painter.begin(&generator)) {
            painter.setMode(QCPPainter::pmVectorized);
            m_plot->toPainter(&painter, size.width(), size.height());
            ok = painter.end();
        }
#endif
    }
    replotLater(); // exports lay the plot out at their own size; lay it out for the widget again
    return ok && QFileInfo(path).size() > 0;
}

QString ChartWidget::toolTipAt(QPoint) const
{
    return {};
}

void ChartWidget::resetZoom()
{
    m_plot->xAxis->setRange(m_xLower, m_xUpper);
    replotLater();
}

void ChartWidget::replotLater()
{
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void ChartWidget::setXLimits(double lower, double upper)
{
    m_xLower = lower;
    m_xUpper = upper > lower ? upper : lower + 1.0;
    m_plot->xAxis->setRange(m_xLower, m_xUpper);
}

void ChartWidget::clampXRange()
{
    // Keep zoom and pan inside the data: never wider than the limits, never past either end.
    const QCPRange range = m_plot->xAxis->range();
    const double width = std::min(range.size(), m_xUpper - m_xLower);
    double lower = std::clamp(range.lower, m_xLower, m_xUpper - width);
    if (lower != range.lower || width != range.size())
        m_plot->xAxis->setRange(lower, lower + width);
}

int ChartWidget::categoryAt(QPoint pos, QCPAxis* keyAxis, int count, double halfWidth) const
{
    if (!m_plot->axisRect()->rect().contains(pos))
        return -1;
    const double key = keyAxis->pixelToCoord(keyAxis->orientation() == Qt::Horizontal ? pos.x() : pos.y());
    const auto index = std::llround(key);
    if (index < 0 || index >= count || std::abs(key - static_cast<double>(index)) > halfWidth)
        return -1;
    return static_cast<int>(index);
}

void ChartWidget::setEmptyMessage(const QString& text)
{
    if (!m_emptyMessage) {
        m_emptyMessage = new QCPItemText(m_plot);
        m_emptyMessage->position->setType(QCPItemPosition::ptAxisRectRatio);
        m_emptyMessage->position->setCoords(0.5, 0.5);
        m_emptyMessage->setClipToAxisRect(false);
        styleText(m_emptyMessage, false);
    }
    m_emptyMessage->setText(text);
    m_emptyMessage->setVisible(!text.isEmpty());
    // An empty chart says what to do instead of drawing axes with nothing on them (and tick labels of a range
    // that means nothing): its axes are hidden while the message shows, and come back as they were.
    const bool empty = !text.isEmpty();
    if (empty == m_axesHidden)
        return;
    m_axesHidden = empty;
    for (QCPAxis* axis : m_plot->axisRect()->axes()) {
        if (empty) {
            m_hiddenAxes.insert(axis, { axis->visible(), axis->grid()->visible() });
            axis->setVisible(false);
            axis->grid()->setVisible(false);
        } else if (const auto was = m_hiddenAxes.find(axis); was != m_hiddenAxes.end()) {
            axis->setVisible(was->first);
            axis->grid()->setVisible(was->second);
        }
    }
    if (!empty)
        m_hiddenAxes.clear();
}

void ChartWidget::setTitle(const QString& title, const QString& subtitle)
{
    QCPLayoutGrid* layout = m_plot->plotLayout();
    if (!m_title) {
        layout->insertRow(0);
        m_title = new QCPTextElement(m_plot, title, m_theme.titleFont);
        layout->addElement(0, 0, m_title);
    }
    m_title->setText(title);
    if (!subtitle.isEmpty() && !m_subtitle) {
        layout->insertRow(1);
        m_subtitle = new QCPTextElement(m_plot, subtitle, m_theme.smallFont);
        layout->addElement(1, 0, m_subtitle);
    } else if (subtitle.isEmpty() && m_subtitle) {
        layout->remove(m_subtitle);
        layout->simplify();
        m_subtitle = nullptr;
    }
    if (m_subtitle)
        m_subtitle->setText(subtitle);
    styleAxes();
}

QSharedPointer<CategoryTicker> ChartWidget::makeCategoryAxis(QCPAxis* axis)
{
    auto ticker = QSharedPointer<CategoryTicker>::create();
    axis->setTicker(ticker);
    axis->setTickLabelRotation(axis->orientation() == Qt::Horizontal ? kLabelAngle : 0.0);
    axis->setSubTicks(false);
    axis->grid()->setVisible(false);
    m_categoryAxes.append({ axis, ticker });
    return ticker;
}

void ChartWidget::fitCategoryLabels()
{
    // Slanted labels need their line height divided by sin(angle) of axis length each, plus some air.
    const double lineHeight = QFontMetricsF(m_theme.smallFont).height();
    for (const auto& [axis, ticker] : m_categoryAxes) {
        const bool horizontal = axis->orientation() == Qt::Horizontal;
        double length = horizontal ? axis->axisRect()->width() : axis->axisRect()->height();
        if (length < 50) // not laid out yet
            length = (horizontal ? m_plot->width() : m_plot->height()) - 120;
        const double perLabel = horizontal
            ? lineHeight / std::sin(std::abs(kLabelAngle) * std::numbers::pi / 180.0) * 1.4
            : lineHeight * 1.3;
        ticker->setMaxLabels(static_cast<int>(length / perLabel));
    }
}

void ChartWidget::styleText(QCPItemText* item, bool small) const
{
    item->setColor(small ? m_theme.text : m_theme.mutedText);
    item->setFont(small ? m_theme.smallFont : m_theme.font);
    item->setPen(Qt::NoPen);
    item->setBrush(Qt::NoBrush);
}

void ChartWidget::rebuildTheme()
{
    const QPalette& pal = palette();
    ChartTheme& t = m_theme;
    t.background = pal.color(QPalette::Base);
    t.text = pal.color(QPalette::Text);
    t.mutedText = blend(t.text, t.background, 0.4);
    t.accent = pal.color(QPalette::Highlight);
    const bool dark = t.background.lightnessF() < 0.5;
    t.contrast = dark ? QColor(0xff, 0xa6, 0x4d) : QColor(0xd9, 0x5f, 0x0e);
    t.muted = blend(t.text, t.background, 0.6);
    t.axisPen = QPen(blend(t.text, t.background, 0.45), 1.0);
    t.gridPen = QPen(blend(t.text, t.background, 0.88), 1.0);
    t.barPen = QPen(Qt::NoPen);
    t.linePen = QPen(t.contrast, 2.0);
    t.font = font();
    t.smallFont = font();
    if (t.smallFont.pointSizeF() > 0)
        t.smallFont.setPointSizeF(t.smallFont.pointSizeF() * 0.9);
    t.titleFont = font();
    t.titleFont.setBold(true);
    if (t.titleFont.pointSizeF() > 0)
        t.titleFont.setPointSizeF(t.titleFont.pointSizeF() * 1.15);
}

void ChartWidget::styleAxes()
{
    m_plot->setBackground(QBrush(m_theme.background));
    for (QCPAxis* axis : m_plot->axisRect()->axes()) {
        axis->setBasePen(m_theme.axisPen);
        axis->setTickPen(m_theme.axisPen);
        axis->setSubTickPen(m_theme.axisPen);
        axis->setTickLabelColor(m_theme.text);
        axis->setLabelColor(m_theme.text);
        axis->setTickLabelFont(m_theme.smallFont);
        axis->setLabelFont(m_theme.font);
        axis->grid()->setPen(m_theme.gridPen);
        axis->grid()->setZeroLinePen(Qt::NoPen);
        axis->grid()->setSubGridVisible(false);
    }
    m_plot->legend->setBrush(QBrush(m_theme.background));
    m_plot->legend->setBorderPen(m_theme.axisPen);
    m_plot->legend->setTextColor(m_theme.text);
    m_plot->legend->setFont(m_theme.smallFont);
    if (m_title) {
        m_title->setTextColor(m_theme.text);
        m_title->setFont(m_theme.titleFont);
    }
    if (m_subtitle) {
        m_subtitle->setTextColor(m_theme.mutedText);
        m_subtitle->setFont(m_theme.smallFont);
    }
    if (m_emptyMessage)
        styleText(m_emptyMessage, false);
}

void ChartWidget::changeEvent(QEvent* event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::FontChange
        || event->type() == QEvent::StyleChange) {
        rebuildTheme();
        styleAxes();
        applyTheme();
        replotLater();
    }
}

void ChartWidget::showEvent(QShowEvent* event)
{
    QWidget::showEvent(event);
    updatePixelRatio();
    if (QWindow* window = this->window()->windowHandle())
        connect(window, &QWindow::screenChanged, this, &ChartWidget::updatePixelRatio, Qt::UniqueConnection);
}

void ChartWidget::updatePixelRatio()
{
    const double ratio = devicePixelRatioF();
    if (!qFuzzyCompare(m_plot->bufferDevicePixelRatio(), ratio)) {
        m_plot->setBufferDevicePixelRatio(ratio);
        replotLater();
    }
}

bool ChartWidget::eventFilter(QObject* watched, QEvent* event)
{
    if (watched == m_plot && event->type() == QEvent::ToolTip) {
        auto* help = static_cast<QHelpEvent*>(event);
        const QString text = toolTipAt(help->pos());
        if (text.isEmpty())
            QToolTip::hideText();
        else
            QToolTip::showText(help->globalPos(), text, m_plot);
        return true;
    }
    return QWidget::eventFilter(watched, event);
}

void ChartWidget::showContextMenu(QPoint pos)
{
    QMenu menu(this);
    menu.addAction(tr("Reset Zoom"), this, &ChartWidget::resetZoom);
    menu.addSeparator();
    menu.addAction(tr("Export as PNG…"), this, [this] { exportWithDialog(QStringLiteral("png")); });
    if (canExportSvg())
        menu.addAction(tr("Export as SVG…"), this, [this] { exportWithDialog(QStringLiteral("svg")); });
    menu.addAction(tr("Export as PDF…"), this, [this] { exportWithDialog(QStringLiteral("pdf")); });
    menu.exec(m_plot->mapToGlobal(pos));
}

void ChartWidget::exportWithDialog(const QString& suffix)
{
    const QString filter = tr("%1 files (*.%2)").arg(suffix.toUpper(), suffix);
    QString path = QFileDialog::getSaveFileName(this, tr("Export Chart"), QString(), filter);
    if (path.isEmpty())
        return;
    if (QFileInfo(path).suffix().isEmpty())
        path += QLatin1Char('.') + suffix;
    if (!exportTo(path))
        QMessageBox::warning(this, tr("Export Chart"), tr("Could not write %1.").arg(QDir::toNativeSeparators(path)));
}

} // namespace slimscope::ui
