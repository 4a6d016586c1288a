"""The runner, `python3 -m refgraph_dump -o DIR [...] -- program`, in real processes.

Run: python3 tests/python/test_runner.py
"""
import glob
import os
import re
import shutil
import signal
import sys
import tempfile
import textwrap
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_dumper import EXAMPLES, Snapshot, check_with_cli, run_py  # noqa: E402


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
        return sorted(glob.glob(os.path.join(self.out, "snap-*")))

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
        self.assertEqual([n for n in os.listdir(self.out) if ".tmp" in n], [])
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
        p = run_py(["-m", "refgraph_dump", "-o", self.out, "--every", "1", "--max", "3", "--",
                    os.path.join(EXAMPLES, "queue_leak.py"), "--rate", "300", "--seconds", "5"])
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
            # The dumper thread exists and is named so, but none of its frames is in.
            thread_objs = [o for o in snap.of_type("threading.Thread")
                           if any(snap.objects[r[0]].get("repr") == "'refgraph-dump'"
                                  for r in snap.refs(o, "attr", "_name"))]
            self.assertEqual(len(thread_objs), 1)
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


if __name__ == "__main__":
    unittest.main()
