"""Instances of a nested class leaked through a class-level registry list.

What leaks: Outer.Inner objects. Inner.__init__ appends every new instance to
Registry.instances, a list stored as a class attribute; nothing removes them.

Expected answer (refgraph chains for __main__.Outer.Inner):
    module __main__ .Registry -> type .instances -> list [i] -> __main__.Outer.Inner
The class object's record has name "__main__.Registry"; the leaked type's name keeps
its qualname, "__main__.Outer.Inner", distinct from the unrelated
__main__.Inner (a top-level class with the same short name, never leaked: 1 instance).
Count: exactly --instances Outer.Inner objects (default 3000).

Run:  python3 examples/nested_class.py [--instances N] [--seconds S]
"""
import argparse
import time


class Registry:
    instances = []


class Outer:
    class Inner:
        def __init__(self, n):
            self.n = n
            self.label = "inner-%d" % n
            Registry.instances.append(self)


class Inner:  # same short name, different qualname: must not be confused
    def __init__(self):
        self.note = "unrelated"


unrelated = Inner()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--instances", type=int, default=3000)
    p.add_argument("--seconds", type=float, default=0.5)
    a = p.parse_args()
    for n in range(a.instances):
        Outer.Inner(n)
    time.sleep(a.seconds)
    print("instances", len(Registry.instances), flush=True)


if __name__ == "__main__":
    main()
