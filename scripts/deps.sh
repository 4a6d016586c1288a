#!/usr/bin/env bash
# Install what refgraph needs from Debian, only what is missing, so a second
# run costs nothing. Sourced by test.sh and demo.sh.
set -euo pipefail

RG_DEBIAN_PACKAGES=(
  cmake            # the build
  gcc              # the compiler
  pkg-config       # finds the libraries below
  libyajl-dev      # streaming JSON parser (snapshot reader) and generator (--json)
  zlib1g-dev       # gzip-compressed snapshots
  libzstd-dev      # zstd-compressed snapshots
  libgraphviz-dev  # cgraph + gvc: every DOT/SVG diagram
  libcmark-gfm-dev libcmark-gfm-extensions-dev  # Markdown/HTML reports with GFM tables
  python3          # the dumper and its tests
  python3-dev      # Python headers: the refgraph package's C extensions (_refgraph_accel, refgraph._core)
  python3-venv     # python3 -m venv (with pip and setuptools): the package is tested installed into a fresh venv
  python3-pytest   # the refgraph pytest plugin is tested in a real pytest session
  nodejs           # writes real V8 .heapsnapshot files for the tests
  libxml2-utils    # xmllint: tests check that SVG output is well-formed XML
  clang libclang-rt-14-dev  # libFuzzer targets in tests/fuzz (the bounded fuzz step)
  man-db           # man -l: the test that renders every installed man page (tests/cli/test_man.py)
  abigail-tools    # abidw/abidiff: the ABI check against libgraph/abi (libgraph/abi/check.sh)
  doxygen          # the API reference (cmake --build build --target api-docs), warnings are errors
  lldb             # refgraph attach on CPython < 3.14: calls into a live process (gdb 13's
                   # `call` fails on these VMs: "Couldn't write extended state status")
)

# Optional: only the browser test (tests/e2e/test_report_browser.py) needs it,
# and it is large, so test.sh installs it apart and goes on without it when
# it cannot be installed (the test then skips, loudly).
RG_DEBIAN_BROWSER=(
  chromium         # headless Chromium loads report.html: no script runs, nothing fetched
)

# Install the optional browser; returns non-zero (and says why) when it
# cannot be installed, instead of stopping the caller.
rg_install_browser() {
  if command -v chromium >/dev/null 2>&1; then
    return 0
  fi
  if ! (rg_install_deps "${RG_DEBIAN_BROWSER[@]}"); then
    echo "chromium could not be installed" >&2
    return 1
  fi
  command -v chromium >/dev/null 2>&1
}

rg_install_deps() {
  local missing=()
  for p in "${RG_DEBIAN_PACKAGES[@]}" "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    return 0
  fi
  echo "installing: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}
