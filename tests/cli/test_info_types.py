"""refgraph info / types: output, --json schema, --help, exit codes and every
class of bad input the foundation issue lists."""
import gzip
import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from rgtest import DATA, TempDirTest, main, run, run_json  # noqa: E402

SMALL = os.path.join(DATA, "small.jsonl")
BAD = os.path.join(DATA, "bad")


class InfoTypes(TempDirTest):
    def test_info_text(self):
        out = run("info", "--no-cache", SMALL, check=0).stdout
        self.assertIn("objects:     9", out)
        self.assertIn("edges:       8", out)
        self.assertIn("producer:    hand-written fixture", out)
        self.assertIn("1,264 bytes", out)

    def test_info_json_schema(self):
        j = run_json("info", "--no-cache", SMALL)
        for key in ("file", "format", "format_version", "compression", "producer", "runtime", "pid",
                    "time", "seq", "objects", "edges", "roots", "total_bytes", "input_bytes",
                    "skipped_records", "dangling_refs", "dangling_roots", "load_seconds", "from_cache"):
            self.assertIn(key, j)
        self.assertEqual(j["objects"], 9)
        self.assertEqual(j["edges"], 8)
        self.assertEqual(j["roots"], 1)
        self.assertEqual(j["pid"], 4242)
        self.assertEqual(j["total_bytes"], 1264)
        self.assertEqual(j["format"], "refgraph-snapshot")

    def test_types_counts_and_bytes(self):
        j = run_json("types", "--no-cache", SMALL)
        self.assertEqual(j["types"][0], {"type": "tuple", "count": 2, "bytes": 128})
        self.assertEqual(j["type_count"], 8)
        by_size = run_json("types", "--no-cache", "--sort", "size", SMALL)
        self.assertEqual(by_size["types"][0]["type"], "collections.deque")
        top = run_json("types", "--no-cache", "--top", "3", SMALL)
        self.assertEqual(len(top["types"]), 3)

    def test_types_text(self):
        out = run("types", "--no-cache", "--top", "2", SMALL, check=0).stdout.splitlines()
        self.assertTrue(out[0].startswith("type"))
        self.assertTrue(out[1].startswith("tuple"))
        self.assertIn("(6 more types", out[-1])

    def test_gzip_and_zstd_by_magic_not_name(self):
        with open(SMALL, "rb") as f:
            raw = f.read()
        gz = os.path.join(self.tmp, "snap.data")        # no telling extension
        with gzip.open(gz, "wb") as f:
            f.write(raw)
        j = run_json("info", "--no-cache", gz)
        self.assertEqual((j["compression"], j["objects"]), ("gzip", 9))
        zs = os.path.join(self.tmp, "snap.jsonl.gz")    # a lying extension
        import subprocess
        subprocess.run(["zstd", "-q", "-f", SMALL, "-o", zs], check=True)
        j = run_json("info", "--no-cache", zs)
        self.assertEqual((j["compression"], j["objects"]), ("zstd", 9))

    def test_help_version_usage(self):
        self.assertIn("usage: refgraph", run("--help", check=0).stdout)
        self.assertRegex(run("--version", check=0).stdout, r"^refgraph \d+\.\d+\.\d+")
        for cmd in ("info", "types"):
            self.assertIn("usage: refgraph " + cmd, run(cmd, "--help", check=0).stdout)
            self.assertIn("no snapshot given", run(cmd, check=2).stderr)
        self.assertIn("unknown command", run("frobnicate", check=2).stderr)
        self.assertIn("--sort", run("types", "--sort", "weird", SMALL, check=2).stderr)
        self.assertIn("--top", run("types", "--top", "-3", SMALL, check=2).stderr)


class BadInput(TempDirTest):
    # file -> what the one-line error must say besides the file name
    CASES = {
        "empty.jsonl": ":1: byte 0: empty file",
        "truncated.jsonl": ":3: byte 300: truncated record",
        "notjson.jsonl": ":1: byte 1: invalid JSON",
        "wrongshape.jsonl": ':2: byte 80: object record: "id" must be',
        "version.jsonl": ":1: byte 58: unsupported snapshot format version 99",
        "utf8.jsonl": ":2: byte 89: invalid UTF-8: byte 0xC3 does not start a valid sequence",
        "truncated.jsonl.gz": ": truncated gzip stream (ends at compressed byte 150)",
        "truncated.jsonl.zst": ": truncated zstd stream (ends at compressed byte 150)",
        "duplicate.jsonl": ":3: byte 145: duplicate object id 1 (first defined at line 2)",
    }

    def test_each_bad_file(self):
        for name, needle in self.CASES.items():
            with self.subTest(name=name):
                for cmd in ("info", "types"):
                    p = run(cmd, "--no-cache", os.path.join(BAD, name), check=1)
                    lines = p.stderr.strip().splitlines()
                    self.assertEqual(len(lines), 1, p.stderr)
                    self.assertIn(name + needle, lines[0])
                    self.assertEqual(p.stdout, "")

    def test_missing_file(self):
        p = run("info", os.path.join(self.tmp, "nope.jsonl"), check=1)
        self.assertIn("nope.jsonl: cannot open: No such file or directory", p.stderr)

    def test_huge_line(self):
        # A 64 MiB string on one line: read in bounded memory, clamped, and loaded.
        path = os.path.join(self.tmp, "huge.jsonl")
        with open(path, "w") as f:
            f.write('{"rec":"header","format":"refgraph-snapshot","version":1}\n')
            f.write('{"rec":"object","id":1,"type":"str","size":67108913,"repr":"')
            f.write("x" * (64 << 20))
            f.write('"}\n')
        j = run_json("info", "--no-cache", path)
        self.assertEqual(j["objects"], 1)

    def test_hostile_numbers(self):
        path = os.path.join(self.tmp, "hostile.jsonl")
        with open(path, "w") as f:
            f.write('{"rec":"header","format":"refgraph-snapshot","version":1,"objects":9223372036854775807,"edges":9223372036854775807}\n')
            f.write('{"rec":"object","id":18446744073709551615,"type":"x","size":1}\n')
        p = run("info", "--no-cache", path, check=1)
        self.assertIn("hostile.jsonl:2:", p.stderr)


if __name__ == "__main__":
    main()
