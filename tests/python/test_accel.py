"""The optional C accelerator (_refgraph_accel) writes exactly what the pure-Python
dumper writes.

Run: python3 tests/python/test_accel.py  (CTest sets REFGRAPH_BUILD; the module is looked
for in $REFGRAPH_BUILD/python). Skipped, with the reason printed, when the module was not
built (no Python headers, or the ASan build, which does not build it).

Byte identity needs the same objects at the same addresses, so one child process builds
a heap and walks it four times (pure, accel, pure, accel) with the dumper's own walker
over a fixed list of the heap's tracked objects; it flips the C module's switch between
walks, which changes no Python object. Everything the walk reaches from those objects
is written, including shared ones (small ints, None, static types) whose reference
counts the two paths must report identically. Whole-process dumps cannot be compared
byte for byte: the dumper's own constants and methods are in them, with reference
counts that depend on which code is running; for those the test compares what a dump
says about the program's objects.
"""
import collections
import errno
import glob
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from test_dumper import SRC, TOOLS, Snapshot  # noqa: E402

BUILD = os.environ.get("REFGRAPH_BUILD") or os.path.join(SRC, "build")
ACCEL_DIR = os.path.join(BUILD, "python")


def accel_skip_reason():
    if os.environ.get("REFGRAPH_SANITIZED"):
        return "the ASan build does not build _refgraph_accel"
    if not glob.glob(os.path.join(ACCEL_DIR, "_refgraph_accel*.so")):
        return "_refgraph_accel not built in %s (no Python development headers?)" % ACCEL_DIR
    p = subprocess.run([sys.executable, "-c", "import _refgraph_accel"],
                       env=dict(os.environ, PYTHONPATH=ACCEL_DIR), capture_output=True, text=True)
    if p.returncode != 0:
        return "_refgraph_accel does not import into %s: %s" % (sys.executable,
                                                                 p.stderr.strip()[-200:])
    return None


SKIP = accel_skip_reason()
if SKIP:
    print("test_accel: skipped: " + SKIP, file=sys.stderr)

# The heap: the seed's queue of (seq, time, Job) tuples plus values that exercise every
# branch of the C code (each atom kind, hostile strings, long and short sequences,
# containers and instances the C code hands back to the Python handlers).
HEAP = r'''
import collections, queue, weakref

class Job:
    def __init__(self, n):
        self.n = n
        self.payload = [n] * 4

class Slotted:
    __slots__ = ("a", "b")
    def __init__(self, a, b):
        self.a, self.b = a, b

class Registry(dict):
    pass

class Tagged(list):
    def __init__(self, items, tag):
        super().__init__(items)
        self.tag = tag

Point = collections.namedtuple("Point", "x y")

def make_counter(start):
    count = [start]
    def bump(step=1):
        count[0] += step
        return count[0]
    return bump

jobs = queue.Queue()
for n in range(JOBS):
    jobs.put((n, n * 0.5, Job(n)))
hostile = ["\ud800", "a\udfffb\udc80", "\x00\x01\x08\x0c\x1f\x7f\x80\x9f", "\t\n\r\"\\/",
           "caf\u00e9 \u4e2d\u6587 \U0001f600 \u2028\u2029\ufeff", 'q"uo\\te\'s', "x" * 500,
           "\u00e9" * 300, "\U0001f600" * 130, "'" * 200, "\\" * 119, "a" * 118 + "\n",
           "", " ", "-0", 10 ** 30, -(10 ** 30), 2 ** 64 - 1, -(2 ** 64 - 1), 2 ** 64,
           -(2 ** 64), 2 ** 63, -(2 ** 63), -(2 ** 63) - 1, 10 ** 114, 10 ** 115, 2 ** 380,
           2 ** 381, -(2 ** 400), 10 ** 200, -5, -1, 0, 256, 257, -123456789,
           float("nan"), float("inf"), float("-inf"), -0.0, 0.1, 1e300, 5e-324, 1e16, 1e22,
           b"\x00\xff\"'", b"q'\"" * 50, bytes(range(256)), b"x" * 120,
           bytearray(b"ba"), 3 + 4j, True, False, None, Ellipsis,
           {"K" * 130: 1, ("t", 1): 2, "q'\"\u00e9": 3, 2.5: 4, b"b": 5},
           ("\ud800", 3, 4.5, "\U0001f600"), [1, -2, "\n"], {"k\u2028": "\t", 7: None},
           frozenset({1, "a"}), {2.5, "b"}, tuple(range(1000, 1040)), list(range(-40, 0)),
           (), [], {}, int, str, float, type(None)]
registry = Registry(alpha=Slotted("x", 1.25), beta=Point(1, 2.0))
tagged = Tagged([Job(-1), "t"], tag="\u00fc")
counter = make_counter(10 ** 20)
method = Job(99).__init__
ref = weakref.ref(Job)
nested = [[[i, str(i), float(i)] for i in range(40)] for _ in range(3)]
ROOT = [jobs.queue, hostile, registry, tagged, counter, method, ref, nested, jobs]
'''

CHILD = textwrap.dedent(r'''
    import gc, os, sys
    import refgraph_dump, _refgraph_accel
    JOBS = int(sys.argv[1])
    OUT = sys.argv[2]
    exec(compile(open(sys.argv[3]).read(), "heap", "exec"))

    # The tracked objects the heap consists of: followed through containers, instances
    # of the classes above, functions and cells, never into modules or classes.
    def tracked_heap():
        mine = (Job, Slotted, Registry, Tagged, Point)
        follow = (list, tuple, dict, set, frozenset, collections.deque, type(make_counter),
                  type(method), type(counter.__closure__[0]), queue.Queue) + mine
        out, seen, stack = [], set(), [ROOT]
        while stack:
            o = stack.pop()
            if id(o) in seen:
                continue
            seen.add(id(o))
            if gc.is_tracked(o):
                out.append(o)
            if isinstance(o, follow) and not isinstance(o, type):
                stack.extend(r for r in gc.get_referents(o)
                             if not isinstance(r, (type, type(sys))))
        return out

    # Objects of the dumper inside the heap: a short list and a long one holding its
    # functions (both paths leave those items out), and its reference counts (each
    # path leaves the dumper's references out of "rc" the same way).
    ROOT.append([refgraph_dump._walk, "beside the dumper"])
    ROOT.append([refgraph_dump.dump] + list(range(40)))
    gc.disable()
    OBJS = tracked_heap()
    GENS = [(OBJS, False)]
    OWN, ADJ = refgraph_dump._own_objects()
    SKIP = {id(GENS), id(OBJS), id(OWN), id(ADJ)} | OWN

    # "direct" walks give the C walker the file: it writes the text itself, from its
    # writer thread; the others hand every piece of text to emit. (_walk holds no
    # reference to fd during the walk, so passing it or not changes no "rc".)
    def walk(name):
        fd = os.open(os.path.join(OUT, name), os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        def emit(lines):
            os.write(fd, "".join(lines).encode("utf-8", "surrogatepass"))
        n = refgraph_dump._walk(GENS, SKIP, [], set(), emit, OWN, ADJ,
                                fd if name.startswith("direct") else None)
        os.close(fd)
        print(name, n[0], n[1], n[2])

    # Warm both paths up first: the first walks leave lasting traces (the interpreter
    # specialises bytecode, ctypes caches types), which would show up as rc changes.
    for _ in range(2):
        _refgraph_accel.set_enabled(False)
        walk("warmup")
        _refgraph_accel.set_enabled(True)
        walk("warmup")
        walk("direct-warmup")
    _refgraph_accel.set_enabled(False)
    walk("pure1")
    _refgraph_accel.set_enabled(True)
    walk("accel1")
    walk("direct1")
    _refgraph_accel.set_enabled(False)
    walk("pure2")
    _refgraph_accel.set_enabled(True)
    walk("accel2")
    walk("direct2")
''')

DUMP_CHILD = textwrap.dedent(r'''
    import json, sys
    import refgraph_dump
    JOBS = int(sys.argv[1])
    exec(compile(open(sys.argv[3]).read(), "heap", "exec"))
    info = refgraph_dump.dump(sys.argv[2])
    print(json.dumps({"accel": info["accel"], "objects": info["objects"]}))
''')


def child_env(pure=False):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([TOOLS, ACCEL_DIR])
    env.pop("PYTHONSTARTUP", None)
    env.pop("REFGRAPH_DUMP_PURE", None)
    if pure:
        env["REFGRAPH_DUMP_PURE"] = "1"
    return env


@unittest.skipIf(SKIP, SKIP)
class SameWalk(unittest.TestCase):
    """Byte-identical records from both paths over the same objects."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="rgaccel-")
        heap = os.path.join(cls.tmp.name, "heap.py")
        with open(heap, "w") as f:
            f.write(HEAP)
        p = subprocess.run([sys.executable, "-c", CHILD, "3000", cls.tmp.name, heap],
                           env=child_env(), capture_output=True, text=True, timeout=300)
        if p.returncode != 0:
            raise AssertionError("child failed:\n" + p.stdout + p.stderr)
        cls.counts = {}
        for line in p.stdout.splitlines():
            name, nobj, nedge, used = line.split()[:4]
            cls.counts[name] = (int(nobj), int(nedge), used == "True")
        cls.data = {}
        for name in ("pure1", "accel1", "pure2", "accel2", "direct1", "direct2"):
            with open(os.path.join(cls.tmp.name, name), "rb") as f:
                cls.data[name] = f.read()

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def assertSameBytes(self, a, b):
        """The two walks' files are identical, except for the "rc" of the interpreter's
        static strings (an rc above 10**9, e.g. 'write'): CPython 3.11's type attribute
        cache holds a reference to each name it caches, and which entries the walks
        evict depends on the addresses and on the interpreter's re-specialisation of
        call sites that see both paths' callables (the direct walk calls the C writer's
        emit where the others call a Python function)."""
        da, db = self.data[a], self.data[b]
        if da == db:
            return
        la, lb = da.splitlines(), db.splitlines()
        diff = [(x, y) for x, y in zip(la, lb) if x != y]
        static = [(x, y) for x, y in diff if self.static_rc_only(x, y)]
        if len(la) != len(lb) or len(static) != len(diff):
            diff = [d for d in diff if d not in static][:3]
            self.fail("%s and %s differ (%d vs %d lines); first differences:\n%s"
                      % (a, b, len(la), len(lb),
                         "\n".join("- %r\n+ %r" % (x[:300], y[:300]) for x, y in diff)))

    @staticmethod
    def static_rc_only(x, y):
        rx, ry = json.loads(x), json.loads(y)
        return (rx["type"] == "str" and rx["rc"] > 10 ** 9 and ry["rc"] > 10 ** 9
                and dict(rx, rc=0) == dict(ry, rc=0))

    def test_paths_were_taken(self):
        self.assertFalse(self.counts["pure1"][2])
        self.assertFalse(self.counts["pure2"][2])
        self.assertTrue(self.counts["accel1"][2])
        self.assertTrue(self.counts["accel2"][2])
        self.assertTrue(self.counts["direct1"][2])
        self.assertTrue(self.counts["direct2"][2])

    def test_pure_walk_is_repeatable(self):
        # Without this the comparison below would prove nothing.
        self.assertSameBytes("pure1", "pure2")

    def test_accel_equals_pure(self):
        self.assertSameBytes("pure1", "accel1")
        self.assertSameBytes("pure1", "accel2")
        self.assertEqual(self.counts["pure1"][:2], self.counts["accel1"][:2])

    def test_direct_output_equals_pure(self):
        # The C walker writing the file itself (writer thread, long sequences in C).
        self.assertSameBytes("pure1", "direct1")
        self.assertSameBytes("pure1", "direct2")
        self.assertEqual(self.counts["pure1"][:2], self.counts["direct1"][:2])

    def test_walk_covers_the_heap(self):
        recs = [json.loads(line) for line in self.data["accel1"].decode("utf-8").splitlines()]
        self.assertEqual(len(recs), self.counts["accel1"][0])
        by_type = collections.Counter(r["type"] for r in recs)
        self.assertGreaterEqual(by_type["__main__.Job"], 3000)
        reprs = {r.get("repr") for r in recs}
        for want in ("'\\ud800'", "nan", "-inf", "-0.0", "<int of 381 bits>",
                     "18446744073709551615", "-18446744073709551616", "-9223372036854775809"):
            self.assertIn(want, reprs)
        # A 500-char string: the repr is cut to 117 characters plus "...".
        long_x = [r for r in recs if r["type"] == "str" and r.get("len") == 500]
        self.assertEqual(len(long_x), 1)
        self.assertEqual(long_x[0]["repr"], "'" + "x" * 116 + "...")
        # Bytes: a repr of the first 120 bytes, cut to 117 characters plus "...".
        (b256,) = [r for r in recs if r["type"] == "bytes" and r.get("len") == 256]
        self.assertEqual(b256["repr"], repr(bytes(range(256))[:120])[:117] + "...")
        (b120,) = [r for r in recs if r["type"] == "bytes" and r.get("len") == 120]
        self.assertEqual(b120["repr"], "b'" + "x" * 115 + "...")
        self.assertGreater(by_type["tuple"], 3000)
        # The dumper's functions are not written, and the lists holding them skip them.
        self.assertFalse([r for r in recs if (r.get("name") or "").startswith("refgraph_dump.")])
        beside = [r for r in recs if r["type"] == "list" and r.get("len") == 2
                  and any(x.get("repr") == "'beside the dumper'" for x in recs
                          if x["id"] in {e[0] for e in r["refs"]})]
        self.assertEqual(len(beside), 1)
        self.assertEqual([e[1:] for e in beside[0]["refs"]], [["index", 1]])
        (long41,) = [r for r in recs if r["type"] == "list" and r.get("len") == 41]
        self.assertEqual([e[2] for e in long41["refs"]], list(range(1, 41)))


@unittest.skipIf(SKIP, SKIP)
class WholeDump(unittest.TestCase):
    """dump() uses the module when present and REFGRAPH_DUMP_PURE is unset; both give
    the same records for the program's own objects."""

    def dump(self, tmp, pure):
        heap = os.path.join(tmp, "heap.py")
        with open(heap, "w") as f:
            f.write(HEAP)
        path = os.path.join(tmp, "pure.jsonl" if pure else "accel.jsonl")
        p = subprocess.run([sys.executable, "-c", DUMP_CHILD, "2000", path, heap],
                           env=child_env(pure), capture_output=True, text=True, timeout=300)
        if p.returncode != 0:
            raise AssertionError("child failed:\n" + p.stdout + p.stderr)
        return json.loads(p.stdout.strip().splitlines()[-1]), Snapshot(path)

    @staticmethod
    def summary(snap):
        """What the snapshot says about the program's objects, without addresses: every
        instance of a class of the program, and the queue's deque, its (seq, time, Job)
        tuples and what they hold."""
        def key(o):
            labels = tuple((r[1], r[2] if len(r) > 2 else None) for r in o.get("refs", []))
            # Small ints are shared by the whole process, whose other contents differ
            # from run to run; their "rc" is compared in SameWalk instead.
            rc = None if o["type"] == "int" else o["rc"]
            return (o["type"], o["size"], o.get("len"), rc, o.get("repr"), labels)
        out = collections.Counter()
        for o in snap.objects.values():
            if o["type"].startswith("__main__."):
                out[key(o)] += 1
        (q,) = snap.of_type("queue.Queue")
        dq = snap.target(q, "attr", "queue")
        out[key(dq)] += 1
        for r in dq["refs"]:
            tup = snap.objects[r[0]]
            out[key(tup)] += 1
            for item in tup["refs"]:
                out[key(snap.objects[item[0]])] += 1
        return out

    def test_env_switch_and_same_content(self):
        with tempfile.TemporaryDirectory(prefix="rgaccel-") as tmp:
            info_p, snap_p = self.dump(tmp, pure=True)
            info_a, snap_a = self.dump(tmp, pure=False)
        self.assertFalse(info_p["accel"])
        self.assertTrue(info_a["accel"])
        sp, sa = self.summary(snap_p), self.summary(snap_a)
        self.assertGreater(sum(sa.values()), 8000)
        self.assertEqual(sp, sa)


FAIL_CHILD = textwrap.dedent(r"""
    import errno, json, os, resource, signal, sys
    import refgraph_dump
    JOBS = int(sys.argv[1])
    exec(compile(open(sys.argv[3]).read(), "heap", "exec"))
    out = {"threads_before": len(os.listdir("/proc/self/task"))}
    # A file size limit makes write(2) fail with EFBIG part way through the snapshot
    # (SIGXFSZ ignored: the failure comes back as an error, as ENOSPC would).
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (200000, resource.RLIM_INFINITY))
    try:
        refgraph_dump.dump(os.path.join(sys.argv[2], "snap.jsonl"))
        out["error"] = None
    except OSError as e:
        out["error"] = [type(e).__name__, e.errno]
    out["left"] = sorted(os.listdir(sys.argv[2]))
    out["threads_after"] = len(os.listdir("/proc/self/task"))
    resource.setrlimit(resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    info = refgraph_dump.dump(os.path.join(sys.argv[2], "snap.jsonl"))
    out["accel"] = info["accel"]
    out["then"] = sorted(os.listdir(sys.argv[2]))
    # A pipe nobody reads: EPIPE from the writer thread (the C walker writing itself).
    if info["accel"]:
        r, w = os.pipe()
        os.close(r)
        gens = [(gc.get_objects(), False)]
        try:
            refgraph_dump._walk(gens, {id(gens), id(gens[0][0])}, [], set(),
                                lambda lines: None, fd=w)
            out["pipe"] = None
        except OSError as e:
            out["pipe"] = [type(e).__name__, e.errno]
        gens = None
        os.close(w)
    out["threads_end"] = len(os.listdir("/proc/self/task"))
    print(json.dumps(out))
""")


@unittest.skipIf(SKIP, SKIP)
class WriteErrors(unittest.TestCase):
    """A write that fails (here EFBIG, as ENOSPC would) raises the same OSError on both
    paths, leaves no file behind and no writer thread running, and the next dump works."""

    def run_child(self, pure):
        with tempfile.TemporaryDirectory(prefix="rgaccel-") as tmp:
            heap = os.path.join(tmp, "heap.py")
            with open(heap, "w") as f:
                f.write("import gc\n" + HEAP)
            d = os.path.join(tmp, "out")
            os.mkdir(d)
            p = subprocess.run([sys.executable, "-c", FAIL_CHILD, "3000", d, heap],
                               env=child_env(pure), capture_output=True, text=True,
                               timeout=300)
            if p.returncode != 0:
                raise AssertionError("child failed:\n" + p.stdout + p.stderr)
            return json.loads(p.stdout.strip().splitlines()[-1])

    def check(self, out, accel):
        self.assertEqual(out["accel"], accel)
        self.assertEqual(out["error"], ["OSError", errno.EFBIG])
        self.assertEqual(out["left"], [])
        self.assertEqual(out["threads_after"], out["threads_before"])
        self.assertEqual(out["then"], ["snap.jsonl"])
        self.assertEqual(out["threads_end"], out["threads_before"])

    def test_pure(self):
        self.check(self.run_child(pure=True), False)

    def test_accel(self):
        out = self.run_child(pure=False)
        self.check(out, True)
        self.assertEqual(out["pipe"], ["BrokenPipeError", errno.EPIPE])


FLOAT_CHILD = textwrap.dedent(r"""
    import json, random, struct, sys, time
    import _refgraph_accel
    fr = _refgraph_accel._float_repr
    bad = []
    n = 0
    def check(x):
        global n
        n += 1
        if fr(x) != repr(x) and len(bad) < 5:
            bad.append([repr(x), fr(x)])
    for x in (1.0, 1.5, 0.1, 2.0 ** 52, 2.0 ** 53 - 1, 2.0 ** 53, 1e16, 9999999999999998.0,
              123456789012345.67, -1.0, -0.0, 0.0, float("nan"), float("inf"), -float("inf"),
              0.5, 1e-5, 1e300, 5e-324, 4.35, 0.3, 2.675, 1.0000000000000002, 1e15 + 0.3,
              4503599627370497.0, 4503599627370496.5, 9007199254740991.0, 1.9999999999999998):
        check(x)
    rnd = random.Random(int(sys.argv[1]))
    for i in range(int(sys.argv[2])):
        check(time.time() + rnd.random() * 1e6)                  # the seed queue's stamps
        check(rnd.uniform(1, 2 ** 53))
        check(float(rnd.randrange(1, 10 ** 6)) / 10 ** rnd.randrange(0, 6))
        check(struct.unpack("d", struct.pack("Q", rnd.getrandbits(64)))[0])  # any bits
        check(rnd.uniform(1, 10 ** rnd.randrange(1, 17)))
        check(round(rnd.uniform(1, 1000), rnd.randrange(0, 10)))
        check(float(rnd.getrandbits(rnd.randrange(1, 54))))      # integers, powers of two
    # referrers(objs) is gc.get_referrers(*objs), in the same order.
    import gc
    class K:
        pass
    def f():
        pass
    ks = [K() for _ in range(50)]
    held = [{"k": ks[0]}, (ks[1], 1), [f], f.__code__, ks[2:9]]
    objs = (K, f, ks[2], ks[30], held[3])
    by_gc = [id(x) for x in gc.get_referrers(*objs)]
    by_c = [id(x) for x in _refgraph_accel.referrers(tuple(objs))]
    print(json.dumps({"n": n, "bad": bad, "fast_sizes": _refgraph_accel._fast_sizes(),
                      "referrers": [len(by_gc), by_gc == by_c]}))
""")


@unittest.skipIf(SKIP, SKIP)
class Scalars(unittest.TestCase):
    """The C module's own float repr equals float.__repr__ (its fast path covers
    1 <= |x| < 2**53); on CPython 3.11 the sizes of int, str, tuple and list are its own
    (checked against getsizeof at import; the walks above compare every record); its
    referrers() finds what gc.get_referrers finds."""

    def test_float_repr_and_sizes(self):
        p = subprocess.run([sys.executable, "-c", FLOAT_CHILD, "20261206", "150000"],
                           env=child_env(), capture_output=True, text=True, timeout=300)
        if p.returncode != 0:
            raise AssertionError("child failed:\n" + p.stdout + p.stderr)
        out = json.loads(p.stdout.strip().splitlines()[-1])
        self.assertGreater(out["n"], 1000000)
        self.assertEqual(out["bad"], [])
        if sys.version_info[:2] == (3, 11):
            self.assertTrue(out["fast_sizes"])
        self.assertGreater(out["referrers"][0], 50)
        self.assertTrue(out["referrers"][1])


if __name__ == "__main__":
    unittest.main()
