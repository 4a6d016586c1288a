#!/usr/bin/env bash
# The main job end to end: build, run the seed leak scenario under the
# dumper, and show what refgraph finds.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
rg_install_deps

jobs=$(nproc 2>/dev/null || echo 2)
echo "== building"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$jobs" >/dev/null
RG=build/tools/refgraph

out=${DEMO_DIR:-demo-out}
rm -rf "$out"
mkdir -p "$out"
echo "== running examples/queue_leak.py under the dumper (a snapshot every second)"
PYTHONPATH=tools/python python3 -m refgraph_dump -o "$out/snaps" --every 1 --max 3 -- examples/queue_leak.py
snap=$(ls "$out"/snaps/*.jsonl* | tail -n 1)
echo
echo "== refgraph info $snap"
$RG info "$snap"
echo
echo "== refgraph types $snap --top 10"
$RG types "$snap" --top 10
