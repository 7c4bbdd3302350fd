#!/usr/bin/env bash
# Size, ONNX Runtime cosine and latency of every quantize format on one model (docs/performance.md, "Quantization
# depth"). Usage: bench/quantization_figures.sh MODEL [FORMAT...] (default: every format). Latency is the median
# of 20 alternating runs per model with ONNX Runtime's default threads; the inputs are random:4 unless
# SLIMSCOPE_BENCH_INPUTS names a folder.
set -euo pipefail
cd "$(dirname "$0")/.."
model=$1
shift
formats=("$@")
[ ${#formats[@]} -gt 0 ] || formats=(int8 int8-static int8-dynamic int4 fp16 bf16)
cli=build/bin/slimscope-cli
inputs=${SLIMSCOPE_BENCH_INPUTS:-random:4}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
grep -m1 -o 'avx512_vnni\|avx_vnni' /proc/cpuinfo | sort -u | tr '\n' ' ' | sed 's/^/VNNI flags: /; s/$/\n/'
printf '%-14s %12s %12s %7s %10s %10s %10s\n' format bytes_before bytes_after ratio cosine ms_before ms_after
for format in "${formats[@]}"; do
    out="$work/$format.onnx"
    if ! "$cli" slim "$model" --quantize "$format" --min-elements 0 --inputs "$inputs" -o "$out" >/dev/null 2>"$work/err"; then
        printf '%-14s failed: %s\n' "$format" "$(head -c 200 "$work/err")"
        continue
    fi
    json=$("$cli" verify "$model" "$out" --inputs "$inputs" --runs 20 --format json)
    before=$(stat -c %s "$model")
    after=$(stat -c %s "$out")
    /usr/bin/python3 - "$format" "$before" "$after" <<PY
import json, sys
v = json.loads('''$json''')["verification"]
cos = min(o["cosine"] for o in v["outputs"])
lat = v["latency_ms"]
f, b, a = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
print(f"{f:<14} {b:>12} {a:>12} {b / a:>6.2f}x {cos:>10.6f} {lat['original']:>10.2f} {lat['slimmed']:>10.2f}")
PY
done
