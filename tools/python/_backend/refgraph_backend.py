"""A PEP 517 build backend that needs nothing but setuptools.

`pip install --no-build-isolation ./tools/python` must work offline with the setuptools
the interpreter has. setuptools.build_meta cannot build a wheel without the separate
`wheel` package (its bdist_wheel command lives there), and neither a fresh venv (whose
ensurepip bundles pip and setuptools only) nor pyenv's Python has it. So this backend
lets setuptools do what it can do alone, `egg_info` (the metadata, from pyproject.toml's
[project] table) and `build` (the Python files and the C extensions, from setup.py), and
packs the result into a wheel itself (PEP 427: a zip with a .dist-info directory).
"""
import base64
import hashlib
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import zipfile

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def get_requires_for_build_wheel(config_settings=None):
    return []


def _wheel_tag():
    v = "cp%d%d" % sys.version_info[:2]
    if sys.implementation.name != "cpython":
        v = sys.implementation.name[:2] + "%d%d" % sys.version_info[:2]
    abi = "cp%d%d" % sys.version_info[:2] if sys.implementation.name == "cpython" else "none"
    if sysconfig.get_config_var("Py_DEBUG"):
        abi += "d"
    plat = sysconfig.get_platform().replace("-", "_").replace(".", "_")
    return "%s-%s-%s" % (v, abi, plat)


def _metadata(egg_info):
    """name, version and the dist-info files made from setuptools' egg-info."""
    with open(os.path.join(egg_info, "PKG-INFO"), encoding="utf-8") as f:
        pkg_info = f.read()
    fields = dict(line.split(": ", 1) for line in pkg_info.splitlines()
                  if ": " in line and not line.startswith(" "))
    files = {"METADATA": pkg_info}
    for name in ("entry_points.txt", "top_level.txt"):
        p = os.path.join(egg_info, name)
        if os.path.exists(p):
            with open(p, encoding="utf-8") as f:
                files[name] = f.read()
    return fields["Name"], fields["Version"], files


def _record_line(arcname, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return "%s,sha256=%s,%d" % (arcname, digest, len(data))


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    tmp = tempfile.mkdtemp(prefix="refgraph-wheel-")
    try:
        lib = os.path.join(tmp, "lib")
        # Build outside the source tree: two builds at once must not share build/.
        subprocess.run([sys.executable, "setup.py", "-q", "egg_info", "--egg-base", tmp,
                        "build", "--build-base", os.path.join(tmp, "build"), "--build-lib", lib],
                       cwd=HERE, check=True, stdout=sys.stderr)
        egg_info = next(os.path.join(tmp, d) for d in os.listdir(tmp) if d.endswith(".egg-info"))
        name, version, meta = _metadata(egg_info)
        tag = _wheel_tag()
        dist = "%s-%s" % (name.replace("-", "_"), version)
        meta["WHEEL"] = ("Wheel-Version: 1.0\nGenerator: refgraph_backend\n"
                         "Root-Is-Purelib: false\nTag: %s\n" % tag)
        wheel_name = "%s-%s.whl" % (dist, tag)
        record = []
        with zipfile.ZipFile(os.path.join(wheel_directory, wheel_name), "w",
                             zipfile.ZIP_DEFLATED) as z:
            for root, dirs, files in os.walk(lib):
                dirs.sort()
                for f in sorted(files):
                    if f.endswith((".pyc", ".pyo")):
                        continue
                    path = os.path.join(root, f)
                    arc = os.path.relpath(path, lib).replace(os.sep, "/")
                    with open(path, "rb") as fh:
                        data = fh.read()
                    z.writestr(zipfile.ZipInfo(arc, (1980, 1, 1, 0, 0, 0)), data,
                               zipfile.ZIP_DEFLATED)
                    record.append(_record_line(arc, data))
            for f, text in sorted(meta.items()):
                arc = "%s.dist-info/%s" % (dist, f)
                data = text.encode("utf-8")
                z.writestr(arc, data)
                record.append(_record_line(arc, data))
            record.append("%s.dist-info/RECORD,," % dist)
            z.writestr("%s.dist-info/RECORD" % dist, "\n".join(record) + "\n")
        return wheel_name
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
