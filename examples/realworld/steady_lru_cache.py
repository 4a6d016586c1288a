"""No leak: a bounded functools.lru_cache(maxsize=128) under churn.

Source: the CPython functools documentation of lru_cache (default maxsize=128;
only maxsize=None lets the cache grow without bound),
https://docs.python.org/3/library/functools.html#functools.lru_cache -- the bounded
cache is the fix the leak reports (e.g. https://github.com/python/cpython/issues/102618)
point to. A module-level function (not a method) is cached with the default
maxsize of 128, and is called with far more distinct keys than that, so entries
are evicted all the time.

What leaks: nothing. Every round looks up --lookups keys out of 5,000 distinct
ones; the cache holds at most 128 Quote objects at every snapshot, and the rest
is freed. Expected answer: no suspect stands out; no growth.

Run:  python3 examples/realworld/steady_lru_cache.py [--rounds N] [--lookups N]
"""
import functools

import rounds


class Quote:
    def __init__(self, symbol, day):
        self.symbol = symbol
        self.day = day
        self.prices = [float(day + i) for i in range(8)]


@functools.lru_cache(maxsize=128)
def quote(symbol, day):
    return Quote(symbol, day)


def main():
    a = rounds.parse(__doc__, "lookups", 3000, "cache lookups per round")
    n = 0
    total = 0.0
    for r in range(a.rounds):
        for _ in range(a.lookups):
            k = (n * 7919) % 5000
            total += quote("SYM%d" % (k % 50), k).prices[0]
            n += 1
        rounds.snapshot(r)
    print("lookups", n, "cached", quote.cache_info().currsize, flush=True)


if __name__ == "__main__":
    main()
