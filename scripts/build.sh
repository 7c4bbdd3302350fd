#!/usr/bin/env bash
# Configures (once) and builds Slimscope into build/ with the CMake preset "release" (CMakePresets.json).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/ccache-env.sh
if [ ! -f build/build.ninja ]; then
    cmake --preset release
fi
cmake --build --preset release
