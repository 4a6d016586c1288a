"""Write a refgraph snapshot (docs/snapshot-format.md) of the running CPython heap.

Library use::

    import refgraph_dump
    refgraph_dump.dump("/tmp/app.jsonl.gz")

In a service (one line; snapshots on SIGUSR2 into DIR/run-<pid>-<start>/)::

    refgraph_dump.install(signal="USR2", directory="/var/tmp/refgraph")

or with no code change: PYTHONPATH=.../autoinstall REFGRAPH_DUMP=signal=USR2,dir=DIR.

Runner use (the program runs unchanged, snapshots land in DIR/run-<pid>-<start>/)::

    python3 -m refgraph_dump -o DIR [--every S] [--signal USR2] [--at-exit]
                             [--max N] [--collect] [--compress gz|zst] -- script.py args...
    python3 -m refgraph_dump -o DIR -- -m package.module args...

The dump never runs user code: no __repr__, __eq__, __hash__, __getattr__, __len__ or
__sizeof__ of a user class is called. Attribute names come from the runtime's own
structures, reprs only from the builtin types' slot functions. See docs/dumper.md for
what a snapshot perturbs and how consistent it is under threads.

Standard library only.
"""

if __name__ == "__main__":
    # Run as `python3 -m refgraph_dump`: hand over to the module under its real name so
    # the program and the runner share one refgraph_dump, and this copy stays tiny.
    import sys
    import refgraph_dump as _real
    _real._runner_copy = sys.modules[__name__]
    raise SystemExit(_real.main())

import atexit
import collections
import gc
import itertools
import os
import sys
import threading
import time
import types
import weakref

__all__ = ["dump", "install", "install_from_env", "main"]
__version__ = "0.1.0"

PRODUCER = "refgraph_dump.py " + __version__
RUNTIME = "%s %d.%d.%d" % (
    "CPython" if sys.implementation.name == "cpython" else sys.implementation.name,
    *sys.version_info[:3],
)

# The thread switch interval during the walk (seconds), or None to leave it alone (the
# default). A raised interval does not keep other threads off the GIL: a thread that
# gets it once (any GIL release, or a request timed on the old interval) keeps it for
# the whole raised interval, which stretched dumps next to busy threads to minutes.
# The walk tolerates concurrent changes instead; docs/dumper.md explains the trade-off.
SWITCH_INTERVAL = (float(os.environ["REFGRAPH_DUMP_SWITCH_INTERVAL"])
                   if os.environ.get("REFGRAPH_DUMP_SWITCH_INTERVAL") else None)

_REPR_MAX = 120
_CHUNK = 2048  # objects per batch: bounds the output buffer and the pending list
_FLUSH_LINES = 8192
_HEAPTYPE = 1 << 9
_HAVE_GC = 1 << 14
_MANAGED_DICT = 1 << 4  # Py_TPFLAGS_MANAGED_DICT (3.11+)

_FILE = os.path.normcase(os.path.abspath(__file__))
if _FILE.endswith((".pyc", ".pyo")):
    _FILE = _FILE[:-1]

# Serialises dumps between the --every thread, a signal handler and explicit calls.
_dump_lock = threading.Lock()
# The thread inside dump(), if any.
_dumping_thread = None
# Idents of threads that belong to the dumper (the --every thread): never rooted.
_own_threads = set()
# Set while the runner drives the program, so runpy's frames count as the runner's.
_runner_active = False
# The `python -m refgraph_dump` copy of this module (see the top of the file): kept
# here so that it is reachable, and labelled, in snapshots.
_runner_copy = None

try:
    from json.encoder import c_encode_basestring_ascii as _jstr
except ImportError:  # pragma: no cover - every CPython build has the accelerator
    _jstr = None
if _jstr is None:  # pragma: no cover
    from json.encoder import py_encode_basestring_ascii as _jstr

# Optional C inner loops (tools/python/_refgraph_accel.c, built by CMake when the
# Python headers are present): same output, faster. Without it this file is complete.
try:
    import _refgraph_accel
except ImportError:
    _refgraph_accel = None
if getattr(_refgraph_accel, "API", None) != 4:
    _refgraph_accel = None


def _use_accel():
    """True if this dump uses the C module: it imported, its switch is on and
    REFGRAPH_DUMP_PURE is unset, empty or 0."""
    return (_refgraph_accel is not None and _refgraph_accel.enabled()
            and os.environ.get("REFGRAPH_DUMP_PURE", "") in ("", "0"))

# Descriptor getters that bypass any metaclass __getattribute__ or property.
_type_mro = type.__dict__["__mro__"].__get__
_type_dict = type.__dict__["__dict__"].__get__
_type_module = type.__dict__["__module__"].__get__
_type_qualname = type.__dict__["__qualname__"].__get__
_type_base = type.__dict__["__base__"].__get__
_type_flags = type.__dict__["__flags__"].__get__
_type_dictoffset = type.__dict__["__dictoffset__"].__get__
_type_itemsize = type.__dict__["__itemsize__"].__get__
_type_shortname = type.__dict__["__name__"].__get__
_type_bases = type.__dict__["__bases__"].__get__
_module_dict = type(sys).__dict__["__dict__"].__get__
_obj_getattr = object.__getattribute__

_FunctionType = types.FunctionType
_CellType = types.CellType
_MethodType = types.MethodType
_CodeType = types.CodeType
_FrameType = types.FrameType
_ModuleType = types.ModuleType
_MemberDescr = types.MemberDescriptorType
_GetSetDescr = types.GetSetDescriptorType
_NoneType = type(None)
_deque = collections.deque
_WeakRef = weakref.ref
_BuiltinFunctionType = types.BuiltinFunctionType
_chain = itertools.chain.from_iterable
# Attribute names CPython gives the references of its own types: the walk labels a
# referent with the name whose value it is (matched by identity, so every label is a
# real reference), read through the builtin type's own getset/member descriptor (no
# user code runs, and nothing is created). Keyed by the builtin type's qualified name;
# a subclass gets the names of its builtin bases. Referents left unnamed are listed in
# docs/dumper.md.
_NAMED_ATTRS = {
    "traceback": ("tb_frame", "tb_next"),
    "BaseException": ("args", "__traceback__", "__cause__", "__context__"),
    "generator": ("gi_code", "__name__", "__qualname__"),
    "coroutine": ("cr_code", "__name__", "__qualname__"),
    "async_generator": ("ag_code", "__name__", "__qualname__"),
    "builtin_function_or_method": ("__self__", "__module__"),
    "functools.partial": ("func", "args", "keywords"),
    "functools._lru_cache_wrapper": ("__wrapped__",),
    "property": ("fget", "fset", "fdel", "__doc__"),
    "classmethod": ("__func__", "__wrapped__"),
    "staticmethod": ("__func__", "__wrapped__"),
    "super": ("__thisclass__", "__self__", "__self_class__"),
    "collections.defaultdict": ("default_factory",),
    "weakref.ReferenceType": ("__callback__",),
    "method-wrapper": ("__self__",),
    "member_descriptor": ("__objclass__",),
    "getset_descriptor": ("__objclass__",),
    "method_descriptor": ("__objclass__",),
    "wrapper_descriptor": ("__objclass__",),
    "classmethod_descriptor": ("__objclass__",),
}
_DESCR_TYPES = ("getset_descriptor", "member_descriptor")


def _named_attrs(t):
    """(name, descriptor) pairs that label t's references: the _NAMED_ATTRS names of
    t's builtin bases, each read by the descriptor the base defines (never a Python
    one: a subclass's property of the same name is not used)."""
    out = []
    for c in _type_mro(t):
        if _type_flags(c) & _HEAPTYPE:
            continue
        for name in _NAMED_ATTRS.get(_type_name(c), ()):
            found, d = _cls_dict_get(c, name)
            if found and _type_shortname(type(d)) in _DESCR_TYPES \
                    and not any(n == name for n, _ in out):
                out.append((name, d))
    # A "__dict__" (functools.partial, lru_cache wrappers, SimpleNamespace, exceptions)
    # is expanded by the caller when a dict is among the referents.
    return out


# The fields of a code object that the walk follows (code reports no referents to gc).
_CODE_ATTRS = ("co_consts", "co_names", "co_filename", "co_name", "co_qualname",
               "co_linetable", "co_exceptiontable")


# ---------------------------------------------------------------------------
# Safe naming: nothing here may call code defined by the program being dumped.

def _cls_dict_get(c, name):
    """Look a name up in one class's own namespace without touching descriptors."""
    d = _type_dict(c)  # a mappingproxy over the real dict; `in`/[] hash only the str
    if name in d:
        return True, d[name]
    return False, None


def _mro_lookup(t, name):
    for c in _type_mro(t):
        found, v = _cls_dict_get(c, name)
        if found:
            return True, v
    return False, None


def _type_name(t):
    """`module.qualname`, builtins bare; read through type's own descriptors."""
    try:
        qn = _type_qualname(t)
    except Exception:
        qn = None
    if type(qn) is not str:
        qn = "?"
    try:
        mod = _type_module(t)
    except Exception:
        mod = None
    if type(mod) is not str or mod == "builtins":
        return qn
    return mod + "." + qn


def _bounded(s):
    return s if len(s) <= _REPR_MAX else s[: _REPR_MAX - 3] + "..."


def _atom_repr(o):
    """Repr of a builtin scalar via the builtin slot, or None for anything else."""
    t = type(o)
    mro = _type_mro(t)
    for base in mro:
        if base is str:
            return _bounded(str.__repr__(o[:_REPR_MAX] if len(o) > _REPR_MAX else o))
        if base is int:
            if base is not t and bool in mro:
                return "True" if o else "False"
            if int.bit_length(o) > 380:  # beyond ~114 digits; also dodges int_max_str_digits
                return "<int of %d bits>" % int.bit_length(o)
            return int.__repr__(o)
        if base is float:
            return float.__repr__(o)
        if base is bytes:
            return _bounded(bytes.__repr__(o[:_REPR_MAX] if len(o) > _REPR_MAX else o))
        if base is complex:
            return _bounded(complex.__repr__(o))
    if o is None:
        return "None"
    return None


def _builtin_qualname(o):
    """`module.name` or `Class.name` of a builtin function, method-wrapper or method
    descriptor, from the fields stored in the object (__self__, __objclass__, __name__:
    C getters), never from a __qualname__ lookup a metaclass could answer. Builtins'
    own functions are bare (`len`), as builtin types are. None if there is no name."""
    try:
        nm = o.__name__
    except Exception:
        return None
    if type(nm) is not str:
        return None
    try:
        if _type_shortname(type(o)) in ("builtin_function_or_method", "method-wrapper"):
            owner = o.__self__
            if owner is None:
                return nm
            ot = type(owner)
            if any(c is _ModuleType for c in _type_mro(ot)):
                mod = dict.get(_module_dict(owner), "__name__")
                return nm if type(mod) is not str or mod == "builtins" else mod + "." + nm
            if not any(c is type for c in _type_mro(ot)):
                owner = ot
        else:
            owner = o.__objclass__
        return _type_name(owner) + "." + nm
    except Exception:
        return nm


def _safe_repr(o, depth=0):
    """A label for a dict key: builtin reprs for scalars and tuples of them, otherwise
    the default `<type object at 0x...>` form built without calling the object."""
    r = _atom_repr(o)
    if r is not None:
        return r
    t = type(o)
    if t is tuple and depth < 2:
        inner = ", ".join(_safe_repr(x, depth + 1) for x in tuple.__iter__(o))
        return _bounded("(" + inner + ("," if len(o) == 1 else "") + ")")
    if t is frozenset and depth < 2 and len(o) <= 8:
        return _bounded("frozenset({" + ", ".join(_safe_repr(x, depth + 1) for x in o) + "})")
    if t is type:
        return "<class '%s'>" % _type_name(o)
    return "<%s object at %#x>" % (_type_name(t), id(o))


def _str_label(k):
    """JSON string for a label that is normally an identifier (attribute, global)."""
    if type(k) is str:
        return _jstr(_bounded(k))
    return _jstr(_safe_repr(k))


def _key_label(k):
    """JSON string holding the repr of a dict key, e.g. "'user:42'"."""
    return _jstr(_safe_repr(k))


# ---------------------------------------------------------------------------
# CPython 3.11: instance attributes live in "inline values" whose names are in the
# class's shared keys (ht_cached_keys), which Python code cannot see. Reading the names
# with ctypes avoids materialising a __dict__ per instance (which would add one dict
# per instance to the heap, permanently). The layout is verified before use; on any
# other version, or if verification fails, the dumper materialises __dict__ instead.

class _Layout311:
    ok = False
    checked = False

    @classmethod
    def check(cls):
        if cls.checked:
            return cls.ok
        cls.checked = True
        if not (sys.implementation.name == "cpython" and sys.version_info[:2] == (3, 11)):
            return False
        try:
            import ctypes
        except ImportError:
            return False
        P = ctypes.sizeof(ctypes.c_void_p)
        if P != 8 or type.__basicsize__ != 904:
            return False
        cls.ctypes = ctypes
        # The main thread's class has had an instance since start-up, so its shared
        # keys hold the attribute names Thread.__init__ sets.
        T = type(threading.main_thread())
        qn = _type_qualname(T)
        nwords = type.__basicsize__ // P
        words = (ctypes.c_ssize_t * nwords).from_address(id(T))
        hits = [i for i in range(nwords - 12, nwords) if words[i] == id(qn)]
        # ht_name, ht_slots, ht_qualname, ht_cached_keys: the last hit is ht_qualname.
        if not hits or hits[-1] != 108:
            return False
        cls.keys_word = hits[-1] + 1
        names = cls._names_at(words[cls.keys_word])
        if not names or "_name" not in names or "_ident" not in names:
            return False
        cls.ok = True
        return True

    @classmethod
    def _names_at(cls, keys):
        if not keys:
            return None
        c = cls.ctypes
        kind = c.c_uint8.from_address(keys + 10).value
        log2_index_bytes = c.c_uint8.from_address(keys + 9).value
        nentries = c.c_ssize_t.from_address(keys + 24).value
        if kind != 2 or not 0 <= nentries <= 64 or log2_index_bytes > 12:
            return None  # not a split (shared) unicode keys table
        ent = keys + 32 + (1 << log2_index_bytes)
        out = []
        for i in range(nentries):
            kp = c.c_void_p.from_address(ent + 16 * i).value
            if not kp:
                return None
            k = c.cast(kp, c.py_object).value
            if type(k) is not str:
                return None
            out.append(k)
        return out

    @classmethod
    def cached_keys(cls, t):
        """Names of the shared keys of heap type t, in inline-values order, or None."""
        words = (cls.ctypes.c_ssize_t * (cls.keys_word + 1)).from_address(id(t))
        return cls._names_at(words[cls.keys_word])

    gen_iframe = None  # word offset of a 3.11 generator's embedded frame, once found
    gen_checked = False

    @classmethod
    def gen_check(cls):
        """Find where a 3.11 generator keeps its frame (f_func, ..., f_code at +4 words,
        the locals from +9) on a sample generator, by the values it must hold."""
        if cls.gen_checked:
            return cls.gen_iframe is not None
        cls.gen_checked = True
        if not cls.check():
            return False

        def sample(first_local):
            yield first_local
        g = sample(sample)
        next(g)
        code = g.gi_code
        words = (cls.ctypes.c_ssize_t * 40).from_address(id(g))
        for k in range(4, 30):
            if (words[k + 4] == id(code) and words[k] == id(sample)
                    and words[k + 9] == id(sample) and words[k + 8] & 0xFFFFFFFF >= 1):
                cls.gen_iframe = k
                break
        g.close()
        return cls.gen_iframe is not None

    @classmethod
    def gen_locals(cls, o, code, n):
        """The first n local slots (as ids, 0 for empty) of generator/coroutine o whose
        code is code, or None when the frame does not hold that code. The values are
        only compared with o's referents, never used as objects."""
        k = cls.gen_iframe
        words = (cls.ctypes.c_ssize_t * (k + 9 + n)).from_address(id(o))
        if words[k + 4] != id(code):
            return None
        return words[k + 9:k + 9 + n]

    @classmethod
    def dict_ptr(cls, o):
        """Address of o's materialised __dict__ (0 if its attributes are inline)."""
        return cls.ctypes.c_ssize_t.from_address(id(o) - 24).value or 0


# ---------------------------------------------------------------------------
# Output: writes go through libc write(2) called via ctypes.PyDLL, which keeps the GIL
# (os.write releases it, and any thread that grabs the GIL then could run for the whole
# raised switch interval and mutate the heap mid-snapshot).

def _make_raw_write():
    try:
        import ctypes
        libc = ctypes.PyDLL(None, use_errno=True)
        w = libc.write
        w.restype = ctypes.c_ssize_t
        w.argtypes = (ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t)
    except Exception:
        return os.write, False
    import errno
    c_char_p = ctypes.c_char_p
    addressof = ctypes.cast
    c_void_p = ctypes.c_void_p
    get_errno = ctypes.get_errno

    def raw_write(fd, data):
        holder = c_char_p(data)  # points into data's own buffer, no copy
        base = addressof(holder, c_void_p).value
        n = len(data)
        off = 0
        while off < n:
            r = w(fd, base + off, n - off)
            if r < 0:
                e = get_errno()
                if e == errno.EINTR:
                    continue
                raise OSError(e, os.strerror(e))
            off += r
        return n
    return raw_write, True


_raw_write, _WRITE_KEEPS_GIL = _make_raw_write()


def _write_all(fd, data):
    if _WRITE_KEEPS_GIL:
        _raw_write(fd, data)
        return
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


# ---------------------------------------------------------------------------
# The dumper's own objects

def _own_modules():
    """The dumper's modules: this one, the `python -m refgraph_dump` copy that started
    the runner, and the C accelerator."""
    out = []
    for m in (sys.modules.get(__name__), _runner_copy, _refgraph_accel):
        if m is not None and not any(m is x for x in out):
            out.append(m)
    return out


def _gc_referrers(objs):
    """gc.get_referrers(*objs) (the C module's referrers() when it is used)."""
    return gc.get_referrers(*objs)


def _own_objects():
    """What the dumper owns, so that no snapshot shows it: its modules and their
    namespaces, every function, class and code object defined in this file, and every
    object that only those hold (their constants, caches, locks, bound helpers,
    closures...), found by reference counting: an object joins when the references
    the members hold on it account for its whole reference count.

    Returns (own, adj): the ids of the dumper's objects, and for every other object the
    members refer to, id -> how many references they hold on it, which its record's
    "rc" leaves out (so that "rc" still counts only references that a snapshot shows
    or that come from outside the heap). Objects whose referents gc cannot list (code)
    are read field by field, as the walk reads them."""
    getrefcount = sys.getrefcount
    grefs = gc.get_referents
    mods = _own_modules()
    dicts = [_module_dict(m) for m in mods]
    dict_ids = {id(d) for d in dicts}
    # Classes are recognised by the name of this module (never "__main__": the runner's
    # copy runs as __main__ and defines no class, and the program's classes would match).
    own_name = __name__
    members = {}
    for o in mods + dicts:
        members[id(o)] = o
    if (_runner_active or _runner_copy is not None or _own_threads
            or globals().get("_installed")):
        # The runner's callbacks (at exit, signal, timer thread; and those install()
        # sets up, which sets _installed) are held from C, where no reference from the
        # module leads: find every function of this module by its globals (a scan of
        # the heap, ~30 ns per object, so only when such callbacks exist). The C
        # module's referrers() is gc.get_referrers with a table of pointers for the
        # targets (gc's compares every referent with each of them in turn).
        # (No lambda here: a function made now would be one of the dumper's objects
        # that is gone by the walk.)
        referrers = _refgraph_accel.referrers if _use_accel() else _gc_referrers
        for o in referrers(tuple(dicts)):
            if type(o) is _FunctionType and id(o.__globals__) in dict_ids:
                members[id(o)] = o
        # And what those callbacks are bound to: the runner's series object (an
        # instance of a class of this module) and the bound methods that C holds.
        own_classes = [v for d in dicts for v in list(d.values())
                       if isinstance(v, type) and v.__dict__.get("__module__") == own_name]
        own_funcs = [f for f in members.values() if type(f) is _FunctionType]
        for o in referrers((*own_classes, *own_funcs)):
            if ((type(o) is _MethodType and id(o.__func__) in members)
                    or (type(o) in own_classes and not isinstance(o, type))):
                members[id(o)] = o
        # The dumper's own threads (--every): their Thread objects, whose _target is
        # one of its functions; what they hold follows below.
        for o in list(threading._active.values()):
            if id(getattr(o, "_target", None)) in members:
                members[id(o)] = o
        own_classes = own_funcs = referrers = None
        o = None
    work = list(members.values())
    mods = dicts = None
    count = {}
    cand = {}
    while True:
        while work:
            o = work.pop()
            if type(o) is _CodeType:
                rs = [getattr(o, a) for a in _CODE_ATTRS if getattr(o, a, None) is not None]
            else:
                rs = grefs(o)
            for r in rs:
                ri = id(r)
                if ri in members:
                    continue
                count[ri] = count.get(ri, 0) + 1
                if ri in cand:
                    continue
                t = type(r)
                # A cell one of its closures holds is the dumper's even while a running
                # frame of that closure holds it too.
                if ((t is _FunctionType and id(r.__globals__) in dict_ids) or t is _CellType
                        or (t is _BuiltinFunctionType and id(r.__self__) in members)
                        or (t is _CodeType and os.path.normcase(os.path.abspath(r.co_filename)) == _FILE)
                        or (any(c is type for c in _type_mro(t))
                            and _cls_dict_get(r, "__module__")[1] == own_name)):
                    members[ri] = r
                    work.append(r)
                else:
                    cand[ri] = r
            rs = r = o = None
        # Each candidate is held here by cand, the loop variable and getrefcount's
        # argument: 3 references that are not the heap's.
        # An instance of one of the dumper's classes is its own wherever else it is held
        # (e.g. by a frame of the dumper that is running).
        for r in cand.values():
            if getrefcount(r) - 3 == count[id(r)] or id(type(r)) in members:
                work.append(r)
        r = None
        if not work:
            break
        for r in work:
            ri = id(r)
            members[ri] = r
            del cand[ri]
        r = None
    adj = {ri: count[ri] for ri in cand}
    cand = None
    return set(members), adj


# ---------------------------------------------------------------------------
# Roots

def _frame_label(f):
    code = f.f_code
    qn = getattr(code, "co_qualname", code.co_name)
    return qn if qn.startswith("<") else qn + "()"


def _is_own_frame(f):
    fn = f.f_code.co_filename
    if os.path.normcase(os.path.abspath(fn)) == _FILE:
        return True
    # Under the runner, runpy's frames sit between the runner and the program; a
    # program started with `python script.py` would not have them.
    return _runner_active and (fn == "<frozen runpy>" or os.path.basename(fn) == "runpy.py")


def _collect_roots(garbage, own_objects=frozenset()):
    """Root records (as JSON lines), the frames on the program's thread stacks, and the
    ids of the dumper's own frames. Runs before gc.get_objects(): every object it
    creates is either freed or has its id in the skip set. Modules whose id is in
    own_objects (the dumper's) are not roots."""
    lines = []
    stack_frames = []
    own = set()
    names = {}
    for th in threading.enumerate():
        if th.ident is not None:
            names[th.ident] = th.name
    me = threading.get_ident()
    frames = sys._current_frames()
    for ident, f in frames.items():
        if ident in _own_threads:
            while f is not None:
                own.add(id(f))
                f = f.f_back
            continue
        tname = names.get(ident, "thread-%d" % ident)
        while f is not None:
            if ident == me and _is_own_frame(f):
                own.add(id(f))
            else:
                stack_frames.append(f)
                lines.append('{"rec":"root","id":%d,"kind":"thread","label":%s}\n'
                             % (id(f), _jstr(tname + ": " + _frame_label(f))))
            f = f.f_back
    del frames, f
    for name, m in list(sys.modules.items()):
        if m is None or type(name) is not str or id(m) in own_objects:
            continue
        lines.append('{"rec":"root","id":%d,"kind":"module","label":%s}\n' % (id(m), _jstr(name)))
    import builtins
    lines.append('{"rec":"root","id":%d,"kind":"builtins","label":"builtins"}\n' % id(builtins))
    for g in garbage:
        lines.append('{"rec":"root","id":%d,"kind":"garbage","label":%s}\n'
                     % (id(g), _jstr("gc.garbage: " + _type_name(type(g)))))
    # Materialise each stack frame's locals dict now, so that it exists before
    # gc.get_objects() and is the same object in every snapshot of this frame.
    for f in stack_frames:
        if f.f_code.co_flags & 0x1:  # CO_OPTIMIZED: function frame with fast locals
            f.f_locals
    return lines, stack_frames, own


# ---------------------------------------------------------------------------
# The walk
#
# _Walker writes one record per object. Which method writes an object is decided once
# per type by _Walker.make(), from the handler table below. Two kinds of entries:
#   h_*    handler methods, h(o, fl): append o's record to buf, return its edge count;
#   for_*  factories, for_x(t, base): return a handler specialised for type t (the hot
#          types get closures over the walk's state, which is faster than attributes).
# fl is the record's "flags" text (',"flags":["gc"]', or "" for an untracked object).
#
# Reference counts: every handler is called with o held by exactly the list being
# iterated, the caller's loop variable and the handler's own parameter; getrefcount
# adds its argument: rc = getrefcount(o) - 4. A helper that computes the rc one call
# deeper subtracts one more. Locals that could be the object itself (a dict holding
# itself) are cleared before the rc is read. The C accelerator reproduces, for each
# record, the references these Python frames would hold (tools/python/_refgraph_accel.c).

# The builtins the walk calls, held by the module: its references are left out of every
# "rc" (see _own_objects), and a global is as quick to load as a closure cell.
_getrefcount = sys.getrefcount
_getsizeof = sys.getsizeof
_is_tracked = gc.is_tracked
_referents = gc.get_referents
_untracked = itertools.filterfalse
_islice = itertools.islice
_consume = collections.deque(maxlen=0).extend  # runs an iterator to its end at C speed

# Exact types: id(type) -> method. (Keyed by id: hashing a type could run a metaclass's
# __hash__.) Exact str and int are written by the untracked-object pass in drain(); the
# entry serves callers that hand them to the walk directly.
_EXACT_HANDLERS = {
    id(str): "for_atom", id(int): "for_atom",
    id(tuple): "h_tuple", id(list): "h_list",
    id(_CellType): "h_cell_defer", id(_FunctionType): "h_function",
    id(_MethodType): "h_method", id(_CodeType): "h_code", id(_FrameType): "h_frame",
}
# Then a base anywhere in the MRO, in this order of priority: classes, modules, weakrefs.
_KIND_HANDLERS = ((type, "h_type"), (_ModuleType, "h_module"), (_WeakRef, "for_weakref"))
# Then the first builtin base in MRO order that one of these names (atoms only for a
# builtin type: a Python subclass of float may hold attributes).
_BASE_HANDLERS = {
    id(float): "for_atom", id(complex): "for_atom", id(bytes): "for_atom",
    id(bool): "for_atom", id(_NoneType): "for_atom",
    id(dict): "for_dict", id(tuple): "for_seq", id(list): "for_seq", id(_deque): "for_seq",
    id(set): "for_set", id(frozenset): "for_set",
}
# Anything else: for_instance (a Python class) or for_generic (a builtin type).

# Refs text for sequence items: "[id,"index",0],[id,"index",1],..." built by C-level
# map()s: a %-template per length up to 32, _INDEX_FMT beyond.
_IDX_TMPL = [",".join('[%%d,"index",%d]' % k for k in range(n)) for n in range(33)]
_INDEX_FMT = '[%d,"index",%d]'.__mod__
_MEMBER_FMT = '[%d,"internal","member"]'.__mod__
_INTERNAL_FMT = '[%d,"internal"]'.__mod__
_FUNC_ATTRS = ("__code__", "__globals__", "__builtins__", "__defaults__", "__kwdefaults__",
               "__closure__", "__doc__", "__name__", "__qualname__", "__module__")
_TUPLE_SIZES = [_getsizeof((None,) * n) for n in range(33)]
_FL_GC = ',"flags":["gc"]'
_FL_GC_GARBAGE = ',"flags":["gc","garbage"]'


def _copy_items(base_iter, o):
    """tuple(base_iter(o)): the items of a subclass of a builtin container, through the
    builtin's iterator (never a Python __iter__). The interpreter may switch threads
    between making the iterator and reading it; a deque or set changed meanwhile makes
    the iterator raise, and the copy is taken again. (An exact container is copied by
    tuple(o), one C call that no thread interrupts.)"""
    for _ in range(100):
        try:
            return tuple(base_iter(o))
        except RuntimeError:
            pass
    return ()


def _copier(base_iter):
    return lambda o: _copy_items(base_iter, o)


def _pairs_of(flat):
    """(key, value) pairs from a flat [k0, v0, k1, v1, ...] list, made one chunk at a
    time by the caller's islice."""
    it = iter(flat)
    return zip(it, it)


class _Walker:
    """One walk over the heap: the state shared by the handlers, and the loops.

    gens: (list, needs_check) per gc generation; skip: ids never written; stack_frames:
    the frames on the program's thread stacks (roots); garbage_ids: ids in gc.garbage;
    emit(list_of_lines) writes; own: ids of the dumper's objects (see _own_objects),
    never written, the tracked ones also in skip; adj: id -> references the dumper's
    objects hold on it, left out of its "rc"; fd: the file emit writes to, which the C
    walker, when used, writes to directly instead (emit is then unused)."""

    def __init__(self, skip, stack_frames, garbage_ids, emit, own=frozenset(), adj=None,
                 fd=None):
        self.skip = skip
        self.stack_frames = stack_frames
        self.garbage_ids = garbage_ids
        self.emit = emit
        self.own = own
        self.seen = set(own)  # ids of the untracked objects written so far, and the dumper's
        self.adjget = (adj if adj else {}).get
        # References to the dumper's objects (sys.modules' entry, a program's `import
        # refgraph_dump`) are left out of the records, so they never dangle; the checks
        # cost a set test per item and are skipped when own is empty.
        self.pend = []  # untracked referents waiting for drain()
        self.pend_app = self.pend.append
        self.pend_ext = self.pend.extend
        self.keep = []  # untracked objects already written: their ids must not be reused
        self.buf = []  # record text waiting for emit()
        self.app = self.buf.append
        self.cells = []  # cells, written last (their names come from their functions)
        self.cell_names = {}
        self.held = {}  # id(class) -> references the handler cache holds on it (for its rc)
        self.stack_ids = {id(f) for f in stack_frames}
        self.hmap = {}  # id(type) -> handler
        self.hget = self.hmap.get
        self.layout = _Layout311.check()
        self.sizers = {}
        self.infos = {}
        self.named_cache = {}
        self.lru_types = set()  # functools._lru_cache_wrapper, if functools was ever imported
        lru = getattr(sys.modules.get("functools"), "_lru_cache_wrapper", None)
        if type(lru) is type:
            self.lru_types.add(id(lru))
        lru = None
        self.gen_layout = self.layout and _Layout311.gen_check()
        self.localsplus_names = {}  # id(code) -> names of its local slots (3.11)
        self.counts = [0, 0]  # objects, edges written
        # The writer of long sequences' records, the C walker's when it writes the file.
        # A list item rather than an attribute: both paths then run the same bytecode
        # (an attribute that shadows a method on one path only would send the lookups
        # through the interpreter's type cache, whose entries hold references to names).
        self.long_seq_box = [self.long_seq]
        self.h_tuple = self.for_small_seq("tuple")
        self.h_list = self.for_small_seq("list")
        # The C walker when used, else an empty list (false): never a shared singleton,
        # whose reference count would then differ between the two paths.
        self.W = (_refgraph_accel.Walker(self.hmap, self.make, self.buf, self.pend,
                                         self.h_tuple, self.h_list, own, adj or {})
                  if _use_accel() else [])
        if self.W:
            # With fd, the C walker writes the text to fd itself, from a thread of its
            # own that needs no GIL (so no Python thread runs meanwhile), with no str
            # objects in between; the Python handlers' text goes through its emit().
            # (The methods are looked up either way: a lookup goes through the
            # interpreter's type attribute cache, whose entries hold references to
            # names that are in the snapshot.)
            output, emit, long_seq = self.W.output, self.W.emit, self.W.long_seq
            if fd is not None:
                output(fd)
                self.emit = emit
                self.long_seq_box[0] = long_seq
            output = emit = long_seq = None

    # --- dispatch -----------------------------------------------------------------

    def make(self, t):
        """Pick the handler for type t from the handler table (once per dump)."""
        before = _getrefcount(t)
        mro = _type_mro(t)
        h = None
        name = _EXACT_HANDLERS.get(id(t))
        if name is not None:
            h = getattr(self, name)
            if name.startswith("for_"):
                h = h(t, t)
        else:
            for base, name in _KIND_HANDLERS:
                if any(c is base for c in mro):
                    h = getattr(self, name)
                    if name.startswith("for_"):
                        h = h(t, base)
                    break
            else:
                for c in mro:
                    name = _BASE_HANDLERS.get(id(c))
                    if name is None or (name == "for_atom" and _type_flags(t) & _HEAPTYPE):
                        continue
                    h = getattr(self, name)(t, c)
                    break
                if h is None:
                    h = (self.for_instance(t, None) if _type_flags(t) & _HEAPTYPE
                         else self.for_generic(t, None))
        # A handler may keep t in a closure cell; h_type subtracts that from t's rc.
        mro = c = base = None
        self.held[id(t)] = _getrefcount(t) - before
        self.hmap[id(t)] = h
        return h

    def handler(self, t):
        """The handler for objects of type t (made on first use)."""
        return self.hget(id(t)) or self.make(t)

    # --- shared pieces ------------------------------------------------------------

    def push(self, v):
        """Queue v for drain() if the collector does not track it (tracked objects are
        written from the generation lists)."""
        if not _is_tracked(v):
            self.pend_app(v)

    def long_record(self, head, it, fmt_chunk):
        """Write a record with a long refs list piece by piece: head, then the text of
        each chunk of items from iterator it (fmt_chunk(chunk, edges_so_far) returns
        the chunk's text and its number of edges), handed to the file chunk by chunk, so
        that neither the line nor a list of its parts is ever held whole. The callers
        pass an iterator over a copy made by one C call (8 bytes per item, 16 per dict
        entry), so that no thread can change the items between two chunks; an iterator
        that raises RuntimeError anyway ends the list there. Nothing else may
        append to buf meanwhile (no drain() here: it would interleave other records
        into this one). Returns the number of edges written."""
        app = self.app
        buf = self.buf
        app(head)
        ne = 0
        pos = 0
        while True:
            try:
                chunk = tuple(_islice(it, _CHUNK))  # one C call: no thread runs inside
            except RuntimeError:
                break
            if not chunk:
                break
            pos0 = pos
            pos += len(chunk)
            text, k = fmt_chunk(chunk, pos0)
            chunk = None
            if k:
                app("," + text if ne else text)
            text = None
            ne += k
            self.emit(buf)
            buf.clear()
        app("]}\n")
        return ne

    def long_seq(self, head, items):
        """The record of a sequence longer than 32 (head, then items, a copy, as index
        edges), piece by piece. (Replaced by the C walker's when it writes the file.)"""
        return self.long_record(head, iter(items), self.seq_chunk)

    def seq_chunk(self, chunk, start):
        """long_record's formatter for sequence items: [id,"index",i] edges."""
        self.pend_ext(_untracked(_is_tracked, chunk))
        pairs = zip(map(id, chunk), range(start, start + len(chunk)))
        own = self.own
        if own and not own.isdisjoint(map(id, chunk)):  # as in for_small_seq (any sequence)
            pairs = [p for p in pairs if p[0] not in own]
            # The index goes on from the real position; the edge count is what is written.
            return ",".join(map(_INDEX_FMT, pairs)), len(pairs)
        return ",".join(map(_INDEX_FMT, pairs)), len(chunk)

    def size_of(self, o):
        """The size from the first builtin __sizeof__ in the MRO, never a Python one."""
        s = self.sizers.get(id(type(o)))
        if s is None:
            s = self.make_sizer(type(o))
        return s(o)

    def make_sizer(self, t):
        """The size function of t's instances (see size_of), cached per type."""
        found, v = _mro_lookup(t, "__sizeof__")
        if not found or _type_shortname(type(v)) in ("method_descriptor", "wrapper_descriptor"):
            s = _getsizeof
        else:
            base_sizeof = object.__sizeof__
            for c in _type_mro(t):
                f, v = _cls_dict_get(c, "__sizeof__")
                if f and _type_shortname(type(v)) == "method_descriptor":
                    base_sizeof = v
                    break
            fl = _type_flags(t)
            extra = (16 if fl & _HAVE_GC else 0) + (16 if fl & _MANAGED_DICT else 0)

            def s(o, base_sizeof=base_sizeof, extra=extra):
                return base_sizeof(o) + extra
        self.sizers[id(t)] = s
        return s

    def leftovers(self, o, labelled_ids, R=None):
        """[id,"internal"] edges for o's referents (R, or gc's list) that no labelled
        edge covers yet; adds their ids to labelled_ids."""
        out = []
        own = self.own
        for r in (_referents(o) if R is None else R):
            ri = id(r)
            if ri not in labelled_ids and ri not in own:
                labelled_ids.add(ri)
                self.push(r)
                out.append('[%d,"internal"]' % ri)
        return out

    def emit_record(self, o, fl, parts, extra, corr, tn=None):
        """Append the record of o with edges parts (a list of texts) and extra fields;
        returns the edge count. corr: references held by the caller's list, loop
        variable and parameter; the extra 1 is this method's own parameter."""
        if tn is None:
            tn = _jstr(_type_name(type(o)))
        self.app('{"rec":"object","id":%d,"type":%s,"size":%d,"rc":%d%s%s,"refs":[%s]}\n'
                 % (id(o), tn, self.size_of(o), _getrefcount(o) - corr - 1 - self.adjget(id(o), 0),
                    fl, extra, ",".join(parts)))
        return len(parts)

    # --- scalars and builtin containers ---------------------------------------------

    def for_atom(self, t, base):
        """str, int, float, complex, bytes, bool, None and their builtin subclasses:
        a repr from the builtin slot, a length for str and bytes; no edges."""
        tn = _jstr(_type_name(t))
        has_len = any(c is str or c is bytes for c in _type_mro(t))
        app = self.app
        adjget = self.adjget
        size_of = self.size_of

        def h(o, fl):
            r = _atom_repr(o)
            app('{"rec":"object","id":%d,"type":%s,"size":%d,"rc":%d%s%s,"repr":%s}\n'
                % (id(o), tn, size_of(o), _getrefcount(o) - 4 - adjget(id(o), 0),
                   (',"len":%d' % len(o)) if has_len else "", fl, _jstr(r)))
            return 0
        return h

    def for_small_seq(self, tname):
        """Exact tuple and list: items as [i] edges; long ones are written in pieces.
        (h_tuple and h_list; the C accelerator writes the short ones itself.)"""
        filtered = tname == "list"  # a list may hold the dumper's objects (see below)
        # An exact tuple's size follows from its length (a list's from its capacity).
        sizes = _TUPLE_SIZES if tname == "tuple" else None
        app = self.app
        adjget = self.adjget
        own = self.own
        pend_ext = self.pend_ext
        long_seq_box = self.long_seq_box  # read per call: the C walker's comes after this

        def h(o, fl):
            if len(o) > 32:
                return long_seq_box[0](
                    f'{{"rec":"object","id":{id(o)},"type":"{tname}","size":{_getsizeof(o)},'
                    f'"len":{len(o)},"rc":{_getrefcount(o) - 4 - adjget(id(o), 0)}{fl},"refs":[',
                    tuple(o))
            ids = tuple(map(id, o))  # one C call: another thread may change a list between two
            n = len(ids)
            ne = n
            # An item that is the dumper's is left out of a list (the interpreter's list of
            # extension modules holds _refgraph_accel; a program may list dump()). A
            # tuple or an instance attribute that holds one dangles: cheaper, and rare.
            if filtered and own and not own.isdisjoint(ids):
                pairs = [p for p in zip(ids, range(n)) if p[0] not in own]
                refs = ",".join(map(_INDEX_FMT, pairs))
                ne = len(pairs)
                pairs = None
            else:
                refs = _IDX_TMPL[n] % ids if n <= 32 else ",".join(map(_INDEX_FMT, zip(ids, range(n))))
            ids = None  # before the rc: an empty one is the shared () that may be o
            pend_ext(_untracked(_is_tracked, o))
            oi = id(o)
            app(f'{{"rec":"object","id":{oi},"type":"{tname}","size":{sizes[n] if sizes else _getsizeof(o)},'
                f'"len":{n},"rc":{_getrefcount(o) - 4 - adjget(oi, 0)}{fl},"refs":[{refs}]}}\n')
            return ne
        return h

    def for_seq(self, t, base):
        """deque, and subclasses of tuple, list and deque: items as [i] edges, then a
        subclass's attributes (rest_edges)."""
        tn = _jstr(_type_name(t))
        exact = t is tuple or t is list or t is _deque
        copy = tuple if exact else _copier(base.__iter__)
        sub_heap = not exact and _type_flags(t) & _HEAPTYPE
        app = self.app
        adjget = self.adjget
        size_of = self.size_of
        pend_ext = self.pend_ext
        rest_edges = self.rest_edges
        long_seq = self.long_seq_box[0]

        def h(o, fl):
            if exact and len(o) > 32:
                return long_seq(
                    f'{{"rec":"object","id":{id(o)},"type":{tn},"size":{size_of(o)},"len":{len(o)},'
                    f'"rc":{_getrefcount(o) - 4 - adjget(id(o), 0)}{fl},"refs":[',
                    copy(o))
            items = copy(o)  # a copy no other thread changes
            n = len(items)
            refs = (_IDX_TMPL[n] % tuple(map(id, items)) if n <= 32 else
                    ",".join(map(_INDEX_FMT, zip(map(id, items), range(n)))))
            pend_ext(_untracked(_is_tracked, items))
            ne = n
            if not exact:
                extra = rest_edges(o, set(map(id, items)), sub_heap)
                if extra:
                    refs = refs + "," + ",".join(extra) if refs else ",".join(extra)
                    ne += len(extra)
            items = None
            app(f'{{"rec":"object","id":{id(o)},"type":{tn},"size":{size_of(o)},"len":{n},'
                f'"rc":{_getrefcount(o) - 4 - adjget(id(o), 0)}{fl},"refs":[{refs}]}}\n')
            return ne
        return h

    def dict_parts(self, items, parts):
        """value and key edges of a dict's items (a tuple of (key, value) pairs)."""
        papp = parts.append
        pend_app = self.pend_app
        own = self.own
        if own and not own.isdisjoint(map(id, _chain(items))):
            items = [kv for kv in items if id(kv[0]) not in own and id(kv[1]) not in own]
        if self.W:
            # The same loop in C (str keys' labels made there too).
            return self.W.dict_parts(items, parts, _key_label)
        for k, v in items:
            lab = _key_label(k)
            vi = id(v)
            ki = id(k)
            papp('[%d,"value",%s],[%d,"key",%s]' % (vi, lab, ki, lab))
            if not _is_tracked(v):
                pend_app(v)
            if not _is_tracked(k):
                pend_app(k)
        return len(items)

    def dict_chunk(self, chunk, start):
        """long_record's formatter for (key, value) pairs."""
        parts = []
        n = self.dict_parts(chunk, parts)
        return ",".join(parts), 2 * n

    def for_dict(self, t, base):
        """dict and its subclasses: a value and a key edge per entry, labelled with the
        key's repr; then a subclass's attributes."""
        tn = _jstr(_type_name(t))
        exact = t is dict
        app = self.app
        adjget = self.adjget
        size_of = self.size_of
        dict_parts = self.dict_parts

        def h(o, fl):
            n = dict.__len__(o)
            if n > _CHUNK and exact:
                return self.long_record(
                    '{"rec":"object","id":%d,"type":%s,"size":%d,"len":%d,"rc":%d%s,"refs":['
                    % (id(o), tn, size_of(o), n, _getrefcount(o) - 4 - adjget(id(o), 0), fl),
                    _pairs_of(list(_chain(dict.items(o)))), self.dict_chunk)
            # One C call copies the items: no other thread can change them under the
            # loop (iterating the dict itself could raise "changed size").
            items = tuple(dict.items(o))
            n = len(items)
            parts = []
            ne = 2 * dict_parts(items, parts)  # a value and a key edge per entry
            if not exact:
                labelled = set()
                for k, v in items:
                    labelled.add(id(k))
                    labelled.add(id(v))
                items = None
                extra = self.rest_edges(o, labelled, _type_flags(t) & _HEAPTYPE)
                ne += len(extra)
                parts.extend(extra)
            items = None  # before the rc: a dict may hold itself
            app('{"rec":"object","id":%d,"type":%s,"size":%d,"len":%d,"rc":%d%s,"refs":[%s]}\n'
                % (id(o), tn, size_of(o), n, _getrefcount(o) - 4 - adjget(id(o), 0), fl, ",".join(parts)))
            return ne
        return h

    def for_set(self, t, base):
        """set, frozenset and their subclasses: a member edge per item."""
        tn = _jstr(_type_name(t))
        exact = t is base
        copy = tuple if exact else _copier(base.__iter__)
        app = self.app
        adjget = self.adjget
        size_of = self.size_of
        pend_ext = self.pend_ext

        def member_chunk(chunk, start):
            pend_ext(_untracked(_is_tracked, chunk))
            return ",".join(map(_MEMBER_FMT, map(id, chunk))), len(chunk)

        def h(o, fl):
            if exact and len(o) > _CHUNK:
                return self.long_record(
                    '{"rec":"object","id":%d,"type":%s,"size":%d,"len":%d,"rc":%d%s,"refs":['
                    % (id(o), tn, size_of(o), len(o), _getrefcount(o) - 4 - adjget(id(o), 0), fl),
                    iter(copy(o)), member_chunk)
            members = copy(o)  # a copy no thread changes
            parts = list(map(_MEMBER_FMT, map(id, members)))
            pend_ext(_untracked(_is_tracked, members))
            members = None
            n = len(parts)
            if not exact:
                parts.extend(self.rest_edges(o, set(map(id, copy(o))),
                                             _type_flags(t) & _HEAPTYPE))
            app('{"rec":"object","id":%d,"type":%s,"size":%d,"len":%d,"rc":%d%s,"refs":[%s]}\n'
                % (id(o), tn, size_of(o), n, _getrefcount(o) - 4 - adjget(id(o), 0), fl, ",".join(parts)))
            return len(parts)
        return h

    # --- instances of Python classes --------------------------------------------------

    def type_info(self, t):
        """Per-type facts for instances of a Python class, computed once per dump:
        [slots, plain, keys, unsafe, dict_desc]."""
        inf = self.infos.get(id(t))
        if inf is not None:
            return inf
        mro = _type_mro(t)
        slots = []
        plain = _type_flags(t) & _MANAGED_DICT != 0
        unsafe = set()
        for c in mro:
            if c is object:
                continue
            if not _type_flags(c) & _HEAPTYPE:
                plain = False
                continue
            cd = _type_dict(c)
            if "__slots__" in cd:
                plain = False
            for k, v in dict(cd).items():  # a copy: the class may change meanwhile
                if type(v) is _MemberDescr and type(k) is str:
                    slots.append((k, v))
        # Names a descriptor on the class would answer: object.__getattribute__ runs a
        # data descriptor (a property) first, and a non-data one (cached_property)
        # when the instance lacks the attribute, so these names are never read.
        for c in mro:
            cd = _type_dict(c)
            for k, v in dict(cd).items():
                tv = type(v)
                if (_mro_lookup(tv, "__get__")[0] or _mro_lookup(tv, "__set__")[0]
                        or _mro_lookup(tv, "__delete__")[0]):
                    unsafe.add(k)
        keys = (_Layout311.cached_keys(t) if (self.layout and _type_flags(t) & _MANAGED_DICT)
                else None)
        dict_desc = None
        if _type_dictoffset(t):
            found, v = _mro_lookup(t, "__dict__")
            if found and type(v) is _GetSetDescr:
                dict_desc = v
        # No type or MRO tuple is kept here: that would inflate their "rc".
        inf = [slots, plain and keys is not None, keys, unsafe, dict_desc]
        self.infos[id(t)] = inf
        return inf

    def attr_parts(self, o, t, R, parts, labelled):
        """attr/slot/type edges of an instance of a Python class; R = its referents."""
        slots, plain, keys, unsafe, dict_desc = self.type_info(t)
        own = self.own
        push = self.push
        rids = None
        for name, desc in slots:
            try:
                v = desc.__get__(o, t)
            except AttributeError:
                continue
            vi = id(v)
            labelled.add(vi)
            push(v)
            parts.append('[%d,"slot",%s]' % (vi, _str_label(name)))
        if _type_flags(t) & _MANAGED_DICT and self.layout:
            dp = _Layout311.dict_ptr(o)
            if dp:
                d = None
                for r in R:
                    if id(r) == dp:
                        d = r
                        break
                if d is not None:
                    self.instance_dict(d, parts, labelled)
            elif keys:
                rids = {id(r) for r in R}
                for name in keys:
                    if name in unsafe:
                        continue
                    try:
                        v = _obj_getattr(o, name)
                    except AttributeError:
                        continue
                    vi = id(v)
                    if vi in rids and vi not in own:
                        labelled.add(vi)
                        push(v)
                        parts.append('[%d,"attr",%s]' % (vi, _str_label(name)))
        elif dict_desc is not None:
            has_dict = False
            for r in R:
                if type(r) is dict and id(r) not in labelled:
                    has_dict = True
                    break
            # Without the layout helper a managed dict can only be read by
            # materialising it (see docs/dumper.md); with a dictoffset it is only read
            # when some dict is among the referents, so no empty dict gets created.
            if has_dict or _type_flags(t) & _MANAGED_DICT:
                d = dict_desc.__get__(o, t)
                if type(d) is dict:
                    self.instance_dict(d, parts, labelled)
        for r in R:
            if r is t:
                labelled.add(id(t))
                parts.append('[%d,"type"]' % id(t))
                break

    def instance_dict(self, d, parts, labelled):
        """An instance's __dict__ edge, and its entries as attr edges of the instance."""
        di = id(d)
        own = self.own
        push = self.push
        labelled.add(di)
        push(d)
        parts.append('[%d,"attr","__dict__"]' % di)
        for k, v in tuple(dict.items(d)):  # one C call: a copy no thread changes
            vi = id(v)
            if vi in own:
                continue
            labelled.add(vi)
            push(v)
            parts.append('[%d,"attr",%s]' % (vi, _str_label(k)))

    def named_parts(self, o, t, R, parts, labelled):
        """attr edges for the references CPython names (see _NAMED_ATTRS), and for a
        builtin object's own __dict__ (its entries as attr edges)."""
        own = self.own
        nd = self.named_cache.get(id(t))
        if nd is None:
            nd = self.named_cache[id(t)] = _named_attrs(t)
        if nd:
            rids = {id(r) for r in R}
            for name, desc in nd:
                try:
                    v = desc.__get__(o, t)
                except Exception:
                    continue
                vi = id(v)
                if vi in rids and vi not in labelled and vi not in own:
                    labelled.add(vi)
                    self.push(v)
                    parts.append('[%d,"attr","%s"]' % (vi, name))
            v = None
        if id(t) in self.lru_types:
            # The cache dict of an lru_cache wrapper has no attribute name; say what it is.
            for r in R:
                if type(r) is dict and id(r) not in labelled and id(r) not in own:
                    labelled.add(id(r))
                    self.push(r)
                    parts.append('[%d,"internal","cache"]' % id(r))
                    break
            r = None
        if not _type_flags(t) & _HEAPTYPE and _type_dictoffset(t):
            for r in R:
                if type(r) is dict and id(r) not in labelled:
                    found, dd = _mro_lookup(t, "__dict__")
                    if found and (type(dd) is _GetSetDescr or type(dd) is _MemberDescr):
                        try:
                            d = dd.__get__(o, t)
                        except Exception:
                            d = None
                        if d is r:
                            self.instance_dict(d, parts, labelled)
                        d = None
                    break
            r = None

    def rest_edges(self, o, labelled, heap):
        """For builtin-container subclasses: attrs, type and unnamed referents.
        labelled: ids already given an edge by the container's own items."""
        extra = []
        R = _referents(o)
        t = type(o)
        self.named_parts(o, t, R, extra, labelled)
        if heap:
            self.attr_parts(o, t, R, extra, labelled)
        extra.extend(self.leftovers(o, labelled, R))
        return extra

    def for_instance(self, t, base):
        """Instances of a Python class: slots, attributes (read from the inline values
        or the __dict__), the class, then unnamed referents. The common case (inline
        values without holes) is one %-template per class, in C when accelerated."""
        tn = _jstr(_type_name(t))
        slots, plain, keys, unsafe, dict_desc = self.type_info(t)
        app = self.app
        adjget = self.adjget
        size_of = self.size_of
        attr_parts = self.attr_parts
        named_parts = self.named_parts
        leftovers = self.leftovers
        if plain:
            # Inline values without holes: the referents are exactly the values in
            # shared-keys order followed by the class, so one template labels them.
            n1 = len(keys) + 1
            # The names go into a %-template: a "%" in a name must be doubled there.
            tmpl = ",".join(['[%d,"attr",' + _str_label(k).replace("%", "%%") + "]"
                             for k in keys] + ['[%d,"type"]'])
            single_dict = len(keys) == 1
            fixed_size = _type_itemsize(t) == 0 and self.make_sizer(t) is _getsizeof
            sz = []
            pend_ext = self.pend_ext

            def h(o, fl):
                R = _referents(o)
                if len(R) == n1 and R[-1] is t and not (single_dict and type(R[0]) is dict):
                    refs = tmpl % tuple(map(id, R))
                    pend_ext(_untracked(_is_tracked, R))
                    R = None
                    if fixed_size:
                        if not sz:
                            sz.append(_getsizeof(o))
                        size = sz[0]
                    else:
                        size = size_of(o)
                    oi = id(o)
                    app(f'{{"rec":"object","id":{oi},"type":{tn},"size":{size},'
                        f'"rc":{_getrefcount(o) - 4 - adjget(oi, 0)}{fl},"refs":[{refs}]}}\n')
                    return n1
                return slow(o, fl, R)
            if fixed_size and self.W:
                # The C loop writes the fast case itself (and fills sz as h would).
                self.W.plain(h, t, tn, tuple(_str_label(k) for k in keys), single_dict, sz)
        else:
            def h(o, fl):
                return slow(o, fl, _referents(o))

        def slow(o, fl, R):
            parts = []
            labelled = set()
            attr_parts(o, t, R, parts, labelled)
            named_parts(o, t, R, parts, labelled)  # a builtin base's (an exception's)
            parts.extend(leftovers(o, labelled, R))
            app('{"rec":"object","id":%d,"type":%s,"size":%d,"rc":%d%s,"refs":[%s]}\n'
                % (id(o), tn, size_of(o), _getrefcount(o) - 5 - adjget(id(o), 0), fl, ",".join(parts)))
            return len(parts)
        return h

    # --- runtime objects --------------------------------------------------------------

    def gen_local_parts(self, o, R, parts, labelled):
        """3.11: a suspended generator's or coroutine's locals, by name, read from its
        embedded frame (Python can only reach them through gi_frame.f_locals, which
        would make a frame object and a dict per generator, permanently)."""
        try:
            code = o.gi_code if _type_shortname(type(o)) == "generator" else (
                o.cr_code if _type_shortname(type(o)) == "coroutine" else o.ag_code)
        except AttributeError:
            return
        names = self.localsplus_names.get(id(code))
        if names is None:
            names = []
            vfo = getattr(code, "_varname_from_oparg", None)
            if vfo is not None:
                while True:
                    try:
                        names.append(vfo(len(names)))
                    except Exception:
                        break
            names = self.localsplus_names[id(code)] = tuple(names)
        if not names:
            return
        slots = _Layout311.gen_locals(o, code, len(names))
        code = None
        if slots is None:
            return
        own = self.own
        byid = {id(r): r for r in R}
        for name, ptr in zip(names, slots):
            if ptr and ptr in byid and ptr not in labelled and ptr not in own:
                labelled.add(ptr)
                self.push(byid[ptr])
                parts.append('[%d,"local",%s]' % (ptr, _str_label(name)))
        byid = None

    def for_generic(self, t, base):
        """Any other builtin type: the references CPython names, a generator's frame and
        locals, then unnamed referents; builtin functions and generators get a name."""
        tn = _jstr(_type_name(t))
        short = _type_shortname(t) if not _type_flags(t) & _HEAPTYPE else None
        named = short in ("builtin_function_or_method", "method_descriptor",
                          "wrapper_descriptor", "classmethod_descriptor",
                          "getset_descriptor", "member_descriptor", "method-wrapper")
        gen_like = short in ("generator", "coroutine", "async_generator")
        labels = bool(_named_attrs(t)) or (not _type_flags(t) & _HEAPTYPE
                                           and bool(_type_dictoffset(t)))
        own = self.own
        app = self.app
        adjget = self.adjget
        size_of = self.size_of
        pend_ext = self.pend_ext

        def h(o, fl):
            R = _referents(o)
            if own and not own.isdisjoint(map(id, R)):
                R = [r for r in R if id(r) not in own]
            if labels:
                parts = []
                labelled = set()
                self.named_parts(o, t, R, parts, labelled)
                if gen_like:
                    for r in R:
                        # 3.11: the frame object of a suspended generator, if it was
                        # ever made (reading gi_frame would make one).
                        if type(r) is _FrameType and id(r) not in labelled:
                            labelled.add(id(r))
                            self.push(r)
                            parts.append('[%d,"attr","%s_frame"]' % (id(r), short[:2] if short != "async_generator" else "ag"))
                    r = None
                    if self.gen_layout:
                        self.gen_local_parts(o, R, parts, labelled)
                parts.extend(self.leftovers(o, labelled, R))
            else:
                parts = list(map(_INTERNAL_FMT, map(id, R)))
                pend_ext(_untracked(_is_tracked, R))
            R = None
            extra = ""
            if named:
                nm = _builtin_qualname(o)
                if nm is not None:
                    extra = ',"name":' + _jstr(_bounded(nm))
            elif gen_like:
                # The generator's own __qualname__ field (a stored string).
                try:
                    nm = o.__qualname__
                except AttributeError:
                    nm = None
                if type(nm) is str:
                    extra = ',"name":' + _jstr(_bounded(nm))
            app('{"rec":"object","id":%d,"type":%s,"size":%d,"rc":%d%s%s,"refs":[%s]}\n'
                % (id(o), tn, size_of(o), _getrefcount(o) - 4 - adjget(id(o), 0), fl, extra, ",".join(parts)))
            return len(parts)
        return h

    def h_module(self, o, fl):
        """A module: its namespace dict, and each global as a .name edge."""
        d = _module_dict(o)
        parts = []
        labelled = set()
        name = None
        if type(d) is dict:
            own = self.own
            labelled.add(id(d))
            self.push(d)
            parts.append('[%d,"attr","__dict__"]' % id(d))
            for k, v in tuple(dict.items(d)):  # one C call: a copy no thread changes
                vi = id(v)
                if vi in own:
                    continue
                self.push(v)
                parts.append('[%d,"global",%s]' % (vi, _str_label(k)))
            k = v = None  # before the rc: a module may hold itself
            name = dict.get(d, "__name__")
        parts.extend(self.leftovers(o, labelled))
        extra = ',"name":' + _jstr(_bounded(name)) if type(name) is str else ""
        return self.emit_record(o, fl, parts, extra, 4)

    def h_function(self, o, fl):
        """A Python function: its code, globals, defaults, closure cells (named after
        the free variables), then unnamed referents; named module.qualname."""
        parts = []
        labelled = set()
        for a in _FUNC_ATTRS:
            try:
                v = getattr(o, a)
            except AttributeError:
                continue
            if v is None and a in ("__kwdefaults__", "__defaults__", "__closure__"):
                continue
            vi = id(v)
            labelled.add(vi)
            self.push(v)
            parts.append('[%d,"attr","%s"]' % (vi, a))
        cl = o.__closure__
        if cl:
            for name, c in zip(o.__code__.co_freevars, cl):
                self.cell_names.setdefault(id(c), name)
                parts.append('[%d,"cell",%s]' % (id(c), _str_label(name)))
        parts.extend(self.leftovers(o, labelled))
        mod = o.__module__
        qn = o.__qualname__
        nm = (mod + "." + qn) if type(mod) is str and type(qn) is str else qn
        extra = ',"name":' + _jstr(_bounded(nm)) if type(nm) is str else ""
        return self.emit_record(o, fl, parts, extra, 4, '"function"')

    def h_method(self, o, fl):
        """A bound method: __func__ and __self__."""
        parts = []
        labelled = set()
        for a in ("__func__", "__self__"):
            v = getattr(o, a)
            labelled.add(id(v))
            self.push(v)
            parts.append('[%d,"attr","%s"]' % (id(v), a))
        parts.extend(self.leftovers(o, labelled))
        return self.emit_record(o, fl, parts, "", 4, '"method"')

    def h_cell_defer(self, o, fl):
        """A cell waits for the end of the walk (h_cell), when every function has
        named its cells."""
        self.cells.append(o)
        return 0

    def h_cell(self, o, fl, corr):
        """A closure cell: its content, labelled with the variable's name."""
        parts = []
        name = self.cell_names.get(id(o))
        lab = (',' + _str_label(name)) if name is not None else ""
        for v in _referents(o):
            self.push(v)
            parts.append('[%d,"cell"%s]' % (id(v), lab))
        return self.emit_record(o, fl, parts, "", corr, '"cell"')

    def h_code(self, o, fl):
        """A code object: the fields stored in it (_CODE_ATTRS)."""
        # Code objects are untracked and report no referents; these are the fields
        # stored in the object itself (co_varnames & co are rebuilt on every access).
        parts = []
        for a in _CODE_ATTRS:
            v = getattr(o, a, None)
            if v is None:
                continue
            self.push(v)
            parts.append('[%d,"attr","%s"]' % (id(v), a))
        qn = getattr(o, "co_qualname", o.co_name)
        return self.emit_record(o, fl, parts, ',"name":' + _jstr(_bounded(qn)), 4, '"code"')

    def h_frame(self, o, fl):
        """A frame: f_back, code, globals, builtins, and its locals by name."""
        parts = []
        labelled = set()
        b = o.f_back
        if b is not None and id(b) not in self.skip:
            labelled.add(id(b))
            self.push(b)
            parts.append('[%d,"attr","f_back"]' % id(b))
        for a in ("f_code", "f_globals", "f_builtins"):
            v = getattr(o, a)
            labelled.add(id(v))
            self.push(v)
            parts.append('[%d,"attr","%s"]' % (id(v), a))
        if o.f_code.co_flags & 0x1:
            # Frames on a thread stack had their locals dict made before the object
            # list was taken; any other frame gets one now (see docs/dumper.md).
            loc = o.f_locals
            if id(o) in self.stack_ids:
                labelled.add(id(loc))
                self.push(loc)
                parts.append('[%d,"attr","f_locals"]' % id(loc))
            else:
                # Made just now by reading f_locals, after the object lists were taken:
                # not in this snapshot, so no edge (the locals get their own below).
                labelled.add(id(loc))
            for k, v in tuple(dict.items(loc)):  # one C call: a copy no thread changes
                vi = id(v)
                labelled.add(vi)
                self.push(v)
                parts.append('[%d,"local",%s]' % (vi, _str_label(k)))
        parts.extend(self.leftovers(o, labelled))
        return self.emit_record(o, fl, parts, ',"name":' + _jstr(_frame_label(o)), 4, '"frame"')

    def h_type(self, o, fl):
        """A class: its namespace entries as .name edges, its bases and MRO by name,
        and the real namespace dict (not the mappingproxy that __dict__ returns)."""
        parts = []
        labelled = set()
        proxy = _type_dict(o)
        ref = _referents(proxy)
        real = ref[0] if ref and type(ref[0]) is dict else None
        del proxy, ref
        if real is not None:
            labelled.add(id(real))
            self.push(real)
            parts.append('[%d,"attr","__dict__"]' % id(real))
            for k, v in tuple(dict.items(real)):  # one C call: a copy no thread changes
                vi = id(v)
                labelled.add(vi)
                self.push(v)
                parts.append('[%d,"attr",%s]' % (vi, _str_label(k)))
        for a, g in (("__mro__", _type_mro), ("__bases__", _type_bases), ("__base__", _type_base)):
            v = g(o)
            if v is None:
                continue
            labelled.add(id(v))
            self.push(v)
            parts.append('[%d,"attr","%s"]' % (id(v), a))
        mt = type(o)
        if _type_flags(mt) & _HEAPTYPE:
            labelled.add(id(mt))
            parts.append('[%d,"type"]' % id(mt))
        parts.extend(self.leftovers(o, labelled))
        extra = ',"name":' + _jstr(_bounded(_type_name(o)))
        return self.emit_record(o, fl, parts, extra, 4 + self.held.get(id(o), 0),
                                _jstr(_type_name(mt)))

    def for_weakref(self, t, base):
        """A weak reference: a weak edge to its target, then named and unnamed ones."""
        tn = _jstr(_type_name(t))

        def h(o, fl):
            parts = []
            target = _WeakRef.__call__(o)
            labelled = set()
            if target is not None and id(target) not in self.own:
                self.push(target)
                parts.append('[%d,"weak"]' % id(target))
            target = None
            R = _referents(o)
            self.named_parts(o, t, R, parts, labelled)
            parts.extend(self.leftovers(o, labelled, R))
            R = None
            return self.emit_record(o, fl, parts, "", 4, tn)
        return h

    # --- the loops --------------------------------------------------------------------

    def drain(self):
        """Write every object waiting in pend, and what they reach in turn. Each batch
        is the objects pend holds, in the order they were first pushed, less those
        already written (seen)."""
        W = self.W
        if W:
            # The C loop does all of the loop below, holding for each record the
            # references its locals (nobj, nedge, x, t, n) would hold, so every "rc"
            # comes out the same; seen is a table of pointers there.
            nobj_nedge = W.drain(self.keep)
            self.counts[0] += nobj_nedge[0]
            self.counts[1] += nobj_nedge[1]
            return
        pend = self.pend
        seen = self.seen
        seen_update = seen.update
        keep_app = self.keep.append
        counts = self.counts
        nobj = 0
        app = self.app
        adjget = self.adjget
        hget = self.hget
        make = self.make
        nedge = 0
        while pend:
            # Deduplicate at C speed: by id (a dict keeps each id at its first place),
            # then against everything already written.
            byid = dict(zip(map(id, pend), pend))
            pend.clear()
            old = seen.intersection(byid)
            if old:
                _consume(map(byid.__delitem__, old))
            del old  # (not "= None": a local holding None would add to None's "rc")
            seen_update(byid)
            batch = list(byid.values())
            del byid
            # Each x is now held by batch, the loop variable and getrefcount's
            # argument (rc - 3), or additionally a handler's parameter (rc - 4).
            for x in batch:
                t = type(x)
                # xi: one id() call per record (an address: never a small int).
                if t is int:
                    xi = id(x)
                    if -0xFFFFFFFFFFFFFFFF <= x <= 0xFFFFFFFFFFFFFFFF:
                        app(f'{{"rec":"object","id":{xi},"type":"int","size":{_getsizeof(x)},'
                            f'"rc":{_getrefcount(x) - 3 - adjget(xi, 0)},"repr":"{x}"}}\n')
                    else:
                        app(f'{{"rec":"object","id":{xi},"type":"int","size":{_getsizeof(x)},'
                            f'"rc":{_getrefcount(x) - 3 - adjget(xi, 0)},"repr":{_jstr(_atom_repr(x))}}}\n')
                elif t is float:
                    # An exact float formats as its repr.
                    xi = id(x)
                    app(f'{{"rec":"object","id":{xi},"type":"float","size":24,'
                        f'"rc":{_getrefcount(x) - 3 - adjget(xi, 0)},"repr":"{x}"}}\n')
                elif t is str:
                    n = len(x)
                    r = str.__repr__(x if n <= _REPR_MAX else x[:_REPR_MAX])
                    if len(r) > _REPR_MAX:
                        r = r[: _REPR_MAX - 3] + "..."
                    xi = id(x)
                    app(f'{{"rec":"object","id":{xi},"type":"str","size":{_getsizeof(x)},"len":{n},'
                        f'"rc":{_getrefcount(x) - 3 - adjget(xi, 0)},"repr":{_jstr(r)}}}\n')
                else:
                    # Untracked objects carry no "gc" flag.
                    nedge += (hget(id(t)) or make(t))(x, "")
            nobj += len(batch)
            keep_app(batch)
            x = batch = None
        counts[0] += nobj
        counts[1] += nedge

    def loop(self, lst, check):
        """Write the tracked objects of lst (one gc generation), chunk by chunk."""
        nedge = 0
        nobj = 0 if check else len(lst)
        it = iter(lst)
        W = self.W
        emit = self.emit
        buf = self.buf
        drain = self.drain
        if W and not check:
            W.start(lst)
            while W.more():
                nedge += W.chunk(_FL_GC)  # skips the ids in skip, and counts them
                o = None
                drain()
                emit(buf)
                buf.clear()
            W.start(None)
            self.counts[0] += nobj - W.skipped()
            self.counts[1] += nedge
            return
        skip = self.skip
        hget = self.hget
        make = self.make
        garbage_ids = self.garbage_ids
        while it.__length_hint__():
            if check:
                for o in _islice(it, _CHUNK):
                    oi = id(o)
                    if oi in skip:
                        continue
                    nobj += 1
                    nedge += (hget(id(type(o))) or make(type(o)))(
                        o, _FL_GC_GARBAGE if oi in garbage_ids else _FL_GC)
            elif self.own:
                # As the C loop does: the dumper's objects are skipped (nobj, like the C
                # loop's, stays a large number: small ints are in the snapshot).
                for o in _islice(it, _CHUNK):
                    if id(o) in skip:
                        nobj -= 1
                        continue
                    nedge += (hget(id(type(o))) or make(type(o)))(o, _FL_GC)
            else:
                for o in _islice(it, _CHUNK):
                    nedge += (hget(id(type(o))) or make(type(o)))(o, _FL_GC)
            o = None
            drain()
            emit(buf)
            buf.clear()
        self.counts[0] += nobj
        self.counts[1] += nedge

    def run(self, gens):
        """The whole walk: the stack frames, then each generation, then the cells.
        Returns (objects, edges, whether the C accelerator did the loops)."""
        try:
            self.walk_all(gens)
        except BaseException:
            if self.W:
                self.W.close()  # its writer thread stops before dump() closes the file
            raise
        used = bool(self.W)
        if self.W:
            self.W.close()  # waits for the last writes; raises the OSError of a failed one
        nobj, nedge = self.counts
        # The handlers are bound methods and closures over bound methods: the walker is
        # in reference cycles, which the disabled collector would keep (and with them
        # every untracked object the walk kept alive). Break them now.
        self.__dict__.clear()
        return nobj, nedge, used

    def walk_all(self, gens):
        """run()'s loops."""
        # Frames on thread stacks are not tracked by the collector (CPython 3.11): they
        # enter the walk as roots.
        for f in self.stack_frames:
            self.push(f)
        f = None
        self.drain()
        # gens: (list, needs_check); only the youngest generation can hold the dumper's
        # own containers, and only a non-empty gc.garbage needs the per-object flag test.
        # The dumper's own objects are in the old generations too: both loops skip them.
        for lst, check in gens:
            self.loop(lst, check or bool(self.garbage_ids))
        lst = None
        # Cells last: by now every function has told us its cells' variable names.
        # (They were counted as objects when the loop deferred them.)
        ne = 0
        for c in self.cells:
            ne += self.h_cell(c, _FL_GC, 5)
        c = None
        self.counts[1] += ne
        self.drain()
        self.emit(self.buf)
        self.buf.clear()


def _walk(gens, skip, stack_frames, garbage_ids, emit, own=frozenset(), adj=None, fd=None):
    """Emit one object record per tracked object in the lists of gens and per untracked
    object reachable from them. Returns (objects, edges, accelerated). emit(lines)
    writes (to fd, if given). See _Walker for the arguments."""
    w = _Walker(skip, stack_frames, garbage_ids, emit, own, adj, fd)
    # No reference to fd, a small int that is in the snapshot, during the walk ("del",
    # not "= None": a local holding None would add to None's "rc").
    del fd
    return w.run(gens)


# ---------------------------------------------------------------------------
# Files

def _compressor(path):
    if path.endswith(".gz"):
        return "gz"
    if path.endswith(".zst"):
        return "zst"
    return None


def _zstd_available():
    try:
        import compression.zstd  # noqa: F401  (Python 3.14+)
        return "module"
    except ImportError:
        pass
    try:
        import zstandard  # noqa: F401
        return "zstandard"
    except ImportError:
        pass
    import shutil
    return "binary" if shutil.which("zstd") else None


def _compress_file(src, dst_fd, kind):
    """Compress file src into the open file descriptor dst_fd (left open)."""
    def dst():
        return os.fdopen(os.dup(dst_fd), "wb")
    if kind == "gz":
        import gzip
        with open(src, "rb") as fi, dst() as raw:
            # mtime=0: identical heaps give identical files.
            with gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=1, mtime=0) as fo:
                while True:
                    chunk = fi.read(1 << 20)
                    if not chunk:
                        break
                    fo.write(chunk)
        return
    how = _zstd_available()
    if how == "module":
        from compression import zstd
        with open(src, "rb") as fi, dst() as raw, zstd.ZstdFile(raw, "wb") as fo:
            while True:
                chunk = fi.read(1 << 20)
                if not chunk:
                    break
                fo.write(chunk)
    elif how == "zstandard":
        import zstandard
        with open(src, "rb") as fi, dst() as fo:
            zstandard.ZstdCompressor(level=3).copy_stream(fi, fo)
    elif how == "binary":
        import subprocess
        subprocess.run(["zstd", "-q", "-c", "-3", src], stdout=dst_fd, check=True)
    else:
        raise RuntimeError("zstd is unavailable: no zstd module (compression.zstd or "
                           "zstandard) and no zstd binary on PATH; write .gz or plain .jsonl")


_COUNT_PAD = 20  # room reserved in the header for the object and edge counts


def dump(path, *, collect=False, seq=None):
    """Write a snapshot of this process's heap to path.

    A path ending in .gz is gzip-compressed, .zst zstd-compressed (a zstd module, else
    the zstd binary; RuntimeError before anything is written if neither exists). The
    file appears under its final name only when complete. collect=True runs
    gc.collect() first (off by default: a collection frees the unreachable cycles one
    may be hunting). Returns a dict of counts and timings.
    """
    global _dumping_thread
    path = os.fspath(path)
    kind = _compressor(path)
    if kind == "zst" and _zstd_available() is None:
        _compress_file(None, None, "zst")  # raises the explanatory error
    me = threading.get_ident()
    if _dumping_thread == me:
        # A Python signal handler runs between bytecodes of the main thread, so it can
        # fire inside a dump taken there; waiting for the lock would deadlock.
        raise RuntimeError("refgraph_dump.dump() called while this thread is dumping")
    with _dump_lock:
        _dumping_thread = me
        try:
            return _dump_locked(path, kind, collect, seq)
        finally:
            _dumping_thread = None


def _tmp_suffix():
    """The random part of a temporary file's name (replaced by a test)."""
    return os.urandom(6).hex()


def _create_private(directory, base, extra=""):
    """Create a new file `.BASE.tmp-PID-RANDOM` in directory, mode 0600, refusing to
    follow or reuse anything already there (O_EXCL|O_NOFOLLOW): a symlink planted at the
    name can never redirect a dump, even one run as root. Returns (path, fd)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) \
        | getattr(os, "O_CLOEXEC", 0)
    for attempt in range(8):
        p = os.path.join(directory, ".%s.tmp-%d-%s%s" % (base, os.getpid(), _tmp_suffix(), extra))
        try:
            return p, os.open(p, flags, 0o600)
        except FileExistsError:
            if attempt == 7:
                raise
    raise AssertionError("unreachable")


def _final_mode():
    """0644 less the process umask: the mode an ordinary open() would have given."""
    try:
        with open("/proc/self/status", "rb") as f:
            for line in f:
                if line.startswith(b"Umask:"):
                    return 0o644 & ~int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o22)
    os.umask(mask)
    return 0o644 & ~mask


def _dump_locked(path, kind, collect, seq):
    directory, base = os.path.split(os.path.abspath(path))
    t_start = time.time()
    if collect:
        gc.collect()
    mode = _final_mode()
    raw, fd = _create_private(directory, base, ".raw" if kind else "")
    tmp = raw
    tmp_fd = -1
    was_enabled = gc.isenabled()
    old_interval = sys.getswitchinterval()
    ok = False
    try:
        if kind:
            tmp, tmp_fd = _create_private(directory, base)
        gc.disable()
        if SWITCH_INTERVAL is not None:
            sys.setswitchinterval(SWITCH_INTERVAL)
        try:
            header = ('{"rec":"header","format":"refgraph-snapshot","version":1,'
                      '"producer":%s,"runtime":%s,"pid":%d,"time":%.6f%s,"collected":%s,'
                      '"objects":%s,"edges":%s}\n'
                      % (_jstr(PRODUCER), _jstr(RUNTIME), os.getpid(), t_start,
                         (',"seq":%d' % seq) if seq is not None else "",
                         "true" if collect else "false",
                         " " * _COUNT_PAD, " " * _COUNT_PAD))
            hb = header.encode("ascii")
            garbage = list(gc.garbage)
            garbage_ids = {id(g) for g in garbage}
            own, adj = _own_objects()
            root_lines, stack_frames, own_frames = _collect_roots(garbage, own)
            skip = set(own_frames)
            skip.update(own)
            skip.update((id(skip), id(root_lines), id(stack_frames), id(garbage),
                         id(garbage_ids), id(own_frames), id(own), id(adj)))
            t0 = time.perf_counter()
            c0 = time.thread_time()
            # One list per generation, youngest first: the dumper's own containers
            # were made with the collector off, so they can only be in generation 0,
            # and the generation lists themselves are never inside generations 1-2.
            gens = [(gc.get_objects(0), True), (gc.get_objects(1), False),
                    (gc.get_objects(2), False)]
            skip.update(id(g[0]) for g in gens)
            skip.add(id(gens))
            _write_all(fd, hb)
            _write_all(fd, "".join(root_lines).encode("ascii"))

            def emit(lines):
                if lines:
                    _write_all(fd, "".join(lines).encode("utf-8", "surrogatepass"))

            nobj, nedge, accel = _walk(gens, skip, stack_frames, garbage_ids, emit, own, adj,
                                       fd)
            walk_s = time.perf_counter() - t0
            walk_cpu = time.thread_time() - c0
            del gens, stack_frames, garbage, own, adj
        finally:
            if SWITCH_INTERVAL is not None:
                sys.setswitchinterval(old_interval)
            if was_enabled:
                gc.enable()
        # Fill in the counts reserved in the header (spaces are JSON whitespace).
        for field, value in (("objects", nobj), ("edges", nedge)):
            key = ('"%s":' % field).encode()
            pos = hb.index(key) + len(key)
            os.pwrite(fd, str(value).encode().ljust(_COUNT_PAD), pos)
        if kind:
            os.close(fd)
            fd = -1
            _compress_file(raw, tmp_fd, kind)
            os.unlink(raw)
            fd, tmp_fd = tmp_fd, -1
        os.fchmod(fd, mode)  # created 0600; the final name gets the ordinary mode
        os.close(fd)
        fd = -1
        os.replace(tmp, path)
        ok = True
    finally:
        if fd >= 0:
            os.close(fd)
        if tmp_fd >= 0:
            os.close(tmp_fd)
        if not ok:
            for p in {raw, tmp}:
                try:
                    os.unlink(p)
                except OSError:
                    pass
    return {"path": path, "objects": nobj, "edges": nedge, "accel": accel,
            "walk_seconds": walk_s, "walk_cpu_seconds": walk_cpu,
            "seconds": time.time() - t_start}


# ---------------------------------------------------------------------------
# Runner: python3 -m refgraph_dump -o DIR [...] -- script.py args...
# install(): the same triggers, armed from inside a running program.

def run_dirname(pid=None, start=None):
    """The name of one process's series directory: run-<pid>-<UTC start time>,
    e.g. run-4242-20261206T004403Z. Names of one pid sort by start time."""
    if pid is None:
        pid = os.getpid()
    if start is None:
        start = time.time()
    return "run-%d-%s" % (pid, time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(start)))


def snapshot_name(seq, compress=None):
    """snap-NNNN-<unixtime>.jsonl[.gz|.zst]: name order is series order."""
    ext = {"gz": ".jsonl.gz", "zst": ".jsonl.zst"}.get(compress, ".jsonl")
    return "snap-%04d-%d%s" % (seq, int(time.time()), ext)


def _make_run_dir(directory):
    """Create directory/run-<pid>-<start>/ (directory too, if missing) and return its
    path. Raises OSError: a directory that cannot be made is an error before any
    snapshot, not a lost snapshot later."""
    os.makedirs(directory, exist_ok=True)
    base = os.path.join(directory, run_dirname())
    path = base
    n = 1
    while True:
        try:
            os.mkdir(path)
            return path
        except FileExistsError:
            # The same pid in the same second (a second install() after a fork of a
            # recycled pid, say): never share a series.
            n += 1
            path = "%s.%d" % (base, n)


def _describe(e):
    """One line for an exception: the file and the system's words for an OSError."""
    if isinstance(e, OSError) and e.strerror:
        where = e.filename if e.filename is not None else ""
        return "%s: %s" % (where, e.strerror) if where else e.strerror
    text = str(e)
    return "%s: %s" % (type(e).__name__, text) if text else type(e).__name__


class _Series:
    """Numbered snapshots in one run directory, shared by all triggers."""

    def __init__(self, outdir, max_n, collect, compress):
        self.outdir = outdir
        self.max_n = max_n
        self.collect = collect
        self.compress = compress
        self.seq = 0
        self.pid = os.getpid()
        self.lock = threading.Lock()

    def take(self, why, block=True, ignore_max=False):
        """Write the next snapshot; None when --max is reached (ignore_max: the
        at-exit snapshot is written anyway) or another dump is running. Raises
        what dump() raises."""
        if _dumping_thread == threading.get_ident() or not self.lock.acquire(blocking=block):
            print("refgraph_dump: %s: a dump is already running, skipped" % why,
                  file=sys.stderr)
            return None
        try:
            if self.pid != os.getpid():
                # A forked child inherits the triggers: it gets a series of its own.
                self.outdir = _make_run_dir(os.path.dirname(self.outdir))
                self.pid = os.getpid()
                self.seq = 0
            if not ignore_max and self.max_n is not None and self.seq >= self.max_n:
                return None
            self.seq += 1
            path = os.path.join(self.outdir, snapshot_name(self.seq, self.compress))
            info = dump(path, collect=self.collect, seq=self.seq)
            print("refgraph_dump: %s: wrote %s (%d objects, %d edges, %.2f s)"
                  % (why, path, info["objects"], info["edges"], info["seconds"]),
                  file=sys.stderr)
            return path
        finally:
            self.lock.release()

    def take_quietly(self, why, block=True):
        """take() for a trigger inside the program (a signal handler, the timer
        thread): a failed dump is one line on stderr, never an exception in the
        program's code. Returns False if it failed."""
        try:
            self.take(why, block=block)
            return True
        except Exception as e:
            print("refgraph_dump: %s: dump failed: %s" % (why, _describe(e)), file=sys.stderr)
            return False

    def full(self):
        return self.max_n is not None and self.seq >= self.max_n


def _parse_signal(text):
    import signal
    t = str(text).upper()
    if t.isdigit():
        return signal.Signals(int(t))
    if not t.startswith("SIG"):
        t = "SIG" + t
    return signal.Signals[t]


def _every_loop(series, interval, stop):
    _own_threads.add(threading.get_ident())
    # Fixed-rate ticks (start + k * interval), so a slow dump does not push every
    # later snapshot back; a tick missed while dumping is skipped, not queued.
    start = time.monotonic()
    k = 1
    while not stop.wait(max(0.0, start + k * interval - time.monotonic())):
        if series.full():
            return
        if not series.take_quietly("every %gs" % interval):
            return  # keep the program running; the failure is reported, stop dumping
        # The next tick after the dump ends: ticks that fell inside it are gone.
        k = int((time.monotonic() - start) / interval) + 1


# Exit status of the program the runner runs (None while it runs): an at-exit dump
# that fails turns a 0 into 1.
_program_status = None


def _flush_std():
    for f in (sys.stdout, sys.stderr):
        try:
            if f is not None:
                f.flush()
        except Exception:
            pass


def _at_exit_dump(series, fail_exits):
    try:
        series.take("at exit", ignore_max=True)
    except Exception as e:
        print("refgraph_dump: at exit: dump failed: %s" % _describe(e), file=sys.stderr)
        if fail_exits:
            # atexit ignores exceptions and keeps the exit status; a lost snapshot
            # must not look like success to the shell or CI that ran us.
            _flush_std()
            os._exit(_program_status or 1)


def _arm(series, sig, every, at_exit, fail_exits):
    """Install the triggers: at exit, on a signal, every N seconds."""
    if at_exit:
        # Registered before the program runs (runner), so it runs after the
        # program's own atexit handlers (atexit is last-in, first-out).
        # A closure, not atexit.register(f, args...): atexit would keep the args in
        # a tuple only C holds, which the dumper could not recognise as its own.
        def at_exit():
            _at_exit_dump(series, fail_exits)
        atexit.register(at_exit)
    if sig is not None:
        import signal
        name = sig.name
        # A Python-level handler: CPython runs it in the main thread between two
        # bytecodes, so the dump sees the interrupted frames and never runs inside
        # the C signal handler.
        signal.signal(sig, lambda signum, frame: series.take_quietly("signal %s" % name,
                                                                     block=False))
    if every is not None:
        stop = threading.Event()
        t = threading.Thread(target=_every_loop, args=(series, every, stop),
                             name="refgraph-dump", daemon=True)
        t.start()

        def stop_every():
            # Let a periodic dump that is under way finish: the interpreter kills
            # daemon threads at shutdown and would leave a temporary file behind.
            stop.set()
            with series.lock:
                pass
        atexit.register(stop_every)


_install_lock = threading.Lock()
_installed = None  # the _Series of install(), once installed


def install(signal="USR2", directory=None, every=None, *, max=None, collect=False,
            compress=None, at_exit=False, quiet=False):
    """Arm snapshot triggers in this process; returns the run directory.

    One line in a service's startup: snapshots then go to
    directory/run-<pid>-<UTC start>/snap-NNNN-<unixtime>.jsonl[.gz|.zst], one series
    per process, ready for `refgraph diff|report <run dir or directory>`.

    signal   take a snapshot when the process receives it ("USR2", "SIGUSR1", a
             number; None for none). The handler is a Python one: it runs in the
             main thread between bytecodes, as the runner's --signal. Must be called
             from the main thread when a signal is given.
    every    also take one every `every` seconds from a daemon thread.
    max      at most this many snapshots (the at-exit one excepted).
    at_exit  also take one when the interpreter exits.
    directory defaults to $TMPDIR/refgraph. A failed dump prints one line on stderr
    and never raises into the program. A second call returns the first call's run
    directory and changes nothing. One line on stderr says where snapshots go,
    unless quiet.
    """
    global _installed
    with _install_lock:
        if _installed is not None:
            return _installed.outdir
        if directory is None:
            import tempfile
            directory = os.path.join(tempfile.gettempdir(), "refgraph")
        directory = os.fspath(directory)
        if every is not None:
            every = float(every)
            if not every > 0:
                raise ValueError("every must be a positive number of seconds, not %r" % every)
        if max is not None and int(max) < 1:
            raise ValueError("max must be at least 1, not %r" % max)
        if compress not in (None, "gz", "zst"):
            raise ValueError("compress must be None, 'gz' or 'zst', not %r" % compress)
        if compress == "zst" and _zstd_available() is None:
            raise RuntimeError("zstd is unavailable (no zstd module, no zstd binary on PATH)")
        sig = None
        if signal is not None:
            try:
                sig = _parse_signal(signal)
            except (KeyError, ValueError):
                raise ValueError("unknown signal %r" % (signal,)) from None
            if threading.current_thread() is not threading.main_thread():
                raise ValueError("install(signal=...) must be called from the main thread "
                                 "(Python runs signal handlers there); use signal=None, every=S")
        series = _Series(_make_run_dir(directory), None if max is None else int(max),
                         bool(collect), compress)
        _arm(series, sig, every, at_exit, fail_exits=False)
        _installed = series
        if not quiet:
            how = []
            if sig is not None:
                how.append("kill -%s %d" % (sig.name[3:], os.getpid()))
            if every is not None:
                how.append("every %gs" % every)
            if at_exit:
                how.append("at exit")
            print("refgraph_dump: pid %d: snapshots (%s) go to %s"
                  % (os.getpid(), ", ".join(how) or "none armed", series.outdir),
                  file=sys.stderr)
        return series.outdir


_ENV_KEYS = ("signal", "dir", "every", "max", "collect", "compress", "at_exit")


def install_from_env(value=None):
    """install() configured by REFGRAPH_DUMP (or value), e.g.
    "signal=USR2,dir=/var/tmp/refgraph" or "every=60,max=10,dir=/var/tmp/rg".
    Keys: signal (a name, number, or none), dir, every (seconds), max, collect (1/0),
    compress (gz/zst), at_exit (1/0). Without signal and every, signal=USR2.
    Returns the run directory, or None when the variable is unset or empty.
    Raises ValueError naming the bad key or value."""
    if value is None:
        value = os.environ.get("REFGRAPH_DUMP", "")
    if not value.strip():
        return None
    opts = {}
    for part in value.split(","):
        if not part.strip():
            continue
        key, eq, val = part.partition("=")
        key = key.strip().lower().replace("-", "_")
        val = val.strip()
        if key not in _ENV_KEYS:
            raise ValueError("unknown key %r (known: %s)" % (key, ", ".join(_ENV_KEYS)))
        if not eq:
            raise ValueError("%s needs a value (%s=...)" % (key, key))
        opts[key] = val
    kw = {}

    def flag(k):
        v = opts[k].lower()
        if v in ("1", "true", "yes", "on"):
            return True
        if v in ("0", "false", "no", "off"):
            return False
        raise ValueError("%s=%s: expected 1 or 0" % (k, opts[k]))

    try:
        if "every" in opts:
            kw["every"] = float(opts["every"])
        if "max" in opts:
            kw["max"] = int(opts["max"])
    except ValueError:
        raise ValueError("every and max need numbers, got %r" % value) from None
    if "signal" in opts:
        kw["signal"] = None if opts["signal"].lower() in ("", "none", "0") else opts["signal"]
    elif "every" in kw:
        kw["signal"] = None
    if "dir" in opts:
        kw["directory"] = opts["dir"]
    if "collect" in opts:
        kw["collect"] = flag("collect")
    if "at_exit" in opts:
        kw["at_exit"] = flag("at_exit")
    if "compress" in opts:
        kw["compress"] = opts["compress"] or None
    return install(**kw)


class _RunnerError(Exception):
    """A problem found before the program runs: one line, exit 2, no snapshot."""


def _fresh_main():
    import builtins
    main_mod = types.ModuleType("__main__")
    main_mod.__dict__["__builtins__"] = builtins
    return main_mod


def _prepare_program(prog):
    """Find and compile the program before anything is armed; returns a function
    that runs it as `python3 prog...` would. Raises _RunnerError."""
    if prog[0] == "-m":
        if len(prog) < 2:
            raise _RunnerError("-m needs a module name")
        import runpy
        sys.path[0] = os.getcwd()
        try:
            # The lookup `python -m` does (it imports the parent packages).
            mod_name, spec, code = runpy._get_module_details(prog[1])
        except ImportError as e:
            raise _RunnerError("-m %s: %s" % (prog[1], e)) from None

        def run_module():
            main_mod = _fresh_main()
            sys.modules["__main__"] = main_mod
            sys.argv = [spec.origin] + prog[2:]
            # What runpy._run_module_as_main does after its lookup: run in __main__'s
            # namespace and leave the module in sys.modules.
            runpy._run_code(code, main_mod.__dict__, None, "__main__", spec)
        return run_module
    script = prog[0]
    import io
    try:
        with io.open_code(script) as f:
            source = f.read()
    except OSError as e:
        raise _RunnerError("can't open %s: %s" % (script, e.strerror or e)) from None
    try:
        code = compile(source, script, "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as e:
        where = "%s:%s" % (script, getattr(e, "lineno", None) or "?")
        raise _RunnerError("%s: %s: %s" % (where, type(e).__name__,
                                           getattr(e, "msg", None) or e)) from None
    del source

    def run_script():
        from importlib.machinery import SourceFileLoader
        main_mod = _fresh_main()
        sys.modules["__main__"] = main_mod
        sys.argv = list(prog)
        sys.path[0] = os.path.dirname(os.path.abspath(script))
        main_mod.__dict__.update(__file__=script, __cached__=None, __spec__=None,
                                 __package__=None,
                                 __loader__=SourceFileLoader("__main__", script))
        exec(code, main_mod.__dict__)
    return run_script


def _exit_code(code):
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    return 1


def main(argv=None):
    import argparse
    global _runner_active, _program_status
    p = argparse.ArgumentParser(
        prog="python3 -m refgraph_dump",
        description="Run a Python program unchanged and write refgraph heap snapshots of it.",
        epilog="Without --every/--signal/--at-exit, one snapshot is taken at exit. "
               "Snapshots go to DIR/run-<pid>-<UTC start>/, one directory per run.")
    p.add_argument("-o", "--output", required=True, metavar="DIR",
                   help="directory for run-<pid>-<start>/snap-NNNN-<unixtime>.jsonl "
                        "(created if missing)")
    p.add_argument("--every", type=float, metavar="SECONDS",
                   help="dump periodically from a background thread")
    p.add_argument("--signal", metavar="SIG", help="dump when the process receives SIG (e.g. USR2)")
    p.add_argument("--at-exit", action="store_true",
                   help="dump when the program exits (even when --max was reached)")
    p.add_argument("--max", type=int, metavar="N",
                   help="write at most N snapshots (the --at-exit one excepted)")
    p.add_argument("--collect", action="store_true",
                   help="run gc.collect() before each dump (frees unreachable cycles!)")
    p.add_argument("--compress", choices=("gz", "zst"), help="compress the snapshots")
    p.add_argument("program", nargs=argparse.REMAINDER,
                   help="-- script.py args...  or  -- -m module args...")
    a = p.parse_args(argv)
    prog = a.program
    if prog and prog[0] == "--":
        prog = prog[1:]
    if not prog:
        p.error("no program given (… -- script.py args)")
    if a.every is not None and a.every <= 0:
        p.error("--every needs a positive number of seconds")
    if a.max is not None and a.max < 1:
        p.error("--max needs at least 1")
    if a.compress == "zst" and _zstd_available() is None:
        p.error("zstd is unavailable (no zstd module, no zstd binary on PATH)")
    sig = None
    if a.signal:
        try:
            sig = _parse_signal(a.signal)
        except (KeyError, ValueError):
            p.error("unknown signal %r" % a.signal)
    try:
        run = _prepare_program(prog)
        try:
            rundir = _make_run_dir(a.output)
        except OSError as e:
            raise _RunnerError("-o %s: %s" % (a.output, e.strerror or e)) from None
    except _RunnerError as e:
        print("refgraph_dump: %s" % e, file=sys.stderr)
        return 2
    at_exit = a.at_exit or (a.every is None and a.signal is None)
    series = _Series(rundir, a.max, a.collect, a.compress)
    _arm(series, sig, a.every, at_exit, fail_exits=True)
    print("refgraph_dump: pid %d, snapshots in %s" % (os.getpid(), rundir), file=sys.stderr)
    _runner_active = True
    try:
        run()
    except SystemExit as e:
        _program_status = _exit_code(e.code)
        raise
    except BaseException:
        _program_status = 1
        raise
    _program_status = 0
    return 0
