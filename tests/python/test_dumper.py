"""Tests of tools/python/refgraph_dump.py's dump(): real child processes, real files.

Run: python3 tests/python/test_dumper.py   (CTest sets REFGRAPH_SRC, REFGRAPH,
REFGRAPH_BUILD; without them the source tree is found from this file's location and
the CLI checks are skipped). The helpers here are shared by the other test files.
"""
import collections
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import unittest

SRC = os.environ.get("REFGRAPH_SRC") or os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__))))
TOOLS = os.path.join(SRC, "tools", "python")
EXAMPLES = os.path.join(SRC, "examples")
REFGRAPH = os.environ.get("REFGRAPH")


def cli_available():
    return bool(REFGRAPH) and os.path.isfile(REFGRAPH) and os.access(REFGRAPH, os.X_OK)


def child_env():
    env = dict(os.environ)
    env["PYTHONPATH"] = TOOLS + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.pop("PYTHONSTARTUP", None)
    return env


def run_py(args, cwd=None, timeout=120, check=True):
    p = subprocess.run([sys.executable] + list(args), cwd=cwd, env=child_env(),
                       capture_output=True, text=True, timeout=timeout)
    if check and p.returncode != 0:
        raise AssertionError("child %r failed (%d)\nstdout:\n%s\nstderr:\n%s"
                             % (args, p.returncode, p.stdout, p.stderr))
    return p


def open_snapshot(path):
    with open(path, "rb") as f:
        magic = f.read(4)
    if magic[:2] == b"\x1f\x8b":
        return gzip.open(path, "rb")
    if magic == b"\x28\xb5\x2f\xfd":
        zstd = shutil.which("zstd")
        if not zstd:
            raise unittest.SkipTest("no zstd binary to read %s" % path)
        data = subprocess.run([zstd, "-dc", path], capture_output=True, check=True).stdout
        import io
        return io.BytesIO(data)
    return open(path, "rb")


class Snapshot:
    """A snapshot parsed strictly: every line valid UTF-8 and JSON, ids unique."""

    def __init__(self, path):
        self.path = path
        self.objects = {}
        self.roots = []
        self.other = 0
        with open_snapshot(path) as f:
            for n, raw in enumerate(f, 1):
                line = raw.decode("utf-8")  # strict: fails on invalid UTF-8
                if not line.endswith("\n"):
                    raise AssertionError("%s:%d: line not terminated" % (path, n))
                rec = json.loads(line)
                if n == 1:
                    if rec.get("rec") != "header":
                        raise AssertionError("%s: first record is not a header" % path)
                    self.header = rec
                    continue
                kind = rec["rec"]
                if kind == "object":
                    if rec["id"] in self.objects:
                        raise AssertionError("%s:%d: duplicate id %d" % (path, n, rec["id"]))
                    self.objects[rec["id"]] = rec
                elif kind == "root":
                    self.roots.append(rec)
                else:
                    self.other += 1
        self._incoming = None

    def of_type(self, tname):
        return [o for o in self.objects.values() if o["type"] == tname]

    def one(self, tname):
        objs = self.of_type(tname)
        if len(objs) != 1:
            raise AssertionError("expected one %s, found %d" % (tname, len(objs)))
        return objs[0]

    def refs(self, o, kind=None, label=None):
        out = []
        for r in o.get("refs", []):
            if kind is not None and r[1] != kind:
                continue
            if label is not None and (len(r) < 3 or r[2] != label):
                continue
            out.append(r)
        return out

    def target(self, o, kind, label=None):
        rs = self.refs(o, kind, label)
        if not rs:
            raise AssertionError("%s has no %s edge %r: %r" % (o["type"], kind, label, o.get("refs")))
        return self.objects[rs[0][0]]

    def incoming(self):
        if self._incoming is None:
            inc = collections.defaultdict(list)
            for o in self.objects.values():
                for r in o.get("refs", []):
                    inc[r[0]].append((o["id"], r))
            self._incoming = inc
        return self._incoming

    def reachable(self):
        """Ids reachable from any root (weak edges excluded), computed once."""
        if getattr(self, "_reachable", None) is None:
            seen = {r["id"] for r in self.roots if r["id"] in self.objects}
            stack = list(seen)
            while stack:
                for ref in self.objects[stack.pop()].get("refs", ()):
                    t = ref[0]
                    if t not in seen and t in self.objects and ref[1] != "weak":
                        seen.add(t)
                        stack.append(t)
            self._reachable = seen
        return self._reachable

    def dangling(self):
        return sum(1 for o in self.objects.values() for r in o.get("refs", [])
                   if r[0] not in self.objects)

    def shortest_path(self, target_id):
        """Breadth-first from all roots, weak edges excluded: [(root), (obj, ref)...]."""
        prev = {}
        q = collections.deque()
        for r in self.roots:
            if r["id"] in self.objects and r["id"] not in prev:
                prev[r["id"]] = None
                q.append(r["id"])
        root_of = {}
        for r in self.roots:
            root_of.setdefault(r["id"], r)
        while q:
            i = q.popleft()
            if i == target_id:
                break
            for ref in self.objects[i].get("refs", []):
                t = ref[0]
                if t in self.objects and t not in prev and ref[1] != "weak":
                    prev[t] = (i, ref)
                    q.append(t)
        if target_id not in prev:
            return None
        steps = []
        i = target_id
        while prev[i] is not None:
            parent, ref = prev[i]
            steps.append((self.objects[parent], ref))
            i = parent
        steps.reverse()
        return root_of[i], steps

    def render_path(self, target_id):
        """e.g. `module __main__ .jobs -> queue.Queue .queue -> collections.deque [5]`."""
        found = self.shortest_path(target_id)
        if found is None:
            return None
        root, steps = found
        parts = []
        for obj, ref in steps:
            kind = ref[1]
            label = ref[2] if len(ref) > 2 else None
            name = obj["type"]
            if obj is steps[0][0] and obj["type"] == "module":
                name = "module " + obj.get("name", "?")
            if kind in ("attr", "slot", "global"):
                edge = "." + str(label)
            elif kind == "index":
                edge = "[%d]" % label
            elif kind == "value":
                edge = "[%s]" % label
            else:
                edge = "<%s %s>" % (kind, label) if label is not None else "<%s>" % kind
            parts.append("%s %s" % (name, edge))
        parts.append(self.objects[target_id]["type"])
        return " -> ".join(parts)


def check_with_cli(testcase, path):
    """When the refgraph CLI exists, it must load the file."""
    if not cli_available():
        return
    p = subprocess.run([REFGRAPH, "info", path], capture_output=True, text=True, timeout=300)
    testcase.assertEqual(p.returncode, 0, "refgraph info %s failed:\n%s%s" % (path, p.stdout, p.stderr))


# A child program exercising dump() directly. It writes facts about itself to
# facts.json so the test can compare the snapshot with the live process.
HARNESS = r'''
import gc, json, os, sys, threading
import refgraph_dump

out = sys.argv[1]
mode = sys.argv[2]
calls = []

class Hostile:
    """Every special method records that it ran: the dump must call none of them."""
    def __repr__(self): calls.append("repr"); return "Hostile()"
    def __str__(self): calls.append("str"); return "Hostile"
    def __eq__(self, other): calls.append("eq"); return False
    def __hash__(self): calls.append("hash"); return 1
    def __getattr__(self, name): calls.append("getattr " + name); raise AttributeError(name)
    def __getattribute__(self, name):
        if name not in ("__class__", "__dict__"):
            calls.append("getattribute " + name)
        return object.__getattribute__(self, name)
    def __len__(self): calls.append("len"); return 0
    def __sizeof__(self): calls.append("sizeof"); return 10**9
    def __iter__(self): calls.append("iter"); return iter(())
    def __bool__(self): calls.append("bool"); return True

class Meta(type):
    def __hash__(cls): calls.append("meta hash"); return 1
    def __eq__(cls, other): calls.append("meta eq"); return False
    def __getattribute__(cls, name):
        calls.append("meta getattribute " + name)
        return type.__getattribute__(cls, name)

class WithMeta(metaclass=Meta):
    pass

class Slotted:
    __slots__ = ("left", "right")

import functools
class Lazy:
    """Instances share keys; one lacks `cached`, which a cached_property answers."""
    def __init__(self, n):
        self.n = n
    @functools.cached_property
    def cached(self):
        calls.append("cached_property")
        return [self.n]
    @property
    def prop(self):
        calls.append("property")
        return 1

class Holder:
    def __init__(self):
        self.first = "one"
        self.second = [1, 2]

class Cycle:
    def __init__(self):
        self.other = None

def make_closure(captured):
    def inner():
        return captured
    return inner

hostile = Hostile()
hostile.payload = [7, 7, 7]
hostile_key_dict = {hostile: "value-under-hostile-key", "user:42": Holder()}
with_meta = [WithMeta(), WithMeta()]
lazy_done, lazy_hole = Lazy(1), Lazy(2)
lazy_done.cached                       # adds 'cached' to the shared keys
lazy_hole.extra = "x"                  # a key after the hole
calls.clear()
slotted = Slotted()
slotted.left = ["L"]
slotted.right = Holder()
closure = make_closure(("captured-tuple", 1))
twice = [["shared"]]
alias = twice[0]                       # the inner list: held by twice and by alias -> rc 2
surrogate = "bad \ud800 surrogate"
bigint = 7 ** 20000
unicode_key = {"clé ✓": 1.5}
long_list = [n * 1000003 for n in range(5000)]      # longer than the dumper's chunks
long_tuple = tuple(long_list[:40])

class DictSub(dict):
    pass
dsub = DictSub(a=Holder())
dsub.extra = "x"

stop = threading.Event()
worker = threading.Thread(target=stop.wait, name="worker-7", daemon=True)
worker.start()

gc.disable()
c1, c2 = Cycle(), Cycle()
c1.other, c2.other = c2, c1
cycle_ids = [id(c1), id(c2)]
del c1, c2
if mode == "saveall":
    gc.set_debug(gc.DEBUG_SAVEALL)
    gc.collect()
    gc.set_debug(0)

ids = {"hostile": id(hostile), "alias": id(alias), "slotted": id(slotted),
       "closure": id(closure), "dsub": id(dsub), "cycle": cycle_ids,
       "long_list": id(long_list), "long_tuple": id(long_tuple),
       "lazy_done": id(lazy_done), "lazy_hole": id(lazy_hole),
       "worker_ident": worker.ident}
paths = {"plain": os.path.join(out, "snap.jsonl"), "gz": os.path.join(out, "snap.jsonl.gz"),
         "zst": os.path.join(out, "snap.jsonl.zst")}
facts = {"ids": ids, "results": {}}
objs = gc.get_objects()
facts["gc_count"] = len(objs)
facts["gc_size"] = sum(sys.getsizeof(o) for o in objs if type(o) is not Hostile)
del objs
calls.clear()
if mode == "collect":
    facts["results"]["plain"] = refgraph_dump.dump(paths["plain"], collect=True)
elif mode == "zst":
    try:
        facts["results"]["zst"] = refgraph_dump.dump(paths["zst"])
    except RuntimeError as e:
        facts["zst_error"] = str(e)
else:
    facts["results"]["plain"] = refgraph_dump.dump(paths["plain"])
    facts["results"]["gz"] = refgraph_dump.dump(paths["gz"])
facts["calls"] = list(calls)
facts["gc_enabled_after"] = gc.isenabled()
facts["switch_interval_after"] = sys.getswitchinterval()
with open(os.path.join(out, "facts.json"), "w") as f:
    json.dump(facts, f)
stop.set()
'''


class DumpHarness:
    """Runs HARNESS once per mode and caches the results for all tests."""
    _cache = {}

    @classmethod
    def get(cls, mode):
        if mode not in cls._cache:
            d = tempfile.mkdtemp(prefix="rgdump-%s-" % mode)
            script = os.path.join(d, "harness.py")
            with open(script, "w") as f:
                f.write(HARNESS)
            run_py([script, d, mode])
            with open(os.path.join(d, "facts.json")) as f:
                facts = json.load(f)
            cls._cache[mode] = (d, facts)
        return cls._cache[mode]

    @classmethod
    def cleanup(cls):
        for d, _ in cls._cache.values():
            shutil.rmtree(d, ignore_errors=True)


class DumpTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir, cls.facts = DumpHarness.get("plain")
        cls.snap = Snapshot(os.path.join(cls.dir, "snap.jsonl"))
        cls.ids = cls.facts["ids"]

    def obj(self, key):
        return self.snap.objects[self.ids[key]]

    def test_header(self):
        h = self.snap.header
        self.assertEqual(h["format"], "refgraph-snapshot")
        self.assertEqual(h["version"], 1)
        self.assertTrue(h["producer"].startswith("refgraph_dump.py "))
        self.assertTrue(h["runtime"].startswith("CPython 3."))
        self.assertIsInstance(h["pid"], int)
        self.assertIsInstance(h["time"], float)
        self.assertIs(h["collected"], False)
        self.assertEqual(h["objects"], len(self.snap.objects))
        self.assertEqual(h["edges"], sum(len(o.get("refs", ())) for o in self.snap.objects.values()))
        self.assertEqual(self.snap.other, 0)

    def test_no_dangling_references(self):
        self.assertEqual(self.snap.dangling(), 0)

    def test_no_user_code_ran(self):
        self.assertEqual(self.facts["calls"], [])
        hostile = self.obj("hostile")
        self.assertEqual(hostile["type"], "__main__.Hostile")
        self.assertNotIn("repr", hostile)
        # The size is the runtime's, not the overridden __sizeof__'s 10**9.
        self.assertLess(hostile["size"], 1000)
        payload = self.snap.target(hostile, "attr", "payload")
        self.assertEqual(payload["type"], "list")
        self.assertEqual(payload["len"], 3)

    def test_descriptors_not_run_for_missing_attributes(self):
        done, hole = self.obj("lazy_done"), self.obj("lazy_hole")
        self.assertEqual(self.snap.target(done, "attr", "n")["repr"], "1")
        self.assertEqual(self.snap.target(hole, "attr", "extra")["repr"], "'x'")
        self.assertEqual(self.snap.refs(hole, "attr", "cached"), [])
        # The cached value is still an edge, only not named after the descriptor.
        done_targets = {self.snap.objects[r[0]]["type"] for r in done["refs"]}
        self.assertIn("list", done_targets)
        self.assertEqual(hole["refs"][-1][1], "type")

    def test_gc_and_switch_interval_restored(self):
        self.assertFalse(self.facts["gc_enabled_after"])  # the harness disabled it itself
        self.assertAlmostEqual(self.facts["switch_interval_after"], 0.005)

    def test_object_count_matches_gc(self):
        tracked = [o for o in self.snap.objects.values() if "gc" in o.get("flags", ())]
        # Not 2x: the dumper's own lists/sets are not in the snapshot. A few dozen
        # objects differ (the harness's temporaries between counting and dumping).
        self.assertLess(abs(len(tracked) - self.facts["gc_count"]), 200,
                        (len(tracked), self.facts["gc_count"]))
        untracked = len(self.snap.objects) - len(tracked)
        self.assertGreater(untracked, 1000)  # str/int/code reached from tracked objects

    def test_size_sum_close_to_getsizeof(self):
        total = sum(o["size"] for o in self.snap.objects.values()
                    if "gc" in o.get("flags", ()) and o["type"] != "__main__.Hostile")
        want = self.facts["gc_size"]
        self.assertLess(abs(total - want), 0.10 * want, (total, want))

    def test_own_objects_absent(self):
        own_functions = {"dump", "_dump_locked", "_walk", "loop", "drain", "_collect_roots",
                         "_walk.<locals>.loop", "_walk.<locals>.drain"}
        for o in self.snap.of_type("frame"):
            self.assertNotIn(o.get("name", "").rstrip("()"), own_functions, o)
        big = self.facts["gc_count"] // 2
        for o in self.snap.objects.values():
            if o["type"] in ("list", "set", "dict") and o["id"] != self.ids["long_list"]:
                self.assertLess(o.get("len", 0), big, "a dumper container leaked in: %r"
                                % {k: o[k] for k in ("type", "len")})

    def test_rc_is_corrected(self):
        self.assertEqual(self.obj("alias")["rc"], 2)
        self.assertEqual(self.obj("slotted")["rc"], 1)
        self.assertEqual(self.obj("hostile")["rc"], 2)  # global + dict key

    def test_dict_edges(self):
        d = self.snap.objects[[r for r in self.snap.incoming()[self.ids["hostile"]]
                               if r[1][1] == "key"][0][0]]
        self.assertEqual(d["type"], "dict")
        self.assertEqual(d["len"], 2)
        holder = self.snap.target(d, "value", "'user:42'")
        self.assertEqual(holder["type"], "__main__.Holder")
        key = self.snap.target(d, "key", "'user:42'")
        self.assertEqual((key["type"], key["repr"]), ("str", "'user:42'"))
        # A key with a user __repr__ is labelled by the default repr form, not by calling it.
        labels = [r[2] for r in self.snap.refs(d, "value")]
        self.assertTrue(any(l.startswith("<__main__.Hostile object at 0x") for l in labels), labels)

    def test_instance_attr_and_type_edges(self):
        holder = [o for o in self.snap.of_type("__main__.Holder")][0]
        self.assertEqual(self.snap.target(holder, "attr", "first")["repr"], "'one'")
        self.assertEqual(self.snap.target(holder, "attr", "second")["len"], 2)
        cls = self.snap.target(holder, "type")
        self.assertEqual((cls["type"], cls["name"]), ("type", "__main__.Holder"))

    def test_slots(self):
        s = self.obj("slotted")
        self.assertEqual(self.snap.target(s, "slot", "left")["type"], "list")
        self.assertEqual(self.snap.target(s, "slot", "right")["type"], "__main__.Holder")

    def test_closure_cells(self):
        f = self.obj("closure")
        self.assertEqual(f["type"], "function")
        self.assertEqual(f["name"], "__main__.make_closure.<locals>.inner")
        cell = self.snap.target(f, "cell", "captured")
        self.assertEqual(cell["type"], "cell")
        content = self.snap.target(cell, "cell", "captured")
        self.assertEqual(content["type"], "tuple")
        self.assertEqual(self.snap.target(content, "index", 0)["repr"], "'captured-tuple'")
        self.assertEqual(self.snap.target(f, "attr", "__globals__")["type"], "dict")
        self.assertEqual(self.snap.target(f, "attr", "__code__")["type"], "code")

    def test_module_globals_and_roots(self):
        roots = collections.defaultdict(list)
        for r in self.snap.roots:
            roots[r["kind"]].append(r)
        main_root = [r for r in roots["module"] if r["label"] == "__main__"]
        self.assertEqual(len(main_root), 1)
        main = self.snap.objects[main_root[0]["id"]]
        self.assertEqual((main["type"], main["name"]), ("module", "__main__"))
        self.assertEqual(self.snap.target(main, "global", "hostile")["id"], self.ids["hostile"])
        self.assertEqual(len(roots["builtins"]), 1)
        self.assertEqual(self.snap.objects[roots["builtins"][0]["id"]]["name"], "builtins")
        self.assertIn("sys", [r["label"] for r in roots["module"]])
        labels = [r["label"] for r in roots["thread"]]
        self.assertTrue(any(l.startswith("worker-7: ") for l in labels), labels)
        self.assertTrue(any(l == "MainThread: <module>" for l in labels), labels)

    def test_path_reads_naturally(self):
        self.assertEqual(self.snap.render_path(self.ids["slotted"]),
                         "module __main__ .slotted -> __main__.Slotted")
        holder = self.snap.target(self.obj("slotted"), "slot", "right")
        self.assertEqual(self.snap.render_path(holder["id"]),
                         "module __main__ .slotted -> __main__.Slotted .right -> __main__.Holder")

    def test_thread_frame_locals(self):
        frames = [self.snap.objects[r["id"]] for r in self.snap.roots
                  if r["kind"] == "thread" and r["label"].startswith("worker-7: ")]
        self.assertTrue(frames)
        names = {f.get("name") for f in frames}
        self.assertIn("Event.wait()", names)
        wait = [f for f in frames if f.get("name") == "Event.wait()"][0]
        self.assertEqual(self.snap.target(wait, "local", "self")["type"], "threading.Event")
        self.assertEqual(self.snap.target(wait, "attr", "f_code")["type"], "code")

    def test_long_sequences(self):
        for key, n in (("long_list", 5000), ("long_tuple", 40)):
            o = self.obj(key)
            self.assertEqual(o["len"], n)
            self.assertEqual([r[2] for r in o["refs"]], list(range(n)))
            self.assertTrue(all(r[1] == "index" for r in o["refs"]))
            self.assertEqual(self.snap.objects[o["refs"][-1][0]]["repr"], str((n - 1) * 1000003))

    def test_metaclass_and_dict_subclass(self):
        self.assertEqual(len(self.snap.of_type("__main__.WithMeta")), 2)
        cls = [o for o in self.snap.of_type("__main__.Meta")]
        self.assertEqual(len(cls), 1)
        self.assertEqual(cls[0]["name"], "__main__.WithMeta")
        dsub = self.obj("dsub")
        self.assertEqual(dsub["type"], "__main__.DictSub")
        self.assertEqual(self.snap.target(dsub, "value", "'a'")["type"], "__main__.Holder")
        self.assertEqual(self.snap.target(dsub, "attr", "extra")["repr"], "'x'")

    def test_strings_valid_and_bounded(self):
        strs = self.snap.of_type("str")
        bad = [o for o in strs if "bad " in o.get("repr", "") and "surrogate" in o["repr"]]
        self.assertEqual(len(bad), 1)
        self.assertIn("\\ud800", bad[0]["repr"])
        self.assertTrue(all(len(o.get("repr", "")) <= 120 for o in self.snap.objects.values()))
        big = [o for o in self.snap.of_type("int") if "bits" in o.get("repr", "")]
        self.assertTrue(big, "the 7**20000 int must be present with a bounded repr")
        self.assertTrue(any(r[2] == "'clé ✓'" for o in self.snap.of_type("dict")
                            for r in self.snap.refs(o, "value")))

    def test_unreachable_cycle_kept_without_collect(self):
        for i in self.ids["cycle"]:
            o = self.snap.objects[i]
            self.assertEqual(o["type"], "__main__.Cycle")
            self.assertNotIn(i, self.snap.reachable())

    def test_gzip_output_same_graph(self):
        gz = os.path.join(self.dir, "snap.jsonl.gz")
        with open(gz, "rb") as f:
            self.assertEqual(f.read(2), b"\x1f\x8b")
        snap = Snapshot(gz)
        self.assertEqual(snap.header["objects"], len(snap.objects))
        self.assertEqual(len(snap.of_type("__main__.Holder")), len(self.snap.of_type("__main__.Holder")))
        check_with_cli(self, gz)

    def test_no_temporary_files_left(self):
        left = [n for n in os.listdir(self.dir) if ".tmp" in n]
        self.assertEqual(left, [])

    def test_cli_loads_it(self):
        if not cli_available():
            self.skipTest("REFGRAPH CLI not built (REFGRAPH=%r)" % REFGRAPH)
        check_with_cli(self, self.snap.path)


class CollectTest(unittest.TestCase):
    def test_collect_frees_unreachable_cycles(self):
        d, facts = DumpHarness.get("collect")
        snap = Snapshot(os.path.join(d, "snap.jsonl"))
        self.assertIs(snap.header["collected"], True)
        for i in facts["ids"]["cycle"]:
            o = snap.objects.get(i)
            self.assertFalse(o is not None and o["type"] == "__main__.Cycle")
        self.assertEqual(snap.of_type("__main__.Cycle"), [])


class GarbageTest(unittest.TestCase):
    def test_gc_garbage_is_flagged_and_rooted(self):
        d, facts = DumpHarness.get("saveall")
        snap = Snapshot(os.path.join(d, "snap.jsonl"))
        for i in facts["ids"]["cycle"]:
            o = snap.objects[i]
            self.assertIn("garbage", o["flags"])
            self.assertIn("gc", o["flags"])
        groots = {r["id"]: r for r in snap.roots if r["kind"] == "garbage"}
        for i in facts["ids"]["cycle"]:
            self.assertIn(i, groots)
            self.assertEqual(groots[i]["label"], "gc.garbage: __main__.Cycle")


class ZstdTest(unittest.TestCase):
    def test_zst(self):
        d, facts = DumpHarness.get("zst")
        path = os.path.join(d, "snap.jsonl.zst")
        if "zst_error" in facts:
            self.assertIn("zstd is unavailable", facts["zst_error"])
            self.assertFalse(os.path.exists(path))
            return
        with open(path, "rb") as f:
            self.assertEqual(f.read(4), b"\x28\xb5\x2f\xfd")
        snap = Snapshot(path)
        self.assertEqual(snap.header["objects"], len(snap.objects))
        check_with_cli(self, path)


BUILD = os.environ.get("REFGRAPH_BUILD") or os.path.join(SRC, "build")


def accel_built():
    import glob
    return bool(glob.glob(os.path.join(BUILD, "python", "_refgraph_accel*.so")))


def run_child(code, args=(), pure=True, timeout=300, env_extra=None):
    """Run code (a string) in a child python with the dumper importable; pure=False also
    puts the C accelerator on the path. Returns the CompletedProcess (checked)."""
    env = child_env()
    env.pop("REFGRAPH_DUMP_PURE", None)
    if pure:
        env["REFGRAPH_DUMP_PURE"] = "1"
    else:
        env["PYTHONPATH"] = env["PYTHONPATH"] + os.pathsep + os.path.join(BUILD, "python")
    env.update(env_extra or {})
    p = subprocess.run([sys.executable, "-c", code] + list(args), env=env, capture_output=True,
                       text=True, timeout=timeout)
    if p.returncode != 0:
        raise AssertionError("child failed (%d)\nstdout:\n%s\nstderr:\n%s"
                             % (p.returncode, p.stdout, p.stderr))
    return p


def paths_to_try(testcase):
    """(label, pure) for the pure path and, when built, the accelerated one."""
    out = [("pure", True)]
    if accel_built():
        out.append(("accel", False))
    else:
        print("%s: the C accelerator is not built in %s: only the pure path is tested"
              % (testcase.id(), BUILD), file=sys.stderr)
    return out


PERCENT_CHILD = r"""
import json, sys
import refgraph_dump
NAMES = ["100%", "a%%b", "%s", "{}", "{0}", "%d%%", "%(x)s", "plain"]

class Odd:
    def __init__(self, k):
        for i, name in enumerate(NAMES):
            setattr(self, name, "v%d-%d" % (i, k))

odd = [Odd(k) for k in range(3)]
holder = {name: [name] for name in NAMES}   # dict keys with the same names
info = refgraph_dump.dump(sys.argv[1])
print(json.dumps({"accel": info["accel"], "ids": [id(o) for o in odd], "names": NAMES}))
"""


class HardeningTest(unittest.TestCase):
    """Issue 17, item 8: the walk never fails on odd names, hostile files or threads."""

    def test_percent_in_attribute_names(self):
        for label, pure in paths_to_try(self):
            with self.subTest(path=label), tempfile.TemporaryDirectory(prefix="rgpct-") as d:
                path = os.path.join(d, "s.jsonl")
                out = json.loads(run_child(PERCENT_CHILD, [path], pure=pure).stdout)
                self.assertEqual(out["accel"], not pure)
                snap = Snapshot(path)
                for k, i in enumerate(out["ids"]):
                    o = snap.objects[i]
                    self.assertEqual(o["type"], "__main__.Odd")
                    labels = [r[2] for r in snap.refs(o, "attr")]
                    self.assertEqual(labels, out["names"])
                    for j, name in enumerate(out["names"]):
                        self.assertEqual(snap.target(o, "attr", name)["repr"], "'v%d-%d'" % (j, k))
                check_with_cli(self, path)

    SYMLINK_CHILD = r"""
import json, os, stat, sys
import refgraph_dump
d = sys.argv[1]
victim, victim2 = os.path.join(d, "victim"), os.path.join(d, "victim2")
for v in (victim, victim2):
    with open(v, "w") as f:
        f.write("precious")
out = {}
# The name used before the fix, and a name whose random part a test can predict.
os.symlink(victim2, os.path.join(d, ".snap.jsonl.tmp-%d" % os.getpid()))
os.symlink(victim2, os.path.join(d, ".snap.jsonl.gz.tmp-%d.raw" % os.getpid()))
real_suffix = refgraph_dump._tmp_suffix
refgraph_dump._tmp_suffix = lambda: "fixed"
os.symlink(victim, os.path.join(d, ".snap.jsonl.tmp-%d-fixed" % os.getpid()))
try:
    refgraph_dump.dump(os.path.join(d, "snap.jsonl"))
    out["planted"] = "dumped"
except FileExistsError as e:
    out["planted"] = "refused"
refgraph_dump._tmp_suffix = real_suffix
os.umask(0o022)
refgraph_dump.dump(os.path.join(d, "snap.jsonl"))
refgraph_dump.dump(os.path.join(d, "snap.jsonl.gz"))
out["mode"] = stat.S_IMODE(os.stat(os.path.join(d, "snap.jsonl")).st_mode)
out["mode_gz"] = stat.S_IMODE(os.stat(os.path.join(d, "snap.jsonl.gz")).st_mode)
print(json.dumps(out))
"""

    def test_planted_symlink_is_never_followed(self):
        with tempfile.TemporaryDirectory(prefix="rglink-") as d:
            out = json.loads(run_child(self.SYMLINK_CHILD, [d]).stdout)
            self.assertEqual(out["planted"], "refused")
            for v in ("victim", "victim2"):
                with open(os.path.join(d, v)) as f:
                    self.assertEqual(f.read(), "precious", v)
            self.assertEqual((out["mode"], out["mode_gz"]), (0o644, 0o644))
            self.assertEqual(Snapshot(os.path.join(d, "snap.jsonl")).header["format"],
                             "refgraph-snapshot")
            # Only the three planted links remain besides the results: nothing half-written.
            left = sorted(n for n in os.listdir(d) if n.startswith("."))
            self.assertEqual(len(left), 3, left)
            self.assertTrue(all(os.path.islink(os.path.join(d, n)) for n in left), left)

    BUSY_CHILD = r"""
import json, sys, threading, time
import refgraph_dump
out = {"interval_before": sys.getswitchinterval()}
seen = []
real_walk = refgraph_dump._walk
def walk(*a, **k):
    seen.append(sys.getswitchinterval())
    return real_walk(*a, **k)
refgraph_dump._walk = walk
junk = [[i, str(i)] for i in range(30000)]
t0 = time.monotonic()
refgraph_dump.dump(sys.argv[1])
out["idle_s"] = time.monotonic() - t0
stop = False
def spin():
    n = 0
    while not stop:
        n += 1
threads = [threading.Thread(target=spin) for _ in range(3)]
for t in threads:
    t.start()
t0 = time.monotonic()
refgraph_dump.dump(sys.argv[1])
out["busy_s"] = time.monotonic() - t0
stop = True
for t in threads:
    t.join()
out["interval_in_walk"] = seen
print(json.dumps(out))
"""

    def test_busy_threads_do_not_stall_the_dump(self):
        # The mechanism, asserted exactly: the walk runs at the normal switch interval
        # (a raised one handed a busy thread the GIL for up to 30 s at a time). The
        # timing is a generous bound, not a measurement: 3 busy threads may take 3/4 of
        # the CPU, so 20 x the idle time (at least 10 s), and under 30 s in any case.
        for label, pure in paths_to_try(self):
            with self.subTest(path=label), tempfile.TemporaryDirectory(prefix="rgbusy-") as d:
                out = json.loads(run_child(self.BUSY_CHILD, [os.path.join(d, "s.jsonl")],
                                           pure=pure, timeout=600).stdout)
                self.assertEqual(out["interval_in_walk"], [out["interval_before"]] * 2)
                self.assertLess(out["busy_s"], min(30.0, max(10.0, 20 * out["idle_s"])), out)

    MUTATE_CHILD = r"""
import collections, json, os, sys, threading, time
import refgraph_dump

class Bag:
    pass

shared_dict = {i: str(i) for i in range(5000)}      # longer than a streamed chunk
small_dict = {}
shared_list = list(range(100))
shared_set = set(range(3000))
shared_deque = collections.deque(range(100))
bags = [Bag() for _ in range(50)]
mod = sys.modules[__name__]
stop = False

def mutate(k):
    n = 0
    while not stop:
        n += 1
        if n % 50 == 0:
            time.sleep(0.0002)  # let the dump run too: the machine may have one core
        key = (k, n % 4000)
        shared_dict[key] = n
        shared_dict.pop((k, (n - 2000) % 4000), None)
        small_dict[n % 7] = [n]
        if n % 3 == 0:
            small_dict.pop((n - 1) % 7, None)
        shared_list.append(n)
        if len(shared_list) > 300:
            del shared_list[:150]
        shared_set.add(key)
        shared_set.discard((k, (n - 1000) % 4000))
        shared_deque.append(n)
        if len(shared_deque) > 300:
            shared_deque.popleft()
        b = bags[n % 50]
        setattr(b, "a%d" % (n % 9), n)
        if n % 5 == 0:
            b.__dict__.pop("a%d" % ((n + 3) % 9), None)
        setattr(mod, "g%d" % (n % 11), n)
        if n % 4 == 0:
            mod.__dict__.pop("g%d" % ((n + 5) % 11), None)

threads = [threading.Thread(target=mutate, args=(k,)) for k in range(3)]
for t in threads:
    t.start()
ok = 0
try:
    for i in range(20):
        refgraph_dump.dump(os.path.join(sys.argv[1], "s%02d.jsonl" % i))
        ok += 1
finally:
    stop = True
    for t in threads:
        t.join()
print(json.dumps({"ok": ok}))
"""

    def test_threads_mutating_containers_never_fail_a_dump(self):
        for label, pure in paths_to_try(self):
            with self.subTest(path=label), tempfile.TemporaryDirectory(prefix="rgmut-") as d:
                out = json.loads(run_child(self.MUTATE_CHILD, [d], pure=pure, timeout=600).stdout)
                self.assertEqual(out["ok"], 20)
                # Every snapshot is loadable: strict JSON, unique ids, counts that match.
                # The CLI checks all 20 quickly; Python parses a few (or all, without it).
                for i in range(20):
                    path = os.path.join(d, "s%02d.jsonl" % i)
                    check_with_cli(self, path)
                    if i % 7 and cli_available():
                        continue
                    snap = Snapshot(path)
                    self.assertEqual(snap.header["objects"], len(snap.objects))
                    self.assertEqual(snap.header["edges"],
                                     sum(len(o.get("refs", ())) for o in snap.objects.values()))

    MEMORY_CHILD = r"""
import json, resource, sys
import refgraph_dump

class K:
    pass

big_dict = {K(): None for _ in range(int(sys.argv[2]))}
big_set = {K() for _ in range(int(sys.argv[2]) // 2)}
with open("/proc/self/status") as f:
    vm = [int(l.split()[1]) * 1024 for l in f if l.startswith("VmSize:")][0]
limit = vm + int(sys.argv[3]) * 1024 * 1024
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
info = refgraph_dump.dump(sys.argv[1])
print(json.dumps({"objects": info["objects"], "id": id(big_dict), "set": id(big_set)}))
"""

    def test_big_dict_streams_under_a_memory_limit(self):
        # A dict of 400 000 entries whose labels are long: written whole, its record
        # needed about 200 MB (the parts list, its join, the encoded copy); streamed,
        # a few MB. The child caps its address space at its size before the dump + 100 MB.
        n = 400000
        for label, pure in paths_to_try(self):
            with self.subTest(path=label), tempfile.TemporaryDirectory(prefix="rgmem-") as d:
                path = os.path.join(d, "s.jsonl")
                out = json.loads(run_child(self.MEMORY_CHILD, [path, str(n), "100"],
                                           pure=pure, timeout=600).stdout)
                with open(path, "rb") as f:
                    for raw in f:
                        if raw.startswith(b'{"rec":"object","id":%d,' % out["id"]):
                            rec = json.loads(raw)
                        elif raw.startswith(b'{"rec":"object","id":%d,' % out["set"]):
                            srec = json.loads(raw)
                self.assertEqual((rec["type"], rec["len"], len(rec["refs"])), ("dict", n, 2 * n))
                self.assertEqual((srec["type"], srec["len"], len(srec["refs"])),
                                 ("set", n // 2, n // 2))
                self.assertTrue(rec["refs"][0][2].startswith("<__main__.K object at 0x"))


    LONG_LINE_CHILD = r"""
import sys
import refgraph_dump
long_list = list(range(1000, 201000))
refgraph_dump.dump(sys.argv[1])
"""

    def test_cli_limit_on_line_length_can_be_raised(self):
        # A list of 200 000 items is one line of about 6 MB. Under a 1 MB limit the CLI
        # refuses it and names the option that raises the limit; raised, it loads.
        if not cli_available():
            self.skipTest("REFGRAPH CLI not built (REFGRAPH=%r)" % REFGRAPH)
        with tempfile.TemporaryDirectory(prefix="rgline-") as d:
            path = os.path.join(d, "s.jsonl")
            run_child(self.LONG_LINE_CHILD, [path])
            with open(path, "rb") as f:
                longest = max(len(line) for line in f)
            self.assertGreater(longest, 5000000)
            p = subprocess.run([REFGRAPH, "info", "--no-cache", "--max-line-bytes", "1000000",
                                path], capture_output=True, text=True, timeout=300)
            self.assertEqual(p.returncode, 1, p.stderr)
            self.assertIn("line is longer than the limit of 1000000 bytes", p.stderr)
            self.assertIn("--max-line-bytes", p.stderr)
            self.assertEqual(p.stdout, "")
            p = subprocess.run([REFGRAPH, "info", "--no-cache", "--max-line-bytes",
                                str(longest + 1), path], capture_output=True, text=True, timeout=300)
            self.assertEqual(p.returncode, 0, p.stderr)
            p = subprocess.run([REFGRAPH, "info", "--no-cache", "--max-line-bytes", "0", path],
                               capture_output=True, text=True, timeout=300)
            self.assertEqual(p.returncode, 2, p.stderr)



OWN_CHILD = r"""
import gc, json, os, sys
import refgraph_dump
from refgraph_dump import dump as dump_alias   # the program holds one of the dumper's functions
held = [refgraph_dump.PRODUCER, "x"]
before = {"gc": sys.getrefcount(gc) - 1, "os": sys.getrefcount(os) - 1}
info = refgraph_dump.dump(sys.argv[1])
print(json.dumps({"accel": info["accel"], "ids": {"gc": id(gc), "os": id(os)},
                  "before": before, "own": [id(refgraph_dump), id(refgraph_dump.dump),
                                            id(refgraph_dump.__dict__)]}))
"""


class OwnObjectsTest(unittest.TestCase):
    """Issue 12: no object or root of the dumper is in a snapshot of a real process, and
    the "rc" of what it refers to leaves its references out."""

    def test_dumper_leaves_no_trace(self):
        for label, pure in paths_to_try(self):
            with self.subTest(path=label), tempfile.TemporaryDirectory(prefix="rgown-") as d:
                path = os.path.join(d, "s.jsonl")
                out = json.loads(run_child(OWN_CHILD, [path], pure=pure).stdout)
                self.assertEqual(out["accel"], not pure)
                snap = Snapshot(path)
                own_mods = ("refgraph_dump", "_refgraph_accel")
                self.assertEqual([r for r in snap.roots if r["kind"] == "module"
                                  and r["label"] in own_mods], [])
                for i in out["own"]:
                    self.assertNotIn(i, snap.objects)
                for o in snap.objects.values():
                    name = o.get("name") or ""
                    self.assertFalse(o["type"] == "module" and name in own_mods, o)
                    self.assertFalse(name.startswith("refgraph_dump.") or
                                     o["type"].startswith("refgraph_dump."), o)
                    if o["type"] == "code":
                        fn = snap.target(o, "attr", "co_filename").get("repr", "")
                        self.assertFalse(fn.endswith("refgraph_dump.py'"), (o, fn))
                # The program's references to the dumper are left out, not left dangling.
                self.assertEqual(snap.dangling(), 0)
                main = [snap.objects[r["id"]] for r in snap.roots if r["label"] == "__main__"][0]
                self.assertEqual(snap.refs(main, "global", "refgraph_dump"), [])
                self.assertEqual(snap.refs(main, "global", "dump_alias"), [])
                self.assertEqual(snap.target(main, "global", "held")["len"], 2)
                # "rc" counts the program's references and not the dumper's: its module
                # holds one reference on each of these modules.
                for mod in ("gc", "os"):
                    self.assertEqual(snap.objects[out["ids"][mod]]["rc"], out["before"][mod] - 1, mod)
                check_with_cli(self, path)



NAMED_CHILD = r"""
import asyncio, collections, functools, json, sys, types, weakref
import refgraph_dump

class Session:
    pass

def open_session():
    s = Session()
    return lambda: s

class MyErr(ValueError):
    pass

def fail():
    local_thing = ["in-frame"]
    raise MyErr("boom")

try:
    try:
        fail()
    except MyErr as e:
        raise KeyError("outer") from e
except KeyError as e2:
    saved = e2

def gen(n):
    gen_local = ["gen-local"]
    yield n
g = gen(5)
next(g)
async def coro(arg):
    await asyncio.sleep(0)
c = coro(["coro-arg"])
part = functools.partial(print, 1, 2, sep="-")
class P:
    @property
    def p(self):
        return 1
    @classmethod
    def cm(cls):
        pass
    @staticmethod
    def sm():
        pass
dd = collections.defaultdict(list)
ns = types.SimpleNamespace(alpha=[1])
class T:
    pass
tt = T()
def on_gone(r):
    pass
wr = weakref.ref(tt, on_gone)
bm = [].append
cb = open_session()

class SlowAdder:
    @functools.lru_cache(maxsize=None)
    def add(self, x):
        return x + 1
adders = [SlowAdder() for _ in range(3)]
for a in adders:
    a.add(1)
info = refgraph_dump.dump(sys.argv[1])
print(json.dumps({"accel": info["accel"], "ids": {k: id(v) for k, v in dict(
    saved=saved, g=g, c=c, part=part, dd=dd, ns=ns, wr=wr, bm=bm, P=P, cb=cb,
    on_gone=on_gone, add=SlowAdder.__dict__["add"]).items()}}))
c.close()
"""


class NamedEdgesTest(unittest.TestCase):
    """Issue 12: references carry the names CPython gives them, and functions, code,
    frames, generators and builtins carry the qualified name a person wrote."""

    def test_names(self):
        for label, pure in paths_to_try(self):
            with self.subTest(path=label), tempfile.TemporaryDirectory(prefix="rgnamed-") as d:
                path = os.path.join(d, "s.jsonl")
                out = json.loads(run_child(NAMED_CHILD, [path], pure=pure).stdout)
                snap = Snapshot(path)
                self.assertEqual(snap.dangling(), 0)
                o = {k: snap.objects[i] for k, i in out["ids"].items()}
                t = snap.target
                # Exceptions and tracebacks down to the frame that raised.
                self.assertEqual(o["saved"]["type"], "KeyError")
                self.assertEqual(t(o["saved"], "attr", "args")["type"], "tuple")
                inner = t(o["saved"], "attr", "__cause__")
                self.assertEqual(inner["type"], "__main__.MyErr")
                tb = t(t(inner, "attr", "__traceback__"), "attr", "tb_next")
                frame = t(tb, "attr", "tb_frame")
                self.assertEqual((frame["type"], frame["name"]), ("frame", "fail()"))
                self.assertEqual(t(frame, "local", "local_thing")["len"], 1)
                self.assertEqual(t(frame, "attr", "f_code")["name"], "fail")
                # Closures: the function's qualified name, its code's co_qualname.
                self.assertEqual(o["cb"]["name"], "__main__.open_session.<locals>.<lambda>")
                self.assertEqual(t(o["cb"], "attr", "__code__")["name"],
                                 "open_session.<locals>.<lambda>")
                self.assertEqual(t(t(o["cb"], "cell", "s"), "cell", "s")["type"], "__main__.Session")
                # Generators and coroutines.
                self.assertEqual(o["g"]["name"], "gen")
                self.assertEqual(t(o["g"], "attr", "gi_code")["name"], "gen")
                self.assertEqual(o["c"]["name"], "coro")
                self.assertEqual(t(o["c"], "attr", "cr_code")["name"], "coro")
                # 3.11: a suspended generator's and a coroutine's locals, by name (read
                # from the frame CPython 3.11 embeds in them; other versions: unnamed).
                if sys.version_info[:2] == (3, 11):
                    self.assertEqual(t(o["g"], "local", "n")["repr"], "5")
                    self.assertEqual(t(o["g"], "local", "gen_local")["len"], 1)
                    self.assertEqual(t(o["c"], "local", "arg")["len"], 1)
                # Builtin method: its qualified name and __self__.
                self.assertEqual(o["bm"]["name"], "list.append")
                self.assertEqual(t(o["bm"], "attr", "__self__")["type"], "list")
                # functools.partial (slots in 3.11's heap type, attrs otherwise).
                pr = {r[2]: snap.objects[r[0]]["type"] for r in o["part"]["refs"] if len(r) > 2}
                self.assertEqual((pr["func"], pr["args"], pr["keywords"]),
                                 ("builtin_function_or_method", "tuple", "dict"))
                # Descriptors on a class.
                self.assertEqual(t(t(o["P"], "attr", "p"), "attr", "fget")["name"], "__main__.P.p")
                self.assertEqual(t(t(o["P"], "attr", "cm"), "attr", "__func__")["name"], "__main__.P.cm")
                self.assertEqual(t(t(o["P"], "attr", "sm"), "attr", "__func__")["name"], "__main__.P.sm")
                # defaultdict, SimpleNamespace, weakref callback.
                self.assertEqual(t(o["dd"], "attr", "default_factory")["name"], "list")
                self.assertEqual(t(o["ns"], "attr", "alpha")["type"], "list")
                self.assertEqual(t(o["wr"], "attr", "__callback__")["id"], out["ids"]["on_gone"])
                self.assertEqual(t(o["wr"], "weak")["type"], "__main__.T")
                # lru_cache: the function it wraps, and the cache that keeps the instances.
                self.assertEqual(t(o["add"], "attr", "__wrapped__")["name"], "__main__.SlowAdder.add")
                cache = t(o["add"], "internal", "cache")
                self.assertEqual((cache["type"], cache["len"]), ("dict", 3))


def tearDownModule():
    DumpHarness.cleanup()


if __name__ == "__main__":
    unittest.main()
