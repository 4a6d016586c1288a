"""refgraph's pytest plugin: a leak gate for CI.

A checked test runs `warmup` times, then `iterations` more times with a heap snapshot
(refgraph_dump.dump, in-process, after gc.collect()) after each. The snapshots go through
refgraph diff's judgement (refgraph._series_verdict): when something grew at every
iteration, the test fails and the failure message is the verdict sentence, which names
the container that grows and the path to it. With --refgraph-report-dir DIR the full
report (report.md, report.html, diagrams) and the snapshots of a failing test are kept
in DIR/<test id>/.

Check every test:              pytest --refgraph-leaks
Check one test:                @pytest.mark.refgraph(iterations=5, warmup=2, allow=("Cache",))
Load it without the package's entry point:   pytest -p refgraph.pytest_plugin

docs/python.md describes the options and what the gate catches.
"""
import gc
import inspect
import os
import re
import shutil
import tempfile

import pytest

# refgraph itself is imported only when a test is checked: the entry point loads this
# module into every pytest session of the environment, and a session that checks
# nothing should not depend on librefgraph being loadable.

DEFAULT_ITERATIONS = 5
DEFAULT_WARMUP = 2


def pytest_addoption(parser):
    group = parser.getgroup("refgraph", "leak gate (refgraph)")
    group.addoption("--refgraph-leaks", action="store_true", default=False,
                    help="check every test for objects that grow at every iteration "
                         "(tests marked @pytest.mark.refgraph are checked anyway)")
    group.addoption("--refgraph-report-dir", metavar="DIR", default=None,
                    help="keep the report and the snapshots of each failing test in DIR/<test id>/")
    group.addoption("--refgraph-iterations", type=int, metavar="N", default=None,
                    help="measured iterations, a snapshot after each (default %d; at least 3)"
                         % DEFAULT_ITERATIONS)
    group.addoption("--refgraph-warmup", type=int, metavar="N", default=None,
                    help="unmeasured runs first, to fill caches (default %d)" % DEFAULT_WARMUP)


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "refgraph(iterations=%d, warmup=%d, allow=(), min_growth=100, min_ratio=0.10, "
        "min_group_ratio=0.02): run the test warmup + iterations times with a heap snapshot "
        "after each measured run, and fail it when something grows at every iteration "
        "(refgraph diff's verdict). allow: type names or pieces of a retention path whose "
        "growth is expected." % (DEFAULT_ITERATIONS, DEFAULT_WARMUP))


class Settings:
    """What one checked test runs with: the marker's arguments over the command line's
    over the defaults."""

    def __init__(self, item, marker):
        kw = dict(marker.kwargs) if marker is not None else {}
        cfg = item.config
        unknown = set(kw) - {"iterations", "warmup", "allow", "min_growth", "min_ratio",
                             "min_group_ratio"}
        if unknown:
            raise pytest.UsageError("@pytest.mark.refgraph: unknown argument(s) %s"
                                    % ", ".join(sorted(unknown)))
        self.iterations = kw.get("iterations", cfg.getoption("refgraph_iterations") or DEFAULT_ITERATIONS)
        warmup = cfg.getoption("refgraph_warmup")
        self.warmup = kw.get("warmup", DEFAULT_WARMUP if warmup is None else warmup)
        if self.iterations < 3:
            raise pytest.UsageError("refgraph: iterations must be at least 3 (growth at every "
                                    "step needs three snapshots), not %d" % self.iterations)
        allow = kw.get("allow", ())
        self.allow = (allow,) if isinstance(allow, str) else tuple(allow)
        self.thresholds = {k: kw[k] for k in ("min_growth", "min_ratio", "min_group_ratio") if k in kw}


def allowed(growth, allow):
    """Does an `allow` entry name this growth record? A type matches by its full name or
    its last dotted part(s) ("Job" matches "__main__.Job"); a retention group when the
    entry is a piece of its path or names the type of its last hop."""
    if growth is None:
        return False
    for a in allow:
        if growth.is_group:
            last_type = growth.member.split(" ", 1)[-1] if growth.member else ""
            if a in growth.name or a == last_type or last_type.endswith("." + a):
                return True
        elif growth.name == a or growth.name.endswith("." + a):
            return True
    return False


def _test_dir_name(nodeid):
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid).strip("_")[:150] or "test"


def _run_measured(pyfuncitem, settings, snap_dir):
    """Run the test warmup + iterations times; return the snapshot paths."""
    import refgraph
    func = pyfuncitem.obj
    args = {a: pyfuncitem.funcargs[a] for a in pyfuncitem._fixtureinfo.argnames}
    # Every name is made before the first snapshot: a list that gained one path per
    # iteration would itself grow at every step, in the snapshots it is measuring.
    paths = [os.path.join(snap_dir, "snap-%04d.jsonl" % (i + 1)) for i in range(settings.iterations)]
    for _ in range(settings.warmup):
        func(**args)
    for i, path in enumerate(paths):
        func(**args)
        # collect=True: what is measured is what survives a collection, so cycles a
        # test leaves for the collector are not counted as growth.
        refgraph.dump(path, collect=True, seq=i + 1)
    return paths


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem):
    marker = pyfuncitem.get_closest_marker("refgraph")
    if marker is None and not pyfuncitem.config.getoption("refgraph_leaks"):
        return None
    if inspect.iscoroutinefunction(pyfuncitem.obj) or inspect.isasyncgenfunction(pyfuncitem.obj):
        return None  # left to the async plugin; not checked
    settings = Settings(pyfuncitem, marker)
    import refgraph
    report_root = pyfuncitem.config.getoption("refgraph_report_dir")
    if report_root:
        out_dir = os.path.join(os.path.abspath(report_root), _test_dir_name(pyfuncitem.nodeid))
        snap_dir = os.path.join(out_dir, "snapshots")
        shutil.rmtree(out_dir, ignore_errors=True)
        os.makedirs(snap_dir)
    else:
        out_dir = None
        snap_dir = tempfile.mkdtemp(prefix="refgraph-pytest-")
    failed = False
    try:
        paths = _run_measured(pyfuncitem, settings, snap_dir)
        gc.collect()
        result = refgraph.diff(paths, no_cache=True, **settings.thresholds)
        verdict = result.verdict
        failed = verdict.leak and not allowed(verdict.growth, settings.allow)
        if failed:
            message = verdict.text
            if out_dir:
                rep = refgraph.report(paths, out_dir, title=pyfuncitem.nodeid, no_cache=True)
                message += "\nfull report: %s (snapshots in %s)" % (rep.markdown, snap_dir)
            pytest.fail(message, pytrace=False)
    finally:
        if not (failed and out_dir):
            shutil.rmtree(out_dir or snap_dir, ignore_errors=True)
    return True
