"""Objects kept alive from outside the Python heap (a C extension's missing decref).

What leaks: Leaky objects. Each one gets an extra reference through
ctypes.pythonapi.Py_IncRef -- as a buggy C extension would leave behind -- and then
the program drops all of its own references. No Python object refers to them, yet
their refcount stays at 1.

Expected answer: exactly --objects Leaky objects (default 3000) with rc 1 and no
referrer in the snapshot ("held from outside the heap": refcount exceeds known
referrers); each still owns its `data` list (rc 1, referrer: the Leaky). No path
from any root.

Run:  python3 examples/c_ext_leak.py [--objects N] [--seconds S]
"""
import argparse
import ctypes
import time


class Leaky:
    def __init__(self, n):
        self.n = n
        self.data = [n, n + 1]


def leak(n):
    obj = Leaky(n)
    ctypes.pythonapi.Py_IncRef(ctypes.py_object(obj))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--objects", type=int, default=3000)
    p.add_argument("--seconds", type=float, default=0.5)
    a = p.parse_args()
    for n in range(a.objects):
        leak(n)
    time.sleep(a.seconds)
    print("leaked", a.objects, flush=True)


if __name__ == "__main__":
    main()
