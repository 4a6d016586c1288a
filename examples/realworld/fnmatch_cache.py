"""A module-level cache of compiled patterns that is never cleared (old fnmatch).

Source: bpo-7846, https://bugs.python.org/issue7846 -- fnmatch kept every pattern
it had compiled in a module-level dict `_cache` that was never cleared, so a
program matching ever-new patterns (built from user input) grew without bound.
The fix capped the cache at _MAXCACHE; CPython's test_fnmatch has checked since
"that caches do not grow too large", citing the issue. (fnmatch has used a bounded
functools.lru_cache since; this reproduces the code of the time in a module of
the program.)

What leaks: --patterns re.Pattern objects per round, one per distinct pattern,
kept in the module-level dict `_cache`, keyed by the pattern string. Expected
answer: `re.Pattern`, held by the dict `__main__._cache`.

Run:  python3 examples/realworld/fnmatch_cache.py [--rounds N] [--patterns N]
"""
import fnmatch as _fnmatch
import re

import rounds

_cache = {}


def fnmatchcase(name, pat):
    """fnmatch.fnmatchcase as it was when bpo-7846 was filed."""
    if pat not in _cache:
        res = _fnmatch.translate(pat)
        _cache[pat] = re.compile(res)   # the bug: never evicted
    return _cache[pat].match(name) is not None


def filter_upload(n):
    # Each upload names its own pattern, as user-supplied globs do.
    pat = "uploads/user-%d/*.[ch]" % n
    return [f for f in ("uploads/user-%d/a.c" % n, "uploads/user-%d/b.txt" % n) if fnmatchcase(f, pat)]


def main():
    a = rounds.parse(__doc__, "patterns", 600, "distinct patterns per round")
    n = 0
    for r in range(a.rounds):
        for _ in range(a.patterns):
            filter_upload(n)
            n += 1
        rounds.snapshot(r)
    print("patterns", n, "cached", len(_cache), flush=True)


if __name__ == "__main__":
    main()
