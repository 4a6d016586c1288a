#!/usr/bin/env bash
# Leak-suspect analyses on a generated heap: dominators + retention groups (the
# issue's target: 10 M objects / 30 M edges under 10 s on one core), then
# cycles, outside references and ranking, each timed alone.
#
#   bench/suspects_bench.sh [OBJECTS] [BUILD_DIR]     (defaults: 10000000, build)
#
# Figures go in docs/performance.md under "## Suspects".
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-10000000}
build=${2:-build}
out=${TMPDIR:-/tmp}/refgraph-suspects-bench
mkdir -p "$out"
cc -O2 -o "$out/gen_snapshot" bench/gen_snapshot.c
cc -O2 -Ilibgraph/include -DRG_STATIC_DEFINE -o "$out/suspects_bench" bench/suspects_bench.c \
  "$build/libgraph/librefgraph.a" \
  $(pkg-config --libs yajl zlib libzstd libgvc libcmark-gfm) -lcmark-gfm-extensions -lm -lpthread
snap="$out/gen-$n.jsonl"
[ -s "$snap" ] || "$out/gen_snapshot" --objects "$n" --answer "$out/gen-$n.answer" > "$snap"
echo "== planted leak"; cat "$out/gen-$n.answer" 2>/dev/null || true
echo "== suspects_bench $snap (taskset: one core)"
if command -v taskset >/dev/null; then taskset -c 0 "$out/suspects_bench" "$snap" 3; else "$out/suspects_bench" "$snap" 3; fi
