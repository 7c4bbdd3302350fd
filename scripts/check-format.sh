#!/usr/bin/env bash
# Fails when a tracked C++ file differs from what clang-format 14 (Debian 12's) makes of it; --fix formats them.
set -euo pipefail
cd "$(dirname "$0")/.."
FORMAT=clang-format-14
command -v "$FORMAT" >/dev/null 2>&1 || FORMAT=clang-format
if ! "$FORMAT" --version | grep -q "version 14\."; then
    echo "check-format: needs clang-format 14 (Debian 12's clang-format), found: $("$FORMAT" --version)" >&2
    exit 1
fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT
mapfile -t files < <(git ls-files '*.cpp' '*.h')
if [ "${1:-}" = "--fix" ]; then
    "$FORMAT" -i "${files[@]}"
    exit 0
fi
if ! "$FORMAT" --dry-run --Werror "${files[@]}" 2>"$log"; then
    grep -E "^[^ ].*error:" "$log" | cut -d: -f1 | sort -u | sed 's/^/needs formatting: /' >&2
    echo "check-format: run scripts/check-format.sh --fix" >&2
    exit 1
fi
