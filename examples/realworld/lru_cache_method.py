"""functools.lru_cache on a method keeps every instance it has seen.

Sources: the CPython FAQ "How do I cache method calls?",
https://docs.python.org/3/faq/programming.html#how-do-i-cache-method-calls (the
lru_cache approach keeps a reference to the instance in the cache, so instances
stay alive until they age out of it; with maxsize=None, forever), and the leak it
caused in Sentry's Autofix,
https://github.com/getsentry/seer/pull/2512 ("When it caches the arguments it
caches _all_ the arguments. This includes the instance of `self`"): a repository
client made per run, with functools.cache on its methods, so every client and all
it held stayed alive. See also https://github.com/python/cpython/issues/102618.

What leaks: --clients RepoClient objects per round, each with the file list it
fetched (a list of --files strs) and its cached results, kept by the cache of
RepoClient.get_file_contents (a functools._lru_cache_wrapper, maxsize=None) whose
keys are (self, path) tuples. Expected answer: `__main__.RepoClient`, held by the
`lru_cache` of `RepoClient.get_file_contents`.

Run:  python3 examples/realworld/lru_cache_method.py [--rounds N] [--clients N]
"""
import functools

import rounds


class RepoClient:
    """A client for one repository, made for one Autofix run."""

    def __init__(self, repo, files):
        self.repo = repo
        self.files = ["src/%s/module_%03d.py" % (repo, i) for i in range(files)]

    @functools.lru_cache(maxsize=None)   # the bug: self is part of every key
    def get_file_contents(self, path):
        return "# %s:%s\n" % (self.repo, path) + "pass\n" * 8

    def read_all(self):
        return sum(len(self.get_file_contents(p)) for p in self.files[:4])


def autofix_run(n):
    client = RepoClient("repo-%d" % n, 24)
    return client.read_all()


def main():
    a = rounds.parse(__doc__, "clients", 400, "Autofix runs (one RepoClient each) per round")
    n = 0
    for r in range(a.rounds):
        for _ in range(a.clients):
            autofix_run(n)
            n += 1
        rounds.snapshot(r)
    print("runs", n, "cached", RepoClient.get_file_contents.cache_info().currsize, flush=True)


if __name__ == "__main__":
    main()
