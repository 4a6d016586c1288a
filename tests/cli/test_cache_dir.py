"""Where the index cache lives, and how much of it is kept.

- by default in the user's cache directory ($XDG_CACHE_HOME/refgraph, else
  ~/.cache/refgraph), never beside the user's snapshot;
- --cache-dir creates its directory (mode 0700);
- a directory that is a symbolic link, owned by another user, or writable by
  everyone without the sticky bit is not used (a note; the answers are the same);
- a size cap (--cache-max, $REFGRAPH_CACHE_MAX) with least-recently-used
  eviction: a cache hit counts as a use.
"""
import glob
import json
import os
import shutil
import stat
import sys

sys.path.insert(0, os.path.dirname(__file__))
import rgtest  # noqa: E402
from test_cache import synthetic_snapshot  # noqa: E402


class CacheDirTest(rgtest.TempDirTest):
    def env(self, **kw):
        e = dict(os.environ)
        e.pop("XDG_CACHE_HOME", None)
        e.pop("REFGRAPH_CACHE_MAX", None)
        e.update(kw)
        return e

    def small(self, name="s.jsonl"):
        snap = os.path.join(self.tmp, name)
        shutil.copy(os.path.join(rgtest.DATA, "small.jsonl"), snap)
        return snap

    def test_big_snapshot_cached_in_xdg_cache_home_not_beside(self):
        snap = os.path.join(self.tmp, "big.jsonl")
        synthetic_snapshot(snap, objects=260000)
        self.assertGreater(os.path.getsize(snap), 32 << 20)
        xdg = os.path.join(self.tmp, "xdg")
        env = self.env(XDG_CACHE_HOME=xdg)
        first = json.loads(rgtest.run("info", "--json", snap, env=env, check=0).stdout)
        self.assertFalse(first["from_cache"])
        self.assertEqual(sorted(os.listdir(self.tmp)), ["big.jsonl", "xdg"])  # nothing beside it
        self.assertFalse(os.path.exists(snap + ".rgcache"))
        (cfile,) = glob.glob(os.path.join(xdg, "refgraph", "big.jsonl.*.rgcache"))
        self.assertEqual(stat.S_IMODE(os.stat(os.path.join(xdg, "refgraph")).st_mode), 0o700)
        self.assertEqual(stat.S_IMODE(os.stat(cfile).st_mode), 0o600)
        second = json.loads(rgtest.run("info", "--json", snap, env=env, check=0).stdout)
        self.assertTrue(second["from_cache"])
        self.assertEqual(first["objects"], second["objects"])

    def test_home_cache_when_no_xdg(self):
        home = os.path.join(self.tmp, "home")
        os.mkdir(home)
        env = self.env(HOME=home)
        # A relative XDG_CACHE_HOME is invalid (XDG spec) and ignored.
        env["XDG_CACHE_HOME"] = "relative/dir"
        snap = self.small()
        p = rgtest.run("types", snap, env=env, check=0)
        self.assertEqual(p.stderr, "")
        # The directory is ~/.cache/refgraph, made private; a small snapshot
        # is not cached by default, and nothing appears beside it.
        d = os.path.join(home, ".cache", "refgraph")
        self.assertEqual(stat.S_IMODE(os.stat(d).st_mode), 0o700)
        self.assertEqual(os.listdir(d), [])
        self.assertEqual(sorted(os.listdir(self.tmp)), ["home", "s.jsonl"])

    def test_unusable_default_dir_is_no_concern_of_a_small_snapshot(self):
        # Every small open would otherwise repeat the note, though no cache was due.
        blocker = os.path.join(self.tmp, "file")
        open(blocker, "w").close()
        snap = self.small()
        p = rgtest.run("types", snap, env=self.env(XDG_CACHE_HOME=os.path.join(blocker, "x")), check=0)
        self.assertEqual(p.stderr, "")
        # Asked for explicitly, the same directory is a note.
        p = rgtest.run("types", "--cache-dir", os.path.join(blocker, "x"), snap, env=self.env(), check=0)
        self.assertIn("cannot create directory", p.stderr)

    def test_cache_dir_is_created_0700(self):
        snap = self.small()
        cache = os.path.join(self.tmp, "a", "b", "cache")
        p = rgtest.run("info", "--json", "--cache-dir", cache, snap, env=self.env(), check=0)
        self.assertEqual(p.stderr, "")
        self.assertEqual(len(glob.glob(os.path.join(cache, "s.jsonl.*.rgcache"))), 1)
        for d in (os.path.join(self.tmp, "a"), cache):
            self.assertEqual(stat.S_IMODE(os.stat(d).st_mode), 0o700, d)
        self.assertTrue(rgtest.run_json("info", "--cache-dir", cache, snap)["from_cache"])

    def test_two_snapshots_of_one_name_get_two_caches(self):
        cache = os.path.join(self.tmp, "cache")
        a = self.small("s.jsonl")
        os.mkdir(os.path.join(self.tmp, "other"))
        b = os.path.join(self.tmp, "other", "s.jsonl")
        shutil.copy(os.path.join(rgtest.DATA, "small.jsonl"), b)
        for snap in (a, b):
            rgtest.run("info", "--cache-dir", cache, snap, env=self.env(), check=0)
        self.assertEqual(len(glob.glob(os.path.join(cache, "s.jsonl.*.rgcache"))), 2)

    def refused(self, cache, why):
        snap = self.small()
        want = rgtest.run("types", "--json", "--no-cache", snap, check=0).stdout
        before = sorted(os.listdir(cache)) if os.path.isdir(cache) else None
        p = rgtest.run("types", "--json", "--cache-dir", cache, snap, env=self.env(), check=0)
        self.assertEqual(p.stdout, want)
        self.assertIn("index cache directory", p.stderr)
        self.assertIn(why, p.stderr)
        if before is not None:
            self.assertEqual(sorted(os.listdir(cache)), before, "a cache was written in a refused directory")

    def test_symlinked_cache_dir_is_refused(self):
        real = os.path.join(self.tmp, "real")
        os.mkdir(real, 0o700)
        link = os.path.join(self.tmp, "link")
        os.symlink(real, link)
        self.refused(link, "symbolic link")
        self.assertEqual(os.listdir(real), [])

    def test_world_writable_cache_dir_is_refused(self):
        cache = os.path.join(self.tmp, "open")
        os.mkdir(cache)
        os.chmod(cache, 0o777)
        self.refused(cache, "writable by every user")
        # With the sticky bit (as /tmp has) it is fine.
        os.chmod(cache, 0o1777)
        snap = self.small()
        p = rgtest.run("types", "--cache-dir", cache, snap, env=self.env(), check=0)
        self.assertEqual(p.stderr, "")
        self.assertEqual(len(os.listdir(cache)), 1)

    def test_cache_dir_of_another_user_is_refused(self):
        if os.geteuid() != 0:
            self.skipTest("needs root to give a directory to another user")
        cache = os.path.join(self.tmp, "theirs")
        os.mkdir(cache, 0o755)
        os.chown(cache, 4321, 4321)
        self.refused(cache, "owned by another user")

    def test_lru_eviction_under_the_cap(self):
        cache = os.path.join(self.tmp, "cache")
        snaps = [self.small(f"{n}.jsonl") for n in ("a", "b", "c")]
        a, b, c = snaps
        for snap in (a, b):
            rgtest.run("info", "--cache-dir", cache, snap, env=self.env(), check=0)
        (ca,) = glob.glob(os.path.join(cache, "a.jsonl.*"))
        (cb,) = glob.glob(os.path.join(cache, "b.jsonl.*"))
        # a was used long ago, b later; then a cache hit on a makes it the newest.
        os.utime(ca, (1000, 1000))
        os.utime(cb, (2000, 2000))
        self.assertTrue(rgtest.run_json("info", "--cache-dir", cache, a)["from_cache"])
        self.assertGreater(os.stat(ca).st_mtime, 2000)
        size = os.path.getsize(ca)
        # Room for two caches: writing c evicts the least recently used, b.
        cap = str(2 * size + size // 2)
        rgtest.run("info", "--cache-dir", cache, "--cache-max", cap, c, env=self.env(), check=0)
        left = sorted(os.path.basename(f).split(".")[0] for f in glob.glob(os.path.join(cache, "*.rgcache")))
        self.assertEqual(left, ["a", "c"])
        # The same cap from the environment; a file that is not a cache is never touched.
        other = os.path.join(cache, "notes.txt")
        with open(other, "w") as f:
            f.write("x" * (4 * size))
        os.utime(glob.glob(os.path.join(cache, "a.jsonl.*"))[0], (1000, 1000))
        rgtest.run("info", "--cache-dir", cache, b, env=self.env(REFGRAPH_CACHE_MAX=cap), check=0)
        left = sorted(os.path.basename(f).split(".")[0] for f in glob.glob(os.path.join(cache, "*.rgcache")))
        self.assertEqual(left, ["b", "c"])
        self.assertTrue(os.path.exists(other))

    def test_bad_cache_max_is_a_usage_error(self):
        snap = self.small()
        for bad in ("lots", "-1", "0", "5X"):
            p = rgtest.run("info", "--cache-max", bad, snap, check=2)
            self.assertIn("--cache-max needs a size", p.stderr)
        rgtest.run("info", "--cache-max", "64MiB", "--no-cache", snap, check=0)


if __name__ == "__main__":
    rgtest.main()
