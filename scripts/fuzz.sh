#!/usr/bin/env bash
# Run one libFuzzer target for a while:  scripts/fuzz.sh TARGET SECONDS [libFuzzer flags...]
#   TARGET: snapshot cache v8 meliae objgraph_log report diagram (or fuzz_<name>)
# Builds build-fuzz (clang, ASan+UBSan, coverage) when the target is missing or
# stale. New inputs go to build-fuzz/corpus-TARGET (or build-fuzz/$RG_FUZZ_WORK),
# never into the tree, and a later run goes on from them; the kept
# seeds in tests/fuzz/corpus/TARGET are read, not written. A finding is written as
# build-fuzz/crash-*, leak-* or timeout-*; libFuzzer exits non-zero and so does this
# script. To keep a finding as a regression seed, copy it into tests/fuzz/corpus/TARGET
# (unit/test_fuzz_corpus replays that directory under gcc+ASan).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -lt 2 ]; then
  echo "usage: scripts/fuzz.sh TARGET SECONDS [libFuzzer flags...]" >&2
  echo "targets: $(cd tests/fuzz && ls fuzz_*.c | sed 's/^fuzz_//; s/\.c$//' | tr '\n' ' ')" >&2
  exit 2
fi
target=${1#fuzz_}
seconds=$2
shift 2
if [ ! -f "tests/fuzz/fuzz_$target.c" ]; then
  echo "scripts/fuzz.sh: no fuzz target '$target' (tests/fuzz/fuzz_$target.c)" >&2
  exit 2
fi
case $seconds in
  ''|*[!0-9]*) echo "scripts/fuzz.sh: SECONDS must be a whole number, not '$seconds'" >&2; exit 2 ;;
esac
if ! command -v clang >/dev/null 2>&1; then
  echo "scripts/fuzz.sh: clang is not installed (scripts/deps.sh lists it)" >&2
  exit 1
fi

if [ ! -f build-fuzz/CMakeCache.txt ]; then
  cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DREFGRAPH_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build build-fuzz -j"${RG_FUZZ_BUILD_JOBS:-2}" --target "fuzz_$target" >/dev/null

work=${RG_FUZZ_WORK:-corpus-$target}
mkdir -p "build-fuzz/$work"
cd build-fuzz
# Graphviz and fontconfig keep process-wide caches that LeakSanitizer would
# report on every diagram (tests/fuzz/lsan.supp).
export LSAN_OPTIONS="suppressions=$PWD/../tests/fuzz/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
# The graph targets run a few executions a second (Graphviz lays out every
# diagram), too few for libFuzzer to lengthen its inputs from the seeds' size
# by itself: let them reach the grammar's largest graphs (fuzz_graph.h) at once.
extra=()
case $target in
  report|diagram) extra=(-max_len=2048 -len_control=0) ;;
esac
exec "tests/fuzz/fuzz_$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
  -print_final_stats=1 "${extra[@]}" "$@" "$work" "../tests/fuzz/corpus/$target"
