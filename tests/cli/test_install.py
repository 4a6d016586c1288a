"""The install: header, shared and static library, pkg-config file and CMake
package. An embedder's program builds against each, and only rg_ symbols are
exported."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from rgtest import BUILD, DATA, SANITIZED, SRC, TempDirTest, main  # noqa: E402
import unittest  # noqa: E402


def sh(*cmd, env=None, cwd=None):
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=cwd)
    if p.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} failed:\n{p.stdout}\n{p.stderr}")
    return p.stdout


@unittest.skipIf(SANITIZED, "install layout is checked in the normal build")
class Install(TempDirTest):
    def setUp(self):
        super().setUp()
        self.prefix = os.path.join(self.tmp, "prefix")
        sh("cmake", "--install", BUILD, "--prefix", self.prefix)

    def test_layout(self):
        for rel in ("include/refgraph.h", "include/refgraph/common.h", "include/refgraph/report.h",
                    "bin/refgraph"):
            self.assertTrue(os.path.exists(os.path.join(self.prefix, rel)), rel)
        libdirs = [d for d in ("lib", "lib64", "lib/x86_64-linux-gnu") if
                   os.path.exists(os.path.join(self.prefix, d, "pkgconfig", "refgraph.pc"))]
        self.assertTrue(libdirs, "refgraph.pc installed")
        libdir = os.path.join(self.prefix, libdirs[0])
        self.assertTrue(os.path.exists(os.path.join(libdir, "librefgraph.a")))
        self.assertTrue(os.path.exists(os.path.join(libdir, "cmake", "refgraph", "refgraphConfig.cmake")))
        self.libdir = libdir

    def test_only_rg_symbols_exported(self):
        self.test_layout()
        so = os.path.join(self.libdir, "librefgraph.so")
        out = sh("nm", "-D", "--defined-only", so)
        syms = [line.split()[-1] for line in out.splitlines() if line.split()[1] in ("T", "D", "B", "R")]
        self.assertTrue(any(s == "rg_snapshot_open" for s in syms))
        stray = [s for s in syms if not s.startswith("rg_") and not s.startswith("_")]
        self.assertEqual(stray, [], "symbols outside the rg_ namespace are exported")

    def test_pkg_config_build(self):
        self.test_layout()
        env = dict(os.environ, PKG_CONFIG_PATH=os.path.join(self.libdir, "pkgconfig"))
        # --define-prefix: the test installs into a temporary prefix, not the configured one.
        flags = sh("pkg-config", "--define-prefix", "--cflags", "--libs", "refgraph", env=env).split()
        exe = os.path.join(self.tmp, "embed-pc")
        sh("cc", "-std=c11", "-Wall", "-Werror", os.path.join(SRC, "examples", "embed", "embed.c"),
           "-o", exe, *flags, "-Wl,-rpath," + self.libdir)
        out = sh(exe, os.path.join(DATA, "small.jsonl"))
        self.assertIn("9 objects", out)
        self.assertIn("tuple", out)
        self.assertIn("collections.deque [0]", out)

    def test_cmake_package_build(self):
        b = os.path.join(self.tmp, "build-embed")
        sh("cmake", "-S", os.path.join(SRC, "examples", "embed"), "-B", b,
           "-DCMAKE_PREFIX_PATH=" + self.prefix)
        sh("cmake", "--build", b)
        out = sh(os.path.join(b, "embed"), os.path.join(DATA, "small.jsonl"))
        self.assertIn("9 objects", out)


if __name__ == "__main__":
    main()
