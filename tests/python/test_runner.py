"""The runner, `python3 -m refgraph_dump -o DIR [...] -- program`, in real processes.

Run: python3 tests/python/test_runner.py
"""
import glob
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_dumper import (EXAMPLES, REFGRAPH, TOOLS, Snapshot, check_with_cli,  # noqa: E402
                         child_env, cli_available, run_py)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cli"))
import rgtest  # noqa: E402

RUN_DIR = re.compile(r"^run-(\d+)-\d{8}T\d{6}Z$")


def refgraph(*args, check=0):
    p = subprocess.run([REFGRAPH, *args], capture_output=True, text=True, timeout=300)
    rgtest.skip_if_render_off(p.stderr)
    if check is not None and p.returncode != check:
        raise AssertionError("refgraph %s: exit %d\n%s%s" % (" ".join(args), p.returncode,
                                                            p.stdout, p.stderr))
    return p


class RunnerTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="rgrun-")
        self.out = os.path.join(self.dir, "out")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(textwrap.dedent(text))
        return path

    def snaps(self):
        return sorted(glob.glob(os.path.join(self.out, "run-*", "snap-*")))

    def test_script_runs_unchanged(self):
        script = self.write("prog/app.py", """
            import sys, os
            import helper                       # found through sys.path[0] = script dir
            print("argv", sys.argv)
            print("name", __name__, "file", __file__)
            print("path0", sys.path[0])
            print("main is me", sys.modules["__main__"].__dict__ is globals())
            kept = helper.Thing()
            sys.exit(3)
            """)
        self.write("prog/helper.py", "class Thing:\n    pass\n")
        p = run_py(["-m", "refgraph_dump", "-o", self.out, "--", script, "a", "--b"],
                   cwd=self.dir, check=False)
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertIn("argv %r" % [script, "a", "--b"], p.stdout)
        self.assertIn("name __main__ file %s" % script, p.stdout)
        self.assertIn("path0 %s" % os.path.dirname(script), p.stdout)
        self.assertIn("main is me True", p.stdout)
        snaps = self.snaps()
        self.assertEqual(len(snaps), 1, p.stderr)  # default: one dump at exit
        self.assertRegex(os.path.basename(snaps[0]), r"^snap-0001-\d{10}\.jsonl$")
        snap = Snapshot(snaps[0])
        self.assertEqual(snap.header["seq"], 1)
        self.assertEqual(len(snap.of_type("helper.Thing")), 1)
        main = [snap.objects[r["id"]] for r in snap.roots
                if r["kind"] == "module" and r["label"] == "__main__"]
        self.assertEqual(len(main), 1)
        self.assertEqual(snap.target(main[0], "global", "kept")["type"], "helper.Thing")
        self.assertEqual([n for n in os.listdir(os.path.dirname(snaps[0])) if ".tmp" in n], [])
        check_with_cli(self, snaps[0])

    def test_dash_m_module(self):
        self.write("pkg/__init__.py", "")
        self.write("pkg/tool.py", """
            import sys
            class Marker:
                pass
            marker = Marker()
            if __name__ == "__main__":
                print("argv", sys.argv[1:])
            """)
        p = run_py(["-m", "refgraph_dump", "-o", self.out, "--at-exit", "--", "-m", "pkg.tool", "x"],
                   cwd=self.dir)
        self.assertIn("argv ['x']", p.stdout)
        snap = Snapshot(self.snaps()[0])
        self.assertEqual(len(snap.of_type("__main__.Marker")), 1)
        self.assertEqual(snap.render_path(snap.of_type("__main__.Marker")[0]["id"]),
                         "module __main__ .marker -> __main__.Marker")

    def test_every_with_max_numbers_snapshots(self):
        # The leak runs until the third snapshot is on disk, not for a fixed
        # time: on a loaded machine a dump takes seconds, and a 5 s run once
        # ended after two (a flaky test). Then it runs 1.5 s more, in which
        # a fourth would start if --max were ignored.
        wrapper = self.write("until_three.py", """
            import glob, os, runpy, sys, threading, time
            out, example = sys.argv[1], sys.argv[2]

            def watch():
                deadline = time.monotonic() + 600
                while (len(glob.glob(os.path.join(out, "run-*", "snap-*"))) < 3
                       and time.monotonic() < deadline):
                    time.sleep(0.05)
                time.sleep(1.5)
                sys.modules["__main__"].stop.set()  # the example's, while runpy runs it

            threading.Thread(target=watch, name="watcher", daemon=True).start()
            sys.argv = [example, "--rate", "300", "--seconds", "600"]
            runpy.run_path(example, run_name="__main__")
            """)
        p = run_py(["-m", "refgraph_dump", "-o", self.out, "--every", "1", "--max", "3", "--",
                    wrapper, self.out, os.path.join(EXAMPLES, "queue_leak.py")], timeout=900)
        snaps = self.snaps()
        self.assertEqual(len(snaps), 3, p.stderr)
        times = []
        jobs = []
        for n, path in enumerate(snaps, 1):
            self.assertRegex(os.path.basename(path), r"^snap-%04d-\d{10}\.jsonl$" % n)
            snap = Snapshot(path)
            self.assertEqual(snap.header["seq"], n)
            times.append(snap.header["time"])
            jobs.append(len(snap.of_type("__main__.Job")))
            labels = [r["label"] for r in snap.roots if r["kind"] == "thread"]
            self.assertFalse([l for l in labels if l.startswith("refgraph-dump")], labels)
            self.assertTrue([l for l in labels if l.startswith("producer-")], labels)
            self.assertTrue([l for l in labels if l.startswith("MainThread: ")], labels)
            # The dumper's thread is the dumper's own: neither its Thread object nor
            # any of its frames is in (issue 12: no dumper objects in a snapshot).
            thread_objs = [o for o in snap.of_type("threading.Thread")
                           if any(snap.objects[r[0]].get("repr") == "'refgraph-dump'"
                                  for r in snap.refs(o, "attr", "_name") if r[0] in snap.objects)]
            self.assertEqual(len(thread_objs), 0)
            self.assertFalse([o for o in snap.objects.values() if o["type"].startswith("refgraph_dump.")])
            names = {o.get("name") for o in snap.of_type("frame")}
            self.assertNotIn("_every_loop()", names)
            check_with_cli(self, path)
        self.assertEqual(times, sorted(times))
        self.assertLess(jobs[0], jobs[1])
        self.assertLess(jobs[1], jobs[2])

    def test_signal(self):
        script = self.write("sig.py", """
            import os, signal, time
            class Marker:
                pass
            def work():
                local_marker = Marker()
                os.kill(os.getpid(), signal.SIGUSR2)
                time.sleep(0.05)    # the handler runs in this frame
                return local_marker
            work()
            """)
        p = run_py(["-m", "refgraph_dump", "-o", self.out, "--signal", "USR2", "--", script])
        snaps = self.snaps()
        self.assertEqual(len(snaps), 1, p.stderr)  # --signal alone: no dump at exit
        snap = Snapshot(snaps[0])
        marker = snap.one("__main__.Marker")
        root, steps = snap.shortest_path(marker["id"])
        self.assertEqual((root["kind"], root["label"]), ("thread", "MainThread: work()"))
        self.assertEqual(steps[-1][1][1:], ["local", "local_marker"])
        labels = [r["label"] for r in snap.roots if r["kind"] == "thread"]
        self.assertIn("MainThread: <module>", labels)
        self.assertFalse([l for l in labels if "take" in l or "lambda" in l], labels)

    def test_compress_gz_and_at_exit_with_every(self):
        script = self.write("short.py", "import time\nx = [1, 2, 3]\ntime.sleep(0.3)\n")
        run_py(["-m", "refgraph_dump", "-o", self.out, "--compress", "gz", "--every", "30",
                "--at-exit", "--", script])
        snaps = self.snaps()
        self.assertEqual(len(snaps), 1)
        self.assertTrue(snaps[0].endswith(".jsonl.gz"))
        with open(snaps[0], "rb") as f:
            self.assertEqual(f.read(2), b"\x1f\x8b")
        Snapshot(snaps[0])

    def test_bad_arguments(self):
        p = run_py(["-m", "refgraph_dump", "-o", self.out], check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn("no program given", p.stderr)
        p = run_py(["-m", "refgraph_dump", "-o", self.out, "--signal", "NOPE", "--", "x.py"],
                   check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn("unknown signal", p.stderr)


    def runs(self):
        return sorted(d for d in os.listdir(self.out) if d.startswith("run-"))

    def test_pid_line_and_run_directory(self):
        script = self.write("short.py", "x = [1, 2, 3]\n")
        p = run_py(["-m", "refgraph_dump", "-o", self.out, "--", script])
        (run,) = self.runs()
        m = RUN_DIR.match(run)
        self.assertTrue(m, run)
        lines = [l for l in p.stderr.splitlines() if " pid " in l]
        self.assertEqual(lines, ["refgraph_dump: pid %s, snapshots in %s"
                                 % (m.group(1), os.path.join(self.out, run))], p.stderr)
        self.assertEqual(Snapshot(self.snaps()[0]).header["pid"], int(m.group(1)))

    def test_missing_program_is_one_line_and_no_snapshot(self):
        for prog in (["missing.py"], ["-m", "no_such_module_here"], ["-m"]):
            p = run_py(["-m", "refgraph_dump", "-o", self.out, "--"] + prog, cwd=self.dir,
                       check=False)
            self.assertEqual(p.returncode, 2, (prog, p.stderr))
            self.assertEqual(len(p.stderr.strip().splitlines()), 1, (prog, p.stderr))
            self.assertTrue(p.stderr.startswith("refgraph_dump: "), p.stderr)
            self.assertNotIn("Traceback", p.stderr)
            self.assertFalse(os.path.exists(self.out) and self.runs(), prog)
        self.assertIn("can't open missing.py: No such file or directory", run_py(
            ["-m", "refgraph_dump", "-o", self.out, "--", "missing.py"], cwd=self.dir,
            check=False).stderr)
        bad = self.write("bad.py", "def f(:\n")
        p = run_py(["-m", "refgraph_dump", "-o", self.out, "--", bad], check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn("bad.py:1: SyntaxError", p.stderr)
        self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)

    def test_unwritable_output_is_one_line_and_program_not_run(self):
        marker = os.path.join(self.dir, "ran")
        script = self.write("prog.py", "open(%r, 'w').close()\n" % marker)
        afile = self.write("afile", "not a directory\n")
        for out, why in ((afile, "File exists"), (os.path.join(afile, "sub"), "Not a directory")):
            p = run_py(["-m", "refgraph_dump", "-o", out, "--", script], check=False)
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertEqual(p.stderr.strip(), "refgraph_dump: -o %s: %s" % (out, why))
            self.assertFalse(os.path.exists(marker), "the program ran")

    def test_at_exit_is_written_when_max_was_reached(self):
        script = self.write("sig2.py", """
            import os, signal
            os.kill(os.getpid(), signal.SIGUSR2)   # written (1 of --max 1)
            os.kill(os.getpid(), signal.SIGUSR2)   # over --max: not written
            """)
        p = run_py(["-m", "refgraph_dump", "-o", self.out, "--signal", "USR2", "--max", "1",
                    "--at-exit", "--", script])
        snaps = self.snaps()
        self.assertEqual([os.path.basename(s)[:9] for s in snaps], ["snap-0001", "snap-0002"],
                         p.stderr)
        self.assertIn("at exit: wrote", p.stderr)
        self.assertEqual(Snapshot(snaps[1]).header["seq"], 2)

    def test_failed_at_exit_dump_is_one_line_and_nonzero(self):
        script = self.write("rm.py", """
            import shutil, sys
            shutil.rmtree(sys.argv[1])   # the run directory goes away before the dump
            """)
        p = run_py(["-m", "refgraph_dump", "-o", self.out, "--", script, self.out], check=False)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertNotIn("Traceback", p.stderr)
        fails = [l for l in p.stderr.splitlines() if "dump failed" in l]
        self.assertEqual(len(fails), 1, p.stderr)
        self.assertRegex(fails[0], r"^refgraph_dump: at exit: dump failed: .*No such file")
        # The program's own failure status wins over the dumper's 1.
        script = self.write("rm3.py", """
            import shutil, sys
            shutil.rmtree(sys.argv[1])
            sys.exit(3)
            """)
        p = run_py(["-m", "refgraph_dump", "-o", self.out, "--", script, self.out], check=False)
        self.assertEqual(p.returncode, 3, p.stderr)

    @unittest.skipUnless(cli_available(), "needs the refgraph CLI (REFGRAPH)")
    def test_two_runs_never_mix_and_the_cli_takes_the_newest(self):
        pids = []
        for n in (2, 3):
            script = self.write("grow%d.py" % n, """
                import os, signal
                class Item:
                    pass
                items = []
                for _ in range(%d):
                    items.extend(Item() for _ in range(100))
                    os.kill(os.getpid(), signal.SIGUSR2)
                print(os.getpid())
                """ % n)
            p = run_py(["-m", "refgraph_dump", "-o", self.out, "--signal", "USR2", "--", script])
            pids.append(int(p.stdout))
        runs = self.runs()
        self.assertEqual(len(runs), 2)
        by_pid = {int(RUN_DIR.match(r).group(1)): r for r in runs}
        self.assertEqual(sorted(by_pid), sorted(pids))
        self.assertEqual(len(os.listdir(os.path.join(self.out, by_pid[pids[0]]))), 2)
        self.assertEqual(len(os.listdir(os.path.join(self.out, by_pid[pids[1]]))), 3)
        newest = os.path.join(self.out, by_pid[pids[1]])
        # The parent directory: the newest run, said on stderr.
        p = refgraph("diff", "--json", "--no-cache", self.out)
        self.assertIn("using the newest run of several, %s" % newest, p.stderr)
        d = json.loads(p.stdout)
        self.assertEqual([os.path.dirname(s["source"]) for s in d["points"]], [newest] * 3)
        # A run directory directly.
        d = json.loads(refgraph("diff", "--json", "--no-cache",
                                os.path.join(self.out, by_pid[pids[0]])).stdout)
        self.assertEqual(len(d["points"]), 2)
        # One-snapshot commands take the newest snapshot of the newest run.
        p = refgraph("types", "--no-cache", self.out)
        last = sorted(os.listdir(newest))[-1]
        self.assertIn("using its newest snapshot, %s" % os.path.join(newest, last), p.stderr)
        self.assertRegex(p.stdout, r"__main__\.Item\s+300\b")
        for cmd in (["info"], ["chain", "--type", "Item"], ["suspects"], ["dominators"],
                    ["backrefs", "--type", "Item", "-o", os.path.join(self.dir, "b.dot")],
                    ["refs", "--type", "Item", "-o", os.path.join(self.dir, "r.dot")]):
            p = refgraph(cmd[0], "--no-cache", self.out, *cmd[1:])
            self.assertIn("using its newest snapshot", p.stderr, cmd)
        p = refgraph("info", "--no-cache", self.dir, check=1)
        self.assertIn("no snapshots in this directory", p.stderr)

    def test_install_signal_in_program(self):
        script = self.write("svc.py", """
            import os, signal, sys
            import refgraph_dump
            class Leak:
                pass
            leaks = [Leak() for _ in range(50)]
            run_dir = refgraph_dump.install(directory=sys.argv[1])
            assert refgraph_dump.install(directory="elsewhere") == run_dir   # once only
            os.kill(os.getpid(), signal.SIGUSR2)
            leaks += [Leak() for _ in range(50)]
            os.kill(os.getpid(), signal.SIGUSR2)
            print(run_dir)
            """)
        p = run_py([script, self.out])
        run_dir = p.stdout.strip()
        self.assertEqual(os.path.dirname(run_dir), self.out)
        self.assertTrue(RUN_DIR.match(os.path.basename(run_dir)), run_dir)
        self.assertIn("refgraph_dump: pid %s: snapshots (kill -USR2 %s) go to %s"
                      % ((RUN_DIR.match(os.path.basename(run_dir)).group(1),) * 2 + (run_dir,)),
                      p.stderr)
        snaps = self.snaps()
        self.assertEqual(len(snaps), 2, p.stderr)
        self.assertEqual([len(Snapshot(s).of_type("__main__.Leak")) for s in snaps], [50, 100])
        self.assertFalse(os.path.exists("elsewhere"))

    def test_install_every_and_bad_arguments(self):
        script = self.write("svc.py", """
            import os, sys, time
            import refgraph_dump
            for bad in (dict(every=0), dict(signal="NOPE"), dict(compress="xz"), dict(max=0)):
                try:
                    refgraph_dump.install(directory=sys.argv[1], **bad)
                except ValueError as e:
                    print("refused", e)
            run_dir = refgraph_dump.install(signal=None, every=0.01, max=2, directory=sys.argv[1])
            deadline = time.monotonic() + 120
            while len([n for n in os.listdir(run_dir) if n.startswith("snap-")]) < 2:
                assert time.monotonic() < deadline, "no periodic snapshots"
                time.sleep(0.01)
            """)
        p = run_py([script, self.out])
        self.assertEqual(p.stdout.count("refused"), 4, p.stdout)
        self.assertEqual(len(self.runs()), 1)
        self.assertEqual(len(self.snaps()), 2, p.stderr)

    @unittest.skipUnless(cli_available(), "needs the refgraph CLI (REFGRAPH)")
    def test_install_from_environment_only(self):
        # A parent that only sets environment variables, as a process manager would;
        # the service's code knows nothing of refgraph.
        script = self.write("service.py", """
            import sys
            class Session:
                pass
            sessions = {}
            for i in range(2000):
                sessions[i] = Session()
            print("ready", flush=True)
            sys.stdin.readline()       # a service waiting for work; USR2 arrives here
            print("bye", flush=True)
            """)
        env = child_env()
        env["PYTHONPATH"] = os.path.join(TOOLS, "autoinstall")
        env["REFGRAPH_DUMP"] = "signal=USR2,dir=%s" % self.out
        proc = subprocess.Popen([sys.executable, script], env=env, stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            self.assertEqual(proc.stdout.readline(), "ready\n")
            proc.send_signal(signal.SIGUSR2)
            err = []
            while True:  # the dump is done when it says so
                line = proc.stderr.readline()
                self.assertTrue(line, "service ended without a snapshot: %s" % "".join(err))
                err.append(line)
                if "wrote" in line:
                    break
            out, rest = proc.communicate("work\n", timeout=120)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        self.assertEqual(proc.returncode, 0, rest)
        self.assertEqual(out, "bye\n")
        self.assertIn("snapshots (kill -USR2 %d) go to %s" % (proc.pid, self.out), err[0])
        (run,) = self.runs()
        self.assertEqual(RUN_DIR.match(run).group(1), str(proc.pid))
        j = json.loads(refgraph("suspects", "--json", "--no-cache", self.out).stdout)
        top = j["suspects"][0]
        self.assertIn("__main__.Session", json.dumps(top))
        # A bad variable: one line, the program runs unchanged.
        env["REFGRAPH_DUMP"] = "sig=USR2"
        p = subprocess.run([sys.executable, "-c", "print('ran')"], env=env, capture_output=True,
                           text=True, timeout=120)
        self.assertEqual((p.returncode, p.stdout), (0, "ran\n"))
        self.assertEqual(p.stderr, "refgraph_dump: REFGRAPH_DUMP=sig=USR2: unknown key 'sig' "
                         "(known: signal, dir, every, max, collect, compress, at_exit); "
                         "no snapshots will be taken\n")
        # Unset: nothing of refgraph is imported.
        del env["REFGRAPH_DUMP"]
        p = subprocess.run([sys.executable, "-c", "import sys; print('refgraph_dump' in sys.modules)"],
                           env=env, capture_output=True, text=True, timeout=120)
        self.assertEqual((p.stdout, p.stderr), ("False\n", ""))


if __name__ == "__main__":
    unittest.main()
