#!/usr/bin/env python3
"""Write the seed inputs of fuzz_report and fuzz_diagram: small graphs in the
byte grammar that tests/fuzz/fuzz_graph.h reads (a leak under a module dict,
an unreachable cycle, hostile names everywhere). Run from the repository root:
    python3 tests/fuzz/make_graph_seeds.py
"""
import os

# indices into fuzz_hostile[] in fuzz_graph.h
SCRIPT, IMG, JS, MDLINK, MDIMG, AHREF, SVGLOAD, COMMENT, CDATA, STYLE, ENTITIES, ESC, BELL, C1, \
    RTL, BADUTF8, PIPES, EMPH, HEADING, INJECT, ITEM, OITEM, QUOTE, GVESC, FMT, DICT, LIST, TUPLE, \
    APPNODE, MAIN, BUILTINS, EMPTY = range(32)
ATTR, DICT_KEY, DICT_VALUE, INDEX, SLOT, CELL, LOCAL, GLOBAL, TYPE, WEAK, INTERNAL = range(11)
MODULE, THREAD = 0, 1
LEN, RC, NAME, REPR, GC, GARBAGE = 1, 2, 4, 8, 16, 32


def raw(b):
    assert len(b) < 64
    return bytes([0xC0 | len(b)]) + b


def s(x):
    return raw(x) if isinstance(x, bytes) else bytes([x])


def graph(objs, roots, producer=ESC, runtime=RTL):
    """objs: [(shape, type, size, length, rc, name, repr, [(to, kind, label)])]"""
    out = bytes([len(objs) - 2])
    for shape, typ, size, length, rc, name, rep, refs in objs:
        out += bytes([shape]) + s(typ) + bytes([size, length])
        if shape & RC:
            out += bytes([rc])
        if shape & NAME:
            out += s(name)
        if shape & REPR:
            out += s(rep)
        out += bytes([len(refs)])
        for to, kind, label in refs:
            out += bytes([to - 1, kind]) + s(label)
    out += bytes([len(roots) - 1])
    for obj, kind, label in roots:
        out += bytes([obj - 1, kind]) + s(label)
    return out + s(producer) + s(runtime)


def leak(first_byte_odd):
    # 1 module -> 2 dict -> 3..7 hostile instances; odd object count: a series of three
    objs = [(NAME | GC, b"module", 1, 0, 0, MAIN, 0, [(2, GLOBAL, ESC)]),
            (LEN | RC | GC, DICT, 60, 5, 1, 0, 0, [(i, DICT_VALUE, SCRIPT + i) for i in range(3, 8)])]
    for i in range(5):
        objs.append((RC | REPR | GC, SCRIPT if i % 2 else IMG, 100, 0, 1, 0, MDLINK, []))
    if not first_byte_odd:
        objs.append((GC, APPNODE, 1, 0, 0, 0, 0, []))
    return graph(objs, [(1, MODULE, INJECT)])


def cycle():
    objs = [(NAME | GC, b"module", 1, 0, 0, MAIN, 0, [(2, GLOBAL, b"x")]),
            (GC, LIST, 2, 0, 0, 0, 0, []),
            (RC | GC, COMMENT, 3, 0, 1, 0, 0, [(4, ATTR, CDATA)]),
            (RC | GC, SVGLOAD, 3, 0, 1, 0, 0, [(3, ATTR, GVESC), (5, WEAK, b"w")]),
            (RC | GC | GARBAGE, BADUTF8, 9, 0, 5, 0, 0, [(3, INDEX, 0)])]
    return graph(objs, [(1, MODULE, b"__main__"), (5, 4, b"gc.garbage")], producer=STYLE, runtime=C1)


def outside():
    # refcounts above the references seen: held from outside the heap
    objs = [(NAME | GC, b"module", 1, 0, 0, AHREF, 0, [(2, GLOBAL, PIPES), (3, GLOBAL, EMPH)]),
            (RC | GC, b"ext.Leaky", 200, 0, 7, 0, 0, [(3, ATTR, HEADING)]),
            (RC | GC | LEN, TUPLE, 200, 3, 9, 0, 0, [(1, TYPE, ITEM), (2, INDEX, 0)])]
    return graph(objs, [(1, MODULE, QUOTE), (2, THREAD, OITEM)], producer=FMT, runtime=BELL)


def main():
    seeds = {"leak-series.bin": leak(True), "leak-one.bin": leak(False), "cycle.bin": cycle(),
             "outside.bin": outside()}
    for target in ("report", "diagram"):
        d = os.path.join("tests", "fuzz", "corpus", target)
        os.makedirs(d, exist_ok=True)
        for name, data in seeds.items():
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)


if __name__ == "__main__":
    main()
