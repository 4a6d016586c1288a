"""A forgiving command line: 'refgraph help CMD', "did you mean" for a
mistyped command, option or type name (cli_suggest.c), and rules that match
nothing (a --fail-if-grows gate, --ignore-type, --ignore-edge) are errors,
so a typo can never turn a CI gate green."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rgtest  # noqa: E402
from rgtest import DATA, TempDirTest, main, run  # noqa: E402

SMALL = os.path.join(DATA, "small.jsonl")


class Help(TempDirTest):
    def test_help_cmd_is_cmd_help(self):
        for cmd in ("info", "types", "chain", "backrefs", "refs", "suspects", "dominators", "diff",
                    "report", "attach"):
            a = run("help", cmd, check=0).stdout
            b = run(cmd, "--help", check=0).stdout
            self.assertEqual(a, b, f"refgraph help {cmd} differs from refgraph {cmd} --help")
            self.assertIn(f"usage: refgraph {cmd}", a)

    def test_help_alone_lists_commands(self):
        out = run("help", check=0).stdout
        self.assertIn("refgraph help <command>", out)
        self.assertIn("suspects", out)

    def test_help_of_a_mistyped_command(self):
        p = run("help", "sugpects", check=2)
        self.assertIn("did you mean 'suspects'?", p.stderr)
        self.assertEqual(p.stdout, "")


class DidYouMean(TempDirTest):
    def test_mistyped_command(self):
        p = run("sugpects", SMALL, check=2)
        self.assertIn("unknown command 'sugpects'; did you mean 'suspects'?", p.stderr)
        self.assertEqual(p.stdout, "")
        self.assertIn("did you mean 'types'?", run("typs", SMALL, check=2).stderr)
        self.assertIn("did you mean 'report'?", run("reprot", SMALL, check=2).stderr)
        # Nothing near: no guess.
        p = run("frobnicate", check=2)
        self.assertIn("unknown command 'frobnicate'", p.stderr)
        self.assertNotIn("did you mean", p.stderr)

    def test_mistyped_long_option(self):
        p = run("info", "--jsn", SMALL, check=2)
        self.assertIn("unknown option '--jsn'; did you mean '--json'?", p.stderr)
        self.assertEqual(p.stdout, "")
        self.assertIn("did you mean '--top'?", run("types", "--tpo", "3", SMALL, check=2).stderr)
        self.assertIn("did you mean '--fail-if-grows'?",
                      run("diff", "--fail-if-grws=x", SMALL, SMALL, check=2).stderr)
        self.assertIn("did you mean '--ignore-type'?",
                      run("chain", "--ignoretype", "x", "--id", "1", SMALL, check=2).stderr)
        p = run("diff", "--bogus", SMALL, SMALL, check=2)
        self.assertIn("unknown option '--bogus'", p.stderr)
        self.assertNotIn("did you mean", p.stderr)

    def test_option_value_errors(self):
        self.assertIn("option '--top' needs a value", run("types", SMALL, "--top", check=2).stderr)
        self.assertIn("option '-n' needs a value", run("types", SMALL, "-n", check=2).stderr)
        self.assertIn("option '--json' takes no value", run("info", "--json=1", SMALL, check=2).stderr)
        self.assertIn("unknown option '-x'", run("info", "-x", SMALL, check=2).stderr)
        self.assertIn("is ambiguous", run("chain", "--ignore", "x", SMALL, check=2).stderr)

    def test_mistyped_type_selector(self):
        p = run("chain", "--no-cache", "--type", "tupel", SMALL, check=1)
        self.assertIn("no type named 'tupel'; did you mean 'tuple'?", p.stderr)
        # The last dotted part counts, and case does not.
        p = run("chain", "--no-cache", "--type", "dequeue", SMALL, check=1)
        self.assertIn("'collections.deque'", p.stderr)
        p = run("refs", "--no-cache", "--type", "Usr", "-o", os.path.join(self.tmp, "y.dot"), SMALL, check=1)
        self.assertIn("did you mean 'app.User'?", p.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "y.dot")))
        p = run("backrefs", "--no-cache", "--id", "1", "--highlight", "Quee", "-o",
                os.path.join(self.tmp, "z.dot"), SMALL, check=1)
        self.assertIn("no type named 'Quee'; did you mean 'queue.Queue'?", p.stderr)


class RulesThatMatchNothing(TempDirTest):
    def test_ignore_type_that_matches_nothing(self):
        p = run("chain", "--no-cache", "--id", "1", "--ignore-type", "dequ", SMALL, check=2)
        self.assertEqual(p.stdout, "")
        self.assertIn("--ignore-type dequ matches nothing", p.stderr)
        self.assertIn("did you mean 'collections.deque'?", p.stderr)
        self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)
        # A rule that matches is fine.
        run("chain", "--no-cache", "--id", "1", "--ignore-type", "deque", SMALL, check=0)

    def test_ignore_edge_that_matches_nothing(self):
        p = run("chain", "--no-cache", "--id", "1", "--ignore-edge", ".job", SMALL, check=2)
        self.assertEqual(p.stdout, "")
        self.assertIn("--ignore-edge .job matches no edge kind and no reference", p.stderr)
        self.assertIn("did you mean '.jobs'?", p.stderr)
        p = run("chain", "--no-cache", "--id", "1", "--ignore-edge", "job", SMALL, check=2)
        self.assertIn("did you mean 'jobs'?", p.stderr)
        for ok in (".jobs", "jobs", "global", "<type>"):
            run("chain", "--no-cache", "--id", "1", "--ignore-edge", ok, SMALL, check=0)

    def real_series(self):
        """Two snapshots of examples/dict_cache.py, 200 then 2000 users."""
        snaps = []
        for users in (200, 2000):
            out = os.path.join(self.tmp, f"u{users}")
            snaps.append(rgtest.dump_example("dict_cache.py", out, "--users", users, "--seconds", 0,
                                             timeout=120)[-1])
        return snaps

    def test_gate_that_matches_nothing_is_an_error(self):
        if not rgtest.have_dumper():
            self.skipTest("no dumper")
        a, b = self.real_series()
        # The real gate trips: the cache grew by 1,800 records.
        p = run("diff", "--no-cache", "--fail-if-grows", "__main__.UserRecord:100", a, b, check=3)
        self.assertIn("gate tripped", p.stderr)
        # A typo in the selector: exit 2, no output, the nearest type named.
        for spec in ("UserRecrod:100", "type:UserRecrod", "__main__.UserRecrod"):
            p = run("diff", "--no-cache", "--fail-if-grows", spec, a, b, check=2)
            self.assertEqual(p.stdout, "", spec)
            self.assertIn("matched", p.stderr)
            self.assertIn("did you mean '__main__.UserRecord'?", p.stderr)
            self.assertNotIn("gate passed", p.stderr)
        # Nothing near: still an error, without a guess.
        p = run("diff", "--no-cache", "--json", "--fail-if-grows", "Zzzzzzzz", a, b, check=2)
        self.assertEqual(p.stdout, "")
        self.assertNotIn("did you mean", p.stderr)


if __name__ == "__main__":
    main()
