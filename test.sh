#!/usr/bin/env bash
# Installs what is missing (apt), builds into build/ and runs every test.
set -euo pipefail
cd "$(dirname "$0")"
scripts/install-deps.sh
# ONNX Runtime for model verification (headers from Debian 13, library from npm's onnxruntime-node).
scripts/fetch-onnxruntime.sh
scripts/build.sh
ctest --test-dir build --output-on-failure --timeout 600 "$@"
