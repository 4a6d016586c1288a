"""Man pages: refgraph(1), one page per command and refgraph-snapshot(5),
rendered at build time from docs/man/*.md by cmark-gfm's man renderer,
installed by cmake --install under share/man/man1 and man5, and readable
with man -l. Every option a command's --help lists is in its page, so the
pages cannot drift from the options unnoticed."""
import os
import re
import shutil
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import rgtest  # noqa: E402
from rgtest import BUILD, SANITIZED, TempDirTest, main, run  # noqa: E402


def commands():
    out = run("--help", check=0).stdout
    block = out.split("commands:\n", 1)[1].split("\n\n", 1)[0]
    return [line.split()[0] for line in block.splitlines() if line.strip()]


@unittest.skipIf(SANITIZED, "the install is checked in the normal build")
@unittest.skipIf(shutil.which("man") is None, "man (man-db) is not installed: scripts/deps.sh")
class ManPages(TempDirTest):
    def setUp(self):
        super().setUp()
        self.prefix = os.path.join(self.tmp, "prefix")
        p = subprocess.run(["cmake", "--install", BUILD, "--prefix", self.prefix], capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)

    def man(self, section, page):
        path = os.path.join(self.prefix, "share", "man", f"man{section}", f"{page}.{section}")
        self.assertTrue(os.path.exists(path), f"{path} not installed")
        env = dict(os.environ, LC_ALL="C", MANWIDTH="200", MANPAGER="cat", PAGER="cat")
        p = subprocess.run(["man", "-l", path], capture_output=True, text=True, env=env, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stderr.strip(), "", f"{page}: man warns:\n{p.stderr}")
        return p.stdout

    def test_every_command_has_a_page_with_its_options(self):
        cmds = commands()
        self.assertIn("chain", cmds)
        for cmd in cmds:
            with self.subTest(cmd=cmd):
                text = self.man(1, f"refgraph-{cmd}")
                self.assertTrue(text.startswith(f"REFGRAPH-{cmd.upper()}(1)"), text[:80])
                for heading in ("NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "EXIT STATUS", "SEE ALSO"):
                    self.assertRegex(text, rf"(?m)^{heading}$", f"{cmd}: no {heading}")
                self.assertIn(f"refgraph-{cmd} - ", text)
                self.assertIn(f"refgraph {cmd}", text.split("SYNOPSIS", 1)[1].split("DESCRIPTION", 1)[0])
                # every long option the command's --help names is in its page
                options = set(re.findall(r"(?<![\w-])--[a-z][a-z-]+", run(cmd, "--help", check=0).stdout))
                self.assertTrue(options, cmd)
                body = text.split("SYNOPSIS", 1)[1]
                missing = sorted(o for o in options if o not in body)
                self.assertEqual(missing, [], f"refgraph-{cmd}(1) lacks options its --help lists")

    def test_main_page_and_snapshot_format(self):
        text = self.man(1, "refgraph")
        for heading in ("NAME", "SYNOPSIS", "COMMANDS", "OPTIONS", "EXIT STATUS", "ENVIRONMENT"):
            self.assertRegex(text, rf"(?m)^{heading}$")
        for cmd in commands():
            self.assertIn(f"refgraph-{cmd}(1)", text)
        text = self.man(5, "refgraph-snapshot")
        self.assertTrue(text.startswith("REFGRAPH-SNAPSHOT(5)"))
        for word in ("NAME", "SYNOPSIS", "RECORDS", "dangling", '"rec":"header"'):
            self.assertIn(word, text)

    def test_man_finds_the_pages_by_name(self):
        # As a user types it after the install: man refgraph-chain
        env = dict(os.environ, LC_ALL="C", MANWIDTH="120", MANPAGER="cat", PAGER="cat",
                   MANPATH=os.path.join(self.prefix, "share", "man"))
        p = subprocess.run(["man", "refgraph-chain"], capture_output=True, text=True, env=env, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("--ignore-type", p.stdout)


if __name__ == "__main__":
    main()
