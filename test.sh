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
# With arguments, only the main build's tests they select (./test.sh -L slow runs the slow benchmarks).
if [ $# -gt 0 ]; then
    exec ctest --test-dir build --output-on-failure --no-tests=error --timeout 600 "$@"
fi
# Every test but the slow benchmarks, then the core and CLI suites again under ASan + UBSan, then a short fuzzing
# smoke of every libFuzzer target with every kept reproducer (docs/robustness.md).
ctest --test-dir build --output-on-failure --no-tests=error --timeout 600 -LE slow
scripts/sanitize.sh
scripts/fuzz.sh 10
