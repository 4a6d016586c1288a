"""Each examples/*.py leak, dumped at exit by the runner: exact counts and chains.

Run: python3 tests/python/test_examples.py
"""
import glob
import os
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_dumper import EXAMPLES, Snapshot, check_with_cli, run_py  # noqa: E402


class ExampleCase:
    """Mixin: dumps `example` once per class; each subclass is a TestCase."""
    example = None
    args = ()
    runner_args = ()

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="rgex-")
        cls.proc = run_py(["-m", "refgraph_dump", "-o", cls.dir, *cls.runner_args, "--",
                           os.path.join(EXAMPLES, cls.example), *cls.args])
        snaps = sorted(glob.glob(os.path.join(cls.dir, "run-*", "snap-*.jsonl*")))
        assert len(snaps) == 1, snaps
        cls.snap = Snapshot(snaps[0])

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def path_of(self, tname):
        objs = self.snap.of_type(tname)
        self.assertTrue(objs, "no %s in the snapshot" % tname)
        return self.snap.render_path(objs[0]["id"])

    def test_loads(self):
        self.assertEqual(self.snap.header["objects"], len(self.snap.objects))
        self.assertEqual(self.snap.header["seq"], 1)
        self.assertEqual(self.snap.dangling(), 0)
        check_with_cli(self, self.snap.path)


class QueueLeak(ExampleCase, unittest.TestCase):
    example = "queue_leak.py"
    args = ("--seconds", "0.6")

    def test_jobs_count_equals_backlog(self):
        backlog = int(self.proc.stdout.split("backlog")[1].split()[0])
        self.assertGreater(backlog, 100)
        self.assertEqual(len(self.snap.of_type("__main__.Job")), backlog)

    def test_chain(self):
        self.assertRegex(self.path_of("__main__.Job"),
                         r"^module __main__ \.jobs -> queue\.Queue \.queue -> collections\.deque "
                         r"\[\d+\] -> tuple \[2\] -> __main__\.Job$")

    def test_edges(self):
        q = self.snap.one("queue.Queue")
        dq = self.snap.target(q, "attr", "queue")
        self.assertEqual(dq["type"], "collections.deque")
        self.assertEqual(dq["len"], len(self.snap.of_type("__main__.Job")))
        tup = self.snap.target(dq, "index", 0)
        self.assertEqual((tup["type"], tup["len"]), ("tuple", 3))
        self.assertEqual(self.snap.target(tup, "index", 2)["type"], "__main__.Job")
        self.assertEqual(self.snap.target(tup, "index", 1)["type"], "float")
        main = [self.snap.objects[r["id"]] for r in self.snap.roots
                if r["kind"] == "module" and r["label"] == "__main__"][0]
        self.assertEqual(self.snap.target(main, "global", "jobs")["id"], q["id"])


class DictCache(ExampleCase, unittest.TestCase):
    example = "dict_cache.py"
    args = ("--users", "3000", "--seconds", "0")

    def test_count_and_chain(self):
        self.assertEqual(len(self.snap.of_type("__main__.UserRecord")), 3000)
        self.assertRegex(self.path_of("__main__.UserRecord"),
                         r"^module __main__ \.cache -> dict \['user:\d+'\] -> __main__\.UserRecord$")

    def test_value_and_key_labels(self):
        main = [self.snap.objects[r["id"]] for r in self.snap.roots
                if r["kind"] == "module" and r["label"] == "__main__"][0]
        cache = self.snap.target(main, "global", "cache")
        self.assertEqual(cache["len"], 3000)
        rec = self.snap.target(cache, "value", "'user:42'")
        self.assertEqual(rec["type"], "__main__.UserRecord")
        self.assertEqual(self.snap.target(cache, "key", "'user:42'")["repr"], "'user:42'")
        self.assertEqual(self.snap.target(rec, "attr", "uid")["repr"], "42")


class CycleLeak(ExampleCase, unittest.TestCase):
    example = "cycle_leak.py"
    args = ("--pairs", "700", "--seconds", "0")

    def test_unreachable_cycles_present(self):
        nodes = self.snap.of_type("__main__.CycleNode")
        self.assertEqual(len(nodes), 1400)
        reachable = self.snap.reachable()
        for o in nodes:
            self.assertNotIn(o["id"], reachable)
            self.assertEqual(o["rc"], 1)
            partner = self.snap.target(o, "attr", "partner")
            self.assertEqual(self.snap.target(partner, "attr", "partner")["id"], o["id"])
        self.assertIs(self.snap.header["collected"], False)


class CycleLeakCollected(ExampleCase, unittest.TestCase):
    example = "cycle_leak.py"
    args = ("--pairs", "700", "--seconds", "0")
    runner_args = ("--collect",)

    def test_collect_frees_them(self):
        self.assertEqual(self.snap.of_type("__main__.CycleNode"), [])
        self.assertIs(self.snap.header["collected"], True)


class CycleLeakSaveall(ExampleCase, unittest.TestCase):
    example = "cycle_leak.py"
    args = ("--pairs", "100", "--seconds", "0", "--saveall")

    def test_garbage_roots(self):
        nodes = self.snap.of_type("__main__.CycleNode")
        self.assertEqual(len(nodes), 200)
        groots = {r["id"] for r in self.snap.roots if r["kind"] == "garbage"}
        for o in nodes:
            self.assertIn("garbage", o["flags"])
            self.assertIn(o["id"], groots)


class ClosureLeak(ExampleCase, unittest.TestCase):
    example = "closure_leak.py"
    args = ("--listeners", "500", "--seconds", "0")

    def test_count_and_chain(self):
        self.assertEqual(len(self.snap.of_type("__main__.Payload")), 500)
        self.assertEqual(len(self.snap.of_type("bytearray")), 500)
        self.assertRegex(self.path_of("__main__.Payload"),
                         r"^module __main__ \.listeners -> list \[\d+\] -> function <cell payload>"
                         r" -> cell <cell payload> -> __main__\.Payload$")
        fns = [o for o in self.snap.of_type("function")
               if o.get("name") == "__main__.register_listener.<locals>.on_event"]
        self.assertEqual(len(fns), 500)


class ThreadLocal(ExampleCase, unittest.TestCase):
    example = "thread_local.py"
    args = ("--records", "800", "--seconds", "0")

    def test_frame_local_chain(self):
        self.assertEqual(len(self.snap.of_type("__main__.Record")), 800)
        root, steps = self.snap.shortest_path(self.snap.of_type("__main__.Record")[0]["id"])
        self.assertEqual(root["kind"], "thread")
        self.assertEqual(root["label"], "collector: collect()")
        frame, ref = steps[0]
        self.assertEqual((frame["type"], frame["name"]), ("frame", "collect()"))
        self.assertEqual(ref[1:], ["local", "history"])
        self.assertEqual(self.snap.objects[ref[0]]["len"], 800)

    def test_threading_local(self):
        self.assertEqual(len(self.snap.of_type("__main__.Sample")), 800)
        path = self.path_of("__main__.Sample")
        self.assertTrue(path.startswith("module __main__ .ctx -> _thread._local"), path)


class SlotsChain(ExampleCase, unittest.TestCase):
    example = "slots_chain.py"
    args = ("--depth", "300", "--ballast", "1000", "--seconds", "0")

    def test_chain(self):
        self.assertEqual(len(self.snap.of_type("__main__.Node")), 300)
        payload = self.snap.one("__main__.Payload")
        root, steps = self.snap.shortest_path(payload["id"])
        self.assertEqual(len(steps), 2 + 300)  # module, dict, 300 nodes
        self.assertEqual([r[1:] for _, r in steps[:2]], [["global", "registry"], ["value", "'head'"]])
        self.assertTrue(all(r[1:] == ["slot", "next"] for _, r in steps[2:-1]))
        self.assertEqual(steps[-1][1][1:], ["slot", "value"])


class NestedClass(ExampleCase, unittest.TestCase):
    example = "nested_class.py"
    args = ("--instances", "400", "--seconds", "0")

    def test_count_and_chain(self):
        self.assertEqual(len(self.snap.of_type("__main__.Outer.Inner")), 400)
        self.assertEqual(len(self.snap.of_type("__main__.Inner")), 1)
        self.assertRegex(self.path_of("__main__.Outer.Inner"),
                         r"^module __main__ \.Registry -> type \.instances -> list \[\d+\]"
                         r" -> __main__\.Outer\.Inner$")
        reg = [o for o in self.snap.of_type("type") if o.get("name") == "__main__.Registry"]
        self.assertEqual(len(reg), 1)


class CExtLeak(ExampleCase, unittest.TestCase):
    example = "c_ext_leak.py"
    args = ("--objects", "600", "--seconds", "0")

    def test_held_from_outside(self):
        leaky = self.snap.of_type("__main__.Leaky")
        self.assertEqual(len(leaky), 600)
        inc = self.snap.incoming()
        reachable = self.snap.reachable()
        for o in leaky:
            self.assertEqual(o["rc"], 1)
            self.assertEqual(inc.get(o["id"], []), [])
            self.assertNotIn(o["id"], reachable)
            data = self.snap.target(o, "attr", "data")
            self.assertEqual((data["type"], data["rc"]), ("list", 1))


class SteadyState(ExampleCase, unittest.TestCase):
    example = "steady_state.py"
    args = ("--seconds", "0.5", "--working", "300")

    def test_no_backlog(self):
        self.assertIn("backlog 0", self.proc.stdout)
        self.assertEqual(len(self.snap.of_type("__main__.Job")), 300)
        q = self.snap.one("queue.Queue")
        self.assertEqual(self.snap.target(q, "attr", "queue")["len"], 0)


if __name__ == "__main__":
    unittest.main()
