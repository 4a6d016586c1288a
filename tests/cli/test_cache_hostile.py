"""The index cache against what a hostile or careless neighbour leaves at its path.

- a FIFO at the cache path (in --cache-dir) is refused with a note and the
  snapshot is loaded from source: no hang; one beside the snapshot (where
  caches were once kept) is never opened;
- a large sparse file at the cache path is refused from its header, not
  mapped (and paged in) first;
- a snapshot edited in place, with its size and mtime restored and the edit
  outside the sampled blocks, is read again: the cache never answers for
  content it was not built from.
"""
import glob
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
import rgtest  # noqa: E402
from test_cache import synthetic_snapshot  # noqa: E402

# Seconds a command may take before the test calls it hung: the loads here
# take well under a second; a hang would be forever.
HANG = 60


def max_rss_kb(*args):
    """Run the CLI in a fresh Python process and return (exit status, stderr,
    the CLI's peak RSS in KiB, as the kernel counted it)."""
    code = ("import resource, subprocess, sys\n"
            "p = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
            "sys.stderr.write(p.stderr)\n"
            "print(p.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n")
    p = subprocess.run([sys.executable, "-c", code, rgtest.REFGRAPH, *map(str, args)], capture_output=True,
                       text=True, timeout=600)
    rc, rss = p.stdout.split()
    return int(rc), p.stderr, int(rss)


class CacheHostileTest(rgtest.TempDirTest):
    def snapshot(self):
        snap = os.path.join(self.tmp, "s.jsonl")
        shutil.copy(os.path.join(rgtest.DATA, "small.jsonl"), snap)
        return snap

    def test_fifo_in_cache_dir(self):
        snap = self.snapshot()
        cache = os.path.join(self.tmp, "cache")
        os.mkdir(cache)
        want = rgtest.run("types", snap, "--json", "--no-cache", check=0).stdout
        rgtest.run("types", snap, "--json", "--cache-dir", cache, check=0)
        (cfile,) = glob.glob(os.path.join(cache, "*.rgcache"))
        os.unlink(cfile)
        os.mkfifo(cfile)
        p = rgtest.run("types", snap, "--json", "--cache-dir", cache, check=0, timeout=HANG)
        self.assertEqual(p.stdout, want)
        self.assertIn("not a regular file", p.stderr)
        # the FIFO was replaced by a good cache: the next open uses it quietly
        p = rgtest.run("info", snap, "--json", "--cache-dir", cache, check=0, timeout=HANG)
        self.assertTrue(json.loads(p.stdout)["from_cache"], p.stderr)
        self.assertEqual(p.stderr, "")

    def test_fifo_beside_snapshot(self):
        snap = self.snapshot()
        want = rgtest.run("types", snap, "--json", "--no-cache", check=0).stdout
        os.mkfifo(snap + ".rgcache")
        # No cache is read or written beside a snapshot any more (the user's
        # cache directory holds them): a FIFO there is never opened.
        p = rgtest.run("types", snap, "--json", "--cache-dir", os.path.join(self.tmp, "c"), check=0,
                       timeout=HANG)
        self.assertEqual(p.stdout, want)
        self.assertEqual(p.stderr, "")
        p = rgtest.run("types", snap, "--json", check=0, timeout=HANG)
        self.assertEqual(p.stdout, want)
        self.assertEqual(p.stderr, "")

    def test_fifo_as_snapshot_with_cache_dir(self):
        """The snapshot itself may be a pipe (`refgraph info <(zcat ...)`):
        the cache key is not taken from it, and it is read as a stream."""
        fifo = os.path.join(self.tmp, "pipe.jsonl")
        os.mkfifo(fifo)
        cache = os.path.join(self.tmp, "cache")
        os.mkdir(cache)
        proc = subprocess.Popen([rgtest.REFGRAPH, "info", "--json", "--cache-dir", cache, fifo],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        writer = subprocess.Popen(["sh", "-c", 'cat "$1" > "$2"', "sh", os.path.join(rgtest.DATA, "small.jsonl"),
                                   fifo])
        try:
            out, err = proc.communicate(timeout=HANG)
            self.assertEqual(writer.wait(timeout=HANG), 0)
        finally:
            for p in (proc, writer):
                if p.poll() is None:
                    p.kill()
                    p.wait()
        self.assertEqual(proc.returncode, 0, err)
        self.assertGreater(json.loads(out)["objects"], 0)

    def test_sparse_file_at_cache_path_is_not_mapped(self):
        snap = self.snapshot()
        cache = os.path.join(self.tmp, "cache")
        os.mkdir(cache)
        rgtest.run("types", snap, "--json", "--cache-dir", cache, check=0)
        (cfile,) = glob.glob(os.path.join(cache, "*.rgcache"))
        # the real header, then a hole to 1 GiB: costs no disk, but paging it
        # in costs 1 GiB of memory
        os.truncate(cfile, 1 << 30)
        rc, err, rss_kb = max_rss_kb("types", snap, "--json", "--cache-dir", cache)
        self.assertEqual(rc, 0, err)
        self.assertIn("trailing bytes", err)
        self.assertLess(rss_kb, 200 * 1024, "the sparse cache file was paged in")

    def test_edit_in_place_keeping_size_and_mtime(self):
        snap = os.path.join(self.tmp, "big.jsonl")
        synthetic_snapshot(snap, objects=20000)
        cache = os.path.join(self.tmp, "cache")
        os.mkdir(cache)
        before = rgtest.run_json("types", "--top", "0", snap, "--cache-dir", cache)
        self.assertTrue(rgtest.run_json("info", snap, "--cache-dir", cache)["from_cache"])
        with open(snap, "rb") as f:
            data = f.read()
        size = len(data)
        # the key samples the first and last 64 KiB and 16 blocks of 4 KiB at
        # size/17*i: edit a line half-way between the first two of those
        target = size // 17 + size // 34
        sampled = [(0, 65536), (size - 65536, size)] + [(size // 17 * i, size // 17 * i + 4096)
                                                        for i in range(1, 17)]
        start = data.index(b"\n", target) + 1
        end = data.index(b"\n", start)
        at = data.index(b'"type":"mod.T', start, end) + len(b'"type":"mod.')
        for lo, hi in sampled:
            self.assertFalse(lo <= at < hi, "the edit must fall outside the sampled blocks")
        st = os.stat(snap)
        with open(snap, "r+b") as f:
            f.seek(at)
            f.write(b"Z")  # mod.T17 -> mod.Z17: same size
        os.utime(snap, ns=(st.st_atime_ns, st.st_mtime_ns))
        st2 = os.stat(snap)
        self.assertEqual((st2.st_size, st2.st_mtime_ns), (st.st_size, st.st_mtime_ns))
        p = rgtest.run("types", "--top", "0", snap, "--json", "--cache-dir", cache, check=0)
        after = json.loads(p.stdout)
        names = {t["type"] for t in after["types"]}
        self.assertTrue(any(n.startswith("mod.Z") for n in names), "the cache served the old graph")
        self.assertIn("stale", p.stderr)
        self.assertNotEqual(before, after)
        fresh = rgtest.run("types", "--top", "0", snap, "--json", "--no-cache", check=0).stdout
        self.assertEqual(json.loads(fresh), after)


if __name__ == "__main__":
    rgtest.main()
