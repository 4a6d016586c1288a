"""End to end: real dumps of examples/ by the Python dumper, answered by
refgraph chain and drawn by refgraph backrefs.

- queue_leak.py: the seed. Every leaked Job's chain is exactly
  module __main__ .jobs -> queue.Queue .queue -> collections.deque [i] -> tuple [2] -> __main__.Job
- slots_chain.py --depth 5000: the Payload sits 5,002 labelled hops deep.
- cycle_leak.py: objects on unreachable cycles are named as such, not given an empty chain.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cli"))
import rgtest  # noqa: E402
from rgtest import run  # noqa: E402

if not rgtest.have_dumper():
    print("skipping: tools/python/refgraph_dump.py is not there yet")
    sys.exit(0)


def labels(hops):
    return [(h["type"], h.get("edge", {}).get("label")) for h in hops]


class QueueLeakTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        import tempfile
        cls.tmp = tempfile.mkdtemp(prefix="rg-chain-e2e-")
        cls.snap = rgtest.dump_example("queue_leak.py", cls.tmp, "--seconds", "1")[-1]

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_seed_chain(self):
        p = run("chain", self.snap, "--type", "Job", "--json", "--no-cache", check=0)
        d = json.loads(p.stdout)
        self.assertEqual(d["type"], "__main__.Job")
        self.assertGreater(d["instances"], 50)
        r = d["results"][0]
        self.assertTrue(r["reachable"])
        self.assertEqual(r["root"], {"kind": "module", "label": "__main__"})
        hops = labels(r["chain"])
        self.assertEqual(len(hops), 5, hops)
        self.assertEqual(hops[0], ("module", ".jobs"))
        self.assertEqual(hops[1], ("queue.Queue", ".queue"))
        self.assertEqual(hops[2][0], "collections.deque")
        self.assertRegex(hops[2][1], r"^\[\d+\]$")
        self.assertEqual(hops[3], ("tuple", "[2]"))
        self.assertEqual(hops[4], ("__main__.Job", None))
        self.assertEqual(r["chain"][0]["name"], "__main__")
        # The typical chain is the backlog's: (nearly) every Job shares it.
        self.assertGreaterEqual(r["count"], d["instances"] - 10)

    def test_every_instance_grouped(self):
        d = json.loads(run("chain", self.snap, "--type", "Job", "--all", "--json", "--no-cache", check=0).stdout)
        self.assertEqual(sum(r["count"] for r in d["results"]), d["instances"])
        first = d["results"][0]
        self.assertEqual(labels(first["chain"])[:2], [("module", ".jobs"), ("queue.Queue", ".queue")])

    def test_chain_text(self):
        p = run("chain", self.snap, "--type", "Job", "--no-cache", check=0)
        # Retained sizes stand beside each hop ("1.49 MB"); the deque's is the
        # jump: it retains about what the Queue does, the tuple very little.
        sizes = re.findall(r"  ([0-9.,]+ (?:B|kB|MB|GB))  ", p.stdout)
        self.assertGreaterEqual(len(sizes), 4, p.stdout)
        lines = [re.sub(r"\s[0-9.,]+ (?:B|kB|MB|GB)\s", " ", l).split() for l in p.stdout.splitlines()]
        self.assertEqual(lines[1], ["root:", "module", "'__main__'"])
        self.assertEqual(lines[2], ["module", "__main__", ".jobs"])
        self.assertEqual(lines[3], ["queue.Queue", ".queue"])
        self.assertEqual(lines[5][-1], "[2]")

    def test_name_selector(self):
        d = json.loads(run("chain", self.snap, "--name", "jobs", "--json", "--no-cache", check=0).stdout)
        self.assertEqual(d["results"][0]["target"]["type"], "queue.Queue")
        self.assertEqual(labels(d["results"][0]["chain"]), [("module", ".jobs"), ("queue.Queue", None)])

    def test_backrefs_svg(self):
        out = os.path.join(self.tmp, "seed.svg")
        p = run("backrefs", self.snap, "--type", "Job", "-o", out, "--no-cache", check=0)
        with open(out, "rb") as f:
            svg = f.read()
        self.assertIn(b"<svg", svg)
        for text in (b"__main__.Job", b"queue.Queue", b"collections.deque", b".jobs", b".queue", b"[2]",
                     b"root: module __main__"):
            self.assertIn(text, svg)
        if shutil.which("xmllint"):
            x = subprocess.run(["xmllint", "--noout", out], capture_output=True, text=True)
            self.assertEqual(x.returncode, 0, x.stderr)
        self.assertNotIn("not drawn", p.stderr)


class DeepChainTest(unittest.TestCase):
    def test_slots_chain_5000(self):
        import tempfile
        tmp = tempfile.mkdtemp(prefix="rg-deep-e2e-")
        try:
            snap = rgtest.dump_example("slots_chain.py", tmp, "--depth", "5000", "--seconds", "0")[-1]
            d = json.loads(run("chain", snap, "--type", "Payload", "--json", "--no-cache", check=0).stdout)
            hops = labels(d["results"][0]["chain"])
            self.assertEqual(len(hops), 5003)
            self.assertEqual(hops[0], ("module", ".registry"))
            self.assertEqual(hops[1], ("dict", "['head']"))
            self.assertEqual(hops[2:5001], [("__main__.Node", ".next")] * 4999)
            self.assertEqual(hops[5001], ("__main__.Node", ".value"))
            self.assertEqual(hops[5002], ("__main__.Payload", None))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


class CycleLeakTest(unittest.TestCase):
    def test_unreachable_cycle_named(self):
        if not os.path.exists(os.path.join(rgtest.SRC, "examples", "cycle_leak.py")):
            self.skipTest("examples/cycle_leak.py is not there yet")
        import tempfile
        tmp = tempfile.mkdtemp(prefix="rg-cycle-e2e-")
        try:
            snap = rgtest.dump_example("cycle_leak.py", tmp, "--pairs", "500", "--seconds", "0")[-1]
            d = json.loads(run("chain", snap, "--type", "CycleNode", "--all", "--json", "--no-cache",
                               check=0).stdout)
            self.assertEqual(d["instances"], 1000)
            cyc = [r for r in d["results"] if r.get("why") == "cycle"]
            self.assertEqual(sum(r["count"] for r in cyc), 1000, [r.get("why") for r in d["results"]])
            self.assertEqual(cyc[0]["cycle_size"], 2)
            self.assertEqual(labels(cyc[0]["cycle"]), [("__main__.CycleNode", ".partner"),
                                                       ("__main__.CycleNode", ".partner"),
                                                       ("__main__.CycleNode", None)])
            p = run("chain", snap, "--type", "CycleNode", "--no-cache", check=0)
            self.assertIn("unreachable reference cycle of 2 objects", p.stdout)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    unittest.main(verbosity=2)
