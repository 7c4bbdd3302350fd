#!/usr/bin/env bash
# Runs the same slim recipes with two builds of slimscope-cli and reports every output that differs, byte for
# byte. For refactorings that must not change what is written:
#   scripts/compare-outputs.sh OLD/slimscope-cli NEW/slimscope-cli [MODEL...]
# (default models: ../shared/models/*.onnx).
set -euo pipefail
old=$1
new=$2
shift 2
models=("$@")
if [ ${#models[@]} -eq 0 ]; then
    models=("$(dirname "$0")"/../../shared/models/*.onnx)
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat >"$work/recipe.json" <<'RECIPE'
{"schema": "slimscope.recipe/1", "steps": [
 {"kind": "cleanup"},
 {"kind": "prune", "sparsity": 0.6, "mode": "global", "scope": {"exclude": ["classifier"], "min_elements": 500}},
 {"kind": "quantize", "type": "int8", "per_channel": false, "symmetric": false, "scope": {"op_types": ["Conv"]}},
 {"kind": "quantize", "type": "fp16"},
 {"kind": "sparse_storage", "policy": "auto"}]}
RECIPE
recipes=(
    "--cleanup" "--prune 0.5" "--prune 0.5 --prune-mode global" "--quantize int8" "--quantize int8-per-tensor"
    "--quantize int8-asymmetric" "--quantize fp16" "--sparse-storage always"
    "--cleanup --prune 0.7 --quantize int8 --sparse-storage auto" "--recipe $work/recipe.json"
    "--quantize fp16 --external-data"
)
differ=0
runs=0
for model in "${models[@]}"; do
    for flags in "${recipes[@]}"; do
        for side in old new; do
            mkdir -p "$work/$side"
            cli=$old
            [ "$side" = new ] && cli=$new
            # shellcheck disable=SC2086 # the flags are words
            "$cli" slim "$model" -o "$work/$side/out.onnx" $flags >/dev/null 2>"$work/$side/err" || true
        done
        runs=$((runs + 1))
        for file in out.onnx out.onnx.data; do
            if [ -e "$work/old/$file" ] || [ -e "$work/new/$file" ]; then
                if ! cmp -s "$work/old/$file" "$work/new/$file"; then
                    echo "differs: $(basename "$model") $flags ($file)"
                    differ=$((differ + 1))
                fi
            fi
        done
        rm -f "$work"/old/out.onnx* "$work"/new/out.onnx*
    done
done
echo "$runs runs, $differ outputs differ"
[ "$differ" -eq 0 ]
