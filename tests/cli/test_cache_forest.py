"""The path forest in the index cache, through the CLI on real dumps.

- `refgraph chain --json` answers the same from a fresh load, from the open
  that writes the cache, and from the cached re-open (which reads the stored
  forest instead of running the BFS), for a queue leak, a 5000-deep
  __slots__ chain and unreachable cycles; with --ignore-edge (non-default
  options, computed as always) too;
- a damaged forest section is noticed (a note naming the cache and
  "rebuilt"), the answer does not change, and the rebuilt cache is clean.
"""
import glob
import json
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(__file__))
import rgtest  # noqa: E402

# cache.c's section order: the forest's per-node distance array is section 22
# of 28 (node arrays, edges, types, roots, strings, id map, then the forest).
SECTION_PATH_DIST = 22


def without_timing(text):
    doc = json.loads(text)

    def strip(x):
        if isinstance(x, dict):
            return {k: strip(v) for k, v in x.items() if k not in ("load_seconds", "from_cache", "seconds")}
        if isinstance(x, list):
            return [strip(v) for v in x]
        return x
    return strip(doc)


def section(path, k):
    """(offset, size) of section k, read from the header's section table
    (24-byte entries ending 8 bytes before the end of the header)."""
    with open(path, "rb") as f:
        head = f.read(4096)
    header_size, n_sections = struct.unpack_from("<II", head, 16)
    table = header_size - 8 - 24 * n_sections
    off, size, _ = struct.unpack_from("<QQQ", head, table + 24 * k)
    return off, size


class CacheForestTest(rgtest.TempDirTest):
    def dump(self, example, *args):
        if not rgtest.have_dumper():
            self.skipTest("tools/python/refgraph_dump.py not present")
        out = os.path.join(self.tmp, example)
        os.mkdir(out)
        return rgtest.dump_example(example, out, *args, timeout=300)[-1]

    def chains(self, snap, cache, selector, *extra):
        """chain --json fresh, on the open that writes the cache, and cached."""
        fresh = rgtest.run("chain", snap, *selector, *extra, "--json", "--no-cache", check=0)
        writes = rgtest.run("chain", snap, *selector, *extra, "--json", "--cache-dir", cache, check=0)
        cached = rgtest.run("chain", snap, *selector, *extra, "--json", "--cache-dir", cache, check=0)
        info = rgtest.run_json("info", snap, "--cache-dir", cache)
        self.assertTrue(info["from_cache"])
        self.assertEqual(cached.stderr, "")
        return without_timing(fresh.stdout), without_timing(writes.stdout), without_timing(cached.stdout)

    def check_example(self, example, example_args, selectors):
        snap = self.dump(example, *example_args)
        cache = os.path.join(self.tmp, "cache-" + example)
        os.mkdir(cache)
        for sel in selectors:
            with self.subTest(example=example, selector=sel):
                fresh, writes, cached = self.chains(snap, cache, sel)
                self.assertEqual(fresh, writes)
                self.assertEqual(fresh, cached)
        return snap, cache

    def test_queue_leak(self):
        snap, cache = self.check_example("queue_leak.py", (), [("--type", "Job"), ("--type", "Job", "--all")])
        # the answer is the documented one, not merely the same twice
        doc = json.loads(rgtest.run("chain", snap, "--type", "Job", "--json", "--cache-dir", cache,
                                    check=0).stdout)
        self.assertIn(".jobs", json.dumps(doc))
        # non-default options compute as always, from the cached graph
        fresh, writes, cached = self.chains(snap, cache, ("--type", "Job"), "--ignore-edge", ".jobs")
        self.assertEqual(fresh, cached)
        self.assertNotEqual(fresh, without_timing(json.dumps(doc)))

    def test_slots_chain_deep(self):
        snap, _ = self.check_example("slots_chain.py", ("--depth", "5000"), [("--type", "Payload")])
        doc = rgtest.run_json("chain", snap, "--type", "Payload", "--no-cache")
        self.assertGreaterEqual(json.dumps(doc).count(".next"), 4999)

    def test_unreachable_cycles(self):
        # why-unreachable (cycle) answers come from the stored classification
        self.check_example("cycle_leak.py", (), [("--type", "CycleNode"), ("--type", "CycleNode", "--all")])

    def test_corrupt_forest_is_rebuilt(self):
        snap = self.dump("queue_leak.py")
        cache = os.path.join(self.tmp, "cache")
        os.mkdir(cache)
        want = rgtest.run("chain", snap, "--type", "Job", "--json", "--no-cache", check=0).stdout
        rgtest.run("chain", snap, "--type", "Job", "--json", "--cache-dir", cache, check=0)
        (cfile,) = glob.glob(os.path.join(cache, "*.rgcache"))
        off, size = section(cfile, SECTION_PATH_DIST)
        self.assertGreater(size, 0)
        with open(cfile, "rb") as f:
            data = bytearray(f.read())
        data[off + size // 2] ^= 0x01
        with open(cfile, "wb") as f:
            f.write(data)
        p = rgtest.run("chain", snap, "--type", "Job", "--json", "--cache-dir", cache, check=0)
        self.assertEqual(without_timing(p.stdout), without_timing(want))
        self.assertIn("note: index cache", p.stderr)
        self.assertIn(f"section {SECTION_PATH_DIST}", p.stderr)
        self.assertIn("rebuilt", p.stderr)
        p = rgtest.run("chain", snap, "--type", "Job", "--json", "--cache-dir", cache, check=0)
        self.assertEqual(without_timing(p.stdout), without_timing(want))
        self.assertEqual(p.stderr, "")


if __name__ == "__main__":
    rgtest.main()
