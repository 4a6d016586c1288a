"""Shared by the Python reproducers in this directory: command-line rounds and
the per-round snapshot.

Each reproducer runs its workload in rounds. When REFGRAPH_SNAPSHOT_DIR is set it
writes one snapshot after each round, snap-0000.jsonl, snap-0001.jsonl, ..., with
refgraph_dump (tools/python must be on PYTHONPATH). Nothing here depends on time,
so a reproducer's heap is fixed by its arguments.
"""
import argparse
import gc
import os


def parse(doc, size_name, size_default, size_help, rounds=4):
    """The reproducer's options: --rounds N and one size option (per round)."""
    p = argparse.ArgumentParser(description=doc.strip().split("\n")[0])
    p.add_argument("--rounds", type=int, default=rounds, help="rounds of work (default %d)" % rounds)
    p.add_argument("--" + size_name, type=int, default=size_default,
                   help="%s (default %d)" % (size_help, size_default))
    return p.parse_args()


def snapshot(i):
    """Write snapshot number i if REFGRAPH_SNAPSHOT_DIR is set. A full collection
    first, so the garbage the collector would free anyway is not in it."""
    d = os.environ.get("REFGRAPH_SNAPSHOT_DIR")
    if not d:
        return
    import refgraph_dump
    gc.collect()
    refgraph_dump.dump(os.path.join(d, "snap-%04d.jsonl" % i))
