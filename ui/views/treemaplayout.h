#pragma once

#include <QRectF>

#include <cstdint>
#include <vector>

namespace slimscope::ui {

/// Squarified treemap layout (Bruls, Huizing, van Wijk 2000): `areas` sorted largest first, their sum equal to
/// the area of `rect`. Returns one rectangle per area, in the same order, tiling `rect` without overlaps.
std::vector<QRectF> squarify(const std::vector<double>& areas, const QRectF& rect);

/// One cell to place: an id (a scope index for the treemap) and its weight.
struct TreemapItem {
    int id = -1; ///< -1 for the merged "other" cell
    std::uint64_t bytes = 0;
    int merged = 0; ///< items inside the "other" cell
};

struct PlacedItem {
    TreemapItem item;
    QRectF rect;
};

/// Squarifies `items` (any order, bytes > 0) into `rect` with areas proportional to bytes. Items whose cells would
/// be thinner than `minSide` are merged into one "other" item (id -1) that takes their combined area; a single
/// thin item stays itself, since calling it "other" would only hide its name.
std::vector<PlacedItem> placeItems(std::vector<TreemapItem> items, const QRectF& rect, double minSide);

} // namespace slimscope::ui
