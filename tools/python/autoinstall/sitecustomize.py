"""Arm refgraph_dump from the environment, with no change to the program.

Put this directory on PYTHONPATH and set REFGRAPH_DUMP; every Python process
started with that environment then calls refgraph_dump.install_from_env() at
startup (CPython imports `sitecustomize` from sys.path before running the
program)::

    PYTHONPATH=/usr/local/share/refgraph/python/autoinstall \
    REFGRAPH_DUMP=signal=USR2,dir=/var/tmp/refgraph  my-service ...
    kill -USR2 <pid>    # -> /var/tmp/refgraph/run-<pid>-<start>/snap-0001-....jsonl

Without REFGRAPH_DUMP (or with it empty) nothing of refgraph is imported. A bad
REFGRAPH_DUMP prints one line on stderr and the program runs unchanged. The
sitecustomize this file shadows (Debian ships one in /etc/python3.X) still runs.
See docs/dumper.md, "Installing in a service".
"""


def _refgraph_autoinstall():
    import os
    import sys
    here = os.path.dirname(os.path.abspath(__file__))
    value = os.environ.get("REFGRAPH_DUMP", "")
    if value.strip():
        pydir = os.path.dirname(here)  # refgraph_dump.py lives one level up
        if pydir not in sys.path:
            sys.path.append(pydir)
        try:
            import refgraph_dump
            refgraph_dump.install_from_env(value)
        except Exception as e:  # never stop the program over its snapshots
            print("refgraph_dump: REFGRAPH_DUMP=%s: %s; no snapshots will be taken"
                  % (value, e), file=sys.stderr)
    # Run the sitecustomize this one hides, as if this file were not there.
    import importlib.machinery
    import importlib.util
    rest = [p for p in sys.path if os.path.abspath(p or os.curdir) != here]
    spec = importlib.machinery.PathFinder.find_spec("sitecustomize", rest)
    if spec is not None and spec.loader is not None and spec.origin and \
            os.path.abspath(spec.origin) != os.path.abspath(__file__):
        try:
            spec.loader.exec_module(importlib.util.module_from_spec(spec))
        except Exception as e:
            print("refgraph_dump: %s: %s" % (spec.origin, e), file=sys.stderr)


_refgraph_autoinstall()
del _refgraph_autoinstall
