#!/usr/bin/env bash
# The benchmark suite in one command: build refgraph (RelWithDebInfo), the
# snapshot generator and the in-process query timer, generate seeded
# synthetic snapshots of 10^5 .. 10^7 objects, and measure loading, the index
# cache, queries, compressed input, the Python json floor and the peers
# (objgraph on ../shared/cases). Results: bench/results/*.json. Then
# bench/render.py writes the tables and plots of docs/performance.md.
#
#   bench/run.sh [--quick]          # --quick: up to 10^6 objects, no deepleak
#
# Environment: REFGRAPH=/path/to/refgraph to measure an existing build
# (its build directory must hold libgraph/librefgraph.a); BENCH_DATA=DIR for
# the snapshots (default /tmp/refgraph-bench, about 4 GB at full size).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
rg_install_deps zstd gzip gnuplot-nox   # bench-only extras: compressors and the plots

build=${BENCH_BUILD:-build-bench}
if [ -z "${REFGRAPH:-}" ]; then
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DREFGRAPH_BUILD_TESTS=OFF >/dev/null
  cmake --build "$build" -j"$(nproc)" >/dev/null
  REFGRAPH=$build/tools/refgraph
else
  build=$(cd "$(dirname "$REFGRAPH")/.." && pwd)
fi
data=${BENCH_DATA:-/tmp/refgraph-bench}
mkdir -p "$data"
cc -O2 -o "$data/gen_snapshot" bench/gen_snapshot.c
# shellcheck disable=SC2046
cc -O2 -Ilibgraph/include -DRG_STATIC_DEFINE -o "$data/query_bench" bench/query_bench.c \
  "$build/libgraph/librefgraph.a" $(pkg-config --libs yajl zlib libzstd libgvc libcgraph libcmark-gfm) \
  -lcmark-gfm-extensions -lm -lpthread

python3 bench/bench.py --refgraph "$REFGRAPH" --gen "$data/gen_snapshot" \
  --query-bench "$data/query_bench" --data "$data" "$@"

# The other engineers' benchmarks (their sections of docs/performance.md),
# in the same run; their raw output goes beside the JSON results.
if [ "${1:-}" != "--quick" ]; then
  if [ -f bench/deepleak_bench.sh ]; then
    echo "== bench/deepleak_bench.sh"
    sh bench/deepleak_bench.sh "$build" 1000 | tee bench/results/deepleak_bench.txt
  fi
  if [ -f bench/suspects_bench.sh ]; then
    echo "== bench/suspects_bench.sh"
    bash bench/suspects_bench.sh 10000000 "$build" | tee bench/results/suspects_bench.txt
  fi
  if [ -f bench/dump_bench.py ]; then
    echo "== bench/dump_bench.py"
    python3 bench/dump_bench.py --objgraph | tee bench/results/dump_bench.txt
  fi
fi
python3 bench/render.py
