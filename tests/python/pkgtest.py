"""Shared by the tests of the refgraph Python package (test_pypkg_*.py): install it the
way the README says, into a fresh virtual environment, from a `cmake --install` prefix.

    prefix = cmake --install $REFGRAPH_BUILD --prefix TMP/prefix
    python -m venv TMP/venv
    PKG_CONFIG_PATH=TMP/prefix/lib/pkgconfig TMP/venv/bin/python -m pip install \\
        --no-build-isolation --no-index TMP/src        (a copy of tools/python)

The copy keeps the source tree clean and lets tests run in parallel. The interpreter is
the one CMake found (Python3_EXECUTABLE, which runs these scripts), except for the
pytest plugin's session, which needs an interpreter that has pytest (pytest_python()).
"""
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "cli"))
from rgtest import BUILD, SANITIZED, SRC, skip_if_render_off  # noqa: E402,F401

PYDIR = os.path.join(SRC, "tools", "python")
# Debian's python3-pytest (scripts/deps.sh) installs for this interpreter.
DEBIAN_PYTHON = "/usr/bin/python3"


def sh(*cmd, env=None, cwd=None, timeout=600):
    p = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, env=env, cwd=cwd,
                       timeout=timeout)
    if p.returncode != 0:
        skip_if_render_off(p.stderr)
        raise AssertionError("%s failed (%d):\n%s\n%s" % (" ".join(map(str, cmd)), p.returncode,
                                                           p.stdout[-4000:], p.stderr[-4000:]))
    return p.stdout


def skip_reason():
    """Why the package cannot be built here, or None."""
    if SANITIZED:
        return "the ASan build's librefgraph cannot be loaded into an uninstrumented python"
    if shutil.which("pkg-config") is None:
        return "pkg-config is not installed"
    return None


def has_pytest(python):
    return subprocess.run([python, "-c", "import pytest"], capture_output=True).returncode == 0


def pytest_python():
    """An interpreter that has pytest: the one running the tests if it has it, else
    Debian's (python3-pytest), else None."""
    if has_pytest(sys.executable):
        return sys.executable
    if os.path.exists(DEBIAN_PYTHON) and has_pytest(DEBIAN_PYTHON):
        return DEBIAN_PYTHON
    return None


def install_package(tmp, python=None, system_site_packages=False):
    """Install the library into tmp/prefix and the package into a new venv in tmp/venv;
    return the venv's python."""
    prefix = os.path.join(tmp, "prefix")
    sh("cmake", "--install", BUILD, "--prefix", prefix)
    src = os.path.join(tmp, "src")
    shutil.copytree(PYDIR, src, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    venv = os.path.join(tmp, "venv")
    sh(python or sys.executable, "-m", "venv", *(["--system-site-packages"] if system_site_packages else []),
       venv)
    vpy = os.path.join(venv, "bin", "python")
    pcdirs = [os.path.join(prefix, d, "pkgconfig") for d in ("lib", "lib64", "lib/x86_64-linux-gnu")]
    env = dict(os.environ, PKG_CONFIG_PATH=os.pathsep.join(pcdirs), PIP_DISABLE_PIP_VERSION_CHECK="1")
    env.pop("PYTHONPATH", None)
    sh(vpy, "-m", "pip", "install", "--no-build-isolation", "--no-index", "--no-cache-dir", src, env=env)
    return vpy


def venv_env():
    """The environment for running the venv's python: nothing from the source tree."""
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    env.pop("LD_LIBRARY_PATH", None)
    return env
