#!/usr/bin/env bash
# Streaming export: int8 of a ~4.1 GB model whose weights are in 600 external files, with --external-data, must
# hold less than 256 MB of anonymous memory (tensors are read from their mappings and written one at a time), and
# the result must pass ONNX's checker. A benchmark with an assertion on memory, not on time (ctest label slow; run
# with ./test.sh -L slow). Needs ~9 GB of free disk in TMPDIR.
#   streaming_export.sh SLIMSCOPE_CLI [FILES]
set -euo pipefail
cli=$1
files=${2:-600}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
/usr/bin/python3 "$here/make_external_model.py" "$work/model" "$files" >/dev/null
mkdir "$work/out"
peak=$( { bash "$here/rssanon.sh" "$cli" slim "$work/model/big.onnx" --quantize int8 --external-data \
    -o "$work/out/int8.onnx" >/dev/null; } 2>&1 | sed -n 's/^peak RssAnon \([0-9]*\) MB$/\1/p')
echo "int8 --external-data of $(du -sh "$work/model" | cut -f1) in $files files: peak RssAnon $peak MB"
[ -n "$peak" ] && [ "$peak" -lt 256 ] || { echo "FAIL: $peak MB of anonymous memory (limit 256 MB)" >&2; exit 1; }
/usr/bin/python3 -c "import onnx, sys; onnx.checker.check_model(sys.argv[1])" "$work/out/int8.onnx"
echo "the output passes onnx.checker"
