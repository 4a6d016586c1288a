"""refgraph report on every examples/ scenario, dumped for real by the Python
dumper: the Summary and the Leak suspects section name the culprit.

Each scenario's expectation comes from its docstring's "Expected answer". A
new example needs an entry in CASES (test_every_example_has_a_case fails
until it has one), so no scenario goes unchecked.
"""
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "cli"))
from rgtest import SRC, TempDirTest, dump_example, dump_series, have_dumper, main, run  # noqa: E402

# example -> (strings the Summary must contain, strings Leak suspects must contain)
CASES = {
    "queue_leak.py": (["`__main__.Job`", "`collections.deque`", "`__main__.jobs.queue`",
                       "a global container", "a queue whose producers outpace its consumers"],
                      ["`__main__.Job`", "`.jobs`", "`queue.Queue`", "`.queue`", "`tuple`", "`[2]`"]),
    "dict_cache.py": (["`__main__.UserRecord`", "`__main__.cache`", "a global container"],
                      ["`__main__.UserRecord`", "`.cache`", "`dict`"]),
    "cycle_leak.py": (["`__main__.CycleNode ×2`", "unreachable cycles"],
                      ["`__main__.CycleNode`", "`.partner`"]),
    "closure_leak.py": (["`__main__.listeners`", "closures that capture"],
                        ["`<cell 'payload'>`", "`__main__.Payload`"]),
    "thread_local.py": (["`__main__.Record`", "frame local 'history'"],
                        ["`__main__.Record`", "`__main__.Sample`", "frame local 'history'"]),
    "nested_class.py": (["`__main__.Outer.Inner`", "`__main__.Registry.instances`"],
                        ["`__main__.Outer.Inner`", "`__main__.Registry.instances`"]),
    "c_ext_leak.py": (["`__main__.Leaky`", "held from outside the Python heap"],
                      ["`__main__.Leaky` held from outside the heap"]),
    "steady_state.py": (["No suspect stands out", "None of the usual causes shows"], []),
    "logging_leak.py": (["`logging.LogRecord`", ".records`", "a logging handler"],
                        ["`logging.LogRecord`", "`.handlers`"]),
    "lru_method_leak.py": (["`__main__.Report`", "lru_cache"],
                           ["`__main__.Report`", "`functools._lru_cache_wrapper`"]),
    "observer_leak.py": (["`__main__.bus.handlers['redraw']`", "bound methods registered as callbacks"],
                         ["`__main__.Widget`", "`.__self__`"]),
    "traceback_leak.py": (["`__main__.errors`", "stored exceptions"],
                          ["`ValueError`", "`traceback`"]),
    # A deep chain (1,000 __slots__ nodes to one 64 KiB Payload) amid 50,000
    # unrelated lists: by bytes the ballast list is the biggest holder and
    # comes first; the chain is listed as one group however deep it is.
    "slots_chain.py": (["`list`", "`__main__.ballast`"], ["`__main__.Node`", "`.ballast`", "not of consequence"]),
}
EXPECTED_GAPS = set()


def section(md, heading):
    """A section's text with Markdown's backslash escapes undone (lru\\_cache
    reads lru_cache), so checks are about words, not escaping."""
    m = re.search(r"(?ms)^## %s\n(.*?)(?=^## |\Z)" % re.escape(heading), md)
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", m.group(1)) if m else ""


@unittest.skipUnless(have_dumper(), "the Python dumper (tools/python/refgraph_dump.py) is missing")
class Examples(TempDirTest):
    def report(self, example, runner_args=("--at-exit",)):
        snaps = os.path.join(self.tmp, example, "snaps")
        dump_example(example, snaps, runner_args=runner_args)
        out = os.path.join(self.tmp, example, "out")
        run("report", "--no-cache", snaps, "-o", out, "-q", check=0)
        with open(os.path.join(out, "report.md"), encoding="utf-8") as f:
            return f.read()

    def check(self, example):
        md = self.report(example)
        summary, suspects = section(md, "Summary"), section(md, "Leak suspects")
        want_summary, want_suspects = CASES[example]
        for w in want_summary:
            self.assertIn(w, summary, "%s: Summary lacks %s:\n%s" % (example, w, summary))
        for w in want_suspects:
            self.assertIn(w, suspects, "%s: Leak suspects lacks %s" % (example, w))
        # A suspect of consequence gets a section and its diagram; the rest
        # share one compact line without diagrams.
        if "### Suspect 1" in suspects:
            self.assertIn("![", suspects, "a diagram is linked")
        else:
            self.assertNotIn("![", suspects, "no diagram for suspects not of consequence")

    def test_every_example_has_a_case(self):
        examples = sorted(f for f in os.listdir(os.path.join(SRC, "examples")) if f.endswith(".py"))
        self.assertEqual([e for e in examples if e not in CASES], [], "add these to CASES")


def _make(example):
    def test(self):
        self.check(example)
    test.__doc__ = "report on examples/%s names its culprit" % example
    return unittest.expectedFailure(test) if example in EXPECTED_GAPS else test


for _ex in CASES:
    setattr(Examples, "test_" + _ex[:-3], _make(_ex))


@unittest.skipUnless(have_dumper(), "the Python dumper (tools/python/refgraph_dump.py) is missing")
class Series(TempDirTest):
    def test_queue_leak_growth(self):
        """Several snapshots: growth joins the suspects and gets its section."""
        snaps = os.path.join(self.tmp, "snaps")
        paths = dump_series("queue_leak.py", snaps, want=3, grow=500)
        self.assertEqual(len(paths), 3)
        out = os.path.join(self.tmp, "out")
        run("report", "--no-cache", snaps, "-o", out, "-q", check=0)
        with open(os.path.join(out, "report.md"), encoding="utf-8") as f:
            md = f.read()
        summary = section(md, "Summary")
        self.assertIn("`__main__.Job`", summary)
        self.assertRegex(summary, r"grew at every step over %d snapshots \(\+[0-9,]+ objects" % len(paths))
        self.assertIn("a queue whose producers outpace its consumers", summary)
        growth = section(md, "Growth")
        self.assertIn("`__main__.Job`", growth)
        self.assertIn("collections.deque", growth)
        self.assertTrue(os.path.exists(os.path.join(out, "suspect-1.svg")))
        self.assertTrue(os.path.exists(os.path.join(out, "report.html")))


if __name__ == "__main__":
    main()
