"""refgraph report: options, output files, --format, directories of snapshots,
hostile names, determinism, all-or-nothing output, and the golden-file test.

The golden files are tests/data/report-golden/expected/report.md and
report.html (diagrams' SVG replaced by a placeholder, since Graphviz output
depends on the Graphviz version and fonts). After an intended change to the
report, regenerate them and review the diff:

    REFGRAPH_UPDATE_GOLDEN=1 python3 tests/cli/test_report.py Golden

(with REFGRAPH pointing at the built CLI, or run through ctest with the
variable set: REFGRAPH_UPDATE_GOLDEN=1 ctest -R cli/test_report).
"""
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from rgtest import DATA, REFGRAPH, TempDirTest, main, run  # noqa: E402

SMALL = os.path.join(DATA, "small.jsonl")
GOLDEN = os.path.join(DATA, "report-golden")
GOLDEN_SNAPS = ["snap-1.jsonl", "snap-2.jsonl", "snap-3.jsonl"]
HOSTILE = "<img src=x onerror=alert(1)>|*_[x](y)"
HEADINGS = ["# Memory report: ", "## Summary", "## Leak suspects", "## Growth", "## Top types",
            "## Unreachable cycles", "## Held outside the Python heap", "## How this report was made"]


def read(path, mode="r"):
    with open(path, mode, **({} if "b" in mode else {"encoding": "utf-8"})) as f:
        return f.read()


def listing(d):
    return sorted(os.listdir(d))


def reports(d):
    """The report files in d, without the diagrams."""
    return [f for f in listing(d) if not f.endswith(".svg")]


def hostile_snapshot(path):
    """A snapshot whose every user-controlled string is hostile."""
    import json
    h = HOSTILE
    recs = [
        {"rec": "header", "format": "refgraph-snapshot", "version": 1, "producer": h,
         "runtime": "CPython\n# injected heading", "pid": 1, "time": 1764115200.0},
        {"rec": "object", "id": 1, "type": "module", "size": 72, "name": h,
         "refs": [[2, "global", h + "\n|x|"]]},
        {"rec": "object", "id": 2, "type": "dict", "size": 4000, "len": 50,
         "refs": [[10 + i, "value", "'" + h + "%d'" % i] for i in range(50)]},
    ]
    for i in range(50):
        recs.append({"rec": "object", "id": 10 + i, "type": "app." + h + "\n`</code>`",
                     "size": 40000, "repr": h, "rc": 1})
    recs.append({"rec": "root", "id": 1, "kind": "module", "label": h})
    with open(path, "w", encoding="utf-8") as f:
        for r in recs:
            f.write(json.dumps(r) + "\n")


class Options(TempDirTest):
    def test_help(self):
        out = run("report", "--help", check=0).stdout
        self.assertIn("usage: refgraph report", out)
        self.assertIn("--format", out)

    def test_usage_errors(self):
        out = os.path.join(self.tmp, "out")
        self.assertIn("-o DIR", run("report", SMALL, check=2).stderr)
        self.assertIn("no snapshot", run("report", "-o", out, check=2).stderr)
        self.assertIn("--format", run("report", SMALL, "-o", out, "--format", "pdf", check=2).stderr)
        self.assertIn("--format", run("report", SMALL, "-o", out, "--format", "", check=2).stderr)
        run("report", SMALL, "-o", out, "--top", "-3", check=2)
        run("report", SMALL, "-o", out, "--bogus", check=2)
        self.assertFalse(os.path.exists(out))

    def test_missing_snapshot(self):
        out = os.path.join(self.tmp, "out")
        p = run("report", os.path.join(self.tmp, "nope.jsonl"), "-o", out, check=1)
        self.assertIn("nope.jsonl", p.stderr)
        self.assertFalse(os.path.exists(out))


class Output(TempDirTest):
    def report(self, *snaps, fmt=None, title=None, out="out"):
        out = os.path.join(self.tmp, out)
        args = ["report", "--no-cache", *snaps, "-o", out]
        if fmt:
            args += ["--format", fmt]
        if title:
            args += ["--title", title]
        p = run(*args, check=0)
        return out, p

    def test_files_and_sections(self):
        out, p = self.report(SMALL)
        self.assertEqual(reports(out), ["report.html", "report.md"])
        self.assertIn("report.md", p.stdout)
        self.assertIn("Summary:", p.stdout)
        md = read(os.path.join(out, "report.md"))
        self.assertTrue(md.startswith("# Memory report: CPython 3.11.7, pid 4242\n"), md[:80])
        at = -1
        for h in HEADINGS:
            if h == "## Growth":
                self.assertNotIn(h, md, "one snapshot: no Growth section")
                continue
            self.assertGreater(md.find(h), at, h)
            at = md.find(h)
        # Every section heading is followed by something before the next one.
        for block in re.split(r"\n## ", md)[1:]:
            self.assertTrue(block.split("\n", 1)[1].strip(), block[:40])
        self.assertIn("| `collections.deque` | 1 | 624 B | 49.4% |", md)
        html = read(os.path.join(out, "report.html"))
        self.assertTrue(html.startswith("<!DOCTYPE html>"))
        self.assertIn("<title>Memory report: CPython 3.11.7, pid 4242</title>", html)
        self.assertIn("<table>", html)
        self.assertNotRegex(html, r"(?i)<script|<link|<iframe|\bsrc=|@import|https?://(?!www\.w3\.org/)")

    def test_title_and_command_line(self):
        out, _ = self.report(SMALL, title="worker 'memory' it's")
        md = read(os.path.join(out, "report.md"))
        self.assertTrue(md.startswith("# Memory report: worker 'memory' it's\n"))
        # The command as typed, quoted so it can be pasted back into a shell.
        self.assertIn("--title 'worker '\\''memory'\\'' it'\\''s'", md)
        self.assertIn("refgraph report --no-cache", md)

    def test_format(self):
        out, p = self.report(SMALL, fmt="md", out="md")
        self.assertEqual(reports(out), ["report.md"])
        self.assertNotIn("report.html", p.stdout)
        # The Markdown links every diagram it needs, and they are there.
        md = read(os.path.join(out, "report.md"))
        links = re.findall(r"\]\(([^)]+\.svg)\)", md)
        self.assertEqual(sorted(set(links)), [f for f in listing(out) if f.endswith(".svg")])
        out, _ = self.report(SMALL, fmt="html", out="html")
        self.assertEqual(reports(out), ["report.html"])
        out, _ = self.report(SMALL, fmt="html,md", out="both")
        self.assertEqual(reports(out), ["report.html", "report.md"])

    def test_directory_of_snapshots(self):
        snaps = os.path.join(self.tmp, "snaps")
        os.mkdir(snaps)
        for name in GOLDEN_SNAPS:
            shutil.copy(os.path.join(GOLDEN, name), snaps)
        with open(os.path.join(snaps, "notes.txt"), "w") as f:
            f.write("not a snapshot\n")
        out, _ = self.report(snaps)
        md = read(os.path.join(out, "report.md"))
        self.assertIn("## Growth", md)
        self.assertIn("**Snapshots:** 3,", md)
        for name in GOLDEN_SNAPS:
            self.assertIn("`%s`" % name, md)
        empty = os.path.join(self.tmp, "empty")
        os.mkdir(empty)
        p = run("report", empty, "-o", os.path.join(self.tmp, "x"), check=1)
        self.assertIn("no snapshots", p.stderr)

    def test_hostile_names_are_inert(self):
        snap = os.path.join(self.tmp, "hostile.jsonl")
        hostile_snapshot(snap)
        out, _ = self.report(snap)
        md = read(os.path.join(out, "report.md"))
        html = read(os.path.join(out, "report.html"))
        # No live markup from the snapshot, in the page or in its SVGs: no
        # element the snapshot named, no attribute it smuggled into a tag.
        live = r"(?i)<img|<script|<[^>]*\sonerror|<code>`"
        self.assertNotRegex(html, live)
        self.assertIn("&lt;img src=x onerror=alert(1)&gt;|*_[x](y)", html)
        self.assertIn("\\n`&lt;/code&gt;`</code>", html, "a newline and a closing tag stay text")
        svgs = [f for f in listing(out) if f.endswith(".svg")]
        self.assertTrue(svgs)
        for f in svgs:
            self.assertNotRegex(read(os.path.join(out, f)), live)
        # Markdown: the name is inside code spans or backslash-escaped, and the
        # newline in it never starts a heading of its own.
        self.assertNotIn("\n# injected heading", md)
        self.assertEqual([line for line in md.split("\n") if line.startswith("## ")],
                         [h for h in HEADINGS if h.startswith("## ") and h != "## Growth"])
        # Tables: in every row, the unescaped pipes are exactly the cell
        # borders of its table's header.
        tables = re.findall(r"(?m)(?:^\|.*\n)+", md)
        self.assertGreaterEqual(len(tables), 2)
        for t in tables:
            rows = t.rstrip("\n").split("\n")
            widths = {len(re.split(r"(?<!\\)\|", r)) for r in rows}
            self.assertEqual(len(widths), 1, t)

    def test_deterministic(self):
        out, _ = self.report(*[os.path.join(GOLDEN, s) for s in GOLDEN_SNAPS])
        first = {f: read(os.path.join(out, f), "rb") for f in listing(out)}
        shutil.rmtree(out)
        out, _ = self.report(*[os.path.join(GOLDEN, s) for s in GOLDEN_SNAPS])
        second = {f: read(os.path.join(out, f), "rb") for f in listing(out)}
        self.assertEqual(sorted(first), sorted(second))
        for f in first:
            self.assertEqual(first[f], second[f], f)


class AllOrNothing(TempDirTest):
    def test_bad_snapshot_leaves_old_report(self):
        out = os.path.join(self.tmp, "out")
        run("report", "--no-cache", SMALL, "-o", out, check=0)
        before = {f: read(os.path.join(out, f), "rb") for f in listing(out)}
        bad = os.path.join(DATA, "bad", "truncated.jsonl")
        p = run("report", "--no-cache", SMALL, bad, "-o", out, check=1)
        self.assertIn("truncated.jsonl", p.stderr)
        self.assertEqual({f: read(os.path.join(out, f), "rb") for f in listing(out)}, before)

    def test_blocked_file_writes_nothing(self):
        out = os.path.join(self.tmp, "out")
        os.makedirs(os.path.join(out, "report.html"))
        p = run("report", "--no-cache", SMALL, "-o", out, check=1)
        self.assertIn("report.html", p.stderr)
        self.assertEqual(listing(out), ["report.html"], "not even the diagrams")

    def test_disk_full_mid_write_leaves_nothing(self):
        # A file size limit makes a write fail part-way (EFBIG), like a full disk.
        out = os.path.join(self.tmp, "out")
        os.mkdir(out)

        def limit():
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (2000, 2000))

        p = subprocess.run([REFGRAPH, "report", "--no-cache", SMALL, "-o", out],
                           capture_output=True, text=True, preexec_fn=limit, timeout=300)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("cannot write", p.stderr)
        self.assertEqual(listing(out), [], "no report, no temporary file")


def normalise(text, out_dir):
    """What may differ between machines: the output path in the command line
    and library versions; and Graphviz's SVG (layout depends on fonts)."""
    text = text.replace(out_dir, "OUT")
    text = re.sub(r"cmark-gfm [0-9][^ ,]*", "cmark-gfm VERSION", text)
    text = re.sub(r"refgraph [0-9]+\.[0-9]+\.[0-9]+", "refgraph VERSION", text)
    text = re.sub(r"<svg\b.*?</svg>", "<svg>(diagram)</svg>", text, flags=re.S)
    return text


class Golden(TempDirTest):
    def test_golden(self):
        out = os.path.join(self.tmp, "out")
        p = subprocess.run([REFGRAPH, "report", "--no-cache", *GOLDEN_SNAPS, "-o", out, "-q"],
                           cwd=GOLDEN, capture_output=True, text=True, timeout=300)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout, "", "-q prints nothing")
        expected_dir = os.path.join(GOLDEN, "expected")
        update = os.environ.get("REFGRAPH_UPDATE_GOLDEN") == "1"
        names = ["report.md", "report.html"] + sorted(f for f in listing(out) if f.endswith(".svg"))
        if update:
            os.makedirs(expected_dir, exist_ok=True)
            for f in listing(expected_dir):
                os.unlink(os.path.join(expected_dir, f))
            for f in names[:2]:
                with open(os.path.join(expected_dir, f), "w", encoding="utf-8") as w:
                    w.write(normalise(read(os.path.join(out, f)), out))
            with open(os.path.join(expected_dir, "diagrams.txt"), "w", encoding="utf-8") as w:
                w.write("".join(n + "\n" for n in names[2:]))
            print("golden files updated in", expected_dir)
            return
        for f in names[:2]:
            want = read(os.path.join(expected_dir, f))
            got = normalise(read(os.path.join(out, f)), out)
            self.assertEqual(got, want, "%s differs from the golden file; if the change is intended, "
                             "run with REFGRAPH_UPDATE_GOLDEN=1 and review the diff" % f)
        self.assertEqual("".join(n + "\n" for n in names[2:]),
                         read(os.path.join(expected_dir, "diagrams.txt")))
        for f in names[2:]:
            svg = read(os.path.join(out, f))
            self.assertIn("<svg", svg)
            self.assertNotRegex(svg, r"(?i)<script|<img")


def markdown_section(md, heading):
    """The text of one '## heading' section of a report.md, Markdown code
    spans and escapes removed."""
    body = md.split("\n## " + heading + "\n", 1)[1].split("\n## ", 1)[0]
    return re.sub(r"\\(.)", r"\1", body.replace("`", "")).strip()


class Json(TempDirTest):
    """report --json: the report's model on stdout."""

    def test_json_matches_the_report(self):
        out = os.path.join(self.tmp, "out")
        p = subprocess.run([REFGRAPH, "report", "--no-cache", *GOLDEN_SNAPS, "--json", "-o", out],
                           cwd=GOLDEN, capture_output=True, text=True, timeout=300)
        self.assertEqual(p.returncode, 0, p.stderr)
        doc = json.loads(p.stdout)
        md = read(os.path.join(out, "report.md"))
        self.assertEqual(doc["summary"].strip(), markdown_section(md, "Summary"))
        self.assertEqual([s["file"] for s in doc["snapshots"]], GOLDEN_SNAPS)
        self.assertTrue(md.startswith("# Memory report: " + doc["title"] + "\n"), doc["title"])
        top = doc["suspects"][0]
        self.assertEqual((top["type"], top["verdict"]), ("__main__.Job", "leak"))
        self.assertIn(top["verdict"], markdown_section(md, "Leak suspects"))
        self.assertEqual(top["holder"]["where"], "__main__.jobs.queue")
        self.assertEqual(top["path"]["hops"][top["holder"]["hop"]]["type"], top["holder"]["type"])
        self.assertIn(top["advice"], md)
        svgs = sorted(f for f in listing(out) if f.endswith(".svg"))
        self.assertEqual(sorted(d["file"] for d in doc["diagrams"] if d["drawn"]), svgs)
        self.assertEqual(top["diagram"], "suspect-1.svg")
        self.assertIsNotNone(doc["growth"])
        self.assertIn("__main__.Job", [r["name"] for r in doc["growth"]["types"]])

    def test_json_without_output_writes_nothing(self):
        p = subprocess.run([REFGRAPH, "report", "--no-cache", *GOLDEN_SNAPS, "--json"],
                           cwd=GOLDEN, capture_output=True, text=True, timeout=300)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(json.loads(p.stdout)["suspects"][0]["type"], "__main__.Job")
        self.assertEqual(sorted(os.listdir(GOLDEN)), ["expected", "make_snapshots.py"] + GOLDEN_SNAPS)
        one = json.loads(run("report", "--no-cache", SMALL, "--json", cwd=self.tmp, check=0).stdout)
        self.assertIsNone(one["growth"])            # one snapshot: no growth section
        self.assertEqual(os.listdir(self.tmp), [])
        self.assertIn("-o DIR", run("report", SMALL, check=2).stderr)

    def test_hostile_strings_exact_and_inert(self):
        """Snapshot strings come back exactly to a JSON parser, but the
        characters that act on a terminal (CSI U+009B, the bidi override
        U+202E) are \\u-escaped, so the raw output shows nothing."""
        h = "<img src=x>\u009b[31m\u202e|\n"
        recs = [{"rec": "header", "format": "refgraph-snapshot", "version": 1, "producer": "t"}]
        recs += [{"rec": "object", "id": i, "type": "app.T" + h, "size": 4000, "rc": 1, "repr": "r" + h}
                 for i in range(2, 41)]
        recs += [{"rec": "object", "id": 100, "type": "dict", "size": 50,
                  "refs": [[i, "value", "k%s%d" % (h, i)] for i in range(2, 41)]},
                 {"rec": "object", "id": 1000, "type": "module", "size": 72, "name": "root",
                  "refs": [[100, "global", "cache"]]},
                 {"rec": "root", "id": 1000, "kind": "module", "label": "root"}]
        snap = os.path.join(self.tmp, "h.jsonl")
        with open(snap, "w", encoding="utf-8") as f:
            f.write("".join(json.dumps(r) + "\n" for r in recs))
        for args in (("report", "--no-cache", snap, "--json"),
                     ("backrefs", "--no-cache", snap, "--id", "2", "--json")):
            p = run(*args, check=0)
            self.assertNotIn("\u009b", p.stdout)
            self.assertNotIn("\u202e", p.stdout)
            self.assertIn("\\u009b", p.stdout)
            doc = json.loads(p.stdout)
            if args[0] == "report":
                self.assertEqual(doc["suspects"][0]["type"], "app.T" + h)
                self.assertEqual(doc["suspects"][0]["path"]["hops"][-1]["type"], "app.T" + h)
            else:
                self.assertEqual((doc["nodes"][0]["type"], doc["nodes"][0]["text"]), ("app.T" + h, "r" + h))


if __name__ == "__main__":
    main()
