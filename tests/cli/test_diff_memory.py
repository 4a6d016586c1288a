#!/usr/bin/env python3
"""refgraph diff on objgraph logs built to cost memory out of proportion to
their size (issue 17): a million one-line blocks, a type per block, a long
--json document. The CLI runs under RLIMIT_AS (set in the child by Python's
`resource`), so a regression is an allocation failure, not a slow test:
deterministic, whatever the machine's load."""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rgtest import REFGRAPH, SANITIZED, SRC, TempDirTest, main  # noqa: E402

sys.path.insert(0, os.path.join(SRC, "bench"))
from gen_objgraph_log import write_log  # noqa: E402

# 100 000 one-line blocks (the most a log may hold) need about 48 MiB of
# address space now; before, the growth table alone reserved 64 rows per
# point (51 MB for one type) and --json built its 41 MB document in memory.
LIMIT_MB = 96


def run_limited(tmp, *args, mb=LIMIT_MB):
    """Run the CLI with its address space limited to `mb` MiB, stdout to a
    file; returns (exit status, stderr, stdout path)."""
    out = os.path.join(tmp, "stdout")

    def limit():
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (mb << 20, mb << 20))

    with open(out, "wb") as f:
        p = subprocess.run([REFGRAPH, *map(str, args)], stdout=f, stderr=subprocess.PIPE, text=True,
                           preexec_fn=limit, timeout=600)
    return p.returncode, p.stderr, out


class DiffMemory(TempDirTest):
    def setUp(self):
        super().setUp()
        if SANITIZED:
            self.skipTest("ASan reserves terabytes of address space: RLIMIT_AS cannot apply")

    def log(self, name, **kw):
        path = os.path.join(self.tmp, name)
        write_log(path, **kw)
        return path

    def test_million_blocks_refused_with_the_limit(self):
        # 15.9 MB that took 517 MB (1.14 GB before the readers' fix), and
        # 940 MB with --json: now refused at block 100 001, naming the line
        path = self.log("million.log", blocks=1000000)
        for extra in ([], ["--json"]):
            rc, err, out = run_limited(self.tmp, "diff", *extra, path)
            self.assertEqual(rc, 1, err)
            self.assertIn("million.log:200001: more than 100000 blocks of objgraph output", err)
            self.assertIn("RG_OBJGRAPH_MAX_BLOCKS", err)
            self.assertEqual(os.path.getsize(out), 0, "no partial output")

    def test_hundred_thousand_blocks_fit(self):
        path = self.log("lim.log", blocks=100000)
        rc, err, out = run_limited(self.tmp, "diff", "--json", path)
        self.assertEqual(rc, 0, err)
        with open(out, "rb") as f:
            j = json.load(f)
        self.assertEqual(len(j["points"]), 100000)
        self.assertEqual(j["points"][99999]["source"], path + ":199999 (show_growth block 100000)")
        self.assertEqual(j["points"][5]["objects"], 1005)
        [t] = j["types"]
        self.assertEqual(t["name"], "dict")
        self.assertEqual(len(t["counts"]), 100000)
        self.assertEqual(t["counts"][:3], [1000, 1001, 1002])
        self.assertEqual(t["count_delta"], 99999)
        self.assertTrue(t["growing"])
        # and as text
        rc, err, out = run_limited(self.tmp, "diff", path)
        self.assertEqual(rc, 0, err)
        with open(out) as f:
            text = f.read()
        self.assertIn("dict", text)
        self.assertIn("+99,999", text)

    def test_type_per_block_refused_before_allocating(self):
        # 380 KB, 20 000 blocks naming 20 000 types: a growth table of
        # 4 x 10^8 cells (10 GB) that was allocated and zeroed; now refused
        # from the count of names, before any of it is allocated
        path = self.log("types.log", blocks=20000, types=20000)
        rc, err, out = run_limited(self.tmp, "diff", path)
        self.assertEqual(rc, 1, err)
        self.assertIn("the series has 20000 points and 20000 type names: the growth table would need "
                      "400000000 cells", err)
        self.assertIn("RG_DIFF_MAX_CELLS", err)
        self.assertEqual(os.path.getsize(out), 0, "no partial output")

    def test_many_types_within_the_limit(self):
        # 800 types over 2 000 blocks of 8 rows: 1.6 M cells, allowed
        path = self.log("many.log", blocks=2000, types=800, rows=8)
        rc, err, out = run_limited(self.tmp, "diff", "--json", "--top", "0", path)
        self.assertEqual(rc, 0, err)
        with open(out, "rb") as f:
            j = json.load(f)
        self.assertEqual(len(j["points"]), 2000)
        self.assertEqual(len(j["types"]), 800)


if __name__ == "__main__":
    main()
