#!/usr/bin/env bash
# Installs what is missing (apt), builds into build/ and runs every test.
set -euo pipefail
cd "$(dirname "$0")"
scripts/install-deps.sh
scripts/build.sh
ctest --test-dir build --output-on-failure --timeout 600 "$@"
