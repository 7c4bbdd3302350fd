#pragma once

#include <QString>

namespace slimscope::ui {

/// Path of the bundled sample model: next to the build tree's executables, or in the installed share folder.
/// Empty when neither exists.
QString sampleModelPath();

} // namespace slimscope::ui
