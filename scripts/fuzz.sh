#!/usr/bin/env bash
# Builds the libFuzzer targets (CMake preset fuzz: clang-19, ASan + UBSan), runs every reproducer kept under
# tests/fuzz/regressions/<corpus>/ once, then fuzzes each target from its seed corpus (written from the fixtures).
#   scripts/fuzz.sh 10                   the smoke ./test.sh runs: 10 s per target
#   scripts/fuzz.sh 3600 fuzz_recipe     one target for an hour
# New inputs accumulate in build-fuzz/corpus/<corpus>/; a crash leaves its input in build-fuzz/artifacts/: fix the
# cause, then keep the input under tests/fuzz/regressions/<corpus>/ so that every run replays it.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(fuzz_model fuzz_external fuzz_slim fuzz_recipe fuzz_budget fuzz_inputs)
fi

source scripts/ccache-env.sh
if [ ! -f build-fuzz/build.ninja ]; then
    cmake --preset fuzz >/dev/null
fi
cmake --build --preset fuzz
rm -rf build-fuzz/seeds
build-fuzz/bin/fuzz_seeds build-fuzz/seeds
mkdir -p build-fuzz/artifacts

# Each run's log goes to build-fuzz/logs/; its summary (or, when it fails, its end) is printed.
mkdir -p build-fuzz/logs
fuzz() {
    local log=$1
    shift
    if ! "$@" >"$log" 2>&1; then
        tail -n 80 "$log" >&2
        echo "fuzz.sh: FAILED: $* (whole log: $log)" >&2
        exit 1
    fi
}

for target in "${targets[@]}"; do
    corpus=${target#fuzz_}
    program=build-fuzz/bin/$target
    regressions=tests/fuzz/regressions/$corpus
    # libFuzzer's limits: a run over 10 s is a hang, over 2 GB of memory a runaway.
    limits=(-timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=2048 -print_funcs=0)
    mapfile -t kept < <(find "$regressions" -type f 2>/dev/null | sort)
    if [ ${#kept[@]} -gt 0 ]; then
        fuzz "build-fuzz/logs/$target-regressions.log" "$program" "${limits[@]}" "${kept[@]}"
        echo "fuzz.sh: $target: ${#kept[@]} kept reproducers pass" >&2
    fi
    seeds=build-fuzz/seeds/$corpus
    if [ "$corpus" = slim ]; then
        seeds=build-fuzz/seeds/model # slimming starts from the same models
    fi
    mkdir -p "build-fuzz/corpus/$corpus"
    dictionary=()
    if [ -f "build-fuzz/seeds/$corpus.dict" ]; then
        dictionary=(-dict="build-fuzz/seeds/$corpus.dict")
    fi
    fuzz "build-fuzz/logs/$target.log" "$program" "${limits[@]}" "${dictionary[@]}" -max_total_time="$seconds" \
        -print_final_stats=1 -artifact_prefix="build-fuzz/artifacts/$target-" \
        "build-fuzz/corpus/$corpus" "$seeds" $([ -d "$regressions" ] && echo "$regressions")
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "build-fuzz/logs/$target.log")
    corpusSize=$(find "build-fuzz/corpus/$corpus" -type f | wc -l)
    echo "fuzz.sh: $target: $runs runs in $seconds s, no failure; corpus $corpusSize inputs" >&2
done
