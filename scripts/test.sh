#!/usr/bin/env bash
# Install what is missing, build with warnings as errors, run every test;
# then build with ASan+UBSan and run the tests again under the sanitizers.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
rg_install_deps

jobs=$(nproc 2>/dev/null || echo 2)

echo "== build (warnings are errors)"
cmake -S . -B build -DREFGRAPH_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$jobs"

echo "== build with ASan+UBSan"
cmake -S . -B build-asan -DREFGRAPH_WERROR=ON -DREFGRAPH_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build build-asan -j"$jobs"

echo "== tests under ASan+UBSan (C unit tests and CLI tests)"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j"$jobs" -L 'unit|cli'

echo "== all tests"
ctest --test-dir build --output-on-failure -j"$jobs"
