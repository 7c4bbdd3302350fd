#!/usr/bin/env bash
# Runs clang-tidy 19 (.clang-tidy) over Slimscope's own sources using build/compile_commands.json.
# usage: scripts/clang-tidy.sh [FILE...]   (default: every .cpp under core/, ui/ and app/)
set -euo pipefail
cd "$(dirname "$0")/.."
TIDY=clang-tidy-19
if ! command -v "$TIDY" >/dev/null 2>&1; then
    echo "clang-tidy.sh: needs $TIDY (apt install clang-tidy-19)" >&2
    exit 1
fi
if [ ! -f build/compile_commands.json ]; then
    scripts/build.sh
fi
if [ $# -gt 0 ]; then
    files=("$@")
else
    mapfile -t files < <(git ls-files 'core/*.cpp' 'ui/*.cpp' 'app/*.cpp')
fi
# Qt's moc output and the AVX2/F16C kernels compile with flags clang accepts; nothing needs skipping.
status=0
for file in "${files[@]}"; do
    "$TIDY" -p build --quiet "$file" 2>/dev/null || status=1
done
exit $status
