#!/usr/bin/env bash
# Measures slimscope-cli analyze on a generated ~500 MB model against `cat FILE > /dev/null` (warm page cache)
# and the Python route (onnx.load + numpy). Prints best-of-N wall times, the ratios and peak RSS.
# usage: bench/run_analysis_benchmark.sh [BUILD_DIR=build] [SIZE_MB=500] [RUNS=5]
set -euo pipefail
build="${1:-build}"
size="${2:-500}"
runs="${3:-5}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
model="$work/large.onnx"
# The same binary differs by 2x between CPUs: every figure goes with the CPU that produced it.
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(nproc) cores"
echo "cpu flags: $(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -E '^(avx2|fma|f16c|avx512f|avx512bw|avx512vl)$' | tr '\n' ' ')"
echo "kernels: $("$build/bin/slimscope-cli" --version | sed -n 's/^statistics kernels: //p')"
"$build/bin/make_large_model" "$model" "$size"
bytes=$(stat -c %s "$model")
echo "model: $bytes bytes"

best() { # best wall time in seconds of a command over $runs runs
    local best=""
    for _ in $(seq "$runs"); do
        local start end elapsed
        start=$(date +%s.%N)
        "$@" > /dev/null
        end=$(date +%s.%N)
        elapsed=$(awk "BEGIN { print $end - $start }")
        if [ -z "$best" ] || awk "BEGIN { exit !($elapsed < $best) }"; then best=$elapsed; fi
    done
    echo "$best"
}

cat "$model" > /dev/null # warm the page cache
t_cat=$(best cat "$model")
t_full=$(best "$build/bin/slimscope-cli" analyze "$model" --format json)
t_nohash=$(best "$build/bin/slimscope-cli" analyze "$model" --format json --no-hash)
t_kernels=""
for kernels in generic avx2 avx512; do
    t=$(SLIMSCOPE_KERNELS=$kernels best "$build/bin/slimscope-cli" analyze "$model" --format json --no-hash)
    t_kernels+=$(printf "  %s %.3f s" "$kernels" "$t")
done
rss_kb=$(/usr/bin/time -f "%M" "$build/bin/slimscope-cli" analyze "$model" --format json 2>&1 >/dev/null | tail -1)
t_python=""
if /usr/bin/python3 -c "import onnx, numpy" 2>/dev/null; then
    t_python=$(runs=1; best /usr/bin/python3 "$(dirname "$0")/python_route.py" "$model")
fi
printf "cat:                        %.3f s\n" "$t_cat"
printf "analyze (stats+hash):       %.3f s  = %.2f x cat\n" "$t_full" "$(awk "BEGIN { print $t_full / $t_cat }")"
printf "analyze --no-hash:          %.3f s  = %.2f x cat\n" "$t_nohash" "$(awk "BEGIN { print $t_nohash / $t_cat }")"
echo "analyze --no-hash per kernel set (SLIMSCOPE_KERNELS; an unsupported set falls back to the best):$t_kernels"
printf "peak RSS:                   %d MiB (file %d MiB, limit file + 64 MiB)\n" $((rss_kb / 1024)) $((bytes / 1048576))
if [ -n "$t_python" ]; then
    printf "python onnx.load + numpy:   %.3f s  = %.1f x slower than analyze\n" "$t_python" "$(awk "BEGIN { print $t_python / $t_full }")"
fi
