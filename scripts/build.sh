#!/usr/bin/env bash
# Configures (once) and builds Slimscope into build/ with the CMake preset "release" (CMakePresets.json).
set -euo pipefail
cd "$(dirname "$0")/.."
# Let ccache reuse objects between clones in different folders (CI builds a fresh clone every time).
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
if [ ! -f build/build.ninja ]; then
    cmake --preset release
fi
cmake --build --preset release
