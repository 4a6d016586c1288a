"""The dumper's per-type handlers, one at a time (tools/python/refgraph_dump.py, _Walker).

Each test builds a real object, asks a fresh walker for the handler its type gets from
the handler table, calls it the way the walk does (the object held by a list and a loop
variable besides the test's own name), and checks the record and edges it writes.
"rc" is then exactly the references the test itself holds (its name for the object and
write()'s parameter: 2).

Run: python3 tests/python/test_dump_handlers.py   (pure Python; the C accelerator's
equality with these handlers is test_accel.py's job).
"""
import collections
import functools
import json
import os
import sys
import types
import unittest
import weakref

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from test_dumper import TOOLS  # noqa: E402

sys.path.insert(0, TOOLS)
os.environ["REFGRAPH_DUMP_PURE"] = "1"  # the handlers under test, not the C loop
import refgraph_dump as rd  # noqa: E402


class Plain:
    def __init__(self):
        self.a = [1]
        self.b = "bee"


class Slotted:
    __slots__ = ("x", "y")

    def __init__(self):
        self.x = [2]
        self.y = (3,)


class Tagged(list):
    pass


def make_closure():
    counter = [0]

    def bump():
        counter[0] += 1
        return counter[0]
    return bump


def suspended(first):
    local_list = [first]
    yield local_list


class Handlers(unittest.TestCase):
    def setUp(self):
        self.emitted = []
        self.w = rd._Walker(set(), [], set(), lambda lines: self.emitted.append("".join(lines)))
        self.assertFalse(self.w.W, "the pure handlers must be the ones under test")

    def write(self, o, fl=""):
        """Call o's handler as the walk does; return (record, edges returned)."""
        h = self.w.handler(type(o))
        batch = [o]
        for x in batch:
            ne = h(x, fl)
        x = batch = None
        text = "".join(self.emitted) + "".join(self.w.buf)
        self.emitted.clear()
        self.w.buf.clear()
        lines = text.splitlines()
        self.assertEqual(len(lines), 1, text[:500])
        rec = json.loads(lines[0])
        self.assertEqual(rec["id"], id(o))
        self.assertEqual(len(rec.get("refs", [])), ne)
        return rec, ne

    @staticmethod
    def edges(rec):
        return [(e[0],) + tuple(e[1:]) for e in rec.get("refs", [])]

    # --- the table ---------------------------------------------------------------

    def test_table_picks_by_exact_type_then_kind_then_base(self):
        w = self.w
        self.assertIs(w.handler(tuple), w.h_tuple)
        self.assertIs(w.handler(list), w.h_list)
        self.assertEqual(w.handler(types.FunctionType).__func__, rd._Walker.h_function)
        self.assertEqual(w.handler(type).__func__, rd._Walker.h_type)
        self.assertEqual(w.handler(Plain.__class__).__func__, rd._Walker.h_type)  # a metatype
        self.assertEqual(w.handler(types.ModuleType).__func__, rd._Walker.h_module)
        # Made once per type, then found by id.
        h = w.handler(collections.OrderedDict)
        self.assertIs(w.handler(collections.OrderedDict), h)
        self.assertIn(id(collections.OrderedDict), w.hmap)

    # --- containers ----------------------------------------------------------------

    def test_tuple_items_are_index_edges(self):
        a, b = [1], "s"
        o = (a, b, 7)
        rec, ne = self.write(o, ',"flags":["gc"]')
        self.assertEqual(rec["type"], "tuple")
        self.assertEqual(rec["len"], 3)
        self.assertEqual(rec["rc"], 2)  # this test's name o and write()'s parameter
        self.assertEqual(rec["flags"], ["gc"])
        self.assertEqual(self.edges(rec), [(id(a), "index", 0), (id(b), "index", 1),
                                           (id(7), "index", 2)])
        # The untracked items wait for drain(); the tracked list does not.
        self.assertEqual({id(x) for x in self.w.pend}, {id(b), id(7)})

    def test_long_list_is_written_in_pieces_with_every_index(self):
        o = list(range(5000, 5100))
        rec, ne = self.write(o)
        self.assertEqual(ne, 100)
        self.assertEqual([e[2] for e in rec["refs"]], list(range(100)))
        self.assertEqual([e[0] for e in rec["refs"]], [id(x) for x in o])
        self.assertEqual(rec["rc"], 2)

    def test_list_leaves_out_the_dumpers_objects(self):
        mine, theirs = [0], [1]
        self.w = rd._Walker(set(), [], set(), lambda lines: None, own={id(mine)})
        o = [mine, theirs]
        rec, ne = self.write(o)
        self.assertEqual(self.edges(rec), [(id(theirs), "index", 1)])
        self.assertEqual(rec["len"], 2)

    def test_dict_entries_are_value_and_key_edges_labelled_by_repr(self):
        v = [1]
        o = {"k": v, 3: None}
        rec, ne = self.write(o)
        self.assertEqual(rec["len"], 2)
        self.assertEqual(self.edges(rec), [(id(v), "value", "'k'"), (id("k"), "key", "'k'"),
                                           (id(None), "value", "3"), (id(3), "key", "3")])
        self.assertEqual(rec["rc"], 2)

    def test_dict_subclass_adds_its_attributes(self):
        od = collections.defaultdict(list)
        od["x"].append(1)
        rec, ne = self.write(od)
        labels = [e[1:] for e in rec["refs"]]
        self.assertIn(["value", "'x'"], labels)
        self.assertIn(["attr", "default_factory"], labels)

    def test_set_members(self):
        a, b = (1, 2), "m"
        o = {a, b}
        rec, ne = self.write(o)
        self.assertEqual(sorted(self.edges(rec)), sorted([(id(a), "internal", "member"),
                                                          (id(b), "internal", "member")]))

    def test_list_subclass_items_then_attributes_and_type(self):
        o = Tagged([5, 6])
        o.tag = "t"
        rec, ne = self.write(o)
        self.assertEqual(rec["type"], __name__ + ".Tagged")
        self.assertEqual(rec["refs"][:2], [[id(5), "index", 0], [id(6), "index", 1]])
        self.assertIn([id(o.tag), "attr", "tag"], rec["refs"])
        self.assertIn([id(Tagged), "type"], rec["refs"])

    # --- instances -------------------------------------------------------------------

    def test_plain_instance_attributes_by_name(self):
        o = Plain()
        rec, ne = self.write(o, ',"flags":["gc"]')
        self.assertEqual(rec["type"], __name__ + ".Plain")
        self.assertEqual(rec["rc"], 2)
        self.assertEqual(self.edges(rec), [(id(o.a), "attr", "a"), (id(o.b), "attr", "b"),
                                           (id(Plain), "type")])
        self.assertEqual(rec["size"], sys.getsizeof(o))

    def test_slots_are_slot_edges(self):
        o = Slotted()
        rec, ne = self.write(o)
        got = self.edges(rec)
        self.assertIn((id(o.x), "slot", "x"), got)
        self.assertIn((id(o.y), "slot", "y"), got)
        self.assertIn((id(Slotted), "type"), got)

    # --- runtime objects -----------------------------------------------------------

    def test_function_names_its_code_globals_and_cells(self):
        f = make_closure()
        rec, ne = self.write(f)
        self.assertEqual(rec["type"], "function")
        self.assertEqual(rec["name"], __name__ + ".make_closure.<locals>.bump")
        got = self.edges(rec)
        self.assertIn((id(f.__code__), "attr", "__code__"), got)
        self.assertIn((id(f.__globals__), "attr", "__globals__"), got)
        cell = f.__closure__[0]
        self.assertIn((id(cell), "cell", "counter"), got)
        # The cell is written later, named after the variable this function told.
        rec_c = self.write_cell(cell)
        self.assertEqual(self.edges(rec_c), [(id(cell.cell_contents), "cell", "counter")])

    def write_cell(self, cell):
        self.assertEqual(self.w.handler(type(cell))(cell, ""), 0)  # deferred
        self.assertIs(self.w.cells[-1], cell)
        batch = [cell]
        for x in batch:
            self.w.h_cell(x, "", 5)  # held by cells, batch, x (run(): cells, c)
        x = batch = None
        rec = json.loads(self.w.buf[-1])
        self.w.buf.clear()
        self.assertEqual(rec["rc"], 3)  # the two names here and f.__closure__
        return rec

    def test_bound_method(self):
        o = Plain()
        m = o.__init__
        rec, ne = self.write(m)
        self.assertEqual(self.edges(rec), [(id(Plain.__init__), "attr", "__func__"),
                                           (id(o), "attr", "__self__")])

    def test_class_namespace_bases_and_mro(self):
        rec, ne = self.write(Plain)
        got = self.edges(rec)
        self.assertEqual(rec["name"], __name__ + ".Plain")
        self.assertIn((id(Plain.__dict__["__init__"]), "attr", "__init__"), got)
        self.assertIn((id(Plain.__mro__), "attr", "__mro__"), got)
        self.assertIn((id(Plain.__bases__), "attr", "__bases__"), got)
        self.assertIn((id(object), "attr", "__base__"), got)

    def test_module_globals(self):
        m = types.ModuleType("handlers_mod")
        m.value = [1]
        rec, ne = self.write(m)
        self.assertEqual(rec["name"], "handlers_mod")
        self.assertIn((id(m.value), "global", "value"), self.edges(rec))
        self.assertIn((id(m.__dict__), "attr", "__dict__"), self.edges(rec))

    def test_weakref_is_a_weak_edge(self):
        target = Plain()
        r = weakref.ref(target)
        rec, ne = self.write(r)
        self.assertEqual(self.edges(rec)[0], (id(target), "weak"))

    def test_code_fields(self):
        code = make_closure.__code__
        rec, ne = self.write(code)
        got = self.edges(rec)
        self.assertEqual(rec["name"], "make_closure")
        self.assertIn((id(code.co_consts), "attr", "co_consts"), got)
        self.assertIn((id(code.co_names), "attr", "co_names"), got)

    @unittest.skipUnless(sys.version_info[:2] == (3, 11), "locals read from the 3.11 layout")
    def test_suspended_generator_locals_by_name(self):
        first = [9]
        g = suspended(first)
        local_list = next(g)
        rec, ne = self.write(g)
        got = self.edges(rec)
        self.assertEqual(rec["name"], "suspended")
        self.assertIn((id(first), "local", "first"), got)
        self.assertIn((id(local_list), "local", "local_list"), got)
        self.assertIn((id(g.gi_code), "attr", "gi_code"), got)

    def test_lru_cache_dict_is_named_cache(self):
        @functools.lru_cache(maxsize=None)
        def f(n):
            return n
        f(1)
        rec, ne = self.write(f)
        self.assertTrue([e for e in rec["refs"] if e[1:] == ["internal", "cache"]])
        self.assertIn([id(f.__wrapped__), "attr", "__wrapped__"], rec["refs"])

    # --- atoms and the untracked pass ------------------------------------------------

    def test_atoms_have_a_repr_and_no_edges(self):
        for o, want in ((3 + 4j, "(3+4j)"), (b"ab", "b'ab'"), (True, "True")):
            rec, ne = self.write(o)
            self.assertEqual(rec["repr"], want)
            self.assertEqual(ne, 0)
        rec, ne = self.write(b"xyz")
        self.assertEqual(rec["len"], 3)

    def test_drain_writes_what_the_handlers_queued(self):
        o = ("untracked-str-%d" % 7, 123456789, float("2.5"))  # the float: held by o only
        self.write(o)
        self.w.drain()
        recs = [json.loads(x) for x in "".join(self.w.buf).splitlines()]
        by_id = {r["id"]: r for r in recs}
        self.assertEqual(by_id[id(o[0])]["repr"], "'untracked-str-7'")
        self.assertEqual(by_id[id(o[1])]["repr"], "123456789")
        self.assertEqual(by_id[id(o[2])]["repr"], "2.5")
        self.assertEqual(by_id[id(o[2])]["rc"], 1)
        self.assertEqual(self.w.counts[0], 3)
        # A second push of the same objects writes nothing: they were seen.
        self.w.buf.clear()
        self.w.pend.extend(o)
        self.w.drain()
        self.assertEqual(self.w.buf, [])


if __name__ == "__main__":
    unittest.main()
