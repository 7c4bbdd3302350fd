#!/bin/bash
# The graph layout figures of docs/performance.md, for each model given:
#   - the DOT text of the whole graph and of the Graph view's outline (--max-nodes 160), and dot's time on each;
#   - the GUI from start to the picture of its Graph view (analysis, grouping, layout and drawing), and the time the
#     view itself states for its layout.
# Models: bench/make_graph_models.py (transformer_1k, wide_10k) and bench/make_bench_models.py (bert_base).
#   bash bench/graph_figures.sh /tmp/bench/transformer_1k.onnx /tmp/bench/wide_10k.onnx
set -euo pipefail
cli=${CLI:-build/bin/slimscope-cli}
gui=${GUI:-build/bin/slimscope}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for model in "$@"; do
    name=$(basename "$model" .onnx)
    for nodes in 0 160; do
        "$cli" graph "$model" --max-nodes "$nodes" -o "$work/$name.dot"
        count=$(grep -cE '^ *(n|g)[0-9]+ \[label' "$work/$name.dot")
        seconds=$( { /usr/bin/time -f "%e" dot -Tplain "$work/$name.dot" -o /dev/null; } 2>&1 )
        echo "$name --max-nodes $nodes: $count nodes drawn, dot -Tplain ${seconds} s"
    done
    start=$(date +%s.%N)
    QT_QPA_PLATFORM=offscreen "$gui" "$model" --view graph --screenshot "$work/$name.png" 2>/dev/null
    end=$(date +%s.%N)
    echo "$name: GUI start to Graph view picture $(echo "$end - $start" | bc) s"
done
