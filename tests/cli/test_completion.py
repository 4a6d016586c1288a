"""Shell completions: generated at build time by 'refgraph --completion
bash|zsh|fish' from the option tables getopt_long parses, installed where
bash, zsh and fish look. bash is exercised for real; for every command, every
option its --help lists is offered by all three scripts."""
import os
import re
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from rgtest import BUILD, SANITIZED, TempDirTest, main, run  # noqa: E402


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def commands():
    out = run("--help", check=0).stdout
    block = out.split("commands:\n", 1)[1].split("\n\n", 1)[0]
    return [line.split()[0] for line in block.splitlines() if line.strip()]


def help_options(cmd):
    """The long options a command's --help lists as entries (lines that
    start with an option), e.g. '  --top N  ...', '  -o, --output FILE ...',
    '  --no-cache, --cache-dir DIR, --cache-max SIZE  ...'."""
    opts = set()
    for line in run(cmd, "--help", check=0).stdout.splitlines():
        if line.lstrip().startswith("-") and line.startswith(" "):
            entry = re.split(r"\s{2,}", line.strip())[0]
            opts.update(re.findall(r"(?<![\w-])--([a-z][a-z-]+)", entry))
    return opts


@unittest.skipIf(SANITIZED, "the install is checked in the normal build")
class Completion(TempDirTest):
    @classmethod
    def setUpClass(cls):
        import tempfile
        cls.prefix = tempfile.mkdtemp(prefix="rgcomp-")
        p = subprocess.run(["cmake", "--install", BUILD, "--prefix", cls.prefix], capture_output=True, text=True)
        assert p.returncode == 0, p.stderr
        share = os.path.join(cls.prefix, "share")
        cls.bash = os.path.join(share, "bash-completion", "completions", "refgraph")
        cls.zsh = os.path.join(share, "zsh", "site-functions", "_refgraph")
        cls.fish = os.path.join(share, "fish", "vendor_completions.d", "refgraph.fish")

    @classmethod
    def tearDownClass(cls):
        import shutil
        shutil.rmtree(cls.prefix, ignore_errors=True)

    def complete(self, *words, cwd=None):
        """COMPREPLY of the installed bash completion for `refgraph WORDS...`
        (the last word is the one being completed)."""
        arr = " ".join("'" + w + "'" for w in ("refgraph",) + words)
        script = f"source '{self.bash}'; COMP_WORDS=({arr}); COMP_CWORD={len(words)}; _refgraph; " \
                 "printf '%s\\n' \"${COMPREPLY[@]}\""
        p = subprocess.run(["bash", "--norc", "--noprofile", "-c", script], capture_output=True, text=True,
                           cwd=cwd, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        return [w for w in p.stdout.splitlines() if w]

    def test_installed_in_the_standard_places(self):
        for f in (self.bash, self.zsh, self.fish):
            self.assertTrue(os.path.isfile(f), f)
        self.assertTrue(read(self.zsh).startswith("#compdef refgraph"))
        # the installed scripts are what the binary prints now
        for shell, f in (("bash", self.bash), ("zsh", self.zsh), ("fish", self.fish)):
            self.assertEqual(read(f), run("--completion", shell, check=0).stdout, shell)
        p = run("--completion", "tcsh", check=2)
        self.assertIn("bash, zsh or fish", p.stderr)

    def test_bash_completes_commands_options_and_files(self):
        # as the brief spells it: COMP_WORDS=(refgraph su); COMP_CWORD=1
        p = subprocess.run(["bash", "-c", f"source '{self.bash}'; COMP_WORDS=(refgraph su); COMP_CWORD=1; "
                            "_refgraph; echo ${COMPREPLY[@]}"], capture_output=True, text=True, timeout=60)
        self.assertEqual(p.stdout.strip(), "suspects")
        self.assertEqual(sorted(self.complete("d")), ["diff", "dominators"])
        self.assertEqual(sorted(self.complete("chain", "--ign")), ["--ignore-edge", "--ignore-type"])
        self.assertEqual(self.complete("diff", "--fail"), ["--fail-if-grows"])
        self.assertEqual(self.complete("help", "repo"), ["report"])
        # dominators shares suspects' table but refuses --min-instances
        self.assertEqual(self.complete("suspects", "--min-i"), ["--min-instances"])
        self.assertEqual(self.complete("dominators", "--min-i"), [])
        # snapshots and option values are files
        os.mkdir(os.path.join(self.tmp, "snaps"))
        open(os.path.join(self.tmp, "snap-0001.jsonl"), "w").close()
        self.assertEqual(self.complete("info", "snap-", cwd=self.tmp), ["snap-0001.jsonl"])
        self.assertEqual(sorted(self.complete("info", "--cache-dir", "sn", cwd=self.tmp)),
                         ["snap-0001.jsonl", "snaps"])

    def test_every_option_of_every_command_is_offered(self):
        bash, zsh, fish = (read(f) for f in (self.bash, self.zsh, self.fish))
        for cmd in commands():
            with self.subTest(cmd=cmd):
                opts = help_options(cmd)
                self.assertTrue(opts, cmd)
                got = {o[2:] for o in self.complete(cmd, "--")}
                self.assertEqual(sorted(opts - got), [], f"bash does not offer these options of {cmd}")
                zsh_part = zsh.split(f"\n    {cmd})\n", 1)[1].split(";;", 1)[0]
                fish_lines = [ln for ln in fish.splitlines() if f"__fish_seen_subcommand_from {cmd}\"" in ln]
                for o in opts:
                    self.assertRegex(zsh_part, rf"'--{re.escape(o)}[=\[]", f"zsh: {cmd} --{o}")
                    self.assertTrue(any(f" -l {o} " in ln or ln.endswith(f" -l {o}") for ln in fish_lines),
                                    f"fish: {cmd} --{o}")


if __name__ == "__main__":
    main()
