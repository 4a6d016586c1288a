"""refgraph chain / backrefs / refs: selectors, chains with labels, the
unreachable cases, diagrams in every format, atomic output, hostile names.

Snapshots are written here in the documented JSONL format, so every expected
chain is known exactly."""
import json
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rgtest  # noqa: E402
from rgtest import run  # noqa: E402

HEADER = {"rec": "header", "format": "refgraph-snapshot", "version": 1, "producer": "test_chain.py"}


def write_snapshot(path, objects, roots):
    """objects: (id, type, size, refs, extra-dict); roots: (id, kind, label)."""
    with open(path, "w", encoding="utf-8") as f:
        f.write(json.dumps(HEADER) + "\n")
        for oid, typ, size, refs, extra in objects:
            rec = {"rec": "object", "id": oid, "type": typ, "size": size, "refs": refs}
            rec.update(extra)
            f.write(json.dumps(rec) + "\n")
        for oid, kind, label in roots:
            f.write(json.dumps({"rec": "root", "id": oid, "kind": kind, "label": label}) + "\n")


def seed_objects():
    """The seed queue: module __main__ .jobs -> Queue .queue -> deque [i] ->
    tuple [2] -> Job, plus a thread frame holding the queue as a local, a
    two-object unreachable cycle, an object held from outside the heap, and
    an Orphan class reached only through <type>."""
    objs = [
        (1, "module", 72, [[2, "global", "jobs"], [30, "global", "Job"], [50, "global", "helper"]],
         {"name": "__main__"}),
        (9, "module", 72, [[2, "global", "shared"]], {"name": "other"}),
        (2, "queue.Queue", 56, [[3, "attr", "queue"]], {"rc": 3}),
        (3, "collections.deque", 4000, [[10 + i, "index", i] for i in range(3)], {"len": 3, "rc": 1}),
    ]
    for i in range(3):
        objs.append((10 + i, "tuple", 64, [[20 + i, "index", 2]], {"len": 3, "rc": 1}))
        objs.append((20 + i, "__main__.Job", 56, [[30, "type"]], {"rc": 1, "repr": "<Job %d>" % i}))
    objs += [
        (30, "type", 1000, [], {"name": "Job"}),
        (40, "frame", 400, [[2, "local", "q"]], {"name": "run"}),
        (50, "function", 136, [], {"name": "helper"}),
        # An unreachable cycle A <-> B, with a dict hanging off it.
        (60, "__main__.Node", 48, [[61, "attr", "next"], [62, "attr", "data"]], {"rc": 1}),
        (61, "__main__.Node", 48, [[60, "attr", "prev"]], {"rc": 1}),
        (62, "dict", 232, [], {"rc": 1, "len": 0}),
        # Held from outside: rc 2, no referrers in the snapshot.
        (70, "ctypes.Leaked", 80, [[71, "attr", "buf"]], {"rc": 2}),
        (71, "bytes", 1000, [], {"rc": 1}),
        # A class whose only referrer is an instance's <type> edge.
        (80, "app.Inst", 48, [[81, "type"]], {"rc": 1}),
        (81, "type", 900, [], {"name": "Orphan", "rc": 1}),
        (82, "module", 72, [[80, "global", "inst"]], {"name": "app"}),
    ]
    roots = [(40, "thread", "MainThread: run"), (1, "module", "__main__"), (9, "module", "other"),
             (82, "module", "app")]
    return objs, roots


class ChainTest(rgtest.TempDirTest):
    def setUp(self):
        super().setUp()
        self.snap = os.path.join(self.tmp, "seed.jsonl")
        write_snapshot(self.snap, *seed_objects())

    def chain(self, *args, check=0):
        return run("chain", self.snap, "--no-cache", *args, check=check)

    def chain_json(self, *args):
        return json.loads(self.chain("--json", *args).stdout)

    def labels(self, result, key="chain"):
        return [(hop["type"], hop.get("edge", {}).get("label")) for hop in result[key]]

    def test_seed_chain_text(self):
        p = self.chain("--id", "20")
        lines = p.stdout.splitlines()
        self.assertIn("is kept alive by a chain of 4 references", lines[0])
        self.assertEqual(lines[1].strip(), "root: module '__main__'")
        # Beside each object, what it retains: the jump shows where bytes pile up.
        self.assertIn("(beside each object, what it retains)", lines[0])
        hops = [line.split() for line in lines[2:7]]
        self.assertEqual(hops[0], ["module", "__main__", "208", "B", ".jobs"])
        self.assertEqual(hops[1], ["queue.Queue", "4.42", "kB", ".queue"])
        self.assertEqual(hops[2][:4], ["collections.deque", "len", "3", "4.36"])
        self.assertEqual(hops[4][:3], ["__main__.Job", "<Job", "0>"])
        # --no-retained skips the dominator tree and the column.
        lines = self.chain("--id", "20", "--no-retained").stdout.splitlines()
        hops = [line.split() for line in lines[2:7]]
        self.assertEqual(hops[0], ["module", "__main__", ".jobs"])
        self.assertEqual(hops[1], ["queue.Queue", ".queue"])
        self.assertEqual(hops[2], ["collections.deque", "len", "3", "[0]"])
        self.assertEqual(hops[3], ["tuple", "len", "3", "[2]"])
        self.assertEqual(hops[4], ["__main__.Job", "<Job", "0>"])

    def test_seed_chain_json(self):
        d = self.chain_json("--type", "Job")
        self.assertEqual(d["type"], "__main__.Job")
        self.assertEqual(d["instances"], 3)
        r = d["results"][0]
        self.assertEqual(r["count"], 3)   # all three share one chain shape
        self.assertTrue(r["reachable"])
        self.assertEqual(r["root"], {"kind": "module", "label": "__main__"})
        self.assertEqual(self.labels(r), [("module", ".jobs"), ("queue.Queue", ".queue"),
                                          ("collections.deque", "[0]"), ("tuple", "[2]"),
                                          ("__main__.Job", None)])
        self.assertEqual(r["target"]["id"], 20)

    def test_type_all_groups(self):
        d = self.chain_json("--type", "__main__.Node", "--all")
        self.assertEqual(d["instances"], 2)
        self.assertFalse(d["results"][0]["reachable"])
        self.assertEqual(d["results"][0]["why"], "cycle")
        p = self.chain("--type", "Job", "--all")
        self.assertIn("3 instances of __main__.Job in 1 chain shape", p.stdout)
        self.assertIn("[1] 3 instances (168 B)", p.stdout)

    def test_name_selector(self):
        d = self.chain_json("--name", "__main__.jobs")
        self.assertEqual(d["results"][0]["target"]["id"], 2)
        self.assertEqual(self.labels(d["results"][0]), [("module", ".jobs"), ("queue.Queue", None)])
        # "jobs" alone: only __main__ has it.
        self.assertEqual(self.chain_json("--name", "jobs")["results"][0]["target"]["id"], 2)
        # A function by its own name.
        self.assertEqual(self.chain_json("--name", "helper")["results"][0]["target"]["id"], 50)
        # Module "other" also holds the queue as "shared".
        self.assertEqual(self.chain_json("--name", "other.shared")["results"][0]["target"]["id"], 2)

    def test_unreachable_cycle(self):
        p = self.chain("--id", "60")
        self.assertIn("is not reachable from any root", p.stdout)
        self.assertIn("unreachable reference cycle of 2 objects", p.stdout)
        r = self.chain_json("--id", "60")["results"][0]
        self.assertFalse(r["reachable"])
        self.assertEqual(r["why"], "cycle")
        self.assertEqual(r["cycle_size"], 2)
        self.assertEqual(self.labels(r, "cycle"), [("__main__.Node", ".next"), ("__main__.Node", ".prev"),
                                                   ("__main__.Node", None)])
        r = self.chain_json("--id", "62")["results"][0]
        self.assertEqual(r["why"], "from-cycle")
        self.assertEqual(r["holder"]["id"], 60)

    def test_held_from_outside(self):
        p = self.chain("--id", "71")
        self.assertIn("held from outside the heap", p.stdout)
        self.assertIn("refcount 2", p.stdout)
        r = self.chain_json("--id", "71")["results"][0]
        self.assertEqual(r["why"], "outside-heap")
        self.assertEqual(r["holder"]["id"], 70)
        self.assertEqual(r["unexplained_refs"], 2)
        self.assertEqual(self.labels(r, "holder_chain"), [("ctypes.Leaked", ".buf"), ("bytes", None)])

    def test_excluded_type_edge(self):
        r = self.chain_json("--name", "Orphan")["results"][0]
        self.assertEqual(r["why"], "excluded-edges")
        self.assertEqual(r["holder"]["id"], 80)
        self.assertEqual(self.labels(r, "holder_root_chain"), [("module", ".inst"), ("app.Inst", None)])
        self.assertIn("excluded reference", self.chain("--name", "Orphan").stdout)

    def test_ignore_options(self):
        # Without .jobs, the queue is reached from module "other" (a module
        # root ranks above the thread frame at equal depth).
        r = self.chain_json("--id", "20", "--ignore-edge", ".jobs")["results"][0]
        self.assertEqual(self.labels(r)[0], ("module", ".shared"))
        r = self.chain_json("--id", "20", "--ignore-edge", "global")["results"][0]
        self.assertEqual(self.labels(r)[0], ("frame", "frame local 'q'"))
        r = self.chain_json("--id", "20", "--ignore-edge", "global", "--ignore-type", "frame")["results"][0]
        self.assertFalse(r["reachable"])
        self.assertEqual(r["why"], "excluded-edges")

    def test_bad_selectors(self):
        p = self.chain("--type", "NoSuchType", check=1)
        self.assertIn("no type named 'NoSuchType'", p.stderr)
        p = self.chain("--id", "999999", check=1)
        self.assertIn("no object with id 999999", p.stderr)
        p = self.chain("--name", "nothing_here", check=1)
        self.assertIn("no module global or named object 'nothing_here'", p.stderr)
        p = self.chain("--type", "type", check=0)   # exists; two instances
        p = self.chain("--id", "12abc", check=2)
        self.assertIn("--id needs an object id", p.stderr)
        p = self.chain(check=2)
        self.assertIn("no object selected", p.stderr)
        p = self.chain("--id", "1", "--type", "Job", check=2)
        self.assertIn("only one of", p.stderr)
        p = self.chain("--id", "1", "--all", check=2)
        self.assertIn("--all goes with --type", p.stderr)
        p = run("chain", os.path.join(self.tmp, "missing.jsonl"), "--id", "1", check=1)
        self.assertIn("missing.jsonl", p.stderr)
        self.assertEqual(p.stdout, "")

    def test_ambiguous_name(self):
        objs, roots = seed_objects()
        objs.append((51, "function", 136, [], {"name": "worker"}))
        objs.append((52, "function", 136, [], {"name": "worker"}))
        objs.append((53, "function", 136, [], {"name": "helper"}))
        path = os.path.join(self.tmp, "amb.jsonl")
        write_snapshot(path, objs, roots)
        p = run("chain", path, "--no-cache", "--name", "worker", check=1)
        self.assertIn("ambiguous", p.stderr)
        self.assertIn("id 51", p.stderr)
        self.assertIn("id 52", p.stderr)
        # A module global wins over same-named objects elsewhere.
        p = run("chain", path, "--no-cache", "--name", "helper", "--json", check=0)
        self.assertEqual(json.loads(p.stdout)["results"][0]["target"]["id"], 50)

    def test_help(self):
        for cmd in ("chain", "backrefs", "refs"):
            p = run(cmd, "--help", check=0)
            self.assertIn("--type NAME", p.stdout)


class DiagramTest(rgtest.TempDirTest):
    def setUp(self):
        super().setUp()
        self.snap = os.path.join(self.tmp, "seed.jsonl")
        write_snapshot(self.snap, *seed_objects())

    def backrefs(self, *args, check=0, cmd="backrefs"):
        return run(cmd, self.snap, "--no-cache", *args, check=check)

    def assert_wellformed_svg(self, path):
        with open(path, "rb") as f:
            data = f.read()
        self.assertIn(b"<svg", data)
        if shutil.which("xmllint"):
            p = subprocess.run(["xmllint", "--noout", path], capture_output=True, text=True)
            self.assertEqual(p.returncode, 0, p.stderr)
        else:
            import xml.dom.minidom
            xml.dom.minidom.parseString(data)

    def test_dot_to_stdout(self):
        p = self.backrefs("--id", "20")
        self.assertTrue(p.stdout.startswith("digraph"))
        for label in ('label=".jobs"', 'label=".queue"', 'label="[0]"', 'label="[2]"'):
            self.assertIn(label, p.stdout)
        self.assertIn("doubleoctagon", p.stdout)      # the module root
        self.assertIn("root: module __main__", p.stdout)
        self.assertEqual(p.stderr, "")

    def test_formats_by_extension(self):
        magic = {"x.svg": b"<?xml", "x.png": b"\x89PNG", "x.pdf": b"%PDF-", "x.dot": b"digraph",
                 "x.gv": b"digraph"}
        for name, head in magic.items():
            out = os.path.join(self.tmp, name)
            self.backrefs("--type", "Job", "-o", out)
            with open(out, "rb") as f:
                self.assertTrue(f.read().startswith(head), name)
        self.assert_wellformed_svg(os.path.join(self.tmp, "x.svg"))
        out = os.path.join(self.tmp, "diagram.txt")
        self.backrefs("--type", "Job", "-o", out, "--format", "svg")
        self.assert_wellformed_svg(out)
        self.assertEqual(sorted(os.listdir(self.tmp)),
                         sorted(["seed.jsonl", "diagram.txt", *magic]))   # no temp files left

    def test_no_partial_output_on_failure(self):
        out = os.path.join(self.tmp, "keep.svg")
        with open(out, "w") as f:
            f.write("old")
        p = self.backrefs("--type", "NoSuchType", "-o", out, check=1)
        self.assertIn("no type named", p.stderr)
        p = self.backrefs("--type", "Job", "--highlight", "Nope", "-o", out, check=1)
        self.assertIn("highlight type", p.stderr)
        with open(out) as f:
            self.assertEqual(f.read(), "old")
        p = self.backrefs("--type", "Job", "-o", os.path.join(self.tmp, "x.jpeg"), check=2)
        self.assertIn("cannot tell the format", p.stderr)
        p = self.backrefs("--type", "Job", "-o", os.path.join(self.tmp, "no", "such", "x.svg"), check=1)
        self.assertIn("cannot write", p.stderr)
        self.assertEqual(sorted(os.listdir(self.tmp)), ["keep.svg", "seed.jsonl"])
        p = self.backrefs("--type", "Job", "--format", "gif", check=2)

    def test_max_nodes_note_and_fold(self):
        p = self.backrefs("--id", "2", "--max-nodes", "2", "--depth", "3")
        self.assertIn("not drawn (max-nodes 2)", p.stderr)
        self.assertIn("not drawn (max-nodes 2)", p.stdout)     # in the diagram too
        p = self.backrefs("--id", "3", "--too-many", "1", cmd="refs")
        self.assertIn("2 more referents", p.stdout)
        p = self.backrefs("--id", "2", "--too-many", "1")
        self.assertIn("2 more referrers", p.stdout)

    def test_stop_at_and_highlight(self):
        p = self.backrefs("--id", "20", "--stop-at", "collections.deque", "--highlight", "tuple")
        self.assertIn("(not expanded)", p.stdout)
        self.assertNotIn("queue.Queue", p.stdout)
        self.assertIn("#c00000", p.stdout)

    def test_refs(self):
        p = self.backrefs("--name", "__main__", "--depth", "2", cmd="refs")
        self.assertIn('label=".jobs"', p.stdout)
        self.assertIn('label=".queue"', p.stdout)
        self.assertNotIn("tuple", p.stdout)   # depth 2 stops at the deque

    def test_hostile_names(self):
        nasty = ['q"uote', "back\\slash", "\\N\\G", "<script>&amp;&bogus;", "new\nline",
                 "tab\tctl\x01", "\u65e5\u672c\U0001f40d", '"]; digraph x { a -> b', "L" * 3000]
        objs = [(1, "module", 72, [[100 + i, "global", n] for i, n in enumerate(nasty)], {"name": "m<&>"})]
        for i, n in enumerate(nasty):
            objs.append((100 + i, n, 10, [[200, "value", repr(n)]], {"repr": n, "name": n if i % 2 else ""}))
        objs.append((200, "Target" + nasty[3], 10, [], {"repr": nasty[4] + nasty[5]}))
        path = os.path.join(self.tmp, "hostile.jsonl")
        write_snapshot(path, objs, [(1, "module", "m\n\"<&>\"")])
        out = os.path.join(self.tmp, "h.svg")
        run("backrefs", path, "--no-cache", "--id", "200", "-o", out, check=0)
        self.assert_wellformed_svg(out)
        with open(out, encoding="utf-8") as f:
            svg = f.read()
        self.assertIn("&lt;script&gt;&amp;amp;&amp;bogus;", svg)
        self.assertIn("back\\slash", svg)
        self.assertIn("\\N\\G", svg)
        self.assertIn("new\\nline", svg)
        self.assertIn("\u65e5\u672c\U0001f40d", svg)
        self.assertIn("L\u2026", svg)
        self.assertNotIn("L" * 100, svg)
        p = run("backrefs", path, "--no-cache", "--id", "200", check=0)
        # Exactly the DOT edges we drew: no name leaks DOT syntax.
        edges = re.findall(r"^\s*\w+ -> \w+\s*\[", p.stdout, re.M)
        self.assertEqual(len(edges), len(nasty) * 2)
        self.assertIn('q\\"uote', p.stdout)
        p = run("chain", path, "--no-cache", "--id", "200", check=0)
        self.assertNotIn("\x01", p.stdout)
        self.assertEqual(len(p.stdout.splitlines()), 5)   # header, root, 2 hops, nothing split by newlines


class DiagramJsonTest(rgtest.TempDirTest):
    """backrefs/refs --json: the diagram's nodes and edges as data."""

    def check_graph(self, doc, target_type):
        nodes, edges = doc["nodes"], doc["edges"]
        self.assertEqual([n["index"] for n in nodes], list(range(len(nodes))))
        targets = [n for n in nodes if "target" in n["roles"]]
        self.assertTrue(targets, "no target node")
        self.assertTrue(all(n["type"] == target_type and n["distance"] == 0 for n in targets), targets)
        for e in edges:
            self.assertIn(e["from"], range(len(nodes)), e)
            self.assertIn(e["to"], range(len(nodes)), e)
        # every node but the targets is joined to the diagram by an edge
        joined = {e["from"] for e in edges} | {e["to"] for e in edges}
        for n in nodes:
            if "target" not in n["roles"]:
                self.assertIn(n["index"], joined, n)
        self.assertEqual(doc["stats"]["edges"], len(edges))
        self.assertEqual(doc["stats"]["objects"] + doc["stats"]["fold_nodes"], len(nodes))

    def test_real_dump(self):
        if not rgtest.have_dumper():
            self.skipTest("no dumper")
        snap = rgtest.dump_example("dict_cache.py", os.path.join(self.tmp, "out"), "--users", 50,
                                   "--seconds", 0, timeout=120)[-1]
        p = run("backrefs", snap, "--no-cache", "--type", "UserRecord", "--json", check=0)
        doc = json.loads(p.stdout)
        self.assertEqual((doc["command"], doc["direction"]), ("backrefs", "referrers"))
        self.check_graph(doc, "__main__.UserRecord")
        # the retention path is drawn: the cache dict holds the record under
        # its 'user:N' key, and the module __main__ holds the dict as .cache
        by_index = {n["index"]: n for n in doc["nodes"]}
        labels = {(by_index[e["from"]].get("type"), e["label"]) for e in doc["edges"]}
        self.assertIn(("module", ".cache"), labels)
        self.assertTrue(any(t == "dict" and lab.startswith("['user:") for t, lab in labels), labels)
        self.assertTrue(any("root" in n["roles"] and n["type"] == "module" for n in doc["nodes"]))
        p = run("refs", snap, "--no-cache", "--type", "UserRecord", "--json", check=0)
        doc = json.loads(p.stdout)
        self.check_graph(doc, "__main__.UserRecord")
        self.assertIn(".profile", {e["label"] for e in doc["edges"]})

    def test_fold_and_note(self):
        snap = os.path.join(self.tmp, "seed.jsonl")
        write_snapshot(snap, *seed_objects())
        doc = json.loads(run("refs", snap, "--no-cache", "--id", "3", "--too-many", "1", "--json",
                             check=0).stdout)
        folds = [n for n in doc["nodes"] if "fold" in n["roles"]]
        self.assertEqual([(f["folded"], f["bytes"]) for f in folds], [(2, 128)])
        self.assertEqual(doc["note"], "")
        p = run("backrefs", snap, "--no-cache", "--id", "2", "--max-nodes", "2", "--depth", "3", "--json",
                check=0)
        doc = json.loads(p.stdout)
        self.assertIn("not drawn (max-nodes 2)", doc["note"])
        self.assertEqual(doc["stats"]["objects"], 2)

    def test_json_with_output_is_a_usage_error(self):
        snap = os.path.join(self.tmp, "seed.jsonl")
        write_snapshot(snap, *seed_objects())
        p = run("backrefs", snap, "--no-cache", "--id", "2", "--json", "-o", os.path.join(self.tmp, "x.svg"),
                check=2)
        self.assertIn("not with -o", p.stderr)
        p = run("refs", snap, "--no-cache", "--id", "2", "--json", "--format", "svg", check=2)
        self.assertIn("not with --format", p.stderr)
        self.assertEqual(os.listdir(self.tmp), ["seed.jsonl"])


if __name__ == "__main__":
    rgtest.main()
