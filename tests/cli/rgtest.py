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
# A build without diagrams and reports (cmake -DREFGRAPH_RENDER=OFF): a test
# whose command needs them is skipped, not failed (see run()).
RENDER = os.environ.get("REFGRAPH_RENDER", "1") != "0"
RENDER_OFF_MESSAGE = "built without rendering (REFGRAPH_RENDER=OFF)"
needs_render = unittest.skipUnless(RENDER, RENDER_OFF_MESSAGE)


def skip_if_render_off(stderr):
    """Skip the running test when the CLI said it was built without rendering."""
    if isinstance(stderr, bytes):
        stderr = stderr.decode("utf-8", "replace")
    if not RENDER and RENDER_OFF_MESSAGE in (stderr or ""):
        raise unittest.SkipTest(RENDER_OFF_MESSAGE)


def run(*args, check=None, input=None, env=None, cwd=None, timeout=600):
    """Run the refgraph CLI; returns CompletedProcess with text output.
    check=N asserts the exit status is N."""
    p = subprocess.run([REFGRAPH, *map(str, args)], capture_output=True, text=True,
                       input=input, env=env, cwd=cwd, timeout=timeout)
    skip_if_render_off(p.stderr)
    if check is not None and p.returncode != check:
        raise AssertionError(f"refgraph {' '.join(map(str, args))}: exit {p.returncode}, expected {check}\n"
                             f"stdout:\n{p.stdout}\nstderr:\n{p.stderr}")
    return p


def run_json(*args):
    p = run(*args, "--json", check=0)
    return json.loads(p.stdout)


# Drives a series of snapshots of an example (run by runpy as __main__) under
# `refgraph_dump --signal USR2`: it sends SIGUSR2 to its own process, waits for the
# snapshot file, and repeats, N times; then it sets the example's `stop` event so
# that the example ends as at its deadline. Between two snapshots it waits for
# `grow` more jobs in the example's queue (queue_leak.py), or for 1 s of running
# when grow is 0. A series dumped --every K for a fixed --seconds was a flaky test:
# on a loaded machine a dump takes 3-5 s instead of 1.5, so the run ended with
# fewer snapshots than asked for, or dumps ran back to back with no growth
# between them.
UNTIL_SNAPSHOTS = """
import glob, os, runpy, signal, sys, threading, time
out, want, grow, example = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]

def count():
    return len(glob.glob(os.path.join(out, "run-*", "snap-*")))

def drive():
    deadline = time.monotonic() + 500
    while "stop" not in vars(sys.modules["__main__"]) and time.monotonic() < deadline:
        time.sleep(0.01)
    example = sys.modules["__main__"]  # the example's module, while runpy runs it
    for k in range(1, want + 1):
        if grow:
            base = example.jobs.qsize()
            while example.jobs.qsize() < base + grow and time.monotonic() < deadline:
                time.sleep(0.01)
        else:
            time.sleep(1.0)
        os.kill(os.getpid(), signal.SIGUSR2)
        while count() < k and time.monotonic() < deadline:
            time.sleep(0.05)
    example.stop.set()

threading.Thread(target=drive, name="driver", daemon=True).start()
sys.argv = [example] + sys.argv[5:]
runpy.run_path(example, run_name="__main__")
"""


def until_snapshots_args(outdir, want, example_path, grow=0):
    """The runner arguments and program that take `want` snapshots of `example_path`
    into outdir, driven by UNTIL_SNAPSHOTS (written beside outdir), with `grow` more
    queued jobs between two (0: a second of running). Append the example's own
    arguments, with a --seconds far beyond."""
    wrapper = os.path.join(os.path.dirname(os.path.abspath(outdir)), "until_snapshots.py")
    with open(wrapper, "w") as f:
        f.write(UNTIL_SNAPSHOTS)
    return ["--signal", "USR2", "--", wrapper, outdir, str(want), str(grow), example_path]


def dump_series(example, outdir, want=3, grow=0, seconds=400):
    """Take `want` snapshots of examples/<example> (which needs a `stop` event, and a
    `jobs` queue when grow > 0) into outdir, driven by UNTIL_SNAPSHOTS; return their
    paths, in order."""
    env = dict(os.environ, PYTHONPATH=PYDIR)
    cmd = [sys.executable, "-m", "refgraph_dump", "-o", outdir,
           *until_snapshots_args(outdir, want, os.path.join(SRC, "examples", example), grow),
           "--seconds", str(seconds)]
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=900)
    if p.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} failed ({p.returncode}):\n{p.stdout}\n{p.stderr}")
    snaps = run_snapshots(outdir)
    if len(snaps) != want:
        raise AssertionError(f"expected {want} snapshots, got {snaps}:\n{p.stderr}")
    return snaps


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
