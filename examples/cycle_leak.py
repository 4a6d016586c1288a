"""Unreachable reference cycles that only the cycle collector could free, with it off.

What leaks: CycleNode objects. The program turns the collector off (gc.disable()) and
builds pairs of CycleNode objects that point at each other (and define __del__), then
drops every reference to them. Reference counting cannot free a cycle, so they stay.

Expected answer: 2 x --pairs CycleNode objects (default 2 x 5000) that are unreachable
from every root; each is referenced only by its partner (rc 1), path none.
A dump taken with --collect (refgraph_dump's) runs gc.collect() first, which frees
them: then no CycleNode is present.
With --saveall the program itself collects with gc.DEBUG_SAVEALL, so the nodes end up
in gc.garbage instead (garbage roots, "garbage" flag).

Run:  python3 examples/cycle_leak.py [--pairs N] [--seconds S] [--saveall]
"""
import argparse
import gc
import time

deleted = 0


class CycleNode:
    def __init__(self, n):
        self.n = n
        self.partner = None
        self.blob = bytes(64)

    def __del__(self):
        global deleted
        deleted += 1


def make_pair(n):
    a = CycleNode(n)
    b = CycleNode(n)
    a.partner = b
    b.partner = a


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--pairs", type=int, default=5000)
    p.add_argument("--seconds", type=float, default=0.5)
    p.add_argument("--saveall", action="store_true")
    a = p.parse_args()
    gc.disable()
    for n in range(a.pairs):
        make_pair(n)
    if a.saveall:
        gc.set_debug(gc.DEBUG_SAVEALL)
        gc.collect()
        gc.set_debug(0)
    time.sleep(a.seconds)
    print("pairs", a.pairs, "deleted", deleted, "garbage", len(gc.garbage), flush=True)


if __name__ == "__main__":
    main()
