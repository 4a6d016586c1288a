"""docs/recipes.md: the blocks marked <!-- test: NAME --> are run exactly as
written, with bash, in a scratch directory where examples/ is this
repository's, the built refgraph first on PATH and the dumper on PYTHONPATH.
Each test checks what the recipe says happens."""
import os
import re
import shutil
import subprocess
import sys
import tarfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rgtest  # noqa: E402
from rgtest import PYDIR, REFGRAPH, SRC, TempDirTest, main  # noqa: E402

RECIPES = os.path.join(SRC, "docs", "recipes.md")


def tested_blocks():
    with open(RECIPES, encoding="utf-8") as f:
        text = f.read()
    return dict(re.findall(r"<!-- test: ([\w-]+) -->\n```sh\n(.*?)```", text, re.S))


class Recipes(TempDirTest):
    def run_recipe(self, name):
        blocks = tested_blocks()
        self.assertIn(name, blocks, f"docs/recipes.md has no block marked 'test: {name}'")
        os.symlink(os.path.join(SRC, "examples"), os.path.join(self.tmp, "examples"))
        bindir = os.path.join(self.tmp, "bin")
        os.mkdir(bindir)
        os.symlink(REFGRAPH, os.path.join(bindir, "refgraph"))
        env = dict(os.environ, PATH=bindir + os.pathsep + os.environ["PATH"], PYTHONPATH=PYDIR,
                   XDG_CACHE_HOME=os.path.join(self.tmp, "cache"), NO_COLOR="1")
        p = subprocess.run(["bash", "-euo", "pipefail", "-c", blocks[name]], cwd=self.tmp, env=env,
                           capture_output=True, text=True, timeout=600)
        rgtest.skip_if_render_off(p.stderr)
        return p

    def test_every_marked_block_is_tested(self):
        names = {n[len("test_"):].replace("_", "-") for n in dir(self) if n.startswith("test_recipe_")}
        self.assertEqual(set(tested_blocks()), {n[len("recipe-"):] for n in names})

    def test_recipe_ci_gate(self):
        if not rgtest.have_dumper():
            self.skipTest("no dumper")
        p = self.run_recipe("ci-gate")
        # as the recipe says: exit 3, 1,800 more UserRecord objects against 1,000
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertIn("gate tripped: __main__.UserRecord grew by +1,800 objects", p.stderr)
        self.assertIn("Verdict:", p.stdout)

    def test_recipe_report(self):
        if not rgtest.have_dumper():
            self.skipTest("no dumper")
        p = self.run_recipe("report")
        self.assertEqual(p.returncode, 0, p.stderr)
        for f in ("report.md", "report.html"):
            self.assertTrue(os.path.getsize(os.path.join(self.tmp, "leak-report", f)) > 0, f)
        with open(os.path.join(self.tmp, "leak-report", "report.md"), encoding="utf-8") as f:
            self.assertIn("UserRecord", f.read())
        with tarfile.open(os.path.join(self.tmp, "leak-report.tar.gz")) as t:
            names = t.getnames()
        self.assertIn("leak-report/report.html", names)

    def test_recipe_node(self):
        if shutil.which("node") is None:
            self.skipTest("node is not installed (scripts/deps.sh installs nodejs)")
        p = self.run_recipe("node")
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertIn("gate tripped: Session grew by +5,000 objects", p.stderr)


if __name__ == "__main__":
    main()
