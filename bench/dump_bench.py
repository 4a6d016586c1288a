"""Speed and memory of the Python dumper on the seed scenario's heap.

Builds the heap of examples/queue_leak.py / the seed (a module-level queue.Queue whose
deque holds N (seq, time, Job) tuples, each Job with a 4-int payload list) in a fresh
child process, then dumps it with refgraph_dump.dump() and reports:

  us/object    wall and thread-CPU time of the walk (gc.get_objects() to last line
               written) divided by the objects in the snapshot
  dump total   wall time of dump(), and the CPU time (user+sys) of the whole process
               during it: with the C accelerator a writer thread does the file's
               write(2) calls beside the walk, which the walk's thread CPU leaves out
  bytes/object extra memory of the dump divided by the objects in the snapshot:
               tracemalloc peak during dump() (a separate run: tracing slows the walk),
               and the ru_maxrss growth of the timing run

The default N = 300000 jobs gives 1.5 M objects in the snapshot (5 per job: tuple,
float, Job, list, int). --objgraph also times objgraph 3.5.0 (Debian's python3-objgraph,
/usr/bin/python3) on /work/shared/cases/seedleak.py in the same run, for ratios.

With the C accelerator built (tools/python/_refgraph_accel.c, in BUILD/python), both
paths are timed in the same run, alternating: "accel" imports it, "pure" sets
REFGRAPH_DUMP_PURE=1. --pure-only / --accel-only restrict the runs.

--against OLD.py also times another refgraph_dump.py (e.g. the previous commit's, from
`git show main:tools/python/refgraph_dump.py > /tmp/old.py`) in the same run,
alternating with this one on each path, and prints the new/old ratios;
--against-accel DIR holds the _refgraph_accel*.so built from that commit's
_refgraph_accel.c, when its API differs.

Run:  python3 bench/dump_bench.py [--jobs N] [--repeat R] [--gz] [--objgraph]
                                  [--build DIR] [--pure-only | --accel-only]
                                  [--against OLD.py [--against-accel DIR]] [--no-memory]
Figures and notes: docs/performance.md, section "Python dumper".
"""
import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)
TOOLS = os.path.join(SRC, "tools", "python")

CHILD = r'''
import gc, json, os, queue, resource, sys, time
sys.path[:0] = sys.argv[1].split(os.pathsep)
import refgraph_dump

jobs_n, path, mode = int(sys.argv[2]), sys.argv[3], sys.argv[4]
jobs = queue.Queue()

class Job:
    def __init__(self, n):
        self.n = n
        self.payload = [n] * 4

for n in range(jobs_n):
    jobs.put((n, time.time(), Job(n)))
gc_count = len(gc.get_objects())
rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
ru0 = resource.getrusage(resource.RUSAGE_SELF)
if mode == "memory":
    import tracemalloc
    tracemalloc.start()
    info = refgraph_dump.dump(path)
    info["traced_peak"] = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
else:
    info = refgraph_dump.dump(path)
ru1 = resource.getrusage(resource.RUSAGE_SELF)
# The whole process's CPU time in dump(): the C walker's writer thread included.
info["dump_cpu"] = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
info["rss_growth"] = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss0) * 1024
info["gc_count"] = gc_count
info["file_bytes"] = os.path.getsize(path)
print(json.dumps(info))
'''


def run_child(jobs, path, mode, accel_dir=None, tools=TOOLS):
    """One dump in a fresh child: with the accelerator importable from accel_dir, or,
    when accel_dir is None, on the pure-Python path (REFGRAPH_DUMP_PURE=1). tools: the
    directory the dumper is imported from (another one for --against)."""
    env = dict(os.environ)
    env.pop("REFGRAPH_DUMP_PURE", None)
    dirs = tools
    if accel_dir is None:
        env["REFGRAPH_DUMP_PURE"] = "1"
    else:
        dirs += os.pathsep + accel_dir
    if os.path.exists(path):
        os.unlink(path)  # else dump()'s rename frees the previous run's file, timed
    out = subprocess.run([sys.executable, "-c", CHILD, dirs, str(jobs), path, mode],
                         check=True, capture_output=True, text=True, env=env)
    info = json.loads(out.stdout.strip().splitlines()[-1])
    if info.get("accel", False) != (accel_dir is not None):
        raise SystemExit("dump_bench: the %s run did not take that path"
                         % ("accel" if accel_dir else "pure"))
    return info


def accel_dir_of(build):
    d = os.path.join(build, "python")
    return d if glob.glob(os.path.join(d, "_refgraph_accel*.so")) else None


def report(label, runs, mem, repeat):
    best = min(runs, key=lambda r: r["walk_cpu_seconds"])
    n = best["objects"]
    print("[%s]" % label)
    print("objects     %d in the snapshot (%d tracked by gc), %d edges"
          % (n, best["gc_count"], best["edges"]))
    print("file        %.1f MB (%.0f bytes/object)" % (best["file_bytes"] / 1e6,
                                                       best["file_bytes"] / n))
    print("walk        %.2f s wall, %.2f s thread CPU (best of %d; all CPU: %s; all wall: %s)"
          % (best["walk_seconds"], best["walk_cpu_seconds"], repeat,
             ", ".join("%.2f" % r["walk_cpu_seconds"] for r in runs),
             ", ".join("%.2f" % r["walk_seconds"] for r in runs)))
    print("us/object   %.2f wall, %.2f CPU" % (best["walk_seconds"] / n * 1e6,
                                                best["walk_cpu_seconds"] / n * 1e6))
    print("dump total  %.2f s wall (incl. open, header patch, rename); %.2f s CPU of the "
          "process (user+sys, writer thread included; all: %s)"
          % (best["seconds"], best["dump_cpu"], ", ".join("%.2f" % r["dump_cpu"] for r in runs)))
    if mem is not None:
        print("memory      tracemalloc peak %.1f MB = %.1f bytes/object; ru_maxrss growth"
              " %.1f MB = %.1f bytes/object"
              % (mem["traced_peak"] / 1e6, mem["traced_peak"] / n,
                 best["rss_growth"] / 1e6, best["rss_growth"] / n))
    return best


def objgraph_times():
    seed = "/work/shared/cases/seedleak.py"
    py = "/usr/bin/python3"
    if not (os.path.exists(seed) and os.path.exists(py)):
        return None
    out = subprocess.run([py, seed, "objgraph", "2"], capture_output=True, text=True)
    return out.stdout.strip() if out.returncode == 0 else "objgraph failed: " + out.stderr[-300:]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--jobs", type=int, default=300000)
    p.add_argument("--repeat", type=int, default=3, help="timing runs (the best is reported)")
    p.add_argument("--gz", action="store_true", help="also time a .gz dump")
    p.add_argument("--objgraph", action="store_true", help="also time objgraph on the seed")
    p.add_argument("--build", default=os.environ.get("REFGRAPH_BUILD") or os.path.join(SRC, "build"),
                   help="build directory holding python/_refgraph_accel*.so (default: build)")
    p.add_argument("--against", help="another refgraph_dump.py to time alternately")
    p.add_argument("--against-accel", help="directory holding the _refgraph_accel that "
                   "--against's dumper needs (default: the same as this one's)")
    p.add_argument("--no-memory", action="store_true", help="skip the tracemalloc runs")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--pure-only", action="store_true", help="time only the pure-Python path")
    g.add_argument("--accel-only", action="store_true", help="time only the C accelerator")
    a = p.parse_args()
    accel = None if a.pure_only else accel_dir_of(a.build)
    if a.accel_only and accel is None:
        raise SystemExit("dump_bench: no _refgraph_accel in %s/python" % a.build)
    paths = ([] if a.accel_only else [None]) + ([accel] if accel else [])
    tmp = tempfile.mkdtemp(prefix="rgbench-")
    # A mode: (label, accel dir or None, directory the dumper is imported from).
    modes = [("accel" if m else "pure", m, TOOLS) for m in paths]
    if a.against:
        old_dir = os.path.join(tmp, "old")
        os.mkdir(old_dir)
        shutil.copy(a.against, os.path.join(old_dir, "refgraph_dump.py"))
        modes = [x for m in modes for x in (
            m, ("old " + m[0], (a.against_accel or m[1]) if m[1] else None, old_dir))]
    try:
        print("python      %s" % sys.version.split()[0])
        print("jobs        %d" % a.jobs)
        if accel is None and not a.pure_only:
            print("accel       not built in %s/python: pure path only" % a.build)
        # Alternate the paths run by run, so that load changes hit both alike.
        runs = {m: [] for m in modes}
        for i in range(a.repeat):
            for m in modes:
                runs[m].append(run_child(a.jobs, os.path.join(tmp, "s%d.jsonl" % i), "time",
                                         m[1], m[2]))
        bests = {}
        for m in modes:
            mem = (None if a.no_memory else
                   run_child(a.jobs, os.path.join(tmp, "m.jsonl"), "memory", m[1], m[2]))
            bests[m] = report(m[0], runs[m], mem, a.repeat)
        byname = {m[0]: bests[m] for m in modes}
        if "pure" in byname and "accel" in byname:
            bp, ba = byname["pure"], byname["accel"]
            print("speed-up    %.2fx CPU, %.2fx wall (pure / accel, best runs)"
                  % (bp["walk_cpu_seconds"] / ba["walk_cpu_seconds"],
                     bp["walk_seconds"] / ba["walk_seconds"]))
        for name in ("pure", "accel"):
            if name in byname and "old " + name in byname:
                bn, bo = byname[name], byname["old " + name]
                print("new/old     %s: %.3f walk thread CPU, %.3f dump process CPU, %.3f "
                      "walk wall (best runs; < 1 is faster)"
                      % (name, bn["walk_cpu_seconds"] / bo["walk_cpu_seconds"],
                         bn["dump_cpu"] / bo["dump_cpu"],
                         bn["walk_seconds"] / bo["walk_seconds"]))
        if a.gz:
            gz = run_child(a.jobs, os.path.join(tmp, "g.jsonl.gz"), "time", modes[-1][1])
            print("gz          %.2f s total, walk %.2f s, %.1f MB"
                  % (gz["seconds"], gz["walk_seconds"], gz["file_bytes"] / 1e6))
        if a.objgraph:
            print("objgraph    %s" % (objgraph_times() or "not available").replace("\n", " | "))
        try:
            print("load        %.2f %.2f %.2f" % os.getloadavg())
        except OSError:
            pass
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
