#!/usr/bin/env bash
# Installs what is missing (apt), builds into build/ and runs every test.
set -euo pipefail
cd "$(dirname "$0")"
scripts/install-deps.sh
# ONNX Runtime for model verification (headers from Debian 13, library from npm's onnxruntime-node).
for attempt in 1 2 3; do
    scripts/fetch-onnxruntime.sh && break
    if [ "$attempt" -eq 3 ]; then
        echo "test.sh: could not fetch ONNX Runtime; the verification tests need it" >&2
        exit 1
    fi
    sleep 5
done
scripts/check-format.sh
scripts/build.sh
# Without arguments every test but the slow benchmarks (label slow: ./test.sh -L slow runs them).
if [ $# -eq 0 ]; then
    set -- -LE slow
fi
ctest --test-dir build --output-on-failure --no-tests=error --timeout 600 "$@"
