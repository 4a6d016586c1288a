"""End to end: meliae-format dumps of real Python processes, read by refgraph.

meliae itself cannot be installed here (Python 2 only; no PyPI, no Debian
package), so tests/e2e/meliae_dump.py writes the dumps: it reproduces meliae's
dump_all_objects() traversal and _dump_object_to_ref_info() line format (see its
docstring). Each test runs one of the example leak programs under it and checks
that refgraph finds the leak where the example says it is.
"""
import gzip
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "cli"))
import rgtest  # noqa: E402

WRITER = os.path.join(HERE, "meliae_dump.py")


def have_command(name):
    return rgtest.run(name, "--help").returncode == 0


class MeliaeDumpTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="rgtest-meliae-")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def dump(self, example, *args):
        out = os.path.join(self.tmp, example.replace(".py", ".meliae.json"))
        p = subprocess.run([sys.executable, WRITER, out, os.path.join(rgtest.SRC, "examples", example),
                            *map(str, args)], capture_output=True, text=True, timeout=300)
        self.assertEqual(p.returncode, 0, p.stderr)
        return out, p.stdout

    def chain(self, path, type_name):
        doc = rgtest.run_json("chain", "--no-cache", "--type", type_name, path)
        first = doc["results"][0]
        labels = [hop["edge"]["label"] for hop in first["chain"] if "edge" in hop]
        types = [hop["type"] for hop in first["chain"]]
        return first, labels, types

    def test_queue_leak(self):
        path, stdout = self.dump("queue_leak.py", "--seconds", "0.6", "--jobs", "3000")
        backlog = int(re.search(r"backlog (\d+)", stdout).group(1))
        self.assertGreater(backlog, 0)
        with open(path) as f:
            first = f.readline()
        self.assertRegex(first, r'^\{"address": \d+, "type": "[^"]+", "size": \d+')

        info = rgtest.run_json("info", "--no-cache", path)
        self.assertEqual(info["format"], "meliae")
        self.assertEqual(info["runtime"], "CPython")
        self.assertGreater(info["roots"], 10)  # every module is a root
        types = {t["type"]: t for t in rgtest.run_json("types", "--no-cache", "--top", "0", path)["types"]}
        # meliae writes tp_name: classes bare, C types with their module
        self.assertEqual(types["Job"]["count"], backlog)
        self.assertIn("collections.deque", types)
        self.assertIn("Queue", types)

        if not have_command("chain"):
            print("skipped: refgraph chain is not built yet", file=sys.stderr)
            return
        # the example's expected answer:
        # module __main__ .jobs -> Queue .queue -> collections.deque [i] -> tuple [2] -> Job
        result, labels, chain_types = self.chain(path, "Job")
        self.assertEqual(result["root"], {"kind": "module", "label": "__main__"})
        self.assertEqual(labels[:2], [".jobs", ".queue"])
        self.assertRegex(labels[2], r"^\[\d+\]$")
        self.assertEqual(labels[3], "[2]")
        self.assertEqual(chain_types, ["module", "Queue", "collections.deque", "tuple", "Job"])
        self.assertEqual(result["count"], backlog)

        # compressed copies read the same
        gz = path + ".gz"
        with open(path, "rb") as src, gzip.open(gz, "wb") as dst:
            shutil.copyfileobj(src, dst)
        info_gz = rgtest.run_json("info", "--no-cache", gz)
        self.assertEqual(info_gz["compression"], "gzip")
        self.assertEqual(info_gz["objects"], info["objects"])

    def test_dict_cache_value_labels(self):
        path, _ = self.dump("dict_cache.py", "--users", "2000", "--seconds", "0")
        types = {t["type"]: t for t in rgtest.run_json("types", "--no-cache", "--top", "0", path)["types"]}
        self.assertEqual(types["UserRecord"]["count"], 2000)
        if not have_command("chain"):
            print("skipped: refgraph chain is not built yet", file=sys.stderr)
            return
        # module __main__ .cache -> dict ['user:42'] -> UserRecord: the value
        # edge is labelled with the key's string, though meliae lists bare addresses
        result, labels, chain_types = self.chain(path, "UserRecord")
        self.assertEqual(result["root"]["label"], "__main__")
        self.assertEqual(labels[0], ".cache")
        self.assertRegex(labels[1], r"^\['user:\d+'\]$")
        self.assertEqual(chain_types, ["module", "dict", "UserRecord"])

    def test_analyses_run(self):
        path, _ = self.dump("dict_cache.py", "--users", "500", "--seconds", "0")
        for cmd in ("suspects", "dominators"):
            if not have_command(cmd):
                print(f"skipped: refgraph {cmd} is not built yet", file=sys.stderr)
                continue
            p = rgtest.run(cmd, "--no-cache", path, check=0)
            self.assertNotIn("Sanitizer", p.stderr)
        if have_command("report"):
            out = os.path.join(self.tmp, "report")
            rgtest.run("report", "--no-cache", "-q", "-o", out, path, check=0)
            self.assertTrue(os.path.exists(os.path.join(out, "report.md")))

    def test_truncated_dump(self):
        path, _ = self.dump("dict_cache.py", "--users", "200", "--seconds", "0")
        with open(path, "rb") as f:
            raw = f.read()
        cut = os.path.join(self.tmp, "cut.meliae.json")
        with open(cut, "wb") as f:
            f.write(raw[: len(raw) // 2])
        p = rgtest.run("types", "--no-cache", cut)
        if raw[len(raw) // 2 - 1:len(raw) // 2] == b"\n":
            self.assertEqual(p.returncode, 0)
        else:
            self.assertEqual(p.returncode, 1, p.stdout)
            self.assertRegex(p.stderr, r"cut\.meliae\.json:\d+: byte \d+: truncated record")


if __name__ == "__main__":
    unittest.main()
