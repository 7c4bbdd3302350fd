#!/usr/bin/env bash
# Builds the core, the CLI and their tests with AddressSanitizer + UndefinedBehaviorSanitizer (CMake preset asan:
# g++, Debug, no GUI) and runs the core and CLI suites under them. Every sanitizer report aborts the program that
# made it (-fno-sanitize-recover=all, abort_on_error), so any report fails its test. Arguments go to ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/ccache-env.sh
if [ ! -f build-asan/build.ninja ]; then
    cmake --preset asan >/dev/null
fi
cmake --build --preset asan
# ONNX Runtime (Microsoft's build, not instrumented) keeps a few allocations for the life of the process.
export LSAN_OPTIONS="suppressions=$PWD/tests/sanitizers/lsan.supp:print_suppressions=0"
export ASAN_OPTIONS="abort_on_error=1:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
ctest --test-dir build-asan -L "core|cli" --output-on-failure --no-tests=error --timeout 900 "$@"
