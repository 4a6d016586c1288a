#!/usr/bin/env bash
# issue15.sh: every row of issue 15's table ("performance, round two") in one
# run, each beside its peer, so that docs/performance.md's summary can be
# re-measured with one command on a quiet machine.
#
#   bench/issue15.sh [BUILD_DIR] [WORK_DIR] [--no-v8]
#       (defaults: build, /tmp/refgraph-issue15; about 10 min with V8, 4 without)
#
# Rows, in order:
#   dumper       bench/dump_bench.py on the seed queue (750,000 jobs: 3.79 M
#                objects), both paths, best of 3; objgraph 3.5.0 on
#                /work/shared/cases/seedleak.py in the same run
#   first answer the same seed queue dumped once with the accelerator, then
#                `refgraph report --no-cache` and `refgraph info --no-cache`
#                three times each (wall, user, sys, peak RSS)
#   JSONL load   `refgraph info --no-cache` on both shapes bench/ makes
#                (gen_snapshot default 1 M objects; --shape dicts 2 M), 3 runs
#   deep chain   bench/deepleak_bench.sh (objgraph's find_backref_chain against
#                refgraph's whole process: run + dump, then chain)
#   V8           bench/v8/run.sh (refgraph vs memlab at ~20/100/430 MB), unless
#                --no-v8
# Wall times mean something only when the machine is otherwise idle: the
# script prints the load average before and after each row.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
work=${2:-/tmp/refgraph-issue15}
v8=1
for a in "$@"; do [ "$a" = --no-v8 ] && v8=0; done
case "$work" in --*) work=/tmp/refgraph-issue15 ;; esac
case "$build" in --*) build=build ;; esac
refgraph=$build/tools/refgraph
[ -x "$refgraph" ] || { echo "issue15.sh: no $refgraph (build first)" >&2; exit 2; }
mkdir -p "$work"
load() { echo "# load: $(cut -d' ' -f1-3 /proc/loadavg)"; }
timed() { # label cmd...: "label wall user sys maxrss_MB"
  local label=$1; shift
  /usr/bin/time -f "%e %U %S %M" -o "$work/time.txt" "$@" >/dev/null 2>"$work/err.txt" ||
    { cat "$work/err.txt" >&2; return 1; }
  read -r w u s m < "$work/time.txt"
  printf '%-28s %6.2f s wall  %6.2f user  %5.2f sys  %6d MB\n' "$label" "$w" "$u" "$s" "$((m / 1024))"
}
pypath=$PWD/tools/python:$PWD/$build/python

echo "# issue15.sh: $(nproc) cpus, $(date -u +%FT%TZ), git $(git rev-parse --short HEAD 2>/dev/null || echo '?')"

echo "== dumper (seed queue, 750,000 jobs)"; load
python3 bench/dump_bench.py --build "$build" --jobs 750000 --repeat 3 --no-memory --objgraph

echo "== first answer (the same seed queue: one accelerated dump, then report)"; load
seed=$work/seed.jsonl
PYTHONPATH=$pypath python3 - "$seed" <<'EOF'
import queue, sys, time
import refgraph_dump
jobs = queue.Queue()
class Job:
    def __init__(self, n):
        self.n = n
        self.payload = [n] * 4
for n in range(750000):
    jobs.put((n, time.time(), Job(n)))
t0 = time.perf_counter()
info = refgraph_dump.dump(sys.argv[1])
print("dump() %.2f s wall, %d objects, %d edges" % (time.perf_counter() - t0, info["objects"], info["edges"]))
EOF
echo "snapshot $(stat -c %s "$seed") bytes"
for r in 1 2 3; do
  rm -rf "$work/report"
  timed "report --no-cache ($r)" "$refgraph" report "$seed" --no-cache -q -o "$work/report"
  timed "info --no-cache ($r)" "$refgraph" info "$seed" --no-cache
done
rm -rf "$work/cache" "$work/report"; mkdir "$work/cache"
timed "report, fresh cache dir" "$refgraph" report "$seed" --cache-dir "$work/cache" -q -o "$work/report"
rm -rf "$work/report"
timed "report, cached" "$refgraph" report "$seed" --cache-dir "$work/cache" -q -o "$work/report"
rm -rf "$work/cache" "$work/report" "$seed"
load

echo "== JSONL first load (refgraph info --no-cache)"; load
cc -O2 -o "$work/gen_snapshot" bench/gen_snapshot.c
"$work/gen_snapshot" --objects 1000000 --seed 1 > "$work/default-1M.jsonl"
"$work/gen_snapshot" --objects 2000000 --shape dicts --seed 1 > "$work/dicts-2M.jsonl"
for f in default-1M dicts-2M; do
  bytes=$(stat -c %s "$work/$f.jsonl")
  for r in 1 2 3; do
    line=$(timed "$f ($r)" "$refgraph" info "$work/$f.jsonl" --no-cache)
    w=$(echo "$line" | awk '{print $3}')
    echo "$line  $(echo "$bytes / $w / 1000000" | bc) MB/s"
  done
done
rm -f "$work/default-1M.jsonl" "$work/dicts-2M.jsonl"
load

echo "== deep chain (deepleak 1000)"; load
sh bench/deepleak_bench.sh "$build" 1000

if [ "$v8" = 1 ]; then
  echo "== V8 (refgraph vs memlab)"
  bench/v8/run.sh "$build" "$work/v8" 3
fi
load
