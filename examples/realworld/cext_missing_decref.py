"""A C extension that takes a reference for a callback and never gives it back.

Source: ldms PR #2320, "Fix missing Py_DECREF in various places",
https://github.com/ovis-hpc/ldms/pull/2320 -- "Objects passed to callback
functions (e.g `tpl` in lookup) have to take reference Py_INCREF(o) to ensure that
the objects are still around when the callbacks are called. However, in the last
callback call, the object (e.g. `tpl` in lookup) must be Py_DECREF(o). Otherwise,
the object itself and other objects referred to by the object (such as `set`)
will be leaked." The C side is emulated faithfully with ctypes: Py_IncRef on the
callback tuple, and no Py_DecRef after the last callback.

What leaks: --lookups callback tuples per round, each held only by the reference
the "extension" took (no Python object refers to them), and through each tuple
its MetricSet with a dict of 16 metrics. Expected answer: `__main__.MetricSet`,
held from outside the Python heap (the tuple's refcount exceeds its referrers).

Run:  python3 examples/realworld/cext_missing_decref.py [--rounds N] [--lookups N]
"""
import ctypes

import rounds


class MetricSet:
    def __init__(self, name):
        self.name = name
        self.metrics = {"%s/m%d" % (name, i): float(i) for i in range(16)}


def _c_lookup(name, cb, cb_arg):
    """Stands in for the extension's lookup(): it keeps (cb, cb_arg, set) for the
    callback that the transport calls when the lookup completes."""
    tpl = (cb, cb_arg, MetricSet(name))
    ctypes.pythonapi.Py_IncRef(ctypes.py_object(tpl))   # Py_INCREF(tpl) for the C callback
    _c_lookup_complete(tpl)


def _c_lookup_complete(tpl):
    cb, cb_arg, metric_set = tpl
    cb(metric_set, cb_arg)
    # the bug: this was the last callback, and Py_DECREF(tpl) is missing


def on_lookup(metric_set, totals):
    totals[0] += len(metric_set.metrics)


def main():
    a = rounds.parse(__doc__, "lookups", 400, "set lookups per round")
    totals = [0]
    n = 0
    for r in range(a.rounds):
        for _ in range(a.lookups):
            _c_lookup("node%d/meminfo" % n, on_lookup, totals)
            n += 1
        rounds.snapshot(r)
    print("lookups", n, "metrics", totals[0], flush=True)


if __name__ == "__main__":
    main()
