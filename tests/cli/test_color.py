"""Colour and the progress line, through a pseudo-terminal and through a pipe.

- suspects, diff and info colour their headings and verdicts on a terminal;
- never in a pipe; not with NO_COLOR (any non-empty value) or --color=never;
  --color=always forces it;
- a load shows a progress line on stderr when stderr is a terminal (after
  about a second; REFGRAPH_PROGRESS_DELAY_MS=0 shows it at once, so the test
  does not depend on timing), erased when done; never in a pipe.
"""
import json
import os
import pty
import select
import subprocess
import sys
import threading
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rgtest  # noqa: E402

ESC = "\x1b["
BOLD = "\x1b[1m"


def read_all(fd):
    chunks = []
    while True:
        try:
            r, _, _ = select.select([fd], [], [], 60)
            if not r:
                break
            data = os.read(fd, 65536)
        except OSError:  # EIO: the other side closed
            break
        if not data:
            break
        chunks.append(data)
    return b"".join(chunks).decode("utf-8", "replace")


def run_tty(*args, env=None, tty_out=True, tty_err=True):
    """Run the CLI with stdout and/or stderr on their own pseudo-terminals;
    returns (status, stdout, stderr) as the terminal received them."""
    fds, kw = [], {}
    for name, on in (("stdout", tty_out), ("stderr", tty_err)):
        if on:
            master, slave = pty.openpty()
            fds.append((name, master, slave))
            kw[name] = slave
        else:
            kw[name] = subprocess.PIPE
    p = subprocess.Popen([rgtest.REFGRAPH, *map(str, args)], stdin=subprocess.DEVNULL, env=env, **kw)
    for _, _, slave in fds:
        os.close(slave)
    out = {}
    # Both terminals are drained together, so a full one never blocks the other.
    threads = []
    for name, master, _ in fds:
        t = threading.Thread(target=lambda n=name, m=master: out.__setitem__(n, read_all(m)))
        t.start()
        threads.append(t)
    pipe_out, pipe_err = p.communicate(timeout=600)
    for t in threads:
        t.join()
    for _, master, _ in fds:
        os.close(master)
    stdout = out.get("stdout", (pipe_out or b"").decode())
    stderr = out.get("stderr", (pipe_err or b"").decode())
    rgtest.skip_if_render_off(stderr)
    return p.returncode, stdout.replace("\r\n", "\n"), stderr


class ColorTest(rgtest.TempDirTest):
    @classmethod
    def setUpClass(cls):
        import tempfile
        cls.dir = tempfile.mkdtemp(prefix="rgcolor-")
        if not rgtest.have_dumper():
            raise unittest.SkipTest("no dumper")
        cls.snaps = []
        for users in (300, 3000):
            out = os.path.join(cls.dir, f"u{users}")
            cls.snaps.append(rgtest.dump_example("dict_cache.py", out, "--users", users, "--seconds", 0,
                                                 timeout=120)[-1])

    @classmethod
    def tearDownClass(cls):
        import shutil
        shutil.rmtree(cls.dir, ignore_errors=True)

    def env(self, **kw):
        e = dict(os.environ, TERM="xterm")
        e.pop("NO_COLOR", None)
        e.update(kw)
        return e

    def test_suspects_coloured_on_a_terminal_only(self):
        snap = self.snaps[-1]
        rc, out, _ = run_tty("suspects", "--no-cache", snap, env=self.env())
        self.assertEqual(rc, 0)
        self.assertIn(BOLD + "Leak suspects in", out)
        self.assertIn(BOLD + "#1  ", out)
        # one snapshot cannot show growth: the cache is a possible leak (yellow),
        # the str keys below the threshold are no leak (green)
        self.assertIn("verdict:       \x1b[1;33mpossible leak\x1b[0m", out)
        self.assertIn("verdict:       \x1b[32mno leak\x1b[0m", out)
        piped = rgtest.run("suspects", "--no-cache", snap, env=self.env(), check=0).stdout
        self.assertNotIn("\x1b", piped)
        # the same text, less the escapes
        import re
        self.assertEqual(re.sub(r"\x1b\[[0-9;]*m", "", out), piped)

    def test_no_color_and_never(self):
        snap = self.snaps[-1]
        for env, extra in ((self.env(NO_COLOR="1"), ()), (self.env(), ("--color=never",)),
                           (self.env(NO_COLOR="yes"), ("--color", "auto"))):
            rc, out, _ = run_tty("suspects", "--no-cache", *extra, snap, env=env)
            self.assertEqual(rc, 0)
            self.assertIn("Leak suspects in", out)
            self.assertNotIn(ESC, out, (extra, env.get("NO_COLOR")))
        # An empty NO_COLOR does not count (no-color.org).
        _, out, _ = run_tty("info", "--no-cache", snap, env=self.env(NO_COLOR=""))
        self.assertIn(BOLD + "file:", out)
        # --color=always overrides a pipe and NO_COLOR.
        p = rgtest.run("info", "--no-cache", "--color=always", snap, env=self.env(NO_COLOR="1"), check=0)
        self.assertIn(BOLD + "file:", p.stdout)
        p = rgtest.run("info", "--color=sometimes", snap, check=2)
        self.assertIn("--color takes auto, always or never", p.stderr)

    def test_diff_and_info_headings(self):
        rc, out, _ = run_tty("diff", "--no-cache", *self.snaps, env=self.env())
        self.assertEqual(rc, 0)
        self.assertIn(BOLD + "Growth over 2 snapshots", out)
        self.assertIn(BOLD + "Types that grew most", out)
        self.assertIn(BOLD + "Verdict:", out)
        self.assertNotIn("\x1b", rgtest.run("diff", "--no-cache", *self.snaps, check=0).stdout)
        rc, out, _ = run_tty("info", "--no-cache", self.snaps[0], env=self.env())
        self.assertIn(BOLD + "file:", out)
        self.assertNotIn("\x1b", rgtest.run("info", "--no-cache", self.snaps[0], check=0).stdout)

    def test_progress_line_on_a_terminal_erased(self):
        env = self.env(REFGRAPH_PROGRESS_DELAY_MS="0")
        rc, out, err = run_tty("types", "--no-cache", self.snaps[-1], env=env, tty_out=False)
        self.assertEqual(rc, 0)
        self.assertIn("refgraph: loading ", err)
        # erased when done: the last thing on the line is a carriage return and clear
        self.assertTrue(err.endswith("\r\x1b[K"), repr(err[-80:]))
        self.assertNotIn("\x1b", out)
        # in a pipe: never
        p = rgtest.run("types", "--no-cache", self.snaps[-1], env=env, check=0)
        self.assertNotIn("loading", p.stderr)
        self.assertNotIn("\r", p.stderr)
        self.assertNotIn("\x1b", p.stderr)
        # stdout on a terminal, stderr in a pipe: no progress either
        rc, out, err = run_tty("types", "--no-cache", self.snaps[-1], env=env, tty_err=False)
        self.assertEqual(err, "")

    def test_progress_line_for_analyses(self):
        env = self.env(REFGRAPH_PROGRESS_DELAY_MS="0")
        for cmd, what in (("suspects", "analysing suspects"), ("dominators", "analysing dominators")):
            rc, out, err = run_tty(cmd, "--no-cache", self.snaps[-1], env=env, tty_out=False)
            self.assertEqual(rc, 0, err)
            self.assertIn("refgraph: " + what + " (0 s)", err)
            # the load's line, then the analysis's, each erased when done
            self.assertLess(err.index("refgraph: loading "), err.index("refgraph: " + what))
            self.assertTrue(err.endswith("\r\x1b[K"), repr(err[-80:]))
            self.assertNotIn("\x1b", out)
            # in a pipe: never
            p = rgtest.run(cmd, "--no-cache", self.snaps[-1], env=env, check=0)
            self.assertNotIn("analysing", p.stderr)
            self.assertNotIn("\x1b", p.stderr)
        rc, out, err = run_tty("diff", "--no-cache", *self.snaps, env=env, tty_out=False)
        self.assertEqual(rc, 0, err)
        self.assertIn("refgraph: summarising " + self.snaps[0], err)
        self.assertIn("refgraph: summarising " + self.snaps[1], err)
        self.assertIn("refgraph: analysing suspects", err)
        rc, out, err = run_tty("report", "--no-cache", *self.snaps, "--json", env=env, tty_out=False)
        self.assertEqual(rc, 0, err)
        self.assertIn("refgraph: analysing the snapshots for the report", err)
        self.assertGreater(json.loads(out)["snapshots"][0]["objects"], 0)


if __name__ == "__main__":
    rgtest.main()
