"""warnings.warn() with a message that differs every time: the registry keeps them all.

Source: CPython issue #97557, "Memory leak: warnings module",
https://github.com/python/cpython/issues/97557 -- `warnings.warn(str(random.random()),
DeprecationWarning)` in a loop grows memory without bound: for the "default"
action, warnings records each (message text, category, line) it has shown in the
calling module's `__warningregistry__` dict, so that it shows it once, and a
message with data in it is new every time (aiomysql's cursor warnings were the
example given). The same registry leak with ignored warnings was bpo-27535
(https://bugs.python.org/issue27535).

What leaks: --warnings registry entries per round in `__main__.__warningregistry__`:
each key a (str, category, int) tuple whose str is the message, with a
record-specific part. Expected answer: the message `str` objects, held by the dict
`__main__.__warningregistry__`.

Run:  python3 examples/realworld/warnings_registry.py [--rounds N] [--warnings N]
(each warning is printed to stderr once, as the default filter does)
"""
import warnings

import rounds


def insert_row(n):
    # As aiomysql's cursor does for every MySQL warning, with the row's data in it.
    warnings.warn("Duplicate entry 'user-%06d@example.com' for key 'email' in table accounts" % n,
                  DeprecationWarning)


def main():
    a = rounds.parse(__doc__, "warnings", 2000, "distinct warnings per round")
    n = 0
    for r in range(a.rounds):
        for _ in range(a.warnings):
            insert_row(n)
            n += 1
        rounds.snapshot(r)
    print("warnings", n, "registry", len(globals()["__warningregistry__"]), flush=True)


if __name__ == "__main__":
    main()
