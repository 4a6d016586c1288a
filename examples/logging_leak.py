"""A logging handler that buffers records forever: every LogRecord, and its args, stays.

What leaks: LogRecord objects, and the Order objects passed as their args. The program
attaches a home-made MemoryHandler-like handler (`KeepHandler`) to a logger; it appends
every record to self.records and never flushes. Each record keeps its `args` tuple,
which holds the Order (and its 1 KiB `blob`).

Expected answer (refgraph suspects, top suspect):
    module __main__ -> .log logging.Logger -> .handlers list -> [i] __main__.KeepHandler
    -> .records list -> [i] logging.LogRecord
accumulation point: the handler's `records` list; most bytes further in, through each
record's .args tuple to the Order's blob.
Count: exactly --orders LogRecord objects and Order objects (default 3000).

Run:  python3 examples/logging_leak.py [--orders N] [--seconds S]
  --orders N   number of orders logged (default 3000)
  --seconds S  stay alive this long afterwards (default 0.5)
"""
import argparse
import logging
import time


class KeepHandler(logging.Handler):
    def __init__(self):
        super().__init__()
        self.records = []

    def emit(self, record):
        self.records.append(record)  # never flushed, never trimmed


class Order:
    def __init__(self, n):
        self.n = n
        self.blob = bytearray(1024)

    def __repr__(self):
        return "Order(%d)" % self.n


log = logging.getLogger("shop")
log.setLevel(logging.INFO)
log.propagate = False
log.addHandler(KeepHandler())


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--orders", type=int, default=3000)
    p.add_argument("--seconds", type=float, default=0.5)
    a = p.parse_args()
    for n in range(a.orders):
        log.info("processed %s", Order(n))
    time.sleep(a.seconds)
    print("records", len(log.handlers[0].records), flush=True)


if __name__ == "__main__":
    main()
