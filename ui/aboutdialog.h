#pragma once

// Help > About Slimscope: the version, the licence and the versions of the libraries the program runs with.

#include "runtime/versions.h"

#include <vector>

class QWidget;

namespace slimscope::ui {

/// The core's libraries (ONNX, protobuf, ONNX Runtime), then Qt (the library loaded now) and QCustomPlot.
std::vector<core::LibraryVersion> libraryVersions();

void showAboutDialog(QWidget* parent);

} // namespace slimscope::ui
