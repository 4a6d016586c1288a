#!/usr/bin/env bash
# The seed leak, end to end, as a new user would meet it:
#   1. build refgraph;
#   2. run examples/queue_leak.py (four producers outpace one consumer of a
#      queue.Queue) under the Python dumper, one snapshot a second;
#   3. write the report over those snapshots;
#   4. say where report.md and report.html are, and print the Summary.
# Finishes in well under a minute on a laptop. Environment:
#   DEMO_DIR   where snapshots and report go (default demo-out)
#   BUILD_DIR  build directory (default build)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
rg_install_deps

jobs=$(nproc 2>/dev/null || echo 2)
build=${BUILD_DIR:-build}
out=${DEMO_DIR:-demo-out}

echo "== 1. building refgraph (in $build)"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
# Only the CLI: the demo needs nothing else, and this keeps it quick.
cmake --build "$build" -j"$jobs" --target refgraph_cli >/dev/null
RG="$build/tools/refgraph"

rm -rf "$out"
mkdir -p "$out"
echo
echo "== 2. running examples/queue_leak.py under the dumper (a snapshot every second)"
PYTHONPATH=tools/python:build/python python3 -m refgraph_dump -o "$out/snaps" --every 1 --max 3 -- \
  examples/queue_leak.py --seconds 6
ls "$out"/snaps/run-*   # one run-<pid>-<start>/ per run

echo
echo "== 3. refgraph report $out/snaps -o $out/report"
"$RG" report "$out/snaps" -o "$out/report" --title "examples/queue_leak.py" -q

echo
echo "== 4. the report"
abs=$(cd "$out/report" && pwd)
echo "Markdown: $abs/report.md   (attach it to a ticket, or read it on GitHub/GitLab)"
echo "HTML:     file://$abs/report.html   (one self-contained page, diagrams inline)"
echo "Diagrams: $(cd "$abs" && ls -v -- *.svg 2>/dev/null | tr "\n" " ")"
echo
echo "Summary:"
# The paragraph under "## Summary", without the Markdown punctuation.
awk '/^## Summary/{on=1; next} /^## /{on=0} on' "$abs/report.md" | sed -e 's/\\\(.\)/\1/g' -e '/^$/d' | fold -s -w 100
