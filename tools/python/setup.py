"""The C parts of the refgraph package (pyproject.toml has the rest).

refgraph._core links against the librefgraph that `cmake --install` put in a prefix,
found through pkg-config: set PKG_CONFIG_PATH=PREFIX/lib/pkgconfig (or install refgraph
where pkg-config looks already). The library's directory is recorded as the module's
rpath, so `import refgraph` needs no LD_LIBRARY_PATH. _refgraph_accel, the dumper's
optional accelerator, needs only the Python headers.
"""
import os
import shlex
import subprocess
import sys

from setuptools import Extension, setup

HERE = os.path.dirname(os.path.abspath(__file__))


def pkg_config(*args):
    """pkg-config's answer for refgraph, split like a shell would; exits with a message
    that says what to do when refgraph.pc is not found."""
    # --define-prefix: a prefix that was moved (or installed with --prefix into a
    # temporary directory) is found from where refgraph.pc is, not where it was
    # configured for.
    cmd = ["pkg-config", "--define-prefix", *args, "refgraph"]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True)
    except FileNotFoundError:
        sys.exit("refgraph: pkg-config is not installed; it finds librefgraph (apt-get install pkg-config)")
    if p.returncode != 0:
        sys.exit("refgraph: pkg-config cannot find refgraph.pc (%s).\n"
                 "Build and install the library first, then point pkg-config at it:\n"
                 "  cmake --install build --prefix PREFIX\n"
                 "  PKG_CONFIG_PATH=PREFIX/lib/pkgconfig pip install --no-build-isolation ./tools/python"
                 % p.stderr.strip())
    return shlex.split(p.stdout)


def core_extension():
    cflags = pkg_config("--cflags")
    libs = pkg_config("--libs")
    include_dirs = [f[2:] for f in cflags if f.startswith("-I")]
    library_dirs = [f[2:] for f in libs if f.startswith("-L")]
    libraries = [f[2:] for f in libs if f.startswith("-l")]
    return Extension(
        "refgraph._core",
        sources=[os.path.join("refgraph", "_core.c")],
        include_dirs=include_dirs,
        library_dirs=library_dirs,
        libraries=libraries,
        runtime_library_dirs=library_dirs,
        extra_compile_args=["-std=c11", "-Wall", "-fvisibility=hidden"],
    )


def accel_extension():
    return Extension("_refgraph_accel", sources=["_refgraph_accel.c"],
                     extra_compile_args=["-Wall", "-fvisibility=hidden"])


os.chdir(HERE)
setup(ext_modules=[core_extension(), accel_extension()])
