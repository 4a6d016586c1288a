"""What the CLI writes, and what happens when it cannot (issue 17, items 5
and 6):

- output lost: every command, text and --json, with stdout on a full disk
  (/dev/full) or closed, exits non-zero with one clear message;
- -o FILE: '-' and /dev/stdout are stdout; a FIFO or a device (or a
  symlink to one) is written in place, never replaced by a regular file;
- a second report into the same directory removes the first one's extra
  diagrams, and nothing else;
- terminal injection: type names, labels and producer strings holding ESC,
  BEL, CR or a C1 CSI (U+009B) are printed escaped by every command and in
  error messages; --json stays JSON-escaped (and so holds them exactly).
"""
import json
import os
import re
import stat
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from rgtest import DATA, REFGRAPH, TempDirTest, main, run, skip_if_render_off  # noqa: E402

SMALL = os.path.join(DATA, "small.jsonl")
# ESC (a colour sequence), BEL, CR, and the one-character C1 CSI.
HOSTILE = "\x1b[31mred\x07bell\rcr\u009b31m"
HOSTILE_SHOWN = "\\x1b[31mred\\x07bell\\rcr\\u009b31m"
RAW_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f\u0080-\u009f]")


def write_jsonl(path, recs):
    with open(path, "w", encoding="utf-8") as f:
        for r in recs:
            f.write(json.dumps(r) + "\n")


def leak_snapshot(path, leaked, seq=0, kinds=1, name=HOSTILE):
    """A module holding a dict of `leaked` objects of each of `kinds` leaking
    types, all named `name`; a two-object unreachable cycle; an object held
    from outside the heap."""
    recs = [{"rec": "header", "format": "refgraph-snapshot", "version": 1, "producer": name,
             "runtime": name, "pid": 7, "time": 1764115200.0 + 60 * seq, "seq": seq}]
    refs = [[2 + k, "global", name + str(k)] for k in range(kinds)] + [[90, "global", "held"]]
    recs.append({"rec": "object", "id": 1, "type": "module", "size": 72, "name": "__main__", "refs": refs})
    nid = 1000
    for k in range(kinds):
        items = []
        for i in range(leaked):
            items.append([nid + i, "value", name + str(i)])
        recs.append({"rec": "object", "id": 2 + k, "type": "dict", "size": 100 + 40 * leaked,
                     "len": leaked, "refs": items})
        for i in range(leaked):
            recs.append({"rec": "object", "id": nid + i, "type": "app.%s%d" % (name, k), "size": 4000,
                         "repr": name, "rc": 1, "flags": ["gc"]})
        nid += leaked
    recs.append({"rec": "object", "id": 80, "type": name, "size": 48, "rc": 1, "flags": ["gc"],
                 "refs": [[81, "attr", name]]})
    recs.append({"rec": "object", "id": 81, "type": name, "size": 48, "rc": 1, "flags": ["gc"],
                 "refs": [[80, "attr", name]]})
    recs.append({"rec": "object", "id": 90, "type": "ext." + name, "size": 64, "rc": 5})
    recs.append({"rec": "root", "id": 1, "kind": "module", "label": name})
    write_jsonl(path, recs)


class Base(TempDirTest):
    def setUp(self):
        super().setUp()
        self.snaps = []
        for i, n in enumerate((20, 60, 120)):
            p = os.path.join(self.tmp, "snap-%d.jsonl" % (i + 1))
            leak_snapshot(p, n, seq=i)
            self.snaps.append(p)
        self.snap = self.snaps[-1]

    def commands(self):
        """(name, argv) of every command that prints to stdout."""
        s = self.snap
        return [
            ("info", ["info", "--no-cache", s]),
            ("info --json", ["info", "--no-cache", "--json", s]),
            ("types", ["types", "--no-cache", s]),
            ("types --json", ["types", "--no-cache", "--json", s]),
            ("suspects", ["suspects", "--no-cache", s]),
            ("suspects --json", ["suspects", "--no-cache", "--json", s]),
            ("dominators", ["dominators", "--no-cache", s]),
            ("dominators --json", ["dominators", "--no-cache", "--json", s]),
            ("chain", ["chain", "--no-cache", "--type", "app." + HOSTILE + "0", s]),
            ("chain --all", ["chain", "--no-cache", "--type", "app." + HOSTILE + "0", "--all", s]),
            ("chain --json", ["chain", "--no-cache", "--json", "--id", "1000", s]),
            ("backrefs", ["backrefs", "--no-cache", "--id", "1000", s]),
            ("refs", ["refs", "--no-cache", "--id", "1", s]),
            ("diff", ["diff", "--no-cache", *self.snaps]),
            ("diff --json", ["diff", "--no-cache", "--json", *self.snaps]),
            ("report", ["report", "--no-cache", "-o", os.path.join(self.tmp, "rep"), *self.snaps]),
            ("help", ["--help"]),
            ("version", ["--version"]),
        ]


def strings(v):
    """Every string in a parsed JSON document."""
    if isinstance(v, str):
        yield v
    elif isinstance(v, dict):
        for k, x in v.items():
            yield k
            yield from strings(x)
    elif isinstance(v, list):
        for x in v:
            yield from strings(x)


def run_raw(argv, **kw):
    p = subprocess.run([REFGRAPH, *argv], stderr=subprocess.PIPE, timeout=300, **kw)
    skip_if_render_off(p.stderr)
    return p


class LostOutput(Base):
    def check_failed(self, name, p, reason):
        err = p.stderr.decode("utf-8", "replace")
        self.assertNotEqual(p.returncode, 0, "%s: exit 0 although the output was lost" % name)
        self.assertIn("refgraph: cannot write the output to stdout: " + reason, err, name)
        self.assertEqual(err.count("cannot write the output"), 1, "%s: one message\n%s" % (name, err))

    def test_full_disk(self):
        for name, argv in self.commands():
            with self.subTest(name), open("/dev/full", "wb") as full:
                self.check_failed(name, run_raw(argv, stdout=full), "No space left on device")

    def test_stdout_closed(self):
        for name, argv in self.commands():
            with self.subTest(name):
                p = run_raw(argv, stdout=subprocess.DEVNULL, preexec_fn=lambda: os.close(1))
                self.check_failed(name, p, "Bad file descriptor")

    def test_output_still_complete_when_it_can_be_written(self):
        for name, argv in self.commands():
            with self.subTest(name):
                p = run_raw(argv, stdout=subprocess.PIPE)
                self.assertEqual(p.returncode, 0, "%s\n%s" % (name, p.stderr.decode()))
                self.assertGreater(len(p.stdout), 0, name)

    def test_closed_stdout_is_not_reused_for_a_file(self):
        # With fd 1 closed, the next open() would get 1; output must not land
        # in the cache file the command writes.
        cache = os.path.join(self.tmp, "cache")
        p = run_raw(["types", "--cache-dir", cache, self.snap], stdout=subprocess.DEVNULL,
                    preexec_fn=lambda: os.close(1))
        self.assertNotEqual(p.returncode, 0)
        for f in os.listdir(cache) if os.path.isdir(cache) else []:
            with open(os.path.join(cache, f), "rb") as fh:
                self.assertNotIn(b"share", fh.read())


class OutputFile(Base):
    def dot(self):
        return run("backrefs", "--no-cache", "--id", "1000", self.snap, check=0).stdout

    def test_dash_is_stdout(self):
        p = run("backrefs", "--no-cache", "--id", "1000", self.snap, "-o", "-", check=0)
        self.assertEqual(p.stdout, self.dot())
        self.assertFalse(os.path.exists("-"))

    def test_dev_stdout_through_a_pipe(self):
        before = os.lstat("/dev/stdout")
        p = run("backrefs", "--no-cache", "--id", "1000", self.snap, "-o", "/dev/stdout", check=0)
        self.assertEqual(p.stdout, self.dot())
        after = os.lstat("/dev/stdout")
        self.assertEqual(stat.S_IFMT(before.st_mode), stat.S_IFMT(after.st_mode), "/dev/stdout changed kind")
        self.assertEqual((before.st_ino, before.st_dev), (after.st_ino, after.st_dev), "/dev/stdout replaced")

    def test_symlink_to_fifo_written_in_place(self):
        fifo = os.path.join(self.tmp, "fifo")
        os.mkfifo(fifo)
        link = os.path.join(self.tmp, "out.dot")
        os.symlink(fifo, link)
        # A reader is open first (non-blocking), so the writer's open never
        # waits; the diagram is far below the pipe's buffer.
        rfd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
        try:
            run("backrefs", "--no-cache", "--id", "1000", self.snap, "-o", link, "--format", "dot", check=0)
            data = b""
            while True:
                try:
                    chunk = os.read(rfd, 1 << 16)
                except BlockingIOError:
                    break
                if not chunk:
                    break
                data += chunk
        finally:
            os.close(rfd)
        self.assertEqual(data.decode(), self.dot())
        self.assertTrue(os.path.islink(link), "the symlink was replaced")
        self.assertTrue(stat.S_ISFIFO(os.stat(fifo).st_mode), "the FIFO was replaced")

    def test_symlink_to_char_device_written_in_place(self):
        link = os.path.join(self.tmp, "null.dot")
        os.symlink("/dev/null", link)
        run("backrefs", "--no-cache", "--id", "1000", self.snap, "-o", link, check=0)
        self.assertTrue(os.path.islink(link))
        self.assertTrue(stat.S_ISCHR(os.stat("/dev/null").st_mode))
        self.assertEqual(os.listdir(self.tmp).count("null.dot"), 1)
        self.assertEqual([f for f in os.listdir(self.tmp) if ".tmp" in f], [])

    def test_device_full_reports_the_error(self):
        link = os.path.join(self.tmp, "full.dot")
        os.symlink("/dev/full", link)
        p = run("backrefs", "--no-cache", "--id", "1000", self.snap, "-o", link, check=1)
        self.assertIn("full.dot: cannot write: No space left on device", p.stderr)
        self.assertTrue(os.path.islink(link))

    def test_symlink_to_regular_file_stays_a_link(self):
        target = os.path.join(self.tmp, "real.dot")
        with open(target, "w") as f:
            f.write("old")
        link = os.path.join(self.tmp, "link.dot")
        os.symlink(target, link)
        run("backrefs", "--no-cache", "--id", "1000", self.snap, "-o", link, check=0)
        self.assertTrue(os.path.islink(link))
        with open(target) as f:
            self.assertEqual(f.read(), self.dot())

    def test_regular_file_still_atomic(self):
        out = os.path.join(self.tmp, "d.dot")
        run("backrefs", "--no-cache", "--id", "1000", self.snap, "-o", out, check=0)
        with open(out) as f:
            self.assertEqual(f.read(), self.dot())
        self.assertEqual(sorted(os.listdir(self.tmp)), sorted(["d.dot"] + [os.path.basename(s) for s in self.snaps]))


class StaleReport(TempDirTest):
    def diagrams(self, d):
        return sorted(f for f in os.listdir(d) if f.endswith(".svg"))

    def linked(self, d):
        with open(os.path.join(d, "report.md"), encoding="utf-8") as f:
            return sorted(set(re.findall(r"\(((?:suspect|cycle)-\d+\.svg)\)", f.read())))

    def test_second_report_removes_the_first_reports_extra_diagrams(self):
        big = []
        for i, n in enumerate((20, 60, 120)):
            p = os.path.join(self.tmp, "big-%d.jsonl" % i)
            leak_snapshot(p, n, seq=i, kinds=6, name="Leak")
            big.append(p)
        steady = os.path.join(self.tmp, "steady.jsonl")
        leak_snapshot(steady, 20, kinds=1, name="Leak")
        out = os.path.join(self.tmp, "report")
        os.makedirs(out)
        # Files the report does not own survive, even with similar names.
        keep = ["notes.txt", "suspect-1.svg.bak", "suspect-x.svg", "my-suspect-9.svg", "suspect-.svg"]
        for f in keep:
            with open(os.path.join(out, f), "w") as fh:
                fh.write("mine")
        run("report", "--no-cache", "-o", out, *big, check=0)
        first = self.diagrams(out)
        self.assertGreater(len([f for f in first if f.startswith("suspect-")]), 3, first)
        self.assertEqual([f for f in first if f not in keep], self.linked(out))
        run("report", "--no-cache", "-o", out, steady, check=0)
        second = [f for f in self.diagrams(out) if f not in keep]
        self.assertEqual(second, self.linked(out), "diagrams of the first report left behind")
        self.assertLess(len(second), len([f for f in first if f not in keep]))
        for f in keep:
            self.assertTrue(os.path.exists(os.path.join(out, f)), f)
        self.assertEqual([f for f in os.listdir(out) if f.startswith(".")], [])


class TerminalInjection(Base):
    def check_clean(self, name, text):
        bad = RAW_CONTROLS.findall(text)
        self.assertEqual(bad, [], "%s printed raw control characters: %r" % (name, text[:2000]))

    def test_every_command_escapes(self):
        for name, argv in self.commands():
            if name in ("help", "version", "backrefs", "refs"):
                continue
            with self.subTest(name):
                p = run_raw(argv, stdout=subprocess.PIPE)
                self.assertEqual(p.returncode, 0, p.stderr)
                out, err = p.stdout.decode("utf-8"), p.stderr.decode("utf-8")
                self.check_clean(name, out)
                self.check_clean(name + " (stderr)", err)
                if "--json" in argv:
                    # JSON-escaped, so the exact strings come back
                    self.assertTrue(any(HOSTILE in v for v in strings(json.loads(out))), name)
                elif name != "report":
                    self.assertIn(HOSTILE_SHOWN, out, name)

    def test_report_summary_escapes(self):
        out = run("report", "--no-cache", "-o", os.path.join(self.tmp, "r"), *self.snaps, check=0).stdout
        self.check_clean("report", out)

    def test_dot_escapes(self):
        for cmd in ("backrefs", "refs"):
            out = run(cmd, "--no-cache", "--id", "1000", self.snap, check=0).stdout
            self.check_clean(cmd, out)

    def test_error_messages_escape(self):
        # the library's message quotes the type name
        p = run("chain", "--no-cache", "--type", "No" + HOSTILE, self.snap, check=1)
        self.check_clean("chain error", p.stderr)
        self.assertIn(HOSTILE_SHOWN, p.stderr)
        # a file name in a read error
        bad = os.path.join(self.tmp, "bad" + HOSTILE + ".jsonl")
        with open(bad, "w") as f:
            f.write("not json\n")
        for cmd in ("info", "types", "suspects", "dominators"):
            p = run(cmd, "--no-cache", bad, check=1)
            self.check_clean(cmd + " error", p.stderr)
            self.assertIn(HOSTILE_SHOWN, p.stderr)
        p = run("diff", "--no-cache", bad, self.snap, check=1)
        self.check_clean("diff error", p.stderr)
        # an argument quoted by a usage error
        p = run("types", "--sort", HOSTILE, SMALL, check=2)
        self.check_clean("usage error", p.stderr)
        p = run(HOSTILE, check=2)
        self.check_clean("unknown command", p.stderr)

    def test_invalid_utf8_and_bidi_escaped(self):
        snap = os.path.join(self.tmp, "utf8.jsonl")
        write_jsonl(snap, [
            {"rec": "header", "format": "refgraph-snapshot", "version": 1, "producer": "p\u202eevil\u2028x",
             "runtime": "r"},
            {"rec": "object", "id": 1, "type": "T\u202e\u2066", "size": 1},
        ])
        out = run("types", "--no-cache", snap, check=0).stdout
        self.assertIn("T\\u202e\\u2066", out)
        out = run("info", "--no-cache", snap, check=0).stdout
        self.assertIn("p\\u202eevil\\u2028x", out)


if __name__ == "__main__":
    main()
