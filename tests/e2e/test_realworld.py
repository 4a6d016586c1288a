"""The corpus of real leaks (examples/realworld/, issue 12): does refgraph's
verdict name what a person would have found?

Every case in examples/realworld/cases.json reproduces a public bug report. This
runs one case's reproducer for real (Python under the dumper, or node writing V8
heap snapshots: one snapshot per round), then asks refgraph four questions and
checks the answers against the case's ground truth:

  series    `refgraph report DIR`: the Summary's first sentence names the culprit
            type and one of the holder alternatives (the container or mechanism)
  snapshot  `refgraph report LAST`: the same, from the last snapshot alone
  suspects  `refgraph suspects LAST --json`: suspect #1 names the culprit
  diff      `refgraph diff DIR --json`: the verdict names the culprit

A case with several leaks (`culprits`) needs every culprit named in the Summary
section, among the first N suspects (N leaks) and in diff's verdict. A leak-free
case needs a Summary that opens by saying nothing leaks, no suspect of
consequence, and no suspect in diff's verdict.

Run one case:  python3 tests/e2e/test_realworld.py CASE   (ctest: e2e/realworld/CASE)
Check cases.json and KNOWN_WRONG only:  python3 tests/e2e/test_realworld.py shape
Run them all:  python3 tests/e2e/test_realworld.py
Scorecard rows for docs/diagnosis.md and today's KNOWN_WRONG:
               python3 tests/e2e/test_realworld.py --scorecard [CASE...]

Checks that fail today are listed in KNOWN_WRONG as "case/check" and run as
expected failures: a check that starts passing is an "unexpected success", so the
entry must be removed as the judgement is fixed. docs/diagnosis.md keeps the
scorecard.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cli"))
from rgtest import PYDIR, SRC, have_dumper, run  # noqa: E402

CORPUS = os.path.join(SRC, "examples", "realworld")
with open(os.path.join(CORPUS, "cases.json"), encoding="utf-8") as _f:
    CASES = {c["name"]: c for c in json.load(_f)["cases"]}
NODE = shutil.which("node")

# How a leak-free program's Summary may open (today: examples/steady_state.py's
# "No suspect stands out"; the reworked judgement may say it more plainly).
NO_LEAK_PHRASES = ("No suspect stands out", "Nothing leaks", "No leak")

# "case/check" pairs that are wrong today (docs/diagnosis.md has the scorecard).
KNOWN_WRONG = set()


def section(md, heading):
    """A report section's text with Markdown's backslash escapes undone (lru\\_cache
    reads lru_cache), as tests/e2e/test_report_e2e.py reads it."""
    m = re.search(r"(?ms)^## %s\n(.*?)(?=^## |\Z)" % re.escape(heading), md)
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", m.group(1)) if m else ""


def first_sentence(text):
    """Up to the first '.', '!' or '?' that is followed by white space and a
    capital, a digit, a backquote or a parenthesis, or ends the text ("0.6%",
    "`a.b`" and "e.g. functools" do not end one)."""
    text = " ".join(text.split())
    m = re.match(r"(.+?[.!?])(?=\s+[A-Z0-9`(]|\s*$)", text)
    return m.group(1) if m else text


def names(text, word):
    """Whether text names word as a whole name: `Order` is not named by
    `OrderLine`, nor `__main__.Session` by `__main__.SessionPool`. An object's
    repr quoted in a label (a dict key "<__main__.Session object at 0x7f..>")
    does not count: it names one instance in passing, not the group."""
    if isinstance(word, list):  # alternatives: any of them names the culprit
        return any(names(text, w) for w in word)
    text = re.sub(r"<[^<>]* object at 0x[0-9a-fA-F]+>", "", text)
    return re.search(r"(?<![\w])%s(?![\w])" % re.escape(word), text) is not None


def names_holder(text, holders):
    return any(h.lower() in text.lower() for h in holders)


def run_reproducer(case, snapdir):
    path = os.path.join(CORPUS, case["file"])
    env = dict(os.environ, REFGRAPH_SNAPSHOT_DIR=snapdir, PYTHONPATH=PYDIR)
    if case["runtime"] == "node":
        cmd = [NODE, path]
    else:
        cmd = [sys.executable, path]
    cmd += [str(a) for a in case.get("args", [])]
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=snapdir, timeout=300)
    if p.returncode != 0:
        raise AssertionError("%s failed (%d):\n%s\n%s" % (" ".join(cmd), p.returncode, p.stdout, p.stderr))
    snaps = sorted(f for f in os.listdir(snapdir) if f.startswith("snap-"))
    if len(snaps) < 4:
        raise AssertionError("%s wrote %d snapshots, want at least 4" % (" ".join(cmd), len(snaps)))
    return [os.path.join(snapdir, f) for f in snaps]


def observe(case, tmp):
    """Run the case's reproducer in tmp and ask refgraph about its snapshots.
    Returns ({"series": Summary, "snapshot": Summary}, suspects JSON, diff JSON)."""
    snapdir = os.path.join(tmp, "snaps")
    os.mkdir(snapdir)
    last = run_reproducer(case, snapdir)[-1]
    series, one = os.path.join(tmp, "series"), os.path.join(tmp, "one")
    run("report", "--no-cache", "--format", "md", snapdir, "-o", series, "-q", check=0)
    run("report", "--no-cache", "--format", "md", last, "-o", one, "-q", check=0)
    summary = {}
    for key, out in (("series", series), ("snapshot", one)):
        with open(os.path.join(out, "report.md"), encoding="utf-8") as f:
            summary[key] = section(f.read(), "Summary").strip()
    suspects = json.loads(run("suspects", "--no-cache", "--json", last, check=0).stdout)
    diff = json.loads(run("diff", "--no-cache", "--json", snapdir, check=0).stdout)
    return summary, suspects, diff


class RealWorldCase(unittest.TestCase):
    """One corpus case; make_case() subclasses it with CASE set."""
    CASE = None

    @classmethod
    def setUpClass(cls):
        case = cls.case = CASES[cls.CASE]
        if case["runtime"] == "node" and NODE is None:
            raise unittest.SkipTest("node is not installed")
        if case["runtime"] == "python" and not have_dumper():
            raise unittest.SkipTest("the Python dumper (tools/python/refgraph_dump.py) is missing")
        cls.tmp = tempfile.mkdtemp(prefix="rgtest-realworld-%s-" % case["name"])
        cls.summary, cls.suspects, cls.diff = observe(case, cls.tmp)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def culprits(self):
        c = self.case
        return c["culprits"] if "culprits" in c else [{"culprit": c["culprit"], "holder": c["holder"]}]

    def check_summary(self, key):
        summary = self.summary[key]
        self.assertTrue(summary, "%s report has no Summary section" % key)
        first = first_sentence(summary)
        if not self.case["leaks"]:
            self.assertTrue(any(p.lower() in first.lower() for p in NO_LEAK_PHRASES),
                            "leak-free case: the %s Summary must open by saying nothing leaks (%s):\n%s"
                            % (key, " / ".join(NO_LEAK_PHRASES), summary))
            return
        leaks = self.culprits()
        if len(leaks) == 1:
            want = leaks[0]
            self.assertTrue(names(first, want["culprit"]),
                            "the %s Summary's first sentence does not name the culprit %s:\n%s\n(true cause: %s)"
                            % (key, want["culprit"], first, self.case["true_cause"]))
            self.assertTrue(names_holder(first, want["holder"]),
                            "the %s Summary's first sentence names none of the holders %s:\n%s\n(true cause: %s)"
                            % (key, want["holder"], first, self.case["true_cause"]))
        else:
            missing = [w["culprit"] for w in leaks if not names(summary, w["culprit"])]
            self.assertEqual(missing, [], "the %s Summary does not name these culprits:\n%s" % (key, summary))

    def test_series(self):
        """report over the series: the Summary's first sentence names culprit and holder"""
        self.check_summary("series")

    def test_snapshot(self):
        """report on the last snapshot alone: the same"""
        self.check_summary("snapshot")

    def test_suspects(self):
        """suspects #1 names the culprit (every leak among the first N; none significant if leak-free)"""
        ranked = self.suspects["suspects"]
        if not self.case["leaks"]:
            loud = [s.get("type") or s.get("shape") for s in ranked if s["significant"]]
            self.assertEqual(loud, [], "leak-free case, yet these suspects are of consequence")
            return
        leaks = self.culprits()
        self.assertTrue(ranked, "no suspect at all")
        top = [json.dumps(s, ensure_ascii=False) for s in ranked[:len(leaks)]]
        for w in leaks:
            self.assertTrue(any(names(t, w["culprit"]) for t in top),
                            "%s is not among the first %d suspects; #1 is %s %s (true cause: %s)"
                            % (w["culprit"], len(leaks), ranked[0].get("type") or ranked[0]["cause"],
                               ranked[0].get("path", ""), self.case["true_cause"]))

    def test_diff(self):
        """diff's verdict names the culprit (no verdict if leak-free)"""
        verdict = self.diff.get("verdict") or {}
        text = json.dumps(verdict, ensure_ascii=False)
        if not self.case["leaks"]:
            self.assertFalse(verdict.get("suspect"), "leak-free case, yet diff names a suspect: %s" % text)
            return
        missing = [w["culprit"] for w in self.culprits() if not names(text, w["culprit"])]
        self.assertEqual(missing, [], "diff's verdict does not name these culprits: %s" % text[:2000])


CHECKS = ("series", "snapshot", "suspects", "diff")


def make_case(name):
    cls = type("Case_" + re.sub(r"\W", "_", name), (RealWorldCase,), {"CASE": name})
    for check in CHECKS:
        if "%s/%s" % (name, check) in KNOWN_WRONG:
            inherited = getattr(RealWorldCase, "test_" + check)

            def wrong(self, _t=inherited):
                _t(self)
            wrong.__doc__ = inherited.__doc__ + " [KNOWN_WRONG]"
            setattr(cls, "test_" + check, unittest.expectedFailure(wrong))
    return cls


class CorpusShape(unittest.TestCase):
    """The ground truth file is complete and KNOWN_WRONG names real checks."""

    def test_cases_are_complete(self):
        for c in CASES.values():
            for field in ("name", "file", "runtime", "source", "true_cause", "leaks"):
                self.assertIn(field, c, "%s lacks %s" % (c.get("name"), field))
            self.assertIn(c["runtime"], ("python", "node"))
            self.assertTrue(os.path.exists(os.path.join(CORPUS, c["file"])), c["file"])
            self.assertRegex(c["source"], r"^https://")
            if c["leaks"]:
                self.assertTrue("culprit" in c or "culprits" in c, c["name"])
            with open(os.path.join(CORPUS, c["file"]), encoding="utf-8") as f:
                self.assertIn(c["source"], f.read(), "%s does not cite its source" % c["file"])

    def test_known_wrong_names_real_checks(self):
        for entry in KNOWN_WRONG:
            name, _, check = entry.partition("/")
            self.assertIn(name, CASES, entry)
            self.assertIn(check, CHECKS, entry)


def describe_suspect(s):
    """Suspect #1 in a few words: its type (or shape) and path."""
    what = s.get("type") or s.get("shape") or s["cause"]
    return "%s × %s (%s%s)" % ("{:,}".format(s["count"]), what, s["cause"],
                               ", " + s["path"] if s.get("path") else "")


def scorecard(case_names):
    """Print the Markdown scorecard rows for docs/diagnosis.md and the KNOWN_WRONG
    set that matches today's behaviour. Not a test: a tool to refresh both."""
    wrong = []
    print("| case | source | true cause | Summary, one snapshot (first sentence) | Summary, series "
          "(first sentence) | verdict | `suspects` #1 |")
    print("|---|---|---|---|---|---|---|")
    for name in case_names:
        cls = make_case(name)
        cls.setUpClass()
        try:
            verdicts = []
            for check in CHECKS:
                t = RealWorldCase("test_" + check)
                t.case, t.summary, t.suspects, t.diff = cls.case, cls.summary, cls.suspects, cls.diff
                try:
                    getattr(RealWorldCase, "test_" + check)(t)
                    verdicts.append("%s right" % check)
                except AssertionError:
                    verdicts.append("%s **wrong**" % check)
                    wrong.append("%s/%s" % (name, check))
            cell = lambda t: t.replace("|", "\\|").replace("\n", " ")  # noqa: E731
            c = cls.case
            top = describe_suspect(cls.suspects["suspects"][0]) if cls.suspects["suspects"] else "(none)"
            print("| %s | [%s](%s) | %s | %s | %s | %s | %s |" % (
                name, re.sub(r"^https://(www\.)?", "", c["source"])[:60], c["source"], cell(c["true_cause"]),
                cell(first_sentence(cls.summary["snapshot"])), cell(first_sentence(cls.summary["series"])),
                "; ".join(verdicts), cell(top)))
        finally:
            cls.tearDownClass()
    print()
    print("KNOWN_WRONG = {\n%s}" % "".join('    "%s",\n' % w for w in sorted(wrong)))


def load_tests(loader, standard_tests, pattern):
    wanted = [a for a in sys.argv[1:] if not a.startswith("-")]
    suite = unittest.TestSuite()
    if not wanted or "shape" in wanted:
        suite.addTests(loader.loadTestsFromTestCase(CorpusShape))
    for name in [w for w in wanted if w != "shape"] if wanted else sorted(CASES):
        if name not in CASES:
            raise SystemExit("unknown case %r; cases: %s" % (name, ", ".join(sorted(CASES))))
        suite.addTests(loader.loadTestsFromTestCase(make_case(name)))
    return suite


if __name__ == "__main__":
    if "--scorecard" in sys.argv:
        scorecard([a for a in sys.argv[1:] if not a.startswith("-")] or sorted(CASES))
        sys.exit(0)
    unittest.main(argv=[sys.argv[0]] + [a for a in sys.argv[1:] if a.startswith("-")], verbosity=2)
