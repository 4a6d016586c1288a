#!/usr/bin/env bash
# Install what is missing, build with warnings as errors, run every test;
# then build with ASan+UBSan and run the tests again under the sanitizers, and
# the C unit tests under ThreadSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
rg_install_deps
if ! rg_install_browser; then
  echo "== WARNING: chromium is not installed; e2e/test_report_browser will be SKIPPED"
fi

jobs=$(nproc 2>/dev/null || echo 2)

echo "== build (warnings are errors)"
cmake -S . -B build -DREFGRAPH_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$jobs"

echo "== ABI check (libgraph/abi; docs/api.md says how to update the baseline on purpose)"
libgraph/abi/check.sh build

echo "== API reference (Doxygen, warnings are errors)"
cmake --build build --target api-docs

echo "== build and test without rendering (REFGRAPH_RENDER=OFF: no Graphviz, no cmark-gfm)"
# The core an embedder gets without diagrams and reports: it must build and
# pass on its own. Unit and CLI tests only, to keep CI short; the tests that
# need rendering are skipped there, not failed.
cmake -S . -B build-norender -DREFGRAPH_WERROR=ON -DREFGRAPH_RENDER=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-norender -j"$jobs"
if ldd build-norender/libgraph/librefgraph.so | grep -E 'libgvc|libcgraph|libcmark'; then
  echo "== build-norender/libgraph/librefgraph.so links Graphviz or cmark-gfm"
  exit 1
fi
ctest --test-dir build-norender --output-on-failure -j"$jobs" -L 'unit|cli'

echo "== build with ASan+UBSan"
cmake -S . -B build-asan -DREFGRAPH_WERROR=ON -DREFGRAPH_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build build-asan -j"$jobs"

echo "== tests under ASan+UBSan (C unit tests, CLI tests, end-to-end tests)"
# Every test runs the binaries of the build it is registered in (ctest sets
# REFGRAPH and REFGRAPH_BUILD), so these are the sanitized ones. Graphviz and
# fontconfig keep process-wide caches that LeakSanitizer would report.
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  LSAN_OPTIONS="suppressions=$PWD/tests/fuzz/lsan.supp:print_suppressions=0" \
  ctest --test-dir build-asan --output-on-failure -j"$jobs" -L 'unit|cli|e2e'

# ---- ThreadSanitizer (tests/unit/test_threads.c) ----------------------------
# One loaded snapshot queried from several threads at once, and every other C
# unit test (the loader's threads, diagrams rendered from threads), built with
# -fsanitize=thread: a data race fails the test. tsan.supp lists only
# uninstrumented libraries (GLib, fontconfig, pango) whose synchronisation
# TSan cannot see.
echo "== build with ThreadSanitizer"
cmake -S . -B build-tsan -DREFGRAPH_WERROR=ON -DREFGRAPH_SANITIZE=thread -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-tsan -j"$jobs"
echo "== C unit tests under ThreadSanitizer"
TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$PWD/tests/unit/tsan.supp" \
  ctest --test-dir build-tsan --output-on-failure -j"$jobs" -L unit
# ---- end ThreadSanitizer ----------------------------------------------------

# ---- fuzz (tests/fuzz; scripts/fuzz.sh runs one target for longer) ---------
# A bounded libFuzzer run of every target, 7 s each, under a minute in all.
# Each starts from the kept seeds only (a fresh work directory, so a corpus
# grown by long scripts/fuzz.sh runs does not stretch this step). New inputs
# go to the build directory, never into the tree; the kept corpus in
# tests/fuzz/corpus is replayed above as unit/test_fuzz_corpus under gcc+ASan.
if command -v clang >/dev/null 2>&1; then
  echo "== fuzz (libFuzzer, bounded)"
  cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DREFGRAPH_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build build-fuzz -j"$jobs" --target fuzz_all
  for src in tests/fuzz/fuzz_*.c; do
    t=${src#tests/fuzz/fuzz_}
    t=${t%.c}
    rm -rf "build-fuzz/bounded-$t"
    if ! RG_FUZZ_WORK="bounded-$t" scripts/fuzz.sh "$t" 7 >"build-fuzz/fuzz-$t.log" 2>&1; then
      tail -n 80 "build-fuzz/fuzz-$t.log"
      echo "== fuzz_$t found something: see build-fuzz/fuzz-$t.log and build-fuzz/crash-*"
      exit 1
    fi
    echo "fuzz_$t: $(grep -E '^#[0-9]+[[:space:]]+DONE' "build-fuzz/fuzz-$t.log" | tail -n 1)"
  done
else
  echo "== fuzz skipped: clang is not installed"
fi
# ---- end fuzz ---------------------------------------------------------------

# Last, so that the output ends with ctest's summary.
echo "== all tests"
ctest --test-dir build --output-on-failure -j"$jobs"
