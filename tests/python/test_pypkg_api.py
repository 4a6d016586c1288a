"""The refgraph Python API on a real dump of examples/queue_leak.py (written by
refgraph_dump.dump at exit, in a subprocess: the runner without --every), checked
against the CLI's answers on the same file: suspects, labelled chains, diagrams
(the SVG parses), dominators, types, diff and report; errors carry the file, line and
byte offset; the GIL is released while a snapshot loads.

Run: python3 tests/python/test_pypkg_api.py (CTest sets REFGRAPH_BUILD and REFGRAPH).
The package is installed into a fresh venv (pkgtest.install_package) and every check
runs in that venv's python, which prints JSON for this script to compare.
"""
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pkgtest import SRC, install_package, skip_reason, venv_env  # noqa: E402
from rgtest import DATA, run, skip_if_render_off  # noqa: E402

SKIP = skip_reason()


@unittest.skipIf(SKIP, SKIP or "")
class ApiOnQueueLeak(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="rgapi-")
        cls.python = install_package(cls.tmp)
        cls.snaps = os.path.join(cls.tmp, "snaps")
        p = cls.py_run(["-m", "refgraph_dump", "-o", cls.snaps, "--at-exit", "--",
                        os.path.join(SRC, "examples", "queue_leak.py"), "--seconds", "0.6"])
        cls.backlog = int(re.search(r"backlog (\d+)", p.stdout).group(1))
        files = sorted(glob.glob(os.path.join(cls.snaps, "run-*", "snap-*.jsonl")))
        assert len(files) == 1, files
        cls.snap = files[0]
        # And the cycle leak: pairs of objects no root reaches.
        cls.cyc_dir = os.path.join(cls.tmp, "cyc")
        p = cls.py_run(["-m", "refgraph_dump", "-o", cls.cyc_dir, "--at-exit", "--",
                        os.path.join(SRC, "examples", "cycle_leak.py"), "--pairs", "2000"])
        cls.pairs = int(re.search(r"pairs (\d+)", p.stdout).group(1))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    @classmethod
    def py_run(cls, args, check=True, timeout=600):
        p = subprocess.run([cls.python, *args], capture_output=True, text=True, env=venv_env(),
                           cwd=cls.tmp, timeout=timeout)
        if check and p.returncode != 0:
            skip_if_render_off(p.stderr)
            raise AssertionError("%s failed (%d):\n%s\n%s" % (args, p.returncode, p.stdout, p.stderr))
        return p

    def py(self, code, timeout=600, **kw):
        """Run `code` in the venv with SNAP, TMP and the kwargs defined; it prints one
        JSON document, returned here."""
        pre = "import json, refgraph\nSNAP = %r\nTMP = %r\n" % (self.snap, self.tmp)
        pre += "".join("%s = %r\n" % kv for kv in kw.items())
        return json.loads(self.py_run(["-c", pre + textwrap.dedent(code)], timeout=timeout).stdout)

    def test_suspects_first_is_the_queue_of_jobs(self):
        got = self.py("""
            s = refgraph.open(SNAP).suspects()
            top = s[0]
            print(json.dumps({"type": top.type, "count": top.count, "cause": top.cause,
                "container": top.container.type, "container_id": top.container.id,
                "container_path": top.container_path, "path": top.path,
                "retained": top.retained_bytes, "str": str(top), "n": len(s),
                "html": s._repr_html_()}))
        """)
        cli = json.loads(run("suspects", "--json", "--top", "0", self.snap, check=0).stdout)
        want = cli["suspects"][0]
        self.assertEqual(got["type"], "__main__.Job")
        self.assertEqual(got["count"], self.backlog)
        self.assertEqual(got["cause"], "retained")
        self.assertEqual(got["container"], "collections.deque")
        self.assertEqual(got["container_path"],
                         "module __main__ \u2192 .jobs queue.Queue \u2192 .queue collections.deque")
        # The same answer as the CLI, number for number.
        self.assertEqual(got["n"], cli["suspect_count"])
        self.assertEqual(got["path"], want["path"])
        self.assertEqual(got["retained"], want["retained_bytes"])
        self.assertEqual(got["container_id"], want["accumulation"]["id"])
        self.assertEqual(got["container_path"], want["accumulation"]["chain"])
        self.assertIn("__main__.Job", got["str"])
        self.assertTrue(got["html"].startswith("<table>"), got["html"][:80])
        self.assertIn("<td>__main__.Job</td>", got["html"])

    def test_chain_has_labelled_hops(self):
        got = self.py("""
            snap = refgraph.open(SNAP)
            c = snap.chain(type="Job")
            byid = snap.chain(id=c.target.id)
            print(json.dumps({"root": [c.root_kind, c.root_label, c.root.type],
                "hops": [[h.label, h.object.type, h.object.id] for h in c.hops],
                "count": c.count, "str": str(c), "reachable": c.reachable,
                "same_by_id": str(byid) == str(c), "target": c.target.id}))
        """)
        cli = json.loads(run("chain", "--json", self.snap, "--type", "Job", check=0).stdout)["results"][0]
        self.assertTrue(got["reachable"])
        self.assertEqual(got["root"], ["module", "__main__", "module"])
        labels = [h[0] for h in got["hops"]]
        self.assertEqual(labels[:2], [".jobs", ".queue"])
        self.assertRegex(labels[2], r"^\[\d+\]$")
        self.assertEqual(labels[3], "[2]")
        self.assertEqual([h[1] for h in got["hops"]],
                         ["queue.Queue", "collections.deque", "tuple", "__main__.Job"])
        self.assertEqual(got["count"], self.backlog)
        self.assertTrue(got["same_by_id"])
        # Hop for hop what `refgraph chain --json` says.
        self.assertEqual(got["target"], cli["target"]["id"])
        self.assertEqual(labels, [h["edge"]["label"] for h in cli["chain"][:-1]])
        self.assertEqual([h[2] for h in got["hops"]], [h["id"] for h in cli["chain"][1:]])

    def test_backrefs_diagram_renders(self):
        got = self.py("""
            d = refgraph.open(SNAP).backrefs(type="Job")
            r = refgraph.open(SNAP).refs(type="Job", depth=2)
            d.save(TMP + "/job.svg")
            print(json.dumps({"svg": d._repr_svg_(), "dot": d.dot.decode(), "png": d.png[:8].hex(),
                "saved": open(TMP + "/job.svg", "rb").read() == d.svg,
                "refs_dot": r.dot.decode(), "nodes": d.stats["nodes"]}))
        """)
        import xml.etree.ElementTree as ET
        root = ET.fromstring(got["svg"])
        self.assertTrue(root.tag.endswith("svg"), root.tag)
        texts = " ".join(t.text or "" for t in root.iter() if t.tag.endswith("text"))
        for want in ("__main__.Job", "collections.deque", "queue.Queue"):
            self.assertIn(want, texts)
        self.assertTrue(got["dot"].startswith("digraph"), got["dot"][:40])
        self.assertEqual(got["png"], "89504e470d0a1a0a")
        self.assertTrue(got["saved"])
        self.assertGreaterEqual(got["nodes"], 5)
        # refs: what a Job refers to, its payload list.
        self.assertIn("payload", got["refs_dot"])

    def test_types_and_dominators_match_the_cli(self):
        got = self.py("""
            snap = refgraph.open(SNAP)
            t = snap.types()
            d = snap.dominators(5)
            print(json.dumps({"types": [[x.name, x.count, x.bytes] for x in t],
                "objects": snap.info["objects"], "len": len(snap),
                "dom": [[x.object.id, x.retained_bytes] for x in d],
                "jobs": sum(1 for _ in snap.objects(type="Job"))}))
        """)
        cli = json.loads(run("types", "--json", "--top", "0", self.snap, check=0).stdout)
        self.assertEqual(sum(c for _, c, _ in got["types"]), got["objects"])
        self.assertEqual(got["len"], got["objects"])
        self.assertEqual(got["jobs"], self.backlog)
        self.assertEqual(dict((n, c) for n, c, _ in got["types"])["__main__.Job"], self.backlog)
        self.assertEqual([[t["type"], t["count"], t["bytes"]] for t in cli["types"]], got["types"])
        dom = json.loads(run("dominators", "--json", "--top", "5", self.snap, check=0).stdout)
        self.assertEqual([[r["object"]["id"], r["retained_bytes"]] for r in dom["retainers"]],
                         got["dom"])

    def test_report_and_diff(self):
        got = self.py("""
            snap = refgraph.open(SNAP)
            r = snap.report(TMP + "/report")
            try:
                refgraph.diff([SNAP])
                one = None
            except refgraph.Error as e:
                one = e.message
            d = refgraph.diff([SNAP, SNAP])
            print(json.dumps({"summary": r.summary, "md": open(r.markdown).read(),
                "html": open(r.html).read()[:200], "diagrams": r.diagrams, "one": one,
                "verdict": [d.verdict.kind, d.verdict.leak, d.verdict.text]}))
        """)
        self.assertIn("## Summary", got["md"])
        self.assertIn(got["summary"].split(".")[0], got["md"].replace("`", "").replace("\\", ""))
        self.assertTrue(got["html"].lstrip().lower().startswith("<!doctype html"), got["html"][:50])
        for f in got["diagrams"]:
            self.assertTrue(os.path.exists(os.path.join(self.tmp, "report", f)), f)
        self.assertIn("at least two snapshots", got["one"])
        self.assertEqual(got["verdict"][:2], ["none", False])

    def test_truncated_file_error_carries_file_line_offset(self):
        cut = os.path.join(self.tmp, "cut.jsonl")
        with open(self.snap, "rb") as f:
            data = f.read()
        data = data[:len(data) // 2]
        if data.endswith(b"\n"):
            data = data[:-1]
        with open(cut, "wb") as f:
            f.write(data)
        got = self.py("""
            try:
                refgraph.open(CUT, no_cache=True)
                print(json.dumps(None))
            except refgraph.Error as e:
                print(json.dumps({"message": e.message, "file": e.file, "line": e.line,
                    "offset": e.offset, "kind": e.kind, "str": str(e)}))
        """, CUT=cut)
        self.assertIsNotNone(got, "a truncated snapshot opened without an error")
        cli = run("info", "--no-cache", cut, check=1).stderr.strip()
        self.assertEqual("refgraph: " + got["message"], cli)
        self.assertEqual(got["file"], cut)
        self.assertEqual(got["line"], data.count(b"\n") + 1)
        self.assertEqual(got["offset"], len(data))
        self.assertEqual(got["kind"], "format")
        self.assertEqual(got["str"], got["message"])
        # The gzip reader's error carries the compressed offset.
        gz = os.path.join(DATA, "bad", "truncated.jsonl.gz")
        got = self.py("""
            try:
                refgraph.open(GZ, no_cache=True)
            except refgraph.Error as e:
                print(json.dumps([e.file, e.offset, e.message]))
        """, GZ=gz)
        self.assertEqual(got[0], gz)
        self.assertEqual(got[1], int(re.search(r"byte (\d+)", got[2]).group(1)))

    def test_missing_file_and_unknown_type(self):
        got = self.py("""
            out = []
            try:
                refgraph.open(TMP + "/nope.jsonl")
            except refgraph.Error as e:
                out.append([e.kind, e.file, e.line, e.offset])
            try:
                refgraph.open(SNAP).chain(type="NoSuchType")
            except refgraph.Error as e:
                out.append([e.kind, e.message])
            print(json.dumps(out))
        """)
        self.assertEqual(got[0], ["io", os.path.join(self.tmp, "nope.jsonl"), None, None])
        self.assertEqual(got[1][0], "notfound")
        self.assertIn("NoSuchType", got[1][1])

    def test_unreachable_cycle_chain_says_why(self):
        got = self.py("""
            snap = refgraph.open(CYC)           # a directory: its only snapshot
            top = snap.suspects()[0]
            c = snap.chain(type="CycleNode")
            print(json.dumps({"cause": top.cause, "count": top.count, "why": c.why,
                "reachable": c.reachable, "labels": [h.label for h in c.hops],
                "types": [h.object.type for h in c.hops], "n": c.count, "str": str(c),
                "ex": str(top.example)}))
        """, CYC=self.cyc_dir)
        self.assertEqual(got["cause"], "cycle")
        self.assertEqual(got["count"], 2 * self.pairs)
        self.assertEqual(got["why"], "cycle")
        self.assertFalse(got["reachable"])
        self.assertEqual(got["labels"], [".partner", ".partner"])
        self.assertEqual(got["types"], ["__main__.CycleNode"] * 2)
        self.assertEqual(got["n"], 2 * self.pairs)
        self.assertTrue(got["str"].startswith("(cycle) __main__.CycleNode \u2192 .partner"), got["str"])

    def test_one_snapshot_shared_by_threads(self):
        # Analyses are computed once, under the snapshot's lock, with the GIL released:
        # four threads asking at once get the answer one thread gets alone.
        got = self.py("""
            import threading
            alone = [str(x) for x in refgraph.open(SNAP, no_cache=True).suspects()]
            snap = refgraph.open(SNAP, no_cache=True)
            out = [None] * 4
            def ask(i):
                if i % 2:
                    out[i] = [str(x) for x in snap.suspects()]
                else:
                    snap.dominators(5)
                    out[i] = [str(x) for x in snap.suspects()]
            ts = [threading.Thread(target=ask, args=(i,)) for i in range(4)]
            for t in ts:
                t.start()
            for t in ts:
                t.join()
            print(json.dumps({"alone": alone, "threads": out}))
        """)
        self.assertTrue(got["alone"])
        for answer in got["threads"]:
            self.assertEqual(answer, got["alone"])

    def test_load_releases_the_gil(self):
        # The snapshot arrives through a FIFO written by a Python thread of the same
        # process. The writer needs the GIL to run; if the load held it while blocked
        # reading the FIFO, this would hang until the timeout (checked: it does).
        got = self.py(timeout=180, code="""
            import os, threading
            fifo = TMP + "/fifo.jsonl"
            os.mkfifo(fifo)
            def writer():
                with open(SNAP, "rb") as f, open(fifo, "wb") as w:
                    while True:
                        b = f.read(65536)
                        if not b:
                            break
                        w.write(b)
            t = threading.Thread(target=writer)
            t.start()
            s = refgraph.open(fifo, no_cache=True)
            t.join()
            print(json.dumps(s.info["objects"]))
        """)
        self.assertEqual(got, json.loads(run("info", "--json", self.snap, check=0).stdout)["objects"])


if __name__ == "__main__":
    if SKIP:
        print("test_pypkg_api: skipped: " + SKIP, file=sys.stderr)
    unittest.main(verbosity=2)
