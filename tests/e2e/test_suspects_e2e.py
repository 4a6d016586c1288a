"""refgraph suspects and refgraph dominators on real Python processes dumped by
refgraph_dump at exit: each leak scenario in examples/ must put its culprit first
(retention groups, unreachable cycles and objects held from outside the heap all
compete in one ranking), and a steady-state program must produce no suspect of
consequence (docs/suspects.md defines "of consequence").
"""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "cli"))
from rgtest import PYDIR, SRC, TempDirTest, have_dumper, main, run, run_snapshots  # noqa: E402

ARROW = " \u2192 "


class SuspectsE2E(TempDirTest):
    def setUp(self):
        super().setUp()
        if not have_dumper():
            self.skipTest("tools/python/refgraph_dump.py is not there")

    def dump(self, example, *args, runner=("--at-exit",)):
        """Dump examples/<example> at exit; return (snapshot path, program stdout)."""
        path = os.path.join(SRC, "examples", example)
        if not os.path.exists(path):
            self.skipTest(f"examples/{example} is not there")
        out = os.path.join(self.tmp, example.replace(".py", ""))
        env = dict(os.environ, PYTHONPATH=PYDIR)
        cmd = [sys.executable, "-m", "refgraph_dump", "-o", out, *runner, "--", path, *map(str, args)]
        p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
        self.assertEqual(p.returncode, 0, f"{cmd}:\n{p.stdout}\n{p.stderr}")
        snaps = run_snapshots(out)
        self.assertTrue(snaps, p.stderr)
        return snaps[-1], p.stdout

    def suspects(self, snap):
        j = json.loads(run("suspects", "--json", "--top", "0", "--no-cache", snap, check=0).stdout)
        self.assertGreater(len(j["suspects"]), 0)
        return j

    def printed(self, stdout, word):
        for line in stdout.splitlines():
            if line.startswith(word + " "):
                return int(line.split()[1])
        self.fail(f"the example did not print '{word} N':\n{stdout}")

    def assert_retained_top(self, j, type_name, path_tail, accumulation_type, count=None):
        top = j["suspects"][0]
        self.assertEqual(top["cause"], "retained", top)
        self.assertEqual(top["type"], type_name, top)
        self.assertTrue(top["path"].endswith(path_tail), top["path"])
        self.assertIsNotNone(top["accumulation"], top)
        self.assertEqual(top["accumulation"]["type"], accumulation_type, top)
        if count is not None:
            self.assertEqual(top["count"], count, top)
        self.assertGreaterEqual(top["retained_bytes"], top["shallow_bytes"])
        return top

    # ---------------------------------------------------------------- the seed

    def test_queue_leak(self):
        snap, out = self.dump("queue_leak.py", "--seconds", "1")
        backlog = self.printed(out, "backlog")
        j = self.suspects(snap)
        top = self.assert_retained_top(
            j, "__main__.Job",
            "module __main__" + ARROW + ".jobs queue.Queue" + ARROW + ".queue collections.deque" + ARROW
            + "[i] tuple" + ARROW + "[2] __main__.Job",
            "collections.deque", backlog)
        # the container, not the module: reached by the queue's .queue attribute
        self.assertTrue(top["accumulation"]["chain"].endswith(".queue collections.deque"), top)
        self.assertEqual(top["accumulation"]["length"], backlog)
        self.assertEqual(top["holder_type"], "tuple")
        self.assertTrue(top["significant"], top)
        # text output carries the same answer
        text = run("suspects", "--no-cache", snap, check=0).stdout
        self.assertIn("#1  %s \u00d7 __main__.Job" % format(backlog, ","), text)
        self.assertIn("accumulation:  collections.deque", text)
        self.assertIn("Unreachable cycles", text)
        self.assertIn("Held from outside the heap", text)
        # dominators: the deque is among the biggest retainers, the module above it
        d = json.loads(run("dominators", "--json", "--top", "40", "--no-cache", snap, check=0).stdout)
        types = [r["object"]["type"] for r in d["retainers"]]
        self.assertIn("collections.deque", types)
        deque = d["retainers"][types.index("collections.deque")]
        self.assertGreaterEqual(deque["retained_bytes"], backlog * (64 + 56))
        for a, b in zip(d["retainers"], d["retainers"][1:]):
            self.assertGreaterEqual(a["retained_bytes"], b["retained_bytes"])

    # ------------------------------------------------------- other scenarios

    def test_dict_cache(self):
        snap, _ = self.dump("dict_cache.py", "--users", "5000", "--seconds", "0")
        j = self.suspects(snap)
        top = self.assert_retained_top(j, "__main__.UserRecord",
                                       ".cache dict" + ARROW + "[str] __main__.UserRecord", "dict", 5000)
        self.assertEqual(top["accumulation"]["chain"], "module __main__" + ARROW + ".cache dict")

    def test_closure_leak(self):
        snap, _ = self.dump("closure_leak.py", "--listeners", "1000", "--seconds", "0")
        j = self.suspects(snap)
        # The head is plumbing (closures): the suspect names what they capture.
        top = self.assert_retained_top(j, "__main__.Payload", "<cell 'payload'> cell" + ARROW + "<cell 'payload'> __main__.Payload", "list", 1000)
        self.assertIn("<cell 'payload'>", top["path"])

    def test_class_registry(self):
        snap, _ = self.dump("nested_class.py", "--instances", "2000", "--seconds", "0")
        j = self.suspects(snap)
        top = self.assert_retained_top(j, "__main__.Outer.Inner",
                                       ".instances list" + ARROW + "[i] __main__.Outer.Inner", "list", 2000)
        self.assertIn(".Registry type", top["path"])

    def test_thread_frame_local(self):
        snap, _ = self.dump("thread_local.py", "--records", "3000", "--seconds", "0.2")
        j = self.suspects(snap)
        top = self.assert_retained_top(j, "__main__.Record",
                                       "frame local 'history' list" + ARROW + "[i] __main__.Record", "list", 3000)
        self.assertTrue(top["path"].startswith("thread "), top["path"])

    def test_cycles_with_gc_disabled(self):
        snap, _ = self.dump("cycle_leak.py", "--pairs", "3000", "--seconds", "0")
        j = self.suspects(snap)
        top = j["suspects"][0]
        self.assertEqual(top["cause"], "cycle", top)
        self.assertIn("__main__.CycleNode \u00d72", top["shape"])
        self.assertEqual(top["cycles"], 3000)
        self.assertEqual(top["count"], 6000)
        self.assertEqual(len(top["cycle"]), 2)
        self.assertEqual(top["cycle"][0]["from_type"], "__main__.CycleNode")
        self.assertTrue(top["significant"])
        self.assertGreaterEqual(j["cycles"]["components"], 3000)
        text = run("suspects", "--no-cache", snap, check=0).stdout
        self.assertIn("#1  3,000 unreachable reference cycles of __main__.CycleNode", text)

    def test_cycles_in_gc_garbage(self):
        snap, _ = self.dump("cycle_leak.py", "--pairs", "2000", "--seconds", "0", "--saveall")
        j = self.suspects(snap)
        top = j["suspects"][0]
        self.assertEqual(top["cause"], "cycle", top)
        self.assertEqual(top["cycles"], 2000)
        self.assertEqual(top["in_gc_garbage"], 4000)
        self.assertIn("gc.garbage", run("suspects", "--no-cache", snap, check=0).stdout)

    def test_py_incref_leak(self):
        snap, _ = self.dump("c_ext_leak.py", "--objects", "2000", "--seconds", "0")
        j = self.suspects(snap)
        top = j["suspects"][0]
        self.assertEqual(top["cause"], "outside", top)
        self.assertEqual(top["type"], "__main__.Leaky")
        self.assertEqual(top["count"], 2000)
        self.assertEqual(top["unreachable"], 2000)
        self.assertEqual(top["excess_refs"], 2000)
        self.assertEqual(j["outside"][0]["type"], "__main__.Leaky")
        text = run("suspects", "--no-cache", snap, check=0).stdout
        self.assertIn("#1  2,000 \u00d7 __main__.Leaky held by references from outside the heap", text)

    # ------------------------------------------------- scenarios added here

    def test_traceback_leak(self):
        snap, _ = self.dump("traceback_leak.py", "--requests", "1500", "--seconds", "0")
        j = self.suspects(snap)
        top = self.assert_retained_top(j, "ValueError", ".errors list" + ARROW + "[i] ValueError", "list", 1500)
        self.assertIn("traceback", top.get("bulk_path", ""))

    def test_lru_method_leak(self):
        snap, _ = self.dump("lru_method_leak.py", "--reports", "1500", "--seconds", "0")
        j = self.suspects(snap)
        top = self.assert_retained_top(j, "__main__.Report", "[0] __main__.Report", "dict", 1500)
        self.assertIn("functools._lru_cache_wrapper", top["path"])

    def test_observer_leak(self):
        snap, _ = self.dump("observer_leak.py", "--widgets", "1500", "--seconds", "0")
        j = self.suspects(snap)
        top = self.assert_retained_top(j, "__main__.Widget", "[i] method" + ARROW + ".__self__ __main__.Widget", "list", 1500)
        self.assertIn(".__self__", top["path"])

    def test_logging_leak(self):
        snap, _ = self.dump("logging_leak.py", "--orders", "1500", "--seconds", "0")
        j = self.suspects(snap)
        top = self.assert_retained_top(j, "logging.LogRecord", ".records list" + ARROW + "[i] logging.LogRecord",
                                       "list", 1500)
        self.assertIn("__main__.KeepHandler", top["path"])

    def test_linked_list_is_one_group(self):
        snap, _ = self.dump("slots_chain.py", "--depth", "2000", "--ballast", "1000", "--seconds", "0")
        j = self.suspects(snap)
        chains = [s for s in j["suspects"] if s["cause"] == "retained" and s["type"] == "__main__.Node"]
        self.assertEqual(len(chains), 1, j["suspects"])
        self.assertEqual(chains[0]["count"], 1999)
        self.assertIn(".next __main__.Node (repeated, up to 1999 deep)", chains[0]["path"])
        self.assertGreaterEqual(chains[0]["retained_bytes"], 64 * 1024)

    # ------------------------------------------------------------ no leak

    def test_steady_state_has_no_suspect_of_consequence(self):
        snap, _ = self.dump("steady_state.py", "--seconds", "1")
        j = json.loads(run("suspects", "--json", "--top", "0", "--no-cache", snap, check=0).stdout)
        for s in j["suspects"]:
            self.assertFalse(s["significant"], s)
            self.assertNotEqual(s["cause"], "cycle", s)
        # nothing held from outside keeps more than a few kB alive: the
        # interpreter's own private tables, under the 64 kB margin
        for o in j["outside"]:
            self.assertLess(o["retained_bytes"], 64000, o)
            self.assertNotIn("__main__", o["type"], o)


if __name__ == "__main__":
    main()
