"""Write a meliae-format dump of this Python process (a test fixture generator).

meliae (https://launchpad.net/meliae) is a Python 2 memory dumper; it cannot be
installed here (no PyPI access, no Debian package, and it does not build for
Python 3). refgraph reads its dumps, so the tests need dumps of real processes in
meliae's exact line format. This module reproduces, in Python, what
meliae.scanner.dump_all_objects() and meliae/_scanner_core.c
(_dump_object_to_ref_info) write:

    {"address": 140093817227856, "type": "str", "size": 54, "len": 5, "value": "hello", "refs": []}

- one object per line, keys in meliae's order: address, type, size, then "name"
  (modules, functions, classes), then "len"/"value" (str, bytes, bool, int,
  tuple, list, set, dict, frame), then "refs";
- "type" is the C-level tp_name: heap types (classes defined in Python) are bare
  ("Job"), static C types keep their module ("collections.deque");
- strings are escaped as _dump_json_c_string/_dump_unicode do: at most 100
  characters, control and non-ASCII characters as \\u escapes (UTF-16 code units,
  as a narrow Python 2 build writes them), and \\\\, \\/ and \\" backslashed;
- "refs" lists addresses in tp_traverse order. Python 3 traverses a dict's values
  only (and values before keys); Python 2, which meliae ran on, visits key, value,
  key, value, and an instance of a Python class visits its __slots__ members, its
  __dict__ and its class. The writer emits those Python 2 orders, so the dumps
  have the shape meliae's loader (and refgraph) expect;
- traversal is meliae's: start from gc.get_objects(), depth first, every object
  once.

Run a program and dump it when its main code finishes:
    python3 meliae_dump.py OUT.json script.py [args...]
"""
import gc
import os
import sys
import types

_HEAPTYPE = 1 << 9
_C_LONG_MIN, _C_LONG_MAX = -(1 << 63), (1 << 63) - 1


def _tp_name(t):
    if t.__flags__ & _HEAPTYPE or t.__module__ == "builtins":
        return t.__name__
    return "%s.%s" % (t.__module__, t.__name__)


def _escape_char(c, out):
    if c <= 0x1F or c > 0x7E:
        out.append("\\u%04x" % c)
    elif c in (0x5C, 0x2F, 0x22):  # \ / "
        out.append("\\" + chr(c))
    else:
        out.append(chr(c))


def _c_string(data):
    """_dump_json_c_string: bytes, at most 100, \\u00XX for the rest."""
    out = ['"']
    for c in data[:100]:
        _escape_char(c, out)
    out.append('"')
    return "".join(out)


def _unicode(s):
    """_dump_unicode: at most 100 UTF-16 code units, \\uXXXX escapes."""
    units = s.encode("utf-16-le", "surrogatepass")
    out = ['"']
    for i in range(0, min(len(units), 200), 2):
        _escape_char(units[i] | (units[i + 1] << 8), out)
    out.append('"')
    return "".join(out)


def _slot_values(obj):
    values = []
    for klass in reversed(type(obj).__mro__):
        slots = klass.__dict__.get("__slots__", ())
        if isinstance(slots, str):
            slots = (slots,)
        for name in slots:
            if name in ("__dict__", "__weakref__"):
                continue
            try:
                values.append(object.__getattribute__(obj, name))
            except AttributeError:
                pass
    return values


def _referents(obj):
    """References in Python 2's tp_traverse order (see the module docstring)."""
    t = type(obj)
    if t is dict or (isinstance(obj, dict) and not t.__flags__ & _HEAPTYPE):
        refs = []
        for k, v in list(obj.items()):
            refs.append(k)
            refs.append(v)
        return refs
    if t.__flags__ & _HEAPTYPE and not isinstance(obj, type):
        refs = _slot_values(obj)
        d = getattr(obj, "__dict__", None) if "__dict__" in dir(t) else None
        if isinstance(d, dict):
            refs.append(d)
        refs.append(t)
        if isinstance(obj, (list, tuple, dict, set, frozenset)):
            refs.extend(gc.get_referents(obj))
        return refs
    return gc.get_referents(obj)


def _record(obj, refs):
    t = type(obj)
    parts = ['{"address": %d, "type": %s, "size": %d'
             % (id(obj), _c_string(_tp_name(t).encode()), sys.getsizeof(obj, 0))]
    name = None
    if isinstance(obj, types.ModuleType):
        name = getattr(obj, "__name__", None)
    elif isinstance(obj, types.FunctionType):
        name = obj.__name__
    elif isinstance(obj, type):
        name = _tp_name(obj)
    if isinstance(name, str):
        parts.append(', "name": ' + _c_string(name.encode("utf-8", "surrogatepass")))
    if isinstance(obj, bytes):
        parts.append(', "len": %d, "value": %s' % (len(obj), _c_string(obj)))
    elif isinstance(obj, str):
        parts.append(', "len": %d, "value": %s' % (len(obj), _unicode(obj)))
    elif isinstance(obj, bool):
        parts.append(', "value": "%s"' % ("True" if obj else "False"))
    elif t is int and _C_LONG_MIN <= obj <= _C_LONG_MAX:
        parts.append(', "value": %d' % obj)
    elif isinstance(obj, (tuple, list, set, frozenset, dict)):
        parts.append(', "len": %d' % len(obj))
    elif isinstance(obj, types.FrameType):
        parts.append(', "value": ' + _c_string(obj.f_code.co_name.encode("utf-8", "surrogatepass")))
    parts.append(', "refs": [%s]}\n' % ", ".join(str(id(r)) for r in refs))
    return "".join(parts)


def dump_all_objects(path):
    """meliae.scanner.dump_all_objects: everything reachable from gc.get_objects()."""
    all_objs = gc.get_objects()
    pending = list(all_objs)
    seen = {id(all_objs), id(pending)}
    keep = []  # referents stay alive until written, so ids cannot be reused
    with open(path, "w", encoding="ascii") as out:
        seen.add(id(out))
        while pending:
            obj = pending.pop()
            if id(obj) in seen:
                continue
            seen.add(id(obj))
            try:
                refs = _referents(obj)
            except Exception:
                refs = []
            keep.append(refs)
            out.write(_record(obj, refs))
            for r in refs:
                if id(r) not in seen:
                    pending.append(r)
    del all_objs[:]


def main(argv):
    if len(argv) < 3:
        sys.stderr.write("usage: meliae_dump.py OUT.json script.py [args...]\n")
        return 2
    out, script = argv[1], argv[2]
    sys.argv = argv[2:]
    sys.path[0] = os.path.dirname(os.path.abspath(script))
    main_module = types.ModuleType("__main__")
    main_module.__file__ = script
    main_module.__builtins__ = __builtins__
    sys.modules["__main__"] = main_module
    with open(script) as f:
        code = compile(f.read(), script, "exec")
    try:
        exec(code, main_module.__dict__)
    except SystemExit:
        pass
    dump_all_objects(out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
