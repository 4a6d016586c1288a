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

# ---- fuzz (loader owner: tests/fuzz/CMakeLists.txt) -------------------------
# A bounded libFuzzer run of each target, about 40 s in all. New inputs go to
# the build directory, never into the tree; the kept corpus in
# tests/fuzz/corpus is replayed above as unit/test_fuzz_corpus under gcc+ASan.
if command -v clang >/dev/null 2>&1; then
  echo "== fuzz (libFuzzer, bounded)"
  cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DREFGRAPH_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build build-fuzz -j"$jobs" --target fuzz_snapshot fuzz_cache
  for t in snapshot cache; do
    mkdir -p "build-fuzz/corpus-$t"
    (cd build-fuzz && "tests/fuzz/fuzz_$t" -max_total_time=20 -timeout=10 -rss_limit_mb=2048 \
      "corpus-$t" "../tests/fuzz/corpus/$t")
  done
else
  echo "== fuzz skipped: clang is not installed"
fi
# ---- end fuzz ---------------------------------------------------------------

# Last, so that the output ends with ctest's summary.
echo "== all tests"
ctest --test-dir build --output-on-failure -j"$jobs"
