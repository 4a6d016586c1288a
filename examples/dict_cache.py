"""A module-level dict used as a cache that is never evicted.

What leaks: UserRecord objects. Every request stores its record under a key like
'user:42' in the module-level `cache` dict; nothing ever removes an entry.

Expected answer (refgraph chains for __main__.UserRecord):
    module __main__ .cache -> dict ['user:42'] -> __main__.UserRecord
Count: exactly --users UserRecord objects (default 20000), each with a `profile` dict
and a `history` list of 3 ints.

Run:  python3 examples/dict_cache.py [--users N] [--seconds S]
  --users N    number of distinct users cached (default 20000)
  --seconds S  stay alive this long after filling the cache (default 0.5)
"""
import argparse
import time

cache = {}


class UserRecord:
    def __init__(self, uid):
        self.uid = uid
        self.profile = {"name": "user%d" % uid, "tier": uid % 3}
        self.history = [uid, uid + 1, uid + 2]


def lookup(uid):
    key = "user:%d" % uid
    rec = cache.get(key)
    if rec is None:
        rec = cache[key] = UserRecord(uid)
    return rec


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--users", type=int, default=20000)
    p.add_argument("--seconds", type=float, default=0.5)
    a = p.parse_args()
    for uid in range(a.users):
        lookup(uid)
        lookup(uid // 2)  # repeat visits hit the cache
    time.sleep(a.seconds)
    print("cached", len(cache), flush=True)


if __name__ == "__main__":
    main()
