#pragma once

#include "modelptrs.h"

#include <QPair>
#include <QRectF>
#include <QVector>
#include <QWidget>

#include <cstdint>
#include <string>
#include <vector>

namespace slimscope::ui {

/// Where the weight bytes of a model go, by name scope: a squarified treemap of the current scope's children,
/// two levels deep (groups with a header, their children filled), coloured by dtype or by sparsity. Click drills
/// into a scope, the breadcrumb bar goes back up, Backspace or a right click goes up one level.
class TreemapWidget : public QWidget {
    Q_OBJECT
public:
    enum class ColourMode { Dtype, Sparsity };

    explicit TreemapWidget(QWidget* parent = nullptr);
    ~TreemapWidget() override;

    void setAnalysis(const AnalysisPtr& analysis);
    void setColourMode(ColourMode mode);
    ColourMode colourMode() const { return m_colourMode; }
    /// Reserved for the slimming preview (bytes of each layer after the recipe); stored, not drawn yet.
    void setAfterBytes(std::vector<std::uint64_t> bytesPerLayer);

    /// The scope whose children fill the map (0 is the model). Scopes without children are not entered.
    void setCurrentScope(int scopeIndex);
    int currentScope() const { return m_current; }
    void goUp();

    // Introspection for tests and for callers that place their own overlays.
    /// The first-level cells, which tile treemapArea(): scope index, the current scope itself for its own
    /// weights, -1 for the merged "other" cell.
    QVector<QPair<QRectF, int>> cellRects() const;
    /// Every filled (coloured) cell of both levels, same indexing as cellRects().
    QVector<QPair<QRectF, int>> leafRects() const;
    QRectF treemapArea() const;
    /// Scope names from the model down to the current scope, joined with " / ".
    QString breadcrumbText() const;
    QVector<QPair<QRectF, int>> breadcrumbRects() const;
    /// The tooltip at a point, empty outside any cell.
    QString toolTipAt(const QPointF& pos) const;
    QSize sizeHint() const override;

signals:
    void scopeSelected(int scopeIndex);
    void layerActivated(int layerIndex);
    void currentScopeChanged(int scopeIndex);

protected:
    bool event(QEvent* event) override;
    void paintEvent(QPaintEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void changeEvent(QEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void mouseDoubleClickEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void leaveEvent(QEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;

private:
    enum class CellKind { Leaf, Group, Own, Other };
    struct Cell {
        QRectF rect;
        int scope = -1; ///< -1 for "other"
        int depth = 1;
        CellKind kind = CellKind::Leaf;
        std::uint64_t bytes = 0;
        int mergedCount = 0; ///< scopes inside an "other" cell
    };
    /// Per-scope colour inputs, aggregated over the tensors placed at and below the scope.
    struct ScopeInfo {
        core::model::DataType dtype = core::model::DataType::Undefined;
        std::uint64_t largestTensor = 0;
        std::uint64_t zeros = 0;
        std::uint64_t elements = 0;
    };

    void computeScopeInfo();
    void ensureLayout() const;
    void layoutLevel(int parent, const QRectF& rect, int depth) const;
    const Cell* cellAt(const QPointF& pos) const;
    int breadcrumbAt(const QPointF& pos) const;
    void invalidateLayout();

    bool darkPalette() const;
    QColor fillFor(const Cell& cell) const;
    QColor sparsityColour(double sparsity) const;
    void paintCell(QPainter& painter, const Cell& cell) const;
    void paintBreadcrumb(QPainter& painter) const;
    void paintLegend(QPainter& painter) const;
    QRectF breadcrumbArea() const;
    QRectF legendArea() const;
    QString cellToolTip(const Cell& cell) const;

    AnalysisPtr m_analysis;
    std::vector<ScopeInfo> m_info;
    std::vector<std::uint64_t> m_afterBytes;
    ColourMode m_colourMode = ColourMode::Dtype;
    int m_current = 0;
    int m_selected = -1; ///< scope index
    QPointF m_pressPos;
    bool m_pressed = false;

    // The layout cache: rebuilt only on resize, drill, font or analysis change; painting reads it.
    mutable bool m_layoutValid = false;
    mutable QSize m_layoutSize; ///< a hidden widget gets no resize events, so the size is checked too
    mutable int m_hovered = -1; ///< index into m_cells
    mutable std::vector<Cell> m_cells; ///< first-level cells first, then second-level cells
    mutable QVector<QPair<QRectF, int>> m_crumbs;
};

} // namespace slimscope::ui
