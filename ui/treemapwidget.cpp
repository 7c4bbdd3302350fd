// The treemap answers "where do the bytes go" at a glance. The layout is squarified (near-square cells compare
// by area far better than slice-and-dice strips) and cached: painting and hovering only read it, so a large
// model stays smooth; it is rebuilt on resize, drill, font or analysis change only.
#include "treemapwidget.h"

#include "support/format.h"

#include <QHelpEvent>
#include <QKeyEvent>
#include <QLinearGradient>
#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>

#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_map>

namespace slimscope::ui {

using namespace core::analysis;

namespace {

// Cells thinner than this can be neither seen nor hit; they are merged into one "other" cell.
constexpr double kMinCellSide = 3.0;
constexpr double kGroupPad = 2.0;
constexpr int kMaxMergePasses = 6;

QString q(const std::string& text)
{
    return QString::fromStdString(text);
}

double worstRatio(const std::vector<double>& areas, std::size_t first, std::size_t last, double sum, double side)
{
    // Rows hold areas sorted largest first, so the extremes are the row's ends (Bruls et al., eq. 1).
    const double smallest = areas[last - 1];
    if (sum <= 0.0 || side <= 0.0 || smallest <= 0.0)
        return std::numeric_limits<double>::infinity();
    const double side2 = side * side;
    const double sum2 = sum * sum;
    return std::max(side2 * areas[first] / sum2, sum2 / (side2 * smallest));
}

/// Relative luminance (WCAG 2) of an sRGB colour.
double luminance(const QColor& colour)
{
    const auto channel = [](double c) { return c <= 0.04045 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4); };
    return 0.2126 * channel(colour.redF()) + 0.7152 * channel(colour.greenF()) + 0.0722 * channel(colour.blueF());
}

/// Black or white, whichever contrasts more with `fill`.
QColor textOn(const QColor& fill)
{
    const double l = luminance(fill);
    return (l + 0.05) / 0.05 > 1.05 / (l + 0.05) ? QColor(0x1a, 0x1a, 0x1a) : QColor(Qt::white);
}

QColor mix(const QColor& a, const QColor& b, double t)
{
    t = std::clamp(t, 0.0, 1.0);
    return QColor::fromRgbF(static_cast<float>(a.redF() + (b.redF() - a.redF()) * t),
        static_cast<float>(a.greenF() + (b.greenF() - a.greenF()) * t),
        static_cast<float>(a.blueF() + (b.blueF() - a.blueF()) * t));
}

// A stable palette: the same dtype has the same colour in every model and in the charts' legend.
const QColor kOtherDtype(0x8c, 0x8c, 0x8c);

QColor dtypeColour(const std::string& dtype)
{
    static const std::unordered_map<std::string, QColor> colours = {
        { "float32", QColor(0x4e, 0x79, 0xa7) },
        { "float16", QColor(0x2a, 0x9d, 0x8f) },
        { "bfloat16", QColor(0x59, 0xa1, 0x4f) },
        { "float64", QColor(0xe1, 0x57, 0x59) },
        { "int8", QColor(0xf2, 0x8e, 0x2b) },
        { "uint8", QColor(0xed, 0xc9, 0x48) },
        { "int4", QColor(0xb0, 0x7a, 0xa1) },
        { "uint4", QColor(0xd3, 0x9e, 0xc4) },
        { "int32", QColor(0x9c, 0x75, 0x5f) },
        { "int64", QColor(0x7f, 0x5a, 0x45) },
    };
    const auto found = colours.find(dtype);
    return found == colours.end() ? kOtherDtype : found->second;
}

/// The scope path scopetree.cpp gives a name: parts split on '/' and '.', joined with '/'.
std::string scopePath(const std::string& graph, const std::string& name)
{
    std::string path;
    std::string part;
    const auto flush = [&] {
        if (!part.empty())
            path += (path.empty() ? "" : "/") + part;
        part.clear();
    };
    const auto append = [&](const std::string& text, bool nameLevel) {
        const std::size_t before = path.size();
        for (const char c : text) {
            if (c == '/' || c == '.')
                flush();
            else
                part.push_back(c);
        }
        flush();
        if (nameLevel && path.size() == before)
            path += (path.empty() ? "" : "/") + (text.empty() ? std::string("(unnamed)") : text);
    };
    if (graph != "main" && graph.size() > 5)
        append(graph.substr(5), false);
    append(name, true);
    return path;
}

} // namespace

std::vector<QRectF> squarify(const std::vector<double>& areas, const QRectF& rect)
{
    std::vector<QRectF> out(areas.size(), QRectF(rect.topLeft(), QSizeF(0, 0)));
    // Suffix sums: each row takes its share of what is left, so the last row ends exactly at the far edge
    // even when the areas do not add up to the rectangle to the last bit.
    std::vector<double> rest(areas.size() + 1, 0.0);
    for (std::size_t i = areas.size(); i-- > 0;)
        rest[i] = rest[i + 1] + std::max(areas[i], 0.0);
    QRectF free = rect;
    std::size_t first = 0;
    while (first < areas.size()) {
        const bool wide = free.width() >= free.height();
        const double side = wide ? free.height() : free.width();
        std::size_t last = first + 1;
        double sum = std::max(areas[first], 0.0);
        double worst = worstRatio(areas, first, last, sum, side);
        while (last < areas.size()) {
            const double grown = worstRatio(areas, first, last + 1, sum + areas[last], side);
            if (grown > worst)
                break;
            sum += areas[last];
            worst = grown;
            ++last;
        }
        const bool lastRow = last == areas.size();
        const double share = rest[first] > 0.0 ? sum / rest[first] : 1.0;
        // The row runs along the shorter side: a column on the left of a wide rectangle, a row on top of a tall one.
        const double thickness
            = lastRow ? (wide ? free.width() : free.height()) : (wide ? free.width() : free.height()) * share;
        double along = wide ? free.top() : free.left();
        for (std::size_t i = first; i < last; ++i) {
            const double end = wide ? free.bottom() : free.right();
            const double length = i + 1 == last ? end - along : side * (sum > 0.0 ? areas[i] / sum : 0.0);
            out[i]
                = wide ? QRectF(free.left(), along, thickness, length) : QRectF(along, free.top(), length, thickness);
            along += length;
        }
        if (wide)
            free.setLeft(free.left() + thickness);
        else
            free.setTop(free.top() + thickness);
        first = last;
    }
    return out;
}

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
    // Place every tensor where the scope tree placed its bytes: under its first consumer's layer, else its name.
    std::unordered_map<std::string, int> layerByName;
    for (int i = 0; i < static_cast<int>(a.layers.size()); ++i)
        layerByName.emplace(a.layers[static_cast<std::size_t>(i)].name, i);
    std::vector<int> scopeOfLayer(a.layers.size(), -1);
    std::unordered_map<std::string, int> scopeByPath;
    for (int s = 0; s < static_cast<int>(a.scopes.size()); ++s) {
        const ScopeNode& node = a.scopes[static_cast<std::size_t>(s)];
        if (node.layer >= 0 && node.layer < static_cast<int>(scopeOfLayer.size()))
            scopeOfLayer[static_cast<std::size_t>(node.layer)] = s;
        if (s > 0)
            scopeByPath.emplace(node.path, s);
    }
    for (const TensorStats& tensor : a.tensors) {
        int layer = -1;
        if (!tensor.consumers.empty())
            if (const auto found = layerByName.find(tensor.consumers.front()); found != layerByName.end())
                layer = found->second;
        int scope = layer >= 0 ? scopeOfLayer[static_cast<std::size_t>(layer)] : -1;
        if (scope < 0) {
            const auto& name = layer >= 0 ? a.layers[static_cast<std::size_t>(layer)].name : tensor.name;
            const auto found = scopeByPath.find(scopePath(tensor.graph, name));
            scope = found == scopeByPath.end() ? 0 : found->second;
        }
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

std::vector<std::pair<TreemapWidget::Item, QRectF>> TreemapWidget::placeItems(
    std::vector<Item> items, const QRectF& rect) const
{
    const auto byBytes
        = [](const Item& x, const Item& y) { return x.bytes != y.bytes ? x.bytes > y.bytes : x.scope < y.scope; };
    for (int pass = 0;; ++pass) {
        std::sort(items.begin(), items.end(), byBytes);
        double total = 0.0;
        for (const Item& item : items)
            total += static_cast<double>(item.bytes);
        std::vector<double> areas;
        areas.reserve(items.size());
        const double area = rect.width() * rect.height();
        for (const Item& item : items)
            areas.push_back(total > 0.0 ? area * static_cast<double>(item.bytes) / total : 0.0);
        const std::vector<QRectF> rects = squarify(areas, rect);
        // Squarify places the small items last, so the first thin cell and everything after it are the tail.
        std::size_t thin = items.size();
        for (std::size_t i = 0; i < items.size(); ++i)
            if (items[i].kind != CellKind::Other && std::min(rects[i].width(), rects[i].height()) < kMinCellSide) {
                thin = i;
                break;
            }
        std::size_t tail = 0;
        for (std::size_t i = thin; i < items.size(); ++i)
            tail += items[i].kind == CellKind::Other ? 0 : 1;
        // One thin cell alone would only be renamed "other"; keep it as itself.
        const bool hasOther
            = std::any_of(items.begin(), items.end(), [](const Item& i) { return i.kind == CellKind::Other; });
        if (tail == 0 || (tail == 1 && !hasOther) || pass == kMaxMergePasses) {
            std::vector<std::pair<Item, QRectF>> placed;
            placed.reserve(items.size());
            for (std::size_t i = 0; i < items.size(); ++i)
                placed.emplace_back(items[i], rects[i]);
            return placed;
        }
        Item other { -1, 0, CellKind::Other, 0 };
        std::vector<Item> kept;
        for (std::size_t i = 0; i < items.size(); ++i) {
            if (i >= thin || items[i].kind == CellKind::Other) {
                other.bytes += items[i].bytes;
                other.mergedCount += items[i].kind == CellKind::Other ? items[i].mergedCount : 1;
            } else {
                kept.push_back(items[i]);
            }
        }
        kept.push_back(other);
        items = std::move(kept);
    }
}

void TreemapWidget::layoutLevel(int parent, const QRectF& rect, int depth) const
{
    const auto& scopes = m_analysis->scopes;
    const ScopeNode& node = scopes[static_cast<std::size_t>(parent)];
    std::vector<Item> items;
    std::uint64_t childBytes = 0;
    for (const int child : node.children) {
        const std::uint64_t bytes = scopes[static_cast<std::size_t>(child)].bytes;
        childBytes += bytes;
        if (bytes > 0)
            items.push_back({ child, bytes, CellKind::Leaf, 0 });
    }
    // A layer whose name is also a prefix of other names holds bytes of its own beside its children.
    if (node.bytes > childBytes)
        items.push_back({ parent, node.bytes - childBytes, CellKind::Own, 0 });
    for (const auto& [item, cellRect] : placeItems(std::move(items), rect)) {
        Cell cell;
        cell.rect = cellRect;
        cell.scope = item.scope;
        cell.depth = depth;
        cell.kind = item.kind;
        cell.bytes = item.bytes;
        cell.mergedCount = item.mergedCount;
        if (cell.kind == CellKind::Leaf && depth == 1 && !scopes[static_cast<std::size_t>(cell.scope)].children.empty())
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
    if (!info.dtype.empty())
        lines.append(tr("Largest tensor: %1").arg(q(info.dtype).toHtmlEscaped()));
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

bool TreemapWidget::darkPalette() const
{
    return luminance(palette().color(QPalette::Window)) < 0.3;
}

QColor TreemapWidget::sparsityColour(double sparsity) const
{
    // Neutral at 0 % (close to the window colour, so dense weights recede), a strong magenta at 100 %.
    const QColor neutral = darkPalette() ? QColor(0x4a, 0x4f, 0x57) : QColor(0xdd, 0xe1, 0xe6);
    return mix(neutral, QColor(0xc2, 0x18, 0x5b), sparsity);
}

QColor TreemapWidget::fillFor(const Cell& cell) const
{
    if (cell.kind == CellKind::Other)
        return mix(palette().color(QPalette::Window), palette().color(QPalette::WindowText), 0.25);
    const ScopeInfo& info = m_info[static_cast<std::size_t>(cell.scope)];
    if (m_colourMode == ColourMode::Sparsity)
        return sparsityColour(
            info.elements > 0 ? static_cast<double>(info.zeros) / static_cast<double>(info.elements) : 0.0);
    return dtypeColour(info.dtype);
}

void TreemapWidget::paintCell(QPainter& painter, const Cell& cell) const
{
    const QFontMetricsF fm(font());
    const QRectF box = cell.rect.adjusted(0.5, 0.5, -0.5, -0.5); // a 1 px gap shows the background between cells
    const QString name = cell.kind == CellKind::Other
        ? tr("other (%1)").arg(cell.mergedCount)
        : q(m_analysis->scopes[static_cast<std::size_t>(cell.scope)].name);
    const QString size = q(core::humanBytes(cell.bytes));
    if (cell.kind == CellKind::Group) {
        const QColor frame = mix(palette().color(QPalette::Window), palette().color(QPalette::WindowText), 0.14);
        painter.fillRect(box, frame);
        const QRectF header(box.left() + 4, box.top(), box.width() - 8, fm.height() + 3);
        painter.setPen(textOn(frame));
        const QString text = fm.elidedText(name + QStringLiteral("  ") + size, Qt::ElideRight, header.width());
        painter.drawText(header, Qt::AlignLeft | Qt::AlignVCenter, text);
        return;
    }
    const QColor fill = fillFor(cell);
    painter.fillRect(box, fill);
    if (cell.kind == CellKind::Other)
        painter.fillRect(box, QBrush(mix(fill, textOn(fill), 0.35), Qt::BDiagPattern));
    if (box.width() < 24 || box.height() < fm.height() + 2)
        return;
    painter.setPen(textOn(fill));
    const QRectF text = box.adjusted(3, 1, -3, -1);
    painter.drawText(text, Qt::AlignLeft | Qt::AlignTop, fm.elidedText(name, Qt::ElideRight, text.width()));
    if (box.height() >= 2 * fm.height() + 4)
        painter.drawText(text.adjusted(0, fm.height(), 0, 0), Qt::AlignLeft | Qt::AlignTop,
            fm.elidedText(size, Qt::ElideRight, text.width()));
}

void TreemapWidget::paintBreadcrumb(QPainter& painter) const
{
    const QRectF bar = breadcrumbArea();
    const QFontMetricsF fm(font());
    const QString separator = QStringLiteral(" \u203a ");
    for (int i = 0; i < m_crumbs.size(); ++i) {
        const auto& [rect, scope] = m_crumbs[i];
        const bool last = i + 1 == m_crumbs.size();
        // Segments above the current scope look like links: they are where a click goes back to.
        painter.setPen(palette().color(last ? QPalette::WindowText : QPalette::Link));
        painter.drawText(
            rect, Qt::AlignLeft | Qt::AlignVCenter, q(m_analysis->scopes[static_cast<std::size_t>(scope)].name));
        if (!last)
            painter.drawText(QRectF(rect.right(), bar.top(), fm.horizontalAdvance(separator), bar.height()),
                Qt::AlignLeft | Qt::AlignVCenter, separator);
    }
    const ScopeNode& node = m_analysis->scopes[static_cast<std::size_t>(m_current)];
    const double total = static_cast<double>(m_analysis->scopes.front().bytes);
    const QString summary = tr("%1 \u00b7 %2 of the model")
                                .arg(q(core::humanBytes(node.bytes)),
                                    q(core::humanPercent(total > 0 ? static_cast<double>(node.bytes) / total : 0.0)));
    const double left = m_crumbs.isEmpty() ? 0.0 : m_crumbs.back().first.right() + 16.0;
    const QRectF right(left, bar.top(), bar.right() - 8.0 - left, bar.height());
    if (fm.horizontalAdvance(summary) <= right.width()) {
        painter.setPen(palette().color(QPalette::PlaceholderText));
        painter.drawText(right, Qt::AlignRight | Qt::AlignVCenter, summary);
    }
}

void TreemapWidget::paintLegend(QPainter& painter) const
{
    const QRectF strip = legendArea();
    const QFontMetricsF fm(font());
    const double swatch = fm.height() * 0.75;
    const double midY = strip.center().y();
    double x = 8.0;
    painter.setPen(palette().color(QPalette::WindowText));
    if (m_colourMode == ColourMode::Dtype) {
        // The dtypes of this model, largest first; those without a colour of their own share one entry.
        std::vector<std::string> names;
        bool others = false;
        for (const DtypeTotal& total : m_analysis->byDtype) {
            if (dtypeColour(total.dtype) == kOtherDtype)
                others = true;
            else
                names.push_back(total.dtype);
        }
        QVector<QPair<QColor, QString>> entries;
        for (const auto& name : names)
            entries.append({ dtypeColour(name), q(name) });
        if (others)
            entries.append({ kOtherDtype, tr("other types") });
        for (const auto& [colour, label] : entries) {
            painter.fillRect(QRectF(x, midY - swatch / 2, swatch, swatch), colour);
            x += swatch + 4;
            painter.drawText(QRectF(x, strip.top(), fm.horizontalAdvance(label) + 1, strip.height()),
                Qt::AlignLeft | Qt::AlignVCenter, label);
            x += fm.horizontalAdvance(label) + 14;
        }
    } else {
        const QString title = tr("Sparsity");
        painter.drawText(QRectF(x, strip.top(), fm.horizontalAdvance(title) + 1, strip.height()),
            Qt::AlignLeft | Qt::AlignVCenter, title);
        x += fm.horizontalAdvance(title) + 8;
        const QString zero = QStringLiteral("0 %");
        painter.drawText(QRectF(x, strip.top(), fm.horizontalAdvance(zero) + 1, strip.height()),
            Qt::AlignLeft | Qt::AlignVCenter, zero);
        x += fm.horizontalAdvance(zero) + 4;
        const QRectF bar(x, midY - swatch / 2, 160, swatch);
        QLinearGradient gradient(bar.topLeft(), bar.topRight());
        for (int i = 0; i <= 4; ++i)
            gradient.setColorAt(i / 4.0, sparsityColour(i / 4.0));
        painter.fillRect(bar, gradient);
        x = bar.right() + 4;
        const QString full = QStringLiteral("100 %");
        painter.drawText(QRectF(x, strip.top(), fm.horizontalAdvance(full) + 1, strip.height()),
            Qt::AlignLeft | Qt::AlignVCenter, full);
        x += fm.horizontalAdvance(full) + 14;
    }
    const QString hint = tr("Click: open \u00b7 Right-click or Backspace: up \u00b7 Double-click: show layer");
    if (x + fm.horizontalAdvance(hint) + 8 <= strip.right()) {
        painter.setPen(palette().color(QPalette::PlaceholderText));
        painter.drawText(strip.adjusted(0, 0, -8, 0), Qt::AlignRight | Qt::AlignVCenter, hint);
    }
}

void TreemapWidget::paintEvent(QPaintEvent*)
{
    ensureLayout();
    QPainter painter(this);
    painter.fillRect(rect(), palette().color(QPalette::Window));
    if (!m_analysis || m_analysis->scopes.empty() || m_analysis->scopes.front().bytes == 0) {
        painter.setPen(palette().color(QPalette::PlaceholderText));
        painter.drawText(rect(), Qt::AlignCenter,
            m_analysis ? tr("This model stores no weights.") : tr("Open a model to see where its bytes go."));
        return;
    }
    paintBreadcrumb(painter);
    for (const Cell& cell : m_cells)
        paintCell(painter, cell);
    const auto outline = [&](int cellIndex, double width) {
        const QRectF r = m_cells[static_cast<std::size_t>(cellIndex)].rect;
        painter.setPen(QPen(palette().color(QPalette::Highlight), width));
        painter.setBrush(Qt::NoBrush);
        painter.drawRect(r.adjusted(width / 2, width / 2, -width / 2, -width / 2));
    };
    for (int i = 0; i < static_cast<int>(m_cells.size()); ++i)
        if (m_selected >= 0 && m_cells[static_cast<std::size_t>(i)].scope == m_selected
            && m_cells[static_cast<std::size_t>(i)].kind != CellKind::Own)
            outline(i, 2.0);
    if (m_hovered >= 0)
        outline(m_hovered, 1.0);
    paintLegend(painter);
}

} // namespace slimscope::ui
