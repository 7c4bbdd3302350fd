#!/usr/bin/env bash
# Installs what is missing (apt), builds, and opens MODEL (default: the bundled sample model) in the
# Slimscope window. Without a display it prints the CLI analysis of the model instead.
set -euo pipefail
cd "$(dirname "$0")"
scripts/install-deps.sh
scripts/fetch-onnxruntime.sh
scripts/build.sh
model="${1:-build/resources/slimscope-sample.onnx}"
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
    echo "slimscope: no display (\$DISPLAY and \$WAYLAND_DISPLAY are unset); printing the analysis instead" >&2
    exec build/bin/slimscope-cli analyze "$model"
fi
exec build/bin/slimscope "$model"
