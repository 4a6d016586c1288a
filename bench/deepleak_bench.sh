#!/bin/sh
# deepleak_bench.sh: objgraph's find_backref_chain against refgraph on the
# deep-chain case, in one run, and the render time of a 200-node diagram.
#
#   bench/deepleak_bench.sh [BUILD_DIR] [DEPTH]      (defaults: build, 1000)
#
# The case is /work/shared/cases/deepleak.py (a Payload at the end of a
# DEPTH-node __slots__ chain among 500,000 unrelated lists). Both tools run
# under /usr/bin/python3, which has objgraph (Debian's python3-objgraph).
#   objgraph end to end:  python3 deepleak.py DEPTH objgraph (build + query)
#   objgraph query:       the find_backref_chain time it prints
#   refgraph end to end:  refgraph_dump --at-exit -- deepleak.py DEPTH (build +
#                         dump), then `refgraph chain SNAP --type Payload`
#                         (load + query), no index cache
#   refgraph query:       shortest paths from all roots + pick the typical
#                         Payload + walk its chain, on the loaded graph
#                         (bench/chain_query_bench.c, median of 5)
#   refgraph cached:      the same query after a re-open from the index
#                         cache, which stores the default path forest:
#                         first open (parse + forest + write), re-open
#                         (map + verify), query (no BFS)
# Prints one line per measurement and the two ratios. Compare ratios, not
# absolute times: the machine's load moves both sides alike.
set -eu
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$SRC/build}
DEPTH=${2:-1000}
PY=/usr/bin/python3
CASE=${DEEPLEAK:-/work/shared/cases/deepleak.py}
REFGRAPH=$BUILD/tools/refgraph
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM

for f in "$REFGRAPH" "$BUILD/libgraph/librefgraph.a" "$CASE"; do
    [ -e "$f" ] || { echo "deepleak_bench: missing $f (build first?)" >&2; exit 2; }
done
$PY -c 'import objgraph' 2>/dev/null || { echo "deepleak_bench: objgraph is not installed for $PY" >&2; exit 2; }

cc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -DRG_STATIC_DEFINE -I"$SRC/libgraph/include" \
    "$SRC/bench/chain_query_bench.c" "$BUILD/libgraph/librefgraph.a" \
    $(pkg-config --libs yajl zlib libzstd libgvc libcgraph libcmark-gfm) -lcmark-gfm-extensions -lm -lpthread \
    -o "$TMP/chain_query_bench"

now() { date +%s.%N; }
elapsed() { echo "$2 - $1" | bc -l; }

echo "# deepleak_bench: depth $DEPTH, $(nproc) cpus, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ)"

t0=$(now)
$PY "$CASE" "$DEPTH" > /dev/null
t1=$(now)
echo "program   alone ${DEPTH}: $(elapsed "$t0" "$t1") s (building the heap; part of both end-to-end times)"

t0=$(now)
$PY "$CASE" "$DEPTH" objgraph > "$TMP/objgraph.out"
t1=$(now)
og_total=$(elapsed "$t0" "$t1")
og_query=$(sed -n 's/.*find_backref_chain \([0-9.]*\)s.*/\1/p' "$TMP/objgraph.out")
og_len=$(sed -n 's/^chain length \([0-9]*\).*/\1/p' "$TMP/objgraph.out")
echo "objgraph  end-to-end ${og_total} s   find_backref_chain ${og_query} s   chain length ${og_len}"

t0=$(now)
PYTHONPATH="$SRC/tools/python:$BUILD/python" $PY -m refgraph_dump -o "$TMP/snap" --at-exit -- "$CASE" "$DEPTH" \
    > /dev/null 2> "$TMP/dump.err"
t1=$(now)
snap=$(ls "$TMP"/snap/run-*/*.jsonl* | head -1)
"$REFGRAPH" chain "$snap" --type Payload --no-cache > "$TMP/chain.out"
t2=$(now)
rg_dump=$(elapsed "$t0" "$t1")
rg_chain=$(elapsed "$t1" "$t2")
rg_total=$(elapsed "$t0" "$t2")
rg_hops=$(sed -n 's/.*kept alive by a chain of \([0-9]*\) reference.*/\1/p' "$TMP/chain.out")
echo "refgraph  end-to-end ${rg_total} s   (run+dump ${rg_dump} s, load+chain ${rg_chain} s)   chain ${rg_hops} references"

q=$("$TMP/chain_query_bench" "$snap" Payload 5)
rg_query=$(echo "$q" | sed -n 's/.*query_median_s \([0-9.]*\).*/\1/p')
rg_walk=$(echo "$q" | sed -n 's/.*walk_median_s \([0-9.]*\).*/\1/p')
echo "refgraph  query ${rg_query} s   ($q)"

mkdir "$TMP/cache"
qc=$("$TMP/chain_query_bench" --cache-dir "$TMP/cache" "$snap" Payload 5)
rg_cquery=$(echo "$qc" | sed -n 's/.*query_median_s \([0-9.]*\).*/\1/p')
echo "refgraph  cached query ${rg_cquery} s   ($qc)"

printf 'ratio     query after a cached re-open %.0fx\n' "$(echo "$og_query / $rg_cquery" | bc -l)"
printf 'ratio     end-to-end %.1fx   query alone %.0fx   chain walk once paths exist %.0fx\n' \
    "$(echo "$og_total / $rg_total" | bc -l)" "$(echo "$og_query / $rg_query" | bc -l)" \
    "$(echo "$og_query / $rg_walk" | bc -l)"

d=$("$TMP/chain_query_bench" --diagram 200 5)
echo "diagram   $d"
