#!/usr/bin/env bash
# The V8 suite: node snapshots of ~20, ~100 and ~400 MB from leak_server.js,
# loaded to dominators by refgraph (v8_load.c; also the yajl reference
# reader, --reference) and by memlab's getFullHeapFromFile (memlab_load.js),
# alternating, best of 3 wall times, with peak RSS from /usr/bin/time.
#
#   bench/v8/run.sh [BUILD_DIR] [WORK_DIR] [ROUNDS]   (defaults: build, /tmp/refgraph-v8-bench, 3)
#
# memlab is installed from npm into WORK_DIR/memlab (PUPPETEER_SKIP_DOWNLOAD=1:
# its browser is not needed to read a snapshot); nothing is written to the
# source tree. Figures go in docs/performance.md ("Round two: the V8 reader").
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
work=${2:-/tmp/refgraph-v8-bench}
rounds=${3:-3}
mkdir -p "$work"

cc -O2 -Ilibgraph/include -Ilibgraph/src -DRG_STATIC_DEFINE -D_DEFAULT_SOURCE -o "$work/v8_load" \
  bench/v8/v8_load.c "$build/libgraph/librefgraph.a" \
  $(pkg-config --libs yajl zlib libzstd libgvc libcmark-gfm) -lcmark-gfm-extensions -lm -lpthread

if [ ! -d "$work/memlab/node_modules/@memlab/heap-analysis" ]; then
  mkdir -p "$work/memlab"
  (cd "$work/memlab" && PUPPETEER_SKIP_DOWNLOAD=1 npm install --no-audit --no-fund @memlab/heap-analysis >/dev/null)
fi

# sessions -> snapshot size on node 20: 10 000 ~ 19 MB, 65 000 ~ 100 MB, 270 000 ~ 430 MB
sizes=${V8_BENCH_SESSIONS:-"10000 65000 270000"}
for n in $sizes; do
  [ -s "$work/s$n.heapsnapshot" ] ||
    node --max-old-space-size=8192 bench/v8/leak_server.js "$work/s$n.heapsnapshot" "$n" >/dev/null
done

timed() { # label file cmd...: one line "label file wall user sys maxrss_kb"
  local label=$1 file=$2; shift 2
  /usr/bin/time -f "%e %U %S %M" -o "$work/time.txt" "$@" >/dev/null 2>"$work/err.txt" ||
    { cat "$work/err.txt" >&2; return 1; }
  echo "$label $file $(cat "$work/time.txt")"
}

echo "# load before: $(uptime)"
for n in $sizes; do
  f="$work/s$n.heapsnapshot"
  for r in $(seq "$rounds"); do
    timed refgraph "$f" "$work/v8_load" "$f"
    timed memlab "$f" env NODE_PATH="$work/memlab/node_modules" node --max-old-space-size=16384 \
      bench/v8/memlab_load.js "$f"
    timed refgraph-yajl "$f" "$work/v8_load" --reference "$f"
  done
done | tee "$work/results.txt"
echo "# load after: $(uptime)"
# best of the rounds: wall, and the user+sys CPU and peak RSS of that run
awk '{k=$1" "$2; if (!(k in w) || $3 < w[k]) {w[k]=$3; c[k]=$4+$5; m[k]=$6}}
     END {for (k in w) printf "%s best wall %.2f s, cpu %.2f s, peak RSS %d MB\n", k, w[k], c[k], m[k]/1024}' \
  "$work/results.txt" | sort -k2,2 -k1,1
