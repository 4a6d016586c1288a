"""The index cache and the parallel loader, through the CLI as a user runs it.

- every examples/ scenario: a cached open answers info, types, chain, suspects
  and dominators exactly as a fresh load does;
- a corrupt, truncated or foreign cache is noticed (a note on stderr), ignored
  and rebuilt; the answers do not change;
- --threads 1 and the default (two threads) give byte-identical --json;
- small snapshots get no cache beside them, so test data stays clean.
"""
import glob
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(__file__))
import rgtest  # noqa: E402


def without_timing(text):
    """--json output with the fields that legitimately differ between two
    opens (how long it took, where the graph came from) removed."""
    doc = json.loads(text)

    def strip(x):
        if isinstance(x, dict):
            return {k: strip(v) for k, v in x.items() if k not in ("load_seconds", "from_cache", "seconds")}
        if isinstance(x, list):
            return [strip(v) for v in x]
        return x
    return strip(doc)


def synthetic_snapshot(path, objects=150000):
    """A snapshot of several loader chunks (about 25 MB), with a line longer
    than a chunk, escapes and unicode, so both threads and both parsers run."""
    with open(path, "w", encoding="utf-8") as f:
        f.write('{"rec":"header","format":"refgraph-snapshot","version":1,"producer":"test_cache.py",'
                '"objects":%d}\n' % (objects + 1))
        f.write('{"rec":"object","id":1,"type":"dict","size":99,"refs":[')
        f.write(",".join('[%d,"value","\'k%d\'"]' % (2 + k % objects, k) for k in range(400000)))
        f.write("]}\n")
        for i in range(objects):
            repr_ = json.dumps("s\u00e9%d \"q\"" % i) if i % 7 == 0 else '"s%d"' % i
            f.write('{"rec":"object","id":%d,"type":"mod.T%d","size":%d,"repr":%s,"rc":%d,"flags":["gc"],'
                    '"refs":[[%d,"attr","next"],[%d,"index",%d],[1,"attr","d"]]}\n'
                    % (2 + i, i % 40, 16 + i % 97, repr_, i % 5, 2 + (i * 7919) % objects,
                       2 + (i + 1) % objects, i % 5))
        f.write('{"rec":"root","id":1,"kind":"module","label":"m"}\n')


class CacheCLITest(rgtest.TempDirTest):
    def answers(self, snap, *load_args, chain_type=None):
        """The JSON answers of every query command for one snapshot."""
        out = {}
        cmds = [["info"], ["types", "--top", "0"], ["suspects"], ["dominators", "--top", "50"]]
        if chain_type:
            cmds.append(["chain", "--type", chain_type])
        for cmd in cmds:
            p = rgtest.run(*cmd, snap, "--json", *load_args)
            if p.returncode == 2 and cmd[0] != "info":
                continue  # a command this build does not have
            self.assertEqual(p.returncode, 0, f"{cmd}: {p.stderr}")
            out[cmd[0]] = without_timing(p.stdout)
        return out

    def test_examples_cached_equals_fresh(self):
        if not rgtest.have_dumper():
            self.skipTest("tools/python/refgraph_dump.py not present")
        examples = sorted(glob.glob(os.path.join(rgtest.SRC, "examples", "*.py")))
        self.assertTrue(examples)
        if rgtest.SANITIZED:
            # every scenario runs in the plain build; under ASan three cover
            # the shapes (a queue, cycles, a deep chain) in bounded time
            keep = {"queue_leak.py", "cycle_leak.py", "slots_chain.py"}
            examples = [e for e in examples if os.path.basename(e) in keep]
        cache = os.path.join(self.tmp, "cache")
        os.mkdir(cache)
        for ex in examples:
            name = os.path.basename(ex)
            with self.subTest(example=name):
                out = os.path.join(self.tmp, name)
                os.mkdir(out)
                try:
                    snap = rgtest.dump_example(name, out, timeout=120)[-1]
                except AssertionError as e:
                    self.skipTest(f"{name} could not be dumped here: {e}")
                types = json.loads(rgtest.run("types", snap, "--json", "--no-cache", check=0).stdout)
                first = types[0]["name"] if isinstance(types, list) and types else None
                fresh = self.answers(snap, "--no-cache", chain_type=first)
                before = set(os.listdir(cache))
                writes = self.answers(snap, "--cache-dir", cache, chain_type=first)
                new = set(os.listdir(cache)) - before
                # the cache, and the retention paths' blob beside it
                # (written by `chain`, which computes them)
                mains = {f for f in new if not f.endswith(".paths.rgcache")}
                self.assertEqual(len(mains), 1, new)
                main = mains.pop()
                self.assertTrue(main.endswith(".rgcache"))
                self.assertEqual(new - {main}, {main[:-len(".rgcache")] + ".paths.rgcache"})
                cached = self.answers(snap, "--cache-dir", cache, chain_type=first)
                info = json.loads(rgtest.run("info", snap, "--json", "--cache-dir", cache, check=0).stdout)
                self.assertTrue(info["from_cache"])
                self.assertEqual(fresh, writes)
                self.assertEqual(fresh, cached)

    def test_corrupt_cache_is_rebuilt(self):
        snap = os.path.join(self.tmp, "s.jsonl")
        shutil.copy(os.path.join(rgtest.DATA, "small.jsonl"), snap)
        cache = os.path.join(self.tmp, "cache")
        os.mkdir(cache)
        want = rgtest.run("types", snap, "--json", "--no-cache", check=0).stdout
        self.assertEqual(rgtest.run("types", snap, "--json", "--cache-dir", cache, check=0).stdout, want)
        (cfile,) = glob.glob(os.path.join(cache, "*.rgcache"))
        good = open(cfile, "rb").read()
        damaged = {
            "flipped": good[:len(good) // 2] + bytes([good[len(good) // 2] ^ 0xFF]) + good[len(good) // 2 + 1:],
            "truncated": good[:len(good) // 3],
            "garbage": b"\x00" * len(good),
        }
        for what, data in damaged.items():
            with self.subTest(damage=what):
                with open(cfile, "wb") as f:
                    f.write(data)
                p = rgtest.run("types", snap, "--json", "--cache-dir", cache, check=0)
                self.assertEqual(p.stdout, want)
                self.assertIn("note: index cache", p.stderr)
                self.assertIn("rebuilt", p.stderr)
                # the rebuilt cache is good again: no note the next time
                p = rgtest.run("types", snap, "--json", "--cache-dir", cache, check=0)
                self.assertEqual(p.stdout, want)
                self.assertEqual(p.stderr, "")

    def test_foreign_cache_is_rebuilt(self):
        a = os.path.join(self.tmp, "a.jsonl")
        b = os.path.join(self.tmp, "b.jsonl")
        synthetic_snapshot(a, objects=2000)
        shutil.copy(os.path.join(rgtest.DATA, "small.jsonl"), b)
        # caches beside the snapshots (an explicit cache dir of '.' would
        # name them by path hash; beside them they swap more easily)
        cache = os.path.join(self.tmp, "cache")
        os.mkdir(cache)
        want_a = rgtest.run("types", a, "--json", "--no-cache", check=0).stdout
        rgtest.run("types", a, "--json", "--cache-dir", cache, check=0)
        rgtest.run("types", b, "--json", "--cache-dir", cache, check=0)
        (ca,) = glob.glob(os.path.join(cache, "a.jsonl.*.rgcache"))
        (cb,) = glob.glob(os.path.join(cache, "b.jsonl.*.rgcache"))
        shutil.copy(cb, ca)
        p = rgtest.run("types", a, "--json", "--cache-dir", cache, check=0)
        self.assertEqual(p.stdout, want_a)
        self.assertIn("another snapshot", p.stderr)

    def test_threads_byte_identical(self):
        snap = os.path.join(self.tmp, "big.jsonl")
        synthetic_snapshot(snap)
        self.assertGreater(os.path.getsize(snap), 3 * 8 << 20)
        for cmd in (["types", "--top", "0"], ["info"], ["suspects"]):
            with self.subTest(cmd=cmd[0]):
                one = rgtest.run(*cmd, snap, "--json", "--no-cache", "--threads", "1")
                if one.returncode == 2 and cmd[0] == "suspects":
                    continue
                two = rgtest.run(*cmd, snap, "--json", "--no-cache")
                self.assertEqual(one.returncode, 0, one.stderr)
                self.assertEqual(two.returncode, 0, two.stderr)
                if cmd[0] == "info":
                    self.assertEqual(without_timing(one.stdout), without_timing(two.stdout))
                else:
                    self.assertEqual(one.stdout, two.stdout)

    def test_small_snapshot_gets_no_cache_beside_it(self):
        snap = os.path.join(self.tmp, "small.jsonl")
        shutil.copy(os.path.join(rgtest.DATA, "small.jsonl"), snap)
        rgtest.run("types", snap, check=0)
        self.assertEqual(os.listdir(self.tmp), ["small.jsonl"])

    def test_no_cache_writes_nothing(self):
        snap = os.path.join(self.tmp, "s.jsonl")
        shutil.copy(os.path.join(rgtest.DATA, "small.jsonl"), snap)
        cache = os.path.join(self.tmp, "cache")
        os.mkdir(cache)
        rgtest.run("info", snap, "--no-cache", "--cache-dir", cache, check=0)
        self.assertEqual(os.listdir(cache), [])

    def test_unwritable_cache_dir_is_a_note(self):
        snap = os.path.join(self.tmp, "s.jsonl")
        shutil.copy(os.path.join(rgtest.DATA, "small.jsonl"), snap)
        p = rgtest.run("types", snap, "--json", "--cache-dir", os.path.join(snap, "not-a-dir"), check=0)
        self.assertIn("not written", p.stderr)
        self.assertTrue(json.loads(p.stdout))


if __name__ == "__main__":
    rgtest.main()
