"""End to end: V8 heap snapshots that node really writes, read by every refgraph command.

A JS program leaks LeakyThing objects three ways: a module-level array and a
module-level Map, both reached only through the closure context of a request
handler stored on globalThis, plus one captured by a closure; and a tree of
TreeNode objects detached from its owner but kept by one stray child. node writes
the .heapsnapshot (v8.writeHeapSnapshot) at test time; the tests assert what
refgraph finds in it, and that gzip/zstd copies and broken copies behave.
"""
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cli"))
import rgtest  # noqa: E402

NODE = shutil.which("node")

LEAK_JS = r"""
const v8 = require('v8');
class LeakyThing {
  constructor(i) { this.index = i; this.payload = 'payload-' + i; }
}
const leakyList = [];
const registry = new Map();
function onRequest(i) {
  const t = new LeakyThing(i);
  if (i % 5 === 0) registry.set('req-' + i, t); else leakyList.push(t);
}
globalThis.handlers = { onRequest };
const requests = Number(process.argv[3]);
for (let i = 0; i < requests; i++) onRequest(i);
function makeTick() { const captured = new LeakyThing(-1); return function tick() { return captured.index; }; }
globalThis.tick = makeTick();
class TreeNode { constructor(parent) { this.parent = parent; this.children = []; } }
let tree = new TreeNode(null);
for (let i = 0; i < 10; i++) tree.children.push(new TreeNode(tree));
globalThis.strayChild = tree.children[3];
tree = null;
// Written from a timer, so no frame of this module is on the stack any more.
if (process.argv[2] === '-') setImmediate(() => console.log(v8.writeHeapSnapshot()));
else setImmediate(v8.writeHeapSnapshot, process.argv[2]);
"""


def have_command(name):
    p = rgtest.run(name, "--help")
    return p.returncode == 0


@unittest.skipIf(NODE is None, "node is not installed")
class V8SnapshotTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="rgtest-v8-")
        cls.script = os.path.join(cls.tmp, "leak.js")
        with open(cls.script, "w") as f:
            f.write(LEAK_JS)
        cls.snap1 = cls.write_snapshot("first.heapsnapshot", 4999)    # 4999 + 1 captured = 5000
        cls.snap2 = cls.write_snapshot("second.heapsnapshot", 9999)   # 10000

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    @classmethod
    def write_snapshot(cls, name, requests):
        path = os.path.join(cls.tmp, name)
        # --no-opt: an optimizing compile job holds handles to the objects the
        # hot function touches, which would make "(Handle scope)" their nearest
        # root in some runs and not others.
        subprocess.run([NODE, "--no-opt", cls.script, path, str(requests)], check=True, timeout=300,
                       cwd=cls.tmp)
        return path

    def types(self, path):
        doc = rgtest.run_json("types", "--no-cache", "--top", "0", path)
        return {t["type"]: t for t in doc["types"]}

    def test_info(self):
        info = rgtest.run_json("info", "--no-cache", self.snap1)
        self.assertEqual(info["format"], "v8-heapsnapshot")
        self.assertEqual(info["runtime"], "node")
        self.assertEqual(info["compression"], "none")
        self.assertEqual(info["dangling_refs"], 0)
        self.assertGreater(info["objects"], 10000)
        self.assertGreater(info["roots"], 5)

    def test_leaked_constructor_counts(self):
        t1, t2 = self.types(self.snap1), self.types(self.snap2)
        self.assertEqual(t1["LeakyThing"]["count"], 5000)
        self.assertEqual(t2["LeakyThing"]["count"], 10000)
        self.assertEqual(t1["TreeNode"]["count"], 11)
        # all instances have one shape, so the bytes are a whole multiple
        self.assertEqual(t1["LeakyThing"]["bytes"] % 5000, 0)
        self.assertGreater(t1["LeakyThing"]["bytes"], 0)
        # the readable names for V8's non-object node types
        for name in ("(string)", "(closure)", "(array)", "(system)", "(compiled code)", "system / Context"):
            self.assertIn(name, t1)

    def test_chain_through_growing_array(self):
        if not have_command("chain"):
            print("skipped: refgraph chain is not built yet", file=sys.stderr)
            return
        doc = rgtest.run_json("chain", "--no-cache", "--type", "LeakyThing", self.snap1)
        first = doc["results"][0]
        self.assertTrue(first["reachable"])
        self.assertEqual(first["root"], {"kind": "module", "label": "global"})
        labels = [hop["edge"]["label"] for hop in first["chain"] if "edge" in hop]
        types = [hop["type"] for hop in first["chain"]]
        self.assertEqual(labels[:4], [".handlers", ".onRequest", "<context>", "<cell 'leakyList'>"])
        self.assertRegex(labels[4], r"^\[\d+\]$")
        self.assertEqual(types[-2:], ["Array", "LeakyThing"])
        self.assertEqual(first["count"], 3999)

    def test_every_chain_shape(self):
        if not have_command("chain"):
            print("skipped: refgraph chain is not built yet", file=sys.stderr)
            return
        doc = rgtest.run_json("chain", "--no-cache", "--type", "LeakyThing", "--all", self.snap1)
        shapes = {}
        for result in doc["results"]:
            labels = tuple(hop["edge"]["label"] for hop in result["chain"] if "edge" in hop)
            cell = next(label for label in labels if label.startswith("<cell "))
            shapes[cell] = (result["count"], labels, [hop["type"] for hop in result["chain"]])
        self.assertEqual(sum(r["count"] for r in doc["results"]), 5000)
        # the Map: its hash table's slots are indices, so 1000 entries are one shape
        count, labels, types = shapes["<cell 'registry'>"]
        self.assertEqual(count, 1000)
        self.assertIn("<table>", labels)
        self.assertIn("Map", types)
        # the closure: global .tick -> (closure) <context> -> Context <cell 'captured'>
        count, labels, _ = shapes["<cell 'captured'>"]
        self.assertEqual(count, 1)
        self.assertEqual(labels[0], ".tick")

    def test_detached_tree_kept_by_one_child(self):
        if not have_command("chain"):
            print("skipped: refgraph chain is not built yet", file=sys.stderr)
            return
        doc = rgtest.run_json("chain", "--no-cache", "--type", "TreeNode", "--all", self.snap1)
        total = 0
        for result in doc["results"]:
            labels = [hop["edge"]["label"] for hop in result["chain"] if "edge" in hop]
            self.assertEqual(labels[0], ".strayChild")
            total += result["count"]
            if result["count"] == 9:
                self.assertEqual(labels[1:3], [".parent", ".children"])
        self.assertEqual(total, 11)

    def test_compressed_copies(self):
        with open(self.snap1, "rb") as f:
            raw = f.read()
        gz = os.path.join(self.tmp, "first.heapsnapshot.gz")
        with gzip.open(gz, "wb") as f:
            f.write(raw)
        copies = {"gzip": gz}
        if shutil.which("zstd"):
            zst = os.path.join(self.tmp, "first.heapsnapshot.zst")
            subprocess.run(["zstd", "-q", "-f", self.snap1, "-o", zst], check=True)
            copies["zstd"] = zst
        else:
            print("zstd copy skipped: no zstd binary", file=sys.stderr)
        for codec, path in copies.items():
            info = rgtest.run_json("info", "--no-cache", path)
            self.assertEqual(info["compression"], codec)
            self.assertEqual(info["format"], "v8-heapsnapshot")
            self.assertEqual(info["input_bytes"], len(raw))
            self.assertEqual(self.types(path)["LeakyThing"]["count"], 5000)

    def test_node_file_name_gives_pid_and_time(self):
        p = subprocess.run([NODE, "--no-opt", self.script, "-", "10"], check=True, timeout=300, cwd=self.tmp,
                           capture_output=True, text=True)
        name = p.stdout.strip()
        self.assertRegex(name, r"^Heap\.\d{8}\.\d{6}\.\d+\.\d+\.\d+\.heapsnapshot$")
        pid = int(name.split(".")[3])
        info = rgtest.run_json("info", "--no-cache", os.path.join(self.tmp, name))
        self.assertEqual(info["pid"], pid)
        self.assertGreater(info["time"], 1.7e9)
        self.assertEqual(info["seq"], int(name.split(".")[5]))

    def test_growth_and_analyses(self):
        if have_command("diff"):
            p = rgtest.run("diff", "--no-cache", self.snap1, self.snap2)
            self.assertIn(p.returncode, (0, 3), p.stderr)
            self.assertIn("LeakyThing", p.stdout)
            self.assertIn("5,000 → 10,000", p.stdout)
        for cmd in ("suspects", "dominators"):
            if not have_command(cmd):
                print(f"skipped: refgraph {cmd} is not built yet", file=sys.stderr)
                continue
            p = rgtest.run(cmd, "--no-cache", self.snap1, check=0)
            self.assertIn("leakyList", p.stdout, cmd)
        if have_command("report"):
            out = os.path.join(self.tmp, "report")
            rgtest.run("report", "--no-cache", "-q", "-o", out, self.snap1, self.snap2, check=0)
            with open(os.path.join(out, "report.md"), encoding="utf-8") as f:
                self.assertIn("LeakyThing", f.read())

    def cut_points(self, raw):
        """Fixed cut points, chosen from the file's own layout: inside the
        "meta" object, inside a multi-digit number of the "nodes" array, inside
        a to_node of the "edges" array whose cut prefix is not the start of a
        node (what the reader used to judge instead of the cut), and inside a
        string of the "strings" array."""
        import re
        doc = json.loads(raw)
        meta = doc["snapshot"]["meta"]
        nfc = len(meta["node_fields"])
        to_field = meta["edge_fields"].index("to_node")
        efc = len(meta["edge_fields"])
        cuts = {"meta": raw.index(b'"meta"') + len(b'"meta":{"no')}

        def numbers(key):
            at = raw.index(key) + len(key)
            return ((at + m.start(), m.group()) for m in re.finditer(rb"\d+", raw[at:at + 200000]))

        for at, digits in numbers(b'"nodes":['):
            if len(digits) >= 3:
                cuts["nodes"] = at + 2
                break
        for k, (at, digits) in enumerate(numbers(b'"edges":[')):
            if k % efc == to_field and len(digits) >= 3 and int(digits[:2]) % nfc != 0:
                cuts["edges"] = at + 2
                break
        strings = raw.index(b'"strings":[') + len(b'"strings":[')
        quote = raw.index(b'"', raw.index(b'"', raw.index(b'"', strings) + 1) + 1)
        cuts["strings"] = quote + 2
        self.assertEqual(sorted(cuts), ["edges", "meta", "nodes", "strings"])
        return cuts

    def test_truncated_real_snapshot(self):
        with open(self.snap1, "rb") as f:
            raw = f.read()
        where = {"meta": "truncated file: it ends inside \"snapshot\".\"meta\"",
                 "nodes": "truncated file: it ends inside the \"nodes\" array",
                 "edges": "truncated file: it ends inside the \"edges\" array",
                 "strings": "truncated file: it ends inside the \"strings\" array"}
        for part, cut in sorted(self.cut_points(raw).items()):
            with self.subTest(part=part):
                path = os.path.join(self.tmp, "cut-%s.heapsnapshot" % part)
                with open(path, "wb") as f:
                    f.write(raw[:cut])
                p = rgtest.run("types", "--no-cache", path, check=1)
                self.assertIn("cut-%s.heapsnapshot" % part, p.stderr)
                self.assertIn(where[part], p.stderr)
                self.assertIn(": byte %d: " % cut, p.stderr)
                self.assertNotIn("to_node", p.stderr)
                self.assertNotIn("Sanitizer", p.stderr)

    def test_fast_reader_equals_reference(self):
        """The snapshots node really writes load to the same graph through the
        fast reader and the yajl reference (test_v8 --compare)."""
        tool = os.path.join(rgtest.BUILD, "tests", "test_v8")
        if not os.path.exists(tool):
            self.skipTest("tests/test_v8 is not built")
        gz = os.path.join(self.tmp, "compare.heapsnapshot.gz")
        with open(self.snap2, "rb") as src, gzip.open(gz, "wb") as dst:
            shutil.copyfileobj(src, dst)
        p = subprocess.run([tool, "--compare", self.snap1, self.snap2, gz], capture_output=True, text=True,
                           timeout=600)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual(p.stdout.count("same "), 3, p.stdout)


if __name__ == "__main__":
    unittest.main()
