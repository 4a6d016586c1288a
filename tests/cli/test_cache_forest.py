"""The path forest in the index cache, through the CLI on real dumps.

- `refgraph chain --json` answers the same from a fresh load, from the open
  that writes the cache, and from the cached re-open (which reads the stored
  forest instead of running the BFS), for a queue leak, a 5000-deep
  __slots__ chain and unreachable cycles; with --ignore-edge (non-default
  options, computed as always) too;
- the forest is a blob beside the cache ("<cache>.paths.rgcache",
  written by the first `chain`); a damaged one is not used: the answer
  does not change, and the blob is written again, byte for byte as it was.
"""
import glob
import json
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(__file__))
import rgtest  # noqa: E402


def without_timing(text):
    doc = json.loads(text)

    def strip(x):
        if isinstance(x, dict):
            return {k: strip(v) for k, v in x.items() if k not in ("load_seconds", "from_cache", "seconds")}
        if isinstance(x, list):
            return [strip(v) for v in x]
        return x
    return strip(doc)


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
        (blob,) = glob.glob(os.path.join(cache, "*.paths.rgcache"))
        with open(blob, "rb") as f:
            good = f.read()
        # 64-byte header, 16-byte count header, then dist per node
        n = struct.unpack_from("<I", good, 64)[0]
        self.assertGreater(n, 0)
        for what, offset in (("payload", 80 + 2 * n), ("header", 24)):
            with self.subTest(damage=what):
                data = bytearray(good)
                data[offset] ^= 0x01
                with open(blob, "wb") as f:
                    f.write(data)
                p = rgtest.run("chain", snap, "--type", "Job", "--json", "--cache-dir", cache, check=0)
                self.assertEqual(without_timing(p.stdout), without_timing(want))
                self.assertEqual(p.stderr, "")
                with open(blob, "rb") as f:
                    self.assertEqual(f.read(), good)


if __name__ == "__main__":
    rgtest.main()
