#pragma once

#include <QColor>
#include <QFont>
#include <QHash>
#include <QList>
#include <QPen>
#include <QSharedPointer>
#include <QWidget>

class QCustomPlot;
class QCPAxis;
class QCPItemText;
class QCPTextElement;

namespace slimscope::ui {

class CategoryTicker;

/// Pens, brushes and fonts derived from the widget's palette and font; rebuilt only when those change, so
/// plottables share cached pens instead of building new ones on every replot.
struct ChartTheme {
    QColor background;
    QColor text;
    QColor mutedText;
    QColor accent; ///< main bar colour (the palette's highlight)
    QColor contrast; ///< lines drawn over bars (cumulative share)
    QColor muted; ///< "other" and "before" bars
    QPen axisPen;
    QPen gridPen;
    QPen barPen;
    QPen linePen;
    QFont font;
    QFont smallFont;
    QFont titleFont;
};

/// Common ground of the charts: one QCustomPlot that follows the application palette, zooms and pans on its x
/// axis (kept within limits the chart sets), shows per-chart tooltips, reports clicks that were not drags, and
/// exports to PNG, SVG or PDF from a context menu or exportTo().
class ChartWidget : public QWidget {
    Q_OBJECT
public:
    explicit ChartWidget(QWidget* parent = nullptr);
    ~ChartWidget() override;

    QCustomPlot* plot() const { return m_plot; }

    /// Writes the chart to `path`, the format chosen by its extension: .png (at twice the pixel density), .svg
    /// or .pdf. Uses the widget's size when it is shown, else 960x540. False on unknown extensions or failure.
    bool exportTo(const QString& path);
    static bool canExportSvg();

    /// Tooltip text (rich text) for a position in plot-widget coordinates; empty when nothing is under it.
    virtual QString toolTipAt(QPoint pos) const;

    QSize sizeHint() const override { return { 720, 420 }; }
    QSize minimumSizeHint() const override { return { 240, 160 }; }

public slots:
    /// Shows the whole x range again.
    void resetZoom();

protected:
    const ChartTheme& theme() const { return m_theme; }
    /// Restyles the chart's own plottables and items from theme(); called after a palette or font change.
    virtual void applyTheme() { }
    /// A left click that was not a drag, in plot-widget coordinates.
    virtual void clickedAt(QPoint) { }

    void replotLater();
    /// The x range that zoom and pan stay within; also resets the view to it.
    void setXLimits(double lower, double upper);
    /// Index of the category whose column (key ± halfWidth on `keyAxis`) holds `pos`, or -1.
    int categoryAt(QPoint pos, QCPAxis* keyAxis, int count, double halfWidth = 0.5) const;
    /// A centred note in the axis rect ("No weights"); empty text hides it.
    void setEmptyMessage(const QString& text);
    /// A title row above the axis rect (created on first use); `subtitle` goes in a smaller second row.
    void setTitle(const QString& title, const QString& subtitle = {});
    void styleText(QCPItemText* item, bool small = true) const;
    /// Makes `axis` a category axis with these labels (slanted on a horizontal axis); before each replot the
    /// ticker learns how many labels fit, so they never overlap.
    QSharedPointer<CategoryTicker> makeCategoryAxis(QCPAxis* axis);

    void changeEvent(QEvent* event) override;
    void showEvent(QShowEvent* event) override;
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void rebuildTheme();
    void styleAxes();
    void clampXRange();
    void showContextMenu(QPoint pos);
    void exportWithDialog(const QString& suffix);
    void updatePixelRatio();
    void fitCategoryLabels();

    QCustomPlot* m_plot = nullptr;
    ChartTheme m_theme;
    QPoint m_pressPos;
    double m_xLower = 0.0;
    double m_xUpper = 1.0;
    QCPItemText* m_emptyMessage = nullptr;
    bool m_axesHidden = false;
    QHash<QCPAxis*, QPair<bool, bool>> m_hiddenAxes; ///< each axis's and grid's visibility before a message hid them
    QCPTextElement* m_title = nullptr;
    QCPTextElement* m_subtitle = nullptr;
    QList<QPair<QCPAxis*, QSharedPointer<CategoryTicker>>> m_categoryAxes;
};

} // namespace slimscope::ui
