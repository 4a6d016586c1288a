"""functools.lru_cache on a method: the cache keys hold every `self` ever called.

What leaks: Report objects, each with a 4 KiB `rows` bytearray. Report.total() is
decorated with @functools.lru_cache(maxsize=None) at class level, so the cache is shared
by all instances and its keys are (self, ...) tuples. The program builds a report per
request and throws it away, but the class-level cache keeps every one alive.

Expected answer (refgraph suspects, top suspect): the Report objects, grouped under the
lru_cache wrapper of Report.total:
    module __main__ -> .Report type -> .total functools._lru_cache_wrapper
    -> <internal> dict -> <key tuple> tuple -> [0] __main__.Report
accumulation point: the cache dict inside the wrapper (not the module, not the class).
Count: exactly --reports Report objects (default 3000).

Run:  python3 examples/lru_method_leak.py [--reports N] [--seconds S]
  --reports N  number of reports built and dropped (default 3000)
  --seconds S  stay alive this long afterwards (default 0.5)
"""
import argparse
import functools
import time


class Report:
    def __init__(self, n):
        self.n = n
        self.rows = bytearray(4096)

    @functools.lru_cache(maxsize=None)
    def total(self):
        return self.n * 2


def serve(n):
    report = Report(n)
    return report.total()  # `report` is dropped here, but the cache key keeps it


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--reports", type=int, default=3000)
    p.add_argument("--seconds", type=float, default=0.5)
    a = p.parse_args()
    for n in range(a.reports):
        serve(n)
    time.sleep(a.seconds)
    print("cached", Report.total.cache_info().currsize, flush=True)


if __name__ == "__main__":
    main()
