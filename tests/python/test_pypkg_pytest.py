"""The pytest plugin in real pytest sessions: a test that leaks fails with refgraph diff's
verdict sentence (the same sentence `refgraph diff` prints for the snapshots the plugin
kept), its report is written under --refgraph-report-dir, and a clean test passes.

Session 1 loads the plugin through the package's pytest11 entry point and uses the
marker; session 2 disables entry points (PYTEST_DISABLE_PLUGIN_AUTOLOAD) and loads it
with `-p refgraph.pytest_plugin --refgraph-leaks`, with no marker in the file.

The interpreter is the one running this script if it has pytest, else Debian's
/usr/bin/python3 with python3-pytest (scripts/deps.sh); the package is installed into a
fresh venv made from it (with its site-packages visible, for pytest).

Run: python3 tests/python/test_pypkg_pytest.py (CTest sets REFGRAPH_BUILD and REFGRAPH).
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import unittest
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pkgtest import install_package, pytest_python, skip_reason, venv_env  # noqa: E402
from rgtest import run  # noqa: E402

PYTEST = pytest_python()
SKIP = skip_reason() or (None if PYTEST else
                         "no interpreter with pytest (install python3-pytest: scripts/deps.sh)")

MARKED = '''
import pytest

LEAK = []
ALLOWED = []


class Leaky:
    def __init__(self, n):
        self.n = n
        self.payload = [n] * 4


@pytest.mark.refgraph(iterations=4)
def test_leaky():
    LEAK.extend(Leaky(i) for i in range(500))


@pytest.mark.refgraph(iterations=4)
def test_clean():
    tmp = [Leaky(i) for i in range(500)]
    assert len(tmp) == 500


@pytest.mark.refgraph(iterations=4, allow=["ALLOWED"])
def test_leaky_but_allowed():
    ALLOWED.extend(Leaky(i) for i in range(500))
'''

UNMARKED = '''
SESSIONS = {}


class Session:
    def __init__(self, n):
        self.user = "user-%d" % n
        self.data = bytearray(64)


def test_cache_grows(request):
    base = len(SESSIONS)
    for i in range(300):
        SESSIONS["s%d" % (base + i)] = Session(base + i)


def test_clean():
    assert sum(len(Session(i).user) for i in range(300)) > 0
'''


def junit_results(path):
    """{test name: failure message or None}"""
    out = {}
    for case in ET.parse(path).getroot().iter("testcase"):
        fail = case.find("failure")
        err = case.find("error")
        bad = fail if fail is not None else err
        out[case.get("name")] = None if bad is None else (bad.get("message") or "")
    return out


def cli_verdict(snap_dir):
    text = run("diff", "--no-cache", snap_dir, check=0).stdout
    return re.search(r"^Verdict: (.*)$", text, re.M).group(1)


@unittest.skipIf(SKIP, SKIP or "")
class PytestSessions(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="rgpytest-")
        cls.python = install_package(cls.tmp, python=PYTEST, system_site_packages=True)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def session(self, name, source, *args, env=None):
        work = os.path.join(self.tmp, name)
        os.makedirs(work)
        with open(os.path.join(work, "test_%s.py" % name), "w") as f:
            f.write(textwrap.dedent(source))
        junit = os.path.join(work, "junit.xml")
        reports = os.path.join(work, "reports")
        p = subprocess.run([self.python, "-m", "pytest", "-p", "no:cacheprovider", "-q",
                            "--junitxml", junit, "--refgraph-report-dir", reports, *args,
                            "test_%s.py" % name],
                           capture_output=True, text=True, cwd=work, timeout=600,
                           env=dict(venv_env(), **(env or {})))
        self.assertTrue(os.path.exists(junit), "pytest wrote no results:\n%s\n%s" % (p.stdout, p.stderr))
        return p, junit_results(junit), reports

    def check_leak_failure(self, message, reports, test_dir, names):
        first = message.splitlines()[0]
        snaps = os.path.join(reports, test_dir, "snapshots")
        self.assertTrue(os.path.isdir(snaps), "snapshots not kept in %s" % snaps)
        # The same judgement as refgraph diff, word for word.
        self.assertEqual(first, cli_verdict(snaps))
        # It names what leaks and the container that holds it, and says it grew at
        # every iteration.
        for name in names:
            self.assertIn(name, first)
        self.assertIn("at every step", first)
        md = os.path.join(reports, test_dir, "report.md")
        self.assertIn("full report: " + md, message)
        with open(md, encoding="utf-8") as f:
            self.assertIn("## Summary", f.read())

    def test_marked_session(self):
        p, res, reports = self.session("marked", MARKED)
        out = p.stdout + p.stderr
        self.assertEqual(p.returncode, 1, out)
        self.assertEqual(set(res), {"test_leaky", "test_clean", "test_leaky_but_allowed"}, out)
        self.assertIsNone(res["test_clean"], res["test_clean"])
        self.assertIsNone(res["test_leaky_but_allowed"], res["test_leaky_but_allowed"])
        self.assertIsNotNone(res["test_leaky"], "the leaking test passed:\n" + out)
        self.check_leak_failure(res["test_leaky"], reports, "test_marked.py_test_leaky",
                                ["test_marked.Leaky", "LEAK", "list"])
        # Passing tests leave nothing behind.
        self.assertEqual(sorted(os.listdir(reports)), ["test_marked.py_test_leaky"])

    def test_dash_p_and_refgraph_leaks(self):
        p, res, reports = self.session(
            "unmarked", UNMARKED, "-p", "refgraph.pytest_plugin", "--refgraph-leaks",
            "--refgraph-iterations", "3", "--refgraph-warmup", "1",
            env={"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"})
        out = p.stdout + p.stderr
        self.assertEqual(p.returncode, 1, out)
        self.assertIsNone(res["test_clean"], res["test_clean"])
        self.assertIsNotNone(res["test_cache_grows"], "the leaking test passed:\n" + out)
        self.check_leak_failure(res["test_cache_grows"], reports, "test_unmarked.py_test_cache_grows",
                                ["test_unmarked.Session", "SESSIONS", "dict"])


if __name__ == "__main__":
    if SKIP:
        print("test_pypkg_pytest: skipped: " + SKIP, file=sys.stderr)
    unittest.main(verbosity=2)
