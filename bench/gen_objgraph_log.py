#!/usr/bin/env python3
"""Write a synthetic objgraph log, the worst case for `refgraph diff`'s memory.

    python3 bench/gen_objgraph_log.py OUT --blocks 1000000 [--types 1] [--rows 1]

Each block is `--rows` show_growth lines ("NAME COUNT +DELTA") followed by a
blank line; the names cycle through `--types` distinct type names, so a
block lists `--rows` of them. One-line blocks are the densest log there is:
a point of the series per ~14 bytes of input. Deterministic: the same
arguments always give the same bytes.
"""
import argparse


def write_log(path, blocks, types=1, rows=1):
    names = ["dict"] if types == 1 else ["type%d" % t for t in range(types)]
    with open(path, "w") as f:
        out = []
        k = 0
        for b in range(blocks):
            for r in range(rows):
                out.append("%s %d +1\n" % (names[k % len(names)], 1000 + b))
                k += 1
            out.append("\n")
            if len(out) >= 65536:
                f.write("".join(out))
                out = []
        f.write("".join(out))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--blocks", type=int, default=1000000)
    ap.add_argument("--types", type=int, default=1)
    ap.add_argument("--rows", type=int, default=1)
    a = ap.parse_args()
    write_log(a.out, a.blocks, a.types, a.rows)


if __name__ == "__main__":
    main()
