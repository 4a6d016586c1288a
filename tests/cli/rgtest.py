"""Shared helpers for the Python tests: find the built CLI, run it, make temp dirs.

Imported by tests/cli, tests/python and tests/e2e scripts (they add this
directory to sys.path)."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

SRC = os.environ.get("REFGRAPH_SRC") or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("REFGRAPH_BUILD") or os.path.join(SRC, "build")
REFGRAPH = os.environ.get("REFGRAPH") or os.path.join(BUILD, "tools", "refgraph")
DATA = os.path.join(SRC, "tests", "data")
PYDIR = os.path.join(SRC, "tools", "python")
SANITIZED = os.environ.get("REFGRAPH_SANITIZED") == "1"


def run(*args, check=None, input=None, env=None, cwd=None, timeout=600):
    """Run the refgraph CLI; returns CompletedProcess with text output.
    check=N asserts the exit status is N."""
    p = subprocess.run([REFGRAPH, *map(str, args)], capture_output=True, text=True,
                       input=input, env=env, cwd=cwd, timeout=timeout)
    if check is not None and p.returncode != check:
        raise AssertionError(f"refgraph {' '.join(map(str, args))}: exit {p.returncode}, expected {check}\n"
                             f"stdout:\n{p.stdout}\nstderr:\n{p.stderr}")
    return p


def run_json(*args):
    p = run(*args, "--json", check=0)
    return json.loads(p.stdout)


def dump_example(example, outdir, *example_args, runner_args=("--at-exit",), timeout=300):
    """Run examples/<example> under the Python dumper; return the snapshot paths
    written into outdir, in order."""
    env = dict(os.environ, PYTHONPATH=PYDIR)
    cmd = [sys.executable, "-m", "refgraph_dump", "-o", outdir, *runner_args, "--",
           os.path.join(SRC, "examples", example), *map(str, example_args)]
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)
    if p.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} failed ({p.returncode}):\n{p.stdout}\n{p.stderr}")
    snaps = run_snapshots(outdir)
    if not snaps:
        raise AssertionError(f"no snapshot written by {' '.join(cmd)}\n{p.stderr}")
    return snaps


def run_snapshots(outdir):
    """The snapshot paths, in order, of the one run the dumper wrote into outdir
    (outdir/run-<pid>-<start>/snap-NNNN-…)."""
    runs = sorted(d for d in os.listdir(outdir) if d.startswith("run-"))
    if len(runs) != 1:
        raise AssertionError(f"expected one run directory in {outdir}, found {runs}")
    run_dir = os.path.join(outdir, runs[0])
    return sorted(os.path.join(run_dir, f) for f in os.listdir(run_dir)
                  if f.endswith((".jsonl", ".jsonl.gz", ".jsonl.zst")))


def have_dumper():
    return os.path.exists(os.path.join(PYDIR, "refgraph_dump.py"))


class TempDirTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="rgtest-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)


def main():
    unittest.main(verbosity=2)
