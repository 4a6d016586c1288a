#!/usr/bin/env python3
"""Check that librefgraph's layers call downward only.

usage: check_layers.py SRC_DIR LIBREFGRAPH.a

The layers are the folders under libgraph/src (see libgraph/src/README.md),
lowest first. A file may use what a lower layer defines, and what its own
layer defines, and nothing above. Two sources of truth are read:
  - the #include lines of every source and header (what a file can see);
  - the static archive's symbol table (what each object really calls), so a
    call through a stray prototype is caught too.
Within a layer the files' calls must not form a cycle either: a cycle means
two files share one job, or one of them is in the wrong place.
Exits 1 and names every offending file, symbol and layer.
"""
import os
import re
import subprocess
import sys

# Lowest first. Each layer may use every layer listed in its set.
LAYERS = ["base", "graph", "read", "analyze", "growth", "render", "report"]
MAY_USE = {
    "base": set(),
    "graph": {"base"},
    "read": {"base", "graph"},
    "analyze": {"base", "graph"},
    "growth": {"base", "graph", "analyze"},
    "render": {"base", "graph", "analyze"},
    "report": {"base", "graph", "analyze", "growth", "render"},
}

# Upward uses and in-layer cycles that exist today and are being removed
# (issue 13): a problem whose text contains one of these is not reported.
# Keep it empty; an entry here is a debt with a name.
KNOWN = set()


def sources(src):
    for layer in sorted(os.listdir(src)):
        d = os.path.join(src, layer)
        if not os.path.isdir(d):
            continue
        for f in sorted(os.listdir(d)):
            if f.endswith((".c", ".h")):
                yield layer, f, os.path.join(d, f)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    src, archive = sys.argv[1], sys.argv[2]
    problems = []
    layer_of = {}
    for layer, f, path in sources(src):
        if layer not in MAY_USE:
            problems.append(f"{layer}/: a folder that is not a layer (add it to LAYERS and MAY_USE)")
            continue
        layer_of[f] = layer
    for layer, f, path in sources(src):
        if layer not in MAY_USE:
            continue
        with open(path, encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                m = re.match(r'\s*#\s*include\s+"([^"]+)"', line)
                if not m:
                    continue
                inc = m.group(1)
                parts = inc.split("/")
                if len(parts) == 1:
                    target = layer if parts[0] in layer_of and layer_of[parts[0]] == layer else None
                    if target is None and parts[0] != "refgraph.h" and not parts[0].startswith("refgraph/"):
                        problems.append(f"{layer}/{f}:{n}: includes \"{inc}\", which is not in {layer}/")
                    continue
                target = parts[0]
                if target == "refgraph":
                    continue
                if target != layer and target not in MAY_USE[layer]:
                    problems.append(f"{layer}/{f}:{n}: includes \"{inc}\": {layer} may not use {target}")

    # Symbols: member name (file.c.o) -> defined and undefined symbols.
    out = subprocess.run(["nm", "-A", archive], capture_output=True, text=True, check=True).stdout
    defs, uses = {}, {}
    for line in out.splitlines():
        m = re.match(r"^[^:]+:([^:]+\.c\.o):\s*([0-9a-fA-F]*)\s+([A-Za-z])\s+(\S+)$", line)
        if not m:
            continue
        member, _, kind, sym = m.groups()
        stem = member[: -len(".c.o")]
        if kind in "TDRBC":
            defs[sym] = stem
        elif kind == "U":
            uses.setdefault(stem, set()).add(sym)
    deps = {}
    for stem, syms in uses.items():
        for sym in syms:
            callee = defs.get(sym)
            if callee is None or callee == stem:
                continue
            deps.setdefault(stem, {}).setdefault(callee, []).append(sym)
    for caller, callees in sorted(deps.items()):
        lc = layer_of.get(caller + ".c")
        for callee, syms in sorted(callees.items()):
            le = layer_of.get(callee + ".c")
            if lc is None or le is None or lc == le or le in MAY_USE[lc]:
                continue
            problems.append(f"{lc}/{caller}.c calls {le}/{callee}.c ({', '.join(sorted(syms)[:4])}): "
                            f"{lc} may not use {le}")

    # Cycles between files of one layer (depth-first search on file stems).
    graph = {c: {e for e in es if layer_of.get(e + ".c") == layer_of.get(c + ".c")} for c, es in deps.items()}
    state, stack = {}, []

    def visit(n):
        state[n] = 1
        stack.append(n)
        for m in sorted(graph.get(n, ())):
            if state.get(m) == 1:
                cyc = stack[stack.index(m):] + [m]
                problems.append(f"{layer_of[n + '.c']}/: calls go round a cycle: {' -> '.join(cyc)}")
            elif m not in state:
                visit(m)
        stack.pop()
        state[n] = 2

    for n in sorted(graph):
        if n not in state:
            visit(n)

    problems = [p for p in problems if not any(k in p for k in KNOWN)]
    if problems:
        print("layer check failed:", file=sys.stderr)
        for p in problems:
            print("  " + p, file=sys.stderr)
        return 1
    print(f"layers ok: {len(layer_of)} files in {len(set(layer_of.values()))} layers, "
          f"{sum(len(v) for v in deps.values())} file-to-file uses, all downward")
    return 0


if __name__ == "__main__":
    sys.exit(main())
