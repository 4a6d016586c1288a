#!/usr/bin/env bash
# check.sh: compare the built librefgraph with the committed ABI baseline
# (docs/api.md, "ABI"). Fails when the change is incompatible: a removed or
# changed function, a changed type a caller can see. Additions pass.
#
#   libgraph/abi/check.sh BUILD_DIR            compare
#   libgraph/abi/check.sh BUILD_DIR --update   rewrite the baseline, on purpose
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:?usage: check.sh BUILD_DIR [--update]}
lib=$(readlink -f "$build/libgraph/librefgraph.so.1")
baseline="$here/librefgraph.so.1.abi"
headers="$here/../include"
suppr="$here/suppressions.abignore"
if [ "${2:-}" = "--update" ]; then
  abidw --headers-dir "$headers" --no-corpus-path --no-comp-dir-path --short-locs --drop-private-types --out-file "$baseline" "$lib"
  echo "ABI baseline rewritten from $lib: review the diff and commit it"
  exit 0
fi
set +e
abidiff --headers-dir2 "$headers" --drop-private-types --suppressions "$suppr" \
  --no-added-syms "$baseline" "$lib"
rc=$?
set -e
# abidiff's exit status is a bit field: 4 = the ABI changed, 8 = incompatibly.
if [ $((rc & 8)) -ne 0 ]; then
  echo "== ABI check: $lib is NOT compatible with $baseline (above)."
  echo "   Compatible changes only in a minor release; docs/api.md says what needs a major."
  exit 1
elif [ $((rc & 3)) -ne 0 ]; then
  echo "== ABI check: abidiff failed ($rc)"
  exit 1
fi
echo "== ABI check: compatible with $baseline"
