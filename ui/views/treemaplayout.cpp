// The treemap's geometry, apart from the widget so the algorithm is testable on plain numbers.
#include "views/treemaplayout.h"

#include <algorithm>
#include <limits>

namespace slimscope::ui {

namespace {

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

std::vector<PlacedItem> placeItems(std::vector<TreemapItem> items, const QRectF& rect, double minSide)
{
    const auto byBytes = [](const TreemapItem& x, const TreemapItem& y) {
        return x.bytes != y.bytes ? x.bytes > y.bytes : x.id < y.id;
    };
    // Each pass merges the thin tail; "other" then takes its place by size, which can make a further cell thin.
    constexpr int kMaxPasses = 6;
    for (int pass = 0;; ++pass) {
        std::sort(items.begin(), items.end(), byBytes);
        double total = 0.0;
        for (const TreemapItem& item : items)
            total += static_cast<double>(item.bytes);
        std::vector<double> areas;
        areas.reserve(items.size());
        const double area = rect.width() * rect.height();
        for (const TreemapItem& item : items)
            areas.push_back(total > 0.0 ? area * static_cast<double>(item.bytes) / total : 0.0);
        const std::vector<QRectF> rects = squarify(areas, rect);
        // Squarify places the small items last, so the first thin cell and everything after it are the tail.
        std::size_t thin = items.size();
        for (std::size_t i = 0; i < items.size() && thin == items.size(); ++i)
            if (items[i].id >= 0 && std::min(rects[i].width(), rects[i].height()) < minSide)
                thin = i;
        std::size_t tail = 0;
        for (std::size_t i = thin; i < items.size(); ++i)
            tail += items[i].id >= 0 ? 1 : 0;
        const bool hasOther = std::any_of(items.begin(), items.end(), [](const TreemapItem& i) { return i.id < 0; });
        if (tail == 0 || (tail == 1 && !hasOther) || pass == kMaxPasses) {
            std::vector<PlacedItem> placed;
            placed.reserve(items.size());
            for (std::size_t i = 0; i < items.size(); ++i)
                placed.push_back({ items[i], rects[i] });
            return placed;
        }
        TreemapItem other { -1, 0, 0 };
        std::vector<TreemapItem> kept;
        for (std::size_t i = 0; i < items.size(); ++i) {
            if (i >= thin || items[i].id < 0) {
                other.bytes += items[i].bytes;
                other.merged += items[i].id < 0 ? items[i].merged : 1;
            } else {
                kept.push_back(items[i]);
            }
        }
        kept.push_back(other);
        items = std::move(kept);
    }
}

} // namespace slimscope::ui
