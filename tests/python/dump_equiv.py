"""Old dumper vs new dumper: the same records for the same program.

    python3 tests/python/dump_equiv.py OLD_refgraph_dump.py [--build DIR]

e.g. with the old file from git:
    git show main:tools/python/refgraph_dump.py > /tmp/old_dump.py
    python3 tests/python/dump_equiv.py /tmp/old_dump.py

Two checks, each on the pure path and on the C accelerator path (when built):

1. Same walk, byte for byte. One child imports both dumpers (the old one under the name
   refgraph_dump_old), builds test_accel.py's heap plus every runtime kind the handler
   table distinguishes, and walks one fixed list of its tracked objects with the old
   and the new _walk, alternating. The two dumpers' own objects are left out of both
   walks and their references out of every "rc" (the union of both _own_objects()), so
   the files must be byte-identical, including the "rc" of shared small ints and static
   types. The one allowed difference is the "rc" of what the running dumper's own
   functions hold (None, the builtins namespace, interpreter-held strings: see
   dumper_held()), which depends on how many of its functions exist; it is printed.
2. Whole dump. Three children run the same program and dump() it (new, new, old).
   Whole-process dumps cannot be compared byte for byte (addresses, and the "rc" of
   what the running dumper itself holds), so, as test_accel.py's WholeDump does, the
   check compares what each says about the program's objects, without addresses:
   every instance of the program's classes, the queue's deque, its tuples and items.

Exit status 0 when everything matches.
"""
import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from test_dumper import SRC, TOOLS  # noqa: E402
from test_accel import HEAP, WholeDump  # noqa: E402
from test_dumper import Snapshot  # noqa: E402

# Kinds test_accel's heap lacks: classes' instances with slots and managed dicts, a
# generator and a coroutine suspended with locals, a frame, a module-like object,
# builtin-subclass containers with attributes, weakrefs with callbacks, lru_cache,
# partial, exceptions with tracebacks, properties, sets, deques and cells.
EXTRA = r'''
import asyncio, functools, sys, types, collections as _c

def gen(a, b):
    local_list = [a, b]
    yield local_list
    yield a

g1 = gen("ga", 2); next(g1)

async def coro(x):
    y = [x]
    await asyncio.sleep(0)
    return y

co = coro(5)

class WithSlotsAndDict:
    __slots__ = ("s", "__dict__", "__weakref__")
    def __init__(self):
        self.s = "slot"
        self.d = {"k": 1}

class Big:
    def __init__(self, i):
        for k in range(40):
            setattr(self, "a%d" % k, i + k)

class SetSub(set):
    pass

class DequeSub(_c.deque):
    pass

class DictSub(dict):
    def __init__(self):
        super().__init__(x=1)
        self.extra = "e"

class Prop:
    @property
    def p(self):
        return 1
    @functools.cached_property
    def cp(self):
        return [1]

@functools.lru_cache(maxsize=None)
def cached(n):
    return [n]

for _n in range(5):
    cached(_n)

# A frame and a traceback made inside generators: suspended, their f_back is None, so
# they do not lead to the frames (and globals) of the script that runs this heap.
def raiser():
    try:
        1 / 0
    except ZeroDivisionError as e:
        yield e

def framer():
    yield sys._getframe()

class Obj:
    pass

target = Obj()
wr = weakref.ref(target, lambda r: None)
ns = types.SimpleNamespace(a=1, b=[2])
part = functools.partial(max, 1, key=None)
err_gen = raiser(); err = next(err_gen)
frame_gen = framer(); frame = next(frame_gen)
big_dict = {("k", i): [i] for i in range(3000)}
big_set = set(range(5000)) | {"s%d" % i for i in range(3000)}
big_tuple = tuple(range(3000))
dq = _c.deque(range(100))
modlike = types.ModuleType("modlike")
modlike.x = [1]
EXTRA_ROOT = [g1, co, WithSlotsAndDict(), Big(1), Big(2), SetSub({1, 2}), DequeSub([1]),
              DictSub(), Prop(), cached, wr, err_gen, frame_gen, target, ns, part, err, frame, big_dict,
              big_set, big_tuple, dq, modlike, gen, coro, Obj, Prop, frozenset({"f"}),
              bytearray(b"x"), memoryview(b"abc"), range(3), slice(1, 2), iter([1])]
ROOT.append(EXTRA_ROOT)
'''

SAME_WALK = r'''
import collections, gc, os, sys
import refgraph_dump, refgraph_dump_old, _refgraph_accel
JOBS = int(sys.argv[1])
OUT = sys.argv[2]
# The heap lives in a namespace of its own: its functions' globals must not lead the
# walk to this script's globals (the walk's names, the two dumper modules).
NS = {"JOBS": JOBS, "__name__": "heap"}
exec(compile(open(sys.argv[3]).read(), "heap", "exec"), NS)
ROOT, Job, Slotted, Registry, Tagged, Point, make_counter, method, counter, queue = (
    NS[k] for k in ("ROOT", "Job", "Slotted", "Registry", "Tagged", "Point",
                    "make_counter", "method", "counter", "queue"))

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

gc.disable()
OBJS = tracked_heap()
GENS = [(OBJS, False)]
own_n, adj_n = refgraph_dump._own_objects()
own_o, adj_o = refgraph_dump_old._own_objects()
OWN = own_n | own_o
ADJ = {}
for a in (adj_n, adj_o):
    for k, v in a.items():
        if k not in OWN:
            ADJ[k] = ADJ.get(k, 0) + v
own_n = adj_n = own_o = adj_o = a = k = v = None
SKIP = {id(GENS), id(OBJS), id(OWN), id(ADJ)} | OWN
ACCEL = sys.argv[4] == "1"

def walk(mod, name):
    fd = os.open(os.path.join(OUT, name), os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    def emit(lines):
        os.write(fd, "".join(lines).encode("utf-8", "surrogatepass"))
    if mod is refgraph_dump:
        # The new dumper gets the file too: its C walker (when on) writes it itself.
        n = mod._walk(GENS, SKIP, [], set(), emit, OWN, ADJ, fd)
    else:
        n = mod._walk(GENS, SKIP, [], set(), emit, OWN, ADJ)
    os.close(fd)
    print(name, n[0], n[1], n[2])

_refgraph_accel.set_enabled(ACCEL)
for _ in range(2):
    walk(refgraph_dump_old, "warmup")
    walk(refgraph_dump, "warmup")
walk(refgraph_dump_old, "old1")
walk(refgraph_dump, "new1")
walk(refgraph_dump_old, "old2")
walk(refgraph_dump, "new2")
'''

DUMP = r'''
import importlib, json, sys
mod = importlib.import_module(sys.argv[3])
JOBS = int(sys.argv[1])
exec(compile(open(sys.argv[4]).read(), "heap", "exec"))
def diagnose():
    # Inside a function: the heap is reached through this frame too.
    local_view = ROOT
    return mod.dump(sys.argv[2])
info = diagnose()
print(json.dumps({"accel": info["accel"], "objects": info["objects"]}))
'''


def env_for(build, pure, extra_dir):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([TOOLS, os.path.join(build, "python"), extra_dir])
    env["PYTHONHASHSEED"] = "0"
    env.pop("PYTHONSTARTUP", None)
    env.pop("REFGRAPH_DUMP_PURE", None)
    if pure:
        env["REFGRAPH_DUMP_PURE"] = "1"
    return env


def record_id(line):
    return json.loads(line)["id"]


def without_rc(line):
    r = json.loads(line)
    r.pop("rc")
    return r


def dumper_held(x, y):
    """True if two records differ only in "rc", on an object whose count the running
    dumper's own functions and frames change: None (a function without a docstring
    holds it), the builtins namespace (every function holds it), and the strings the
    interpreter keeps (count above 10**9, e.g. '')."""
    rx, ry = json.loads(x), json.loads(y)
    if {k: v for k, v in rx.items() if k != "rc"} != {k: v for k, v in ry.items() if k != "rc"}:
        return False
    if rx["type"] == "NoneType" or (rx["type"] == "str" and rx["rc"] > 10 ** 9):
        return True
    return rx["type"] == "dict" and any(r[2] == "'__build_class__'" for r in rx.get("refs", ()))


def describe(x, y):
    rx, ry = json.loads(x), json.loads(y)
    what = rx.get("repr") or ("builtins dict" if rx["type"] == "dict" else rx["type"])
    return "%s %+d" % (what, ry["rc"] - rx["rc"])


def same_walk(tmp, heap, build, accel, args):
    p = subprocess.run([sys.executable, "-c", SAME_WALK, "2000", tmp, heap, "1" if accel else "0"],
                       env=env_for(build, False, tmp), capture_output=True, text=True, timeout=600)
    if p.returncode != 0:
        raise SystemExit("same-walk child failed:\n" + p.stdout + p.stderr)
    counts = {}
    for line in p.stdout.splitlines():
        name, nobj, nedge, used = line.split()[:4]
        counts[name] = (int(nobj), int(nedge), used)
    data = {}
    for name in ("old1", "new1", "old2", "new2"):
        with open(os.path.join(tmp, name), "rb") as f:
            data[name] = f.read().splitlines()
    ok = True
    for a, b in (("old1", "old2"), ("new1", "new2"), ("old1", "new1"), ("old2", "new2")):
        if args.sort and a[:3] != b[:3]:
            # Records in another order: compare them sorted, and "rc" apart (see --sort).
            da, db = sorted(data[a], key=record_id), sorted(data[b], key=record_id)
            bad = [(x, y) for x, y in zip(da, db) if without_rc(x) != without_rc(y)]
            nrc = sum(1 for x, y in zip(da, db) if x != y)
            print("  %s vs %s (sorted): %d of %d records differ apart from rc, %d in rc%s"
                  % (a, b, len(bad), len(da), nrc, "" if len(da) == len(db) else
                     "; %d vs %d records" % (len(da), len(db))))
            for x, y in bad[:4]:
                print("   - %s\n   + %s" % (x[:260].decode(errors="replace"),
                                             y[:260].decode(errors="replace")))
            ok &= not bad and len(da) == len(db)
            continue
        if len(data[a]) != len(data[b]):
            ok = False
            print("  %s vs %s: %d vs %d records" % (a, b, len(data[a]), len(data[b])))
            continue
        diff = [(x, y) for x, y in zip(data[a], data[b]) if x != y]
        held = [(x, y) for x, y in diff if dumper_held(x, y)]
        bad = [d for d in diff if d not in held]
        if held:
            print("  %s vs %s: rc differs on %d objects the running dumper itself holds: %s"
                  % (a, b, len(held), ", ".join(describe(x, y) for x, y in held)))
        if bad:
            ok = False
            print("  %s vs %s: DIFFER (%d records); first:" % (a, b, len(bad)))
            for x, y in bad[:4]:
                print("   - %s\n   + %s" % (x[:260].decode(errors="replace"),
                                             y[:260].decode(errors="replace")))
    if counts["old1"][:2] != counts["new1"][:2]:
        ok = False
        print("  counts differ: old %s new %s" % (counts["old1"], counts["new1"]))
    print("  same walk (%s): %d records, %d edges, accel=%s: %s" % (
        "accel" if accel else "pure", counts["new1"][0], counts["new1"][1],
        counts["new1"][2], "IDENTICAL" if ok else "DIFFERENT"))
    return ok


def whole_dump(tmp, heap, build, old_dir, pure, old_accel=None):
    def run(moddir, tag, rounds):
        path = os.path.join(tmp, "%s-%s.jsonl" % (tag, "pure" if pure else "accel"))
        env = env_for(build, pure, tmp)
        if moddir:  # the old dumper, under its real name, first on the path
            env["PYTHONPATH"] = os.pathsep.join(
                ([old_accel] if old_accel else []) + [moddir, env["PYTHONPATH"]])
        p = subprocess.run([sys.executable, "-c", DUMP, "1500", path, "refgraph_dump", heap],
                           env=env, capture_output=True, text=True, timeout=600)
        if p.returncode != 0:
            raise SystemExit("dump child failed:\n" + p.stdout + p.stderr)
        info = json.loads(p.stdout.strip().splitlines()[-1])
        if info["accel"] == pure:
            raise SystemExit("the %s dump did not take the %s path"
                             % (tag, "pure" if pure else "accel"))
        return path
    new1, new2, old1 = (Snapshot(run(d, tag, 1)) for tag, d in
                        (("new1", None), ("new2", None), ("old1", old_dir)))
    sn1, sn2, so1 = (WholeDump.summary(s) for s in (new1, new2, old1))
    ok = sn1 == sn2 == so1
    print("  whole dump (%s): %d records on the program's objects; new/new %s, new/old %s"
          % ("pure" if pure else "accel", sum(sn1.values()),
             "same" if sn1 == sn2 else "DIFFERENT", "same" if sn1 == so1 else "DIFFERENT"))
    for k in list((sn1 - so1) + (so1 - sn1))[:4]:
        print("   differs: %r" % (k,))
    return ok


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("old", help="the old refgraph_dump.py")
    ap.add_argument("--build", default=os.environ.get("REFGRAPH_BUILD")
                    or os.path.join(SRC, "build"))
    ap.add_argument("--skip-whole", action="store_true")
    ap.add_argument("--old-accel", help="directory holding the _refgraph_accel built from the "
                    "old dumper's commit, when its API differs (without it, and in the same "
                    "walk always, the old dumper runs pure Python beside a newer module)")
    ap.add_argument("--sort", action="store_true",
                    help="compare old and new walks by id, all fields but rc (for an old "
                         "dumper that wrote each batch of untracked objects in another order, "
                         "before 'drain in C': an object's rc counts the walk's own pending "
                         "references to it at the moment it is written, so it moves with the "
                         "order)")
    a = ap.parse_args()
    accel_built = bool(glob.glob(os.path.join(a.build, "python", "_refgraph_accel*.so")))
    tmp = tempfile.mkdtemp(prefix="rgequiv-")
    try:
        shutil.copy(a.old, os.path.join(tmp, "refgraph_dump_old.py"))
        old_dir = os.path.join(tmp, "old")
        os.mkdir(old_dir)
        shutil.copy(a.old, os.path.join(old_dir, "refgraph_dump.py"))
        heap = os.path.join(tmp, "heap.py")
        with open(heap, "w") as f:
            f.write(HEAP + EXTRA)
        ok = True
        for accel in ([False, True] if accel_built else [False]):
            ok &= same_walk(tmp, heap, a.build, accel, a)
        if not a.skip_whole:
            for pure in ([True, False] if accel_built else [True]):
                ok &= whole_dump(tmp, heap, a.build, old_dir, pure, a.old_accel)
        print("dump_equiv: %s" % ("SAME" if ok else "DIFFERENT"))
        return 0 if ok else 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
