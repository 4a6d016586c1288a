"""A thread whose frame keeps a growing local list, plus a growing threading.local list.

What leaks: Record objects, two ways.
 1. The daemon thread "collector" runs collect(), whose local variable `history`
    grows by one Record per step; only that thread's running frame holds it.
 2. Each step also appends a Sample to `ctx.samples`, where `ctx` is a module-level
    threading.local(); the list lives in the collector thread's local namespace.
The thread is still alive (blocked, daemon) when the program exits.

Expected answer (refgraph chains):
    __main__.Record: thread root "collector: collect()" -> frame local 'history' -> list [i]
                     -> __main__.Record
    __main__.Sample: module __main__ .ctx -> _thread._local ... -> list [i] -> __main__.Sample
Count: exactly --records Record objects and --records Sample objects (default 5000).

Run:  python3 examples/thread_local.py [--records N] [--seconds S]
"""
import argparse
import threading
import time

ctx = threading.local()
filled = threading.Event()


class Record:
    def __init__(self, n):
        self.n = n
        self.tags = ["t%d" % (n % 10)]


class Sample:
    def __init__(self, n):
        self.value = n * 0.5


def collect(count):
    history = []
    ctx.samples = []
    for n in range(count):
        history.append(Record(n))
        ctx.samples.append(Sample(n))
    filled.set()
    threading.Event().wait()  # park forever: the frame (and history) stays alive


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--records", type=int, default=5000)
    p.add_argument("--seconds", type=float, default=0.5)
    a = p.parse_args()
    t = threading.Thread(target=collect, args=(a.records,), name="collector", daemon=True)
    t.start()
    filled.wait()
    time.sleep(a.seconds)
    print("records", a.records, flush=True)


if __name__ == "__main__":
    main()
