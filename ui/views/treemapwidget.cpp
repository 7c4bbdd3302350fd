// The treemap answers "where do the bytes go" at a glance. The layout is squarified (near-square cells compare
// by area far better than slice-and-dice strips) and cached: painting and hovering only read it, so a large
// model stays smooth; it is rebuilt on resize, drill, font or analysis change only.
#include "views/treemapwidget.h"
#include "charts/palette.h"

#include "views/treemaplayout.h"

#include "support/format.h"

#include <QHelpEvent>
#include <QKeyEvent>
#include <QMouseEvent>
#include <QToolTip>

#include <algorithm>
#include <unordered_map>

namespace slimscope::ui {

using namespace core::analysis;

namespace {

// Cells thinner than this can be neither seen nor hit; they are merged into one "other" cell.
constexpr double kMinCellSide = 3.0;
constexpr double kGroupPad = 2.0;

QString q(const std::string& text)
{
    return QString::fromStdString(text);
}

} // namespace

TreemapWidget::TreemapWidget(QWidget* parent)
    : QWidget(parent)
{
    setMouseTracking(true);
    setFocusPolicy(Qt::StrongFocus);
    // Right clicks mean "up one level", so they must reach mousePressEvent rather than become a context menu.
    setContextMenuPolicy(Qt::PreventContextMenu);
    setMinimumSize(240, 160);
}

TreemapWidget::~TreemapWidget() = default;

QSize TreemapWidget::sizeHint() const
{
    return { 800, 560 };
}

void TreemapWidget::setAnalysis(const AnalysisPtr& analysis)
{
    m_analysis = analysis;
    m_current = 0;
    m_selected = -1;
    m_afterBytes.clear();
    computeScopeInfo();
    invalidateLayout();
}

void TreemapWidget::setColourMode(ColourMode mode)
{
    if (m_colourMode == mode)
        return;
    m_colourMode = mode;
    update(); // colours only: the layout stays
}

void TreemapWidget::setAfterBytes(std::vector<std::uint64_t> bytesPerLayer)
{
    m_afterBytes = std::move(bytesPerLayer);
}

void TreemapWidget::setCurrentScope(int scopeIndex)
{
    if (!m_analysis || scopeIndex < 0 || scopeIndex >= static_cast<int>(m_analysis->scopes.size())
        || scopeIndex == m_current)
        return;
    if (m_analysis->scopes[static_cast<std::size_t>(scopeIndex)].children.empty())
        return;
    m_current = scopeIndex;
    invalidateLayout();
    emit currentScopeChanged(m_current);
}

void TreemapWidget::goUp()
{
    if (m_analysis && m_current > 0)
        setCurrentScope(m_analysis->scopes[static_cast<std::size_t>(m_current)].parent);
}

void TreemapWidget::computeScopeInfo()
{
    m_info.clear();
    if (!m_analysis)
        return;
    const Analysis& a = *m_analysis;
    m_info.assign(a.scopes.size(), {});
    // Every tensor sits where core's scope tree placed its bytes (TensorStats::scope).
    for (const TensorStats& tensor : a.tensors) {
        const int scope = tensor.scope.valid() && tensor.scope.get() < a.scopes.size() ? tensor.scope.raw() : 0;
        ScopeInfo& info = m_info[static_cast<std::size_t>(scope)];
        info.zeros += tensor.zeros;
        info.elements += tensor.elements;
        if (tensor.bytes >= info.largestTensor) {
            info.largestTensor = tensor.bytes;
            info.dtype = tensor.dtype;
        }
    }
    // Children always come after their parent in the table, so one backward pass aggregates bottom-up.
    for (std::size_t s = a.scopes.size(); s-- > 1;) {
        const int parent = a.scopes[s].parent;
        if (parent < 0)
            continue;
        ScopeInfo& up = m_info[static_cast<std::size_t>(parent)];
        up.zeros += m_info[s].zeros;
        up.elements += m_info[s].elements;
        if (m_info[s].largestTensor > up.largestTensor) {
            up.largestTensor = m_info[s].largestTensor;
            up.dtype = m_info[s].dtype;
        }
    }
}

void TreemapWidget::invalidateLayout()
{
    m_layoutValid = false;
    m_hovered = -1;
    update();
}

QRectF TreemapWidget::breadcrumbArea() const
{
    return QRectF(0, 0, width(), fontMetrics().height() + 10);
}

QRectF TreemapWidget::legendArea() const
{
    const double h = fontMetrics().height() + 10;
    return QRectF(0, height() - h, width(), h);
}

QRectF TreemapWidget::treemapArea() const
{
    const QRectF top = breadcrumbArea();
    const QRectF bottom = legendArea();
    return QRectF(0, top.bottom(), width(), std::max(0.0, bottom.top() - top.bottom()));
}

void TreemapWidget::layoutLevel(int parent, const QRectF& rect, int depth) const
{
    const auto& scopes = m_analysis->scopes;
    const ScopeNode& node = scopes[static_cast<std::size_t>(parent)];
    std::vector<TreemapItem> items;
    std::uint64_t childBytes = 0;
    for (const int child : node.children) {
        const std::uint64_t bytes = scopes[static_cast<std::size_t>(child)].bytes;
        childBytes += bytes;
        if (bytes > 0)
            items.push_back({ child, bytes, 0 });
    }
    // A layer whose name is also a prefix of other names holds bytes of its own beside its children: the cell
    // for them carries the parent's own index.
    if (node.bytes > childBytes)
        items.push_back({ parent, node.bytes - childBytes, 0 });
    for (const auto& [item, cellRect] : placeItems(std::move(items), rect, kMinCellSide)) {
        Cell cell;
        cell.rect = cellRect;
        cell.scope = item.id;
        cell.depth = depth;
        cell.bytes = item.bytes;
        cell.mergedCount = item.merged;
        if (item.id < 0)
            cell.kind = CellKind::Other;
        else if (item.id == parent)
            cell.kind = CellKind::Own;
        else if (depth == 1 && !scopes[static_cast<std::size_t>(item.id)].children.empty())
            cell.kind = CellKind::Group;
        m_cells.push_back(cell);
    }
}

void TreemapWidget::ensureLayout() const
{
    if (m_layoutValid && m_layoutSize == size())
        return;
    m_layoutValid = true;
    m_layoutSize = size();
    m_hovered = -1;
    m_cells.clear();
    m_crumbs.clear();
    if (!m_analysis || m_analysis->scopes.empty())
        return;
    const auto& scopes = m_analysis->scopes;
    // Breadcrumb segments, from the model down to the current scope.
    std::vector<int> chain;
    for (int s = m_current; s >= 0; s = scopes[static_cast<std::size_t>(s)].parent)
        chain.insert(chain.begin(), s);
    const QFontMetricsF fm(font());
    const QRectF bar = breadcrumbArea();
    double x = 8.0;
    const double separator = fm.horizontalAdvance(QStringLiteral(" \u203a "));
    for (const int s : chain) {
        const double w = fm.horizontalAdvance(q(scopes[static_cast<std::size_t>(s)].name));
        m_crumbs.append({ QRectF(x, bar.top(), w, bar.height()), s });
        x += w + separator;
    }

    layoutLevel(m_current, treemapArea(), 1);
    const double header = fm.height() + 4.0;
    const std::size_t firstLevel = m_cells.size();
    for (std::size_t i = 0; i < firstLevel; ++i) {
        if (m_cells[i].kind != CellKind::Group)
            continue;
        const QRectF inner = m_cells[i].rect.adjusted(kGroupPad, header, -kGroupPad, -kGroupPad);
        // Too small for a header and readable children: draw the group as one filled cell.
        if (inner.width() < 4 * kMinCellSide || inner.height() < 4 * kMinCellSide) {
            m_cells[i].kind = CellKind::Leaf;
            continue;
        }
        layoutLevel(m_cells[i].scope, inner, 2);
    }
}

void TreemapWidget::resizeEvent(QResizeEvent* event)
{
    QWidget::resizeEvent(event);
    invalidateLayout();
}

void TreemapWidget::changeEvent(QEvent* event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::FontChange)
        invalidateLayout();
    else if (event->type() == QEvent::PaletteChange)
        update();
}

QVector<QPair<QRectF, int>> TreemapWidget::cellRects() const
{
    ensureLayout();
    QVector<QPair<QRectF, int>> cells;
    for (const Cell& cell : m_cells)
        if (cell.depth == 1)
            cells.append({ cell.rect, cell.scope });
    return cells;
}

QVector<QPair<QRectF, int>> TreemapWidget::leafRects() const
{
    ensureLayout();
    QVector<QPair<QRectF, int>> cells;
    for (const Cell& cell : m_cells)
        if (cell.kind != CellKind::Group)
            cells.append({ cell.rect, cell.scope });
    return cells;
}

QString TreemapWidget::breadcrumbText() const
{
    ensureLayout();
    QStringList names;
    for (const auto& crumb : m_crumbs)
        names.append(q(m_analysis->scopes[static_cast<std::size_t>(crumb.second)].name));
    return names.join(QStringLiteral(" / "));
}

QVector<QPair<QRectF, int>> TreemapWidget::breadcrumbRects() const
{
    ensureLayout();
    return m_crumbs;
}

const TreemapWidget::Cell* TreemapWidget::cellAt(const QPointF& pos) const
{
    ensureLayout();
    // Second-level cells come last and lie inside their group: the deepest hit is the last one.
    for (auto it = m_cells.rbegin(); it != m_cells.rend(); ++it)
        if (it->rect.contains(pos))
            return &*it;
    return nullptr;
}

int TreemapWidget::breadcrumbAt(const QPointF& pos) const
{
    ensureLayout();
    for (const auto& crumb : m_crumbs)
        if (crumb.first.adjusted(-4, 0, 4, 0).contains(pos))
            return crumb.second;
    return -1;
}

QString TreemapWidget::cellToolTip(const Cell& cell) const
{
    const Analysis& a = *m_analysis;
    const double total = static_cast<double>(a.scopes.front().bytes);
    const double share = total > 0.0 ? static_cast<double>(cell.bytes) / total : 0.0;
    const QString bytesLine
        = tr("Bytes: %1 (%2 bytes)").arg(q(core::humanBytes(cell.bytes)), QString::number(cell.bytes));
    const QString shareLine = tr("Share of the model: %1").arg(q(core::humanPercent(share)));
    if (cell.kind == CellKind::Other)
        return QStringLiteral("<b>%1</b><br>%2<br>%3")
            .arg(tr("%n smaller scope(s)", nullptr, cell.mergedCount), bytesLine, shareLine);
    const ScopeNode& node = a.scopes[static_cast<std::size_t>(cell.scope)];
    const ScopeInfo& info = m_info[static_cast<std::size_t>(cell.scope)];
    QString path = node.path.empty() ? q(node.name) : q(node.path);
    if (cell.kind == CellKind::Own)
        path = tr("%1 (its own weights)").arg(path);
    QStringList lines { QStringLiteral("<b>%1</b>").arg(path.toHtmlEscaped()), bytesLine, shareLine };
    if (cell.kind != CellKind::Own)
        lines.append(tr("Parameters: %1 (%2)").arg(q(core::humanCount(node.params)), QString::number(node.params)));
    if (node.layer >= 0 && node.layer < static_cast<int>(a.layers.size())) {
        const LayerStats& layer = a.layers[static_cast<std::size_t>(node.layer)];
        lines.append(tr("Layer: %1 (%2)").arg(q(layer.name).toHtmlEscaped(), q(layer.opType).toHtmlEscaped()));
    }
    if (info.dtype != core::model::DataType::Undefined)
        lines.append(tr("Largest tensor: %1").arg(dtypeText(info.dtype).toHtmlEscaped()));
    if (info.elements > 0)
        lines.append(
            tr("Sparsity: %1")
                .arg(q(core::humanPercent(static_cast<double>(info.zeros) / static_cast<double>(info.elements)))));
    return lines.join(QStringLiteral("<br>"));
}

QString TreemapWidget::toolTipAt(const QPointF& pos) const
{
    const Cell* cell = m_analysis ? cellAt(pos) : nullptr;
    return cell ? cellToolTip(*cell) : QString();
}

bool TreemapWidget::event(QEvent* event)
{
    if (event->type() == QEvent::ToolTip) {
        auto* help = static_cast<QHelpEvent*>(event);
        const Cell* cell = m_analysis ? cellAt(help->pos()) : nullptr;
        if (cell)
            QToolTip::showText(help->globalPos(), cellToolTip(*cell), this, cell->rect.toAlignedRect());
        else
            QToolTip::hideText();
        return true;
    }
    return QWidget::event(event);
}

void TreemapWidget::mousePressEvent(QMouseEvent* event)
{
    if (event->button() == Qt::RightButton) {
        goUp();
        return;
    }
    if (event->button() == Qt::LeftButton)
        m_pressPos = event->position();
    m_pressed = event->button() == Qt::LeftButton;
}

void TreemapWidget::mouseReleaseEvent(QMouseEvent* event)
{
    // Only a press-release pair on the same spot is a click: the release after a double click is not.
    const bool click
        = m_pressed && event->button() == Qt::LeftButton && (event->position() - m_pressPos).manhattanLength() < 6.0;
    m_pressed = false;
    if (!click || !m_analysis)
        return;
    if (const int crumb = breadcrumbAt(event->position()); crumb >= 0) {
        setCurrentScope(crumb);
        return;
    }
    const Cell* cell = cellAt(event->position());
    if (!cell || cell->scope < 0)
        return;
    const int scope = cell->scope;
    const bool enter = cell->kind != CellKind::Own && scope != m_current
        && !m_analysis->scopes[static_cast<std::size_t>(scope)].children.empty();
    m_selected = scope;
    emit scopeSelected(scope);
    if (enter)
        setCurrentScope(scope);
    update();
}

void TreemapWidget::mouseDoubleClickEvent(QMouseEvent* event)
{
    m_pressed = false;
    if (event->button() != Qt::LeftButton || !m_analysis)
        return;
    // The first click of the pair already drilled into scopes with children; only layer leaves activate.
    const Cell* cell = cellAt(event->position());
    if (!cell || cell->scope < 0 || cell->kind == CellKind::Group)
        return;
    const ScopeNode& node = m_analysis->scopes[static_cast<std::size_t>(cell->scope)];
    if (node.layer >= 0 && (node.children.empty() || cell->kind == CellKind::Own))
        emit layerActivated(node.layer);
}

void TreemapWidget::mouseMoveEvent(QMouseEvent* event)
{
    ensureLayout();
    const Cell* cell = cellAt(event->position());
    const int hovered = cell ? static_cast<int>(cell - m_cells.data()) : -1;
    const bool clickable = breadcrumbAt(event->position()) >= 0
        || (cell && cell->scope >= 0 && cell->kind != CellKind::Own
            && !m_analysis->scopes[static_cast<std::size_t>(cell->scope)].children.empty());
    setCursor(clickable ? Qt::PointingHandCursor : Qt::ArrowCursor);
    if (hovered != m_hovered) {
        m_hovered = hovered;
        update();
    }
}

void TreemapWidget::leaveEvent(QEvent* event)
{
    QWidget::leaveEvent(event);
    m_hovered = -1;
    update();
}

void TreemapWidget::keyPressEvent(QKeyEvent* event)
{
    if (event->key() == Qt::Key_Backspace) {
        goUp();
        return;
    }
    QWidget::keyPressEvent(event);
}

} // namespace slimscope::ui
