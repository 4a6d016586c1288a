"""The refgraph package installs offline into a fresh venv from a `cmake --install`
prefix, exactly as the README says, and works there without LD_LIBRARY_PATH or
PYTHONPATH: the installed dumper snapshots examples/queue_leak.py, and
`python -c "import refgraph; print(refgraph.open(SNAP).suspects()[0])"` names the
seed's culprit: the Jobs and the queue's deque that holds them.

Run: python3 tests/python/test_pypkg_install.py (CTest sets REFGRAPH_BUILD).
"""
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pkgtest import SRC, install_package, skip_reason, venv_env  # noqa: E402

SKIP = skip_reason()


@unittest.skipIf(SKIP, SKIP or "")
class InstallIntoFreshVenv(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="rgpkg-")
        # A venv without system site-packages: only what `python -m venv` gives
        # (pip and setuptools from ensurepip; no `wheel`).
        cls.python = install_package(cls.tmp)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def run_py(self, *args, cwd=None):
        p = subprocess.run([self.python, *args], capture_output=True, text=True,
                           env=venv_env(), cwd=cwd or self.tmp, timeout=600)
        self.assertEqual(p.returncode, 0, "%s failed:\n%s\n%s" % (args, p.stdout, p.stderr))
        return p

    def test_installed_outside_the_source_tree(self):
        out = self.run_py("-c", "import refgraph, refgraph._core, refgraph_dump, _refgraph_accel;"
                                "print(refgraph.__file__); print(refgraph_dump.__file__);"
                                "print(refgraph_dump._use_accel()); print(refgraph.library_version())")
        lines = out.stdout.split()
        venv = os.path.join(self.tmp, "venv")
        for f in lines[:2]:
            self.assertTrue(f.startswith(venv), "%s is not from the venv" % f)
        self.assertEqual(lines[2], "True", "the dumper does not use the installed accelerator")
        self.assertRegex(lines[3], r"^\d+\.\d+\.\d+$")

    def test_extension_finds_the_library_by_rpath(self):
        so = glob.glob(os.path.join(self.tmp, "venv", "lib", "python*", "site-packages",
                                    "refgraph", "_core*.so"))
        self.assertEqual(len(so), 1, so)
        ldd = subprocess.run(["ldd", so[0]], capture_output=True, text=True, env=venv_env()).stdout
        lib = [line for line in ldd.splitlines() if "librefgraph" in line]
        self.assertTrue(lib and os.path.join(self.tmp, "prefix") in lib[0],
                        "librefgraph not resolved from the install prefix:\n" + ldd)

    def test_readme_one_liner_names_the_seed_culprit(self):
        snaps = os.path.join(self.tmp, "snaps")
        # The installed dumper (python -m refgraph_dump from the venv), at exit.
        p = self.run_py("-m", "refgraph_dump", "-o", snaps, "--",
                        os.path.join(SRC, "examples", "queue_leak.py"), "--seconds", "0.6")
        backlog = int(re.search(r"backlog (\d+)", p.stdout).group(1))
        self.assertGreater(backlog, 100)
        snap = glob.glob(os.path.join(snaps, "**", "snap-*.jsonl"), recursive=True)
        self.assertEqual(len(snap), 1, snap)
        shutil.copy(snap[0], os.path.join(self.tmp, "snap.jsonl"))
        out = self.run_py("-c", "import refgraph; print(refgraph.open('snap.jsonl').suspects()[0])").stdout
        self.assertIn("%s \u00d7 __main__.Job" % format(backlog, ","), out)
        self.assertIn("accumulate in collections.deque", out)
        self.assertIn("module __main__ \u2192 .jobs queue.Queue \u2192 .queue collections.deque", out)


if __name__ == "__main__":
    if SKIP:
        print("test_pypkg_install: skipped: " + SKIP, file=sys.stderr)
    unittest.main(verbosity=2)
