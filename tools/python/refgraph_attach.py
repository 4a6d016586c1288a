"""Take refgraph snapshots of a running CPython process that never imported refgraph.

Run by `refgraph attach PID [-o DIR] [--every S --count N]` (tools/refgraph/cmd_attach.c),
or directly: python3 refgraph_attach.py PID -o DIR. See docs/attach.md.

How: a small bootstrap file is written to a temporary directory, and the target runs it:
  - CPython >= 3.14: sys.remote_exec(pid, bootstrap) (PEP 768), run by the target's own
    interpreter binary; the target runs it at its next bytecode.
  - CPython 3.8-3.13: a debugger in batch mode (lldb, else gdb) stops the process,
    dlopen()s refgraph_attach_agent.so in it and calls refgraph_attach_start(line),
    then detaches. Neither call waits for the GIL: the agent starts a thread that takes
    the GIL the ordinary way and runs the line, which exec()s the bootstrap file.
The bootstrap puts the dumper's directory on sys.path for the import only, writes one
snapshot into DIR/run-<pid>-<UTC start>/snap-NNNN-<unixtime>.jsonl, and reports to a
status file; it never raises into the target.

Exit status (docs/cli.md): 0 written; 1 DIR cannot be made; 2 usage; 4 no such process
or not a CPython process; 5 not permitted (ptrace refused, another user's process);
6 timed out: the target's interpreter did not take the call (another thread holds the
GIL, or the main thread is outside the interpreter); 7 no usable debugger, or the
injection or the dump failed.

Standard library only; runs under any python3 >= 3.6 (the target's version is found
from its pid, not from the Python running this script).
"""
import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

EXIT_OK = 0
EXIT_OUTPUT = 1
EXIT_USAGE = 2
EXIT_NO_TARGET = 4
EXIT_DENIED = 5
EXIT_TIMEOUT = 6
EXIT_FAILED = 7

HERE = os.path.dirname(os.path.abspath(__file__))
DUMPER = os.path.join(HERE, "refgraph_dump.py")
PROG = "refgraph attach"
AGENT = "refgraph_attach_agent.so"


class AttachError(Exception):
    def __init__(self, status, message):
        Exception.__init__(self, message)
        self.status = status


# ---------------------------------------------------------------------------
# The target: which process, which interpreter

def _proc_uid(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("Uid:"):
                return int(line.split()[1])
    return None


def _exports_python(path):
    """Does the ELF file at path carry the C API we call? Looks for the symbol names
    in the file (they are in .dynstr when exported)."""
    import mmap
    try:
        with open(path, "rb") as f:
            with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
                return m.find(b"\0PyRun_SimpleString\0") >= 0 and m.find(b"\0PyGILState_Ensure\0") >= 0
    except (OSError, ValueError):
        return False


class Target:
    """A live CPython process: its pid, real interpreter binary, libpython, version."""

    def __init__(self, pid):
        self.pid = pid
        if not os.path.exists("/proc/%d" % pid):
            raise AttachError(EXIT_NO_TARGET, "no process with pid %d" % pid)
        try:
            self.uid = _proc_uid(pid)
            # /proc/PID/exe is what runs now: a launcher shim (pyenv's python3 is a shell
            # script that execs the interpreter) has been replaced by the real binary.
            self.exe = os.readlink("/proc/%d/exe" % pid)
            with open("/proc/%d/maps" % pid) as f:
                maps = f.read()
        except PermissionError:
            raise AttachError(EXIT_DENIED, "pid %d belongs to uid %s: not permitted to inspect it "
                              "(attach as that user, or as root)"
                              % (pid, "?" if getattr(self, "uid", None) is None else self.uid))
        except FileNotFoundError:
            raise AttachError(EXIT_NO_TARGET, "no process with pid %d" % pid)
        except OSError as e:
            raise AttachError(EXIT_NO_TARGET, "pid %d: %s" % (pid, e.strerror))
        self.exe_path = self.exe[:-len(" (deleted)")] if self.exe.endswith(" (deleted)") else self.exe
        self.libpython = None
        for line in maps.splitlines():
            parts = line.split(None, 5)
            if len(parts) == 6 and re.search(r"/libpython3\.\d+[a-z]*\.so", parts[5]):
                self.libpython = parts[5].strip()
                break
        if self.libpython is None and not _exports_python("/proc/%d/exe" % pid):
            raise AttachError(EXIT_NO_TARGET, "pid %d (%s) is not a CPython process: no libpython "
                              "in its memory map and no Python C API in its binary" % (pid, self.exe))
        self.version = self._version()

    def _version(self):
        m = re.search(r"libpython(\d+)\.(\d+)", self.libpython or "")
        if m:
            return int(m.group(1)), int(m.group(2))
        # A statically linked interpreter: ask the same binary.
        try:
            out = subprocess.run(["/proc/%d/exe" % self.pid, "-I", "-S", "-c",
                                  "import sys; print('%d %d' % sys.version_info[:2])"],
                                 capture_output=True, text=True, timeout=30).stdout.split()
            return int(out[0]), int(out[1])
        except (OSError, subprocess.SubprocessError, ValueError, IndexError):
            return None

    def describe(self):
        v = "%d.%d" % self.version if self.version else "unknown version"
        return "pid %d (%s, CPython %s)" % (self.pid, self.exe, v)


# ---------------------------------------------------------------------------
# The bootstrap the target runs

BOOTSTRAP = r'''
# Written by refgraph_attach.py; run once inside the target process.
def _refgraph_attach(claim, status, paths, run_dir, seq, compress, collect):
    import json, os, sys, threading
    def report(d):
        tmp = status + ".tmp"
        with open(tmp, "w") as f:
            json.dump(d, f)
        os.replace(tmp, status)
    try:
        # Whoever creates the claim first decides: this bootstrap (the snapshot is
        # taken) or refgraph attach giving up after --timeout (nothing happens).
        os.close(os.open(claim, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
    except OSError:
        return
    me = threading.get_ident()
    try:
        added = [p for p in paths if p not in sys.path]
        sys.path[0:0] = added
        try:
            import refgraph_dump
        finally:
            for p in added:
                try:
                    sys.path.remove(p)
                except ValueError:
                    pass
        path = os.path.join(run_dir, refgraph_dump.snapshot_name(seq, compress))
        # This thread (the agent's) is the dumper's own: its frames are not rooted.
        refgraph_dump._own_threads.add(me)
        try:
            info = refgraph_dump.dump(path, collect=collect, seq=seq)
        finally:
            refgraph_dump._own_threads.discard(me)
        report({"ok": True, "path": path, "objects": info["objects"], "edges": info["edges"],
                "seconds": info["seconds"], "pid": os.getpid()})
    except BaseException as e:  # never raise into the target (SystemExit would end it)
        try:
            report({"ok": False, "error": "%s: %s" % (type(e).__name__, e)})
        except BaseException:
            pass
_refgraph_attach(@ARGS@)
'''


def _safe_for_injection(path):
    return not any(c in path for c in "'\"\\\n\r\0")


class Job:
    """One injection: the bootstrap file, its status file, and what they say."""

    def __init__(self, workdir, paths, run_dir, seq, compress, collect):
        self.boot = os.path.join(workdir, "boot-%d.py" % seq)
        self.status = os.path.join(workdir, "status-%d.json" % seq)
        self.claim = os.path.join(workdir, "claim-%d" % seq)
        args = ", ".join(repr(a) for a in (self.claim, self.status, list(paths), run_dir, seq,
                                           compress, collect))
        with open(self.boot, "w") as f:
            f.write(BOOTSTRAP.replace("@ARGS@", args))
        os.chmod(self.boot, 0o644)
        self.pending = False   # sys.remote_exec scheduled it: it may run after we leave
        self.gave_up = False

    def injected(self):
        """The one line of Python the agent hands to PyRun_SimpleString. An expression
        (PyRun_SimpleString runs in __main__'s namespace: no name is bound there); it
        does nothing if the bootstrap is gone (attach gave up and cleaned up); the
        bootstrap runs in a fresh namespace, compiled under the dumper's file name."""
        return ("__import__('os').path.exists('%s') and exec(compile(open('%s').read(),'%s',"
                "'exec'),{'__name__':'__refgraph_attach__'})" % (self.boot, self.boot, DUMPER))

    def result(self):
        try:
            with open(self.status) as f:
                return json.load(f)
        except (OSError, ValueError):
            return None

    def give_up(self):
        """Claim the bootstrap's turn so that it never runs; False if it already
        started."""
        try:
            os.close(os.open(self.claim, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
            return True
        except FileExistsError:
            return False

    def wait(self, timeout, dump_timeout):
        """After the injection: wait for the bootstrap to start (timeout), then to
        finish (dump_timeout). Returns None, or (status, message)."""
        deadline = time.monotonic() + timeout
        while not os.path.exists(self.claim):
            if time.monotonic() > deadline:
                if self.give_up():
                    self.gave_up = True
                    return EXIT_TIMEOUT, ("the interpreter did not run the injected code within "
                                          "%g s" % timeout)
                break
            time.sleep(0.02)
        deadline = time.monotonic() + dump_timeout
        while self.result() is None:
            if time.monotonic() > deadline:
                return EXIT_TIMEOUT, "the snapshot took longer than --dump-timeout %g s" % dump_timeout
            time.sleep(0.05)
        return None


# ---------------------------------------------------------------------------
# Ways in

_LLDB_NOISE = re.compile(r"^(Traceback \(most recent call last\):|  File \"<string>\".*|"
                         r"ModuleNotFoundError: No module named 'lldb\.embedded_interpreter')$")


def _run_debugger(cmd, limit):
    """Run a debugger in batch mode in its own session; kill the session after limit
    seconds. Returns (returncode or None on timeout, output)."""
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        out, _ = p.communicate(timeout=limit)
        return p.returncode, out
    except subprocess.TimeoutExpired:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except OSError:
            pass
        out, _ = p.communicate()
        return None, out


def _last_lines(out, n=3):
    lines = [l for l in out.splitlines() if l.strip() and not _LLDB_NOISE.match(l)]
    return " | ".join(lines[-n:])


def find_agent(paths):
    for d in paths:
        p = os.path.join(d, AGENT)
        if os.path.isfile(p):
            return p
    return None


# Each call is quick and never waits for the GIL; the bound only guards against a
# process that is stopped inside the dynamic loader.
_CALL_TIMEOUT_S = 20


def inject_lldb(target, job, agent, limit):
    lldb = shutil.which("lldb")
    if not lldb:
        return None
    us = _CALL_TIMEOUT_S * 1000000
    cmd = [lldb, "--batch", "--no-lldbinit", "-p", str(target.pid),
           "-o", 'expr -t %d -- (void *) ((void * (*)(const char *, int)) dlopen)("%s", 2)'
           % (us, agent),
           "-o", 'expr -t %d -- (int) ((int (*)(const char *)) dlsym($0, "refgraph_attach_start"))'
                 '("%s")' % (us, job.injected()),
           "-o", "process detach"]
    rc, out = _run_debugger(cmd, limit)
    return _judge("lldb", rc, out, [r"^\(void \*\) \$0 = (0x[0-9a-f]+)", r"^\(int\) \$1 = (-?\d+)"])


_gdb_probe = {}


def _gdb_can_call(gdb):
    """Can gdb call a function in a live process here? gdb 13 on some kernels/VMs
    fails with "Couldn't write extended state status: Bad address" and leaves the
    process stopped in a broken state, so it is tried on a throwaway `sleep` first,
    never on the target. Returns None, or why not."""
    if gdb in _gdb_probe:
        return _gdb_probe[gdb]
    why = None
    probe = subprocess.Popen(["sleep", "600"], stdin=subprocess.DEVNULL)
    try:
        rc, out = _run_debugger([gdb, "-q", "-batch", "-nx", "-p", str(probe.pid),
                                 "-ex", "call (int) ((int (*)(void)) getpid)()", "-ex", "detach"], 60)
        if not re.search(r"^\$1 = %d$" % probe.pid, out, re.M):
            errors = [l for l in out.splitlines()
                      if re.search(r"Couldn't|Cannot|[Ee]rror|failed|not permitted", l)]
            why = errors[0].strip() if errors else (_last_lines(out, 1) or "no answer (exit %s)" % rc)
    finally:
        probe.kill()
        probe.wait()
    _gdb_probe[gdb] = why
    return why


def inject_gdb(target, job, agent, limit):
    gdb = shutil.which("gdb")
    if not gdb:
        return None
    why = _gdb_can_call(gdb)
    if why is not None:
        return EXIT_FAILED, ("gdb cannot call functions in a process on this machine (tried on "
                             "a sleep process: %s); the target was not touched" % why)
    # gdb has no timeout for a called function: the whole run is bounded instead.
    cmd = [gdb, "-q", "-batch", "-nx", "-p", str(target.pid),
           "-ex", "set confirm off",
           "-ex", 'call (void *) ((void * (*)(const char *, int)) dlopen)("%s", 2)' % agent,
           "-ex", 'call (int) ((int (*)(const char *)) dlsym($1, "refgraph_attach_start"))("%s")'
                  % job.injected(),
           "-ex", "detach"]
    rc, out = _run_debugger(cmd, limit)
    return _judge("gdb", rc, out, [r"^\$1 = \(void \*\) (0x[0-9a-f]+)", r"^\$2 = (-?\d+)"])


def _judge(name, rc, out, marks):
    """(status, message) from a debugger's output: EXIT_OK when the agent started."""
    lines = out.splitlines()
    got = [next((re.match(m, l) for l in lines if re.match(m, l)), None) for m in marks]
    if "Operation not permitted" in out:
        return EXIT_DENIED, "%s: attaching was refused (ptrace: Operation not permitted)" % name
    if got[0] is None:
        if rc is None:
            return EXIT_TIMEOUT, "%s did not get into the process in time" % name
        return EXIT_FAILED, "%s could not call into the process: %s" % (name, _last_lines(out))
    if int(got[0].group(1), 16) == 0:
        return EXIT_FAILED, ("%s: dlopen of the agent failed in the target (is %s readable by "
                             "the target's user?)" % (name, AGENT))
    if got[1] is None or int(got[1].group(1)) != 0:
        return EXIT_FAILED, "%s: the agent did not start: %s" % (name, _last_lines(out))
    return EXIT_OK, "%s: agent started" % name


def inject_remote_exec(target, job, limit):
    """CPython >= 3.14: the target's own interpreter asks it to run the file (at its
    next safe point, in the main thread)."""
    cmd = ["/proc/%d/exe" % target.pid, "-I", "-S", "-c",
           "import sys; sys.remote_exec(%d, %r)" % (target.pid, job.boot)]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=limit)
    except subprocess.TimeoutExpired:
        return EXIT_TIMEOUT, "sys.remote_exec timed out"
    if p.returncode != 0:
        err = p.stderr.strip().splitlines()[-1:] or ["exit %d" % p.returncode]
        status = EXIT_DENIED if "ermission" in err[0] or "not permitted" in err[0] else EXIT_FAILED
        return status, "sys.remote_exec: %s" % err[0]
    job.pending = True  # the file must outlive us if the target runs it late
    return EXIT_OK, "sys.remote_exec: scheduled"


def _debuggers(choice):
    if choice == "lldb":
        return [("lldb", inject_lldb)]
    if choice == "gdb":
        return [("gdb", inject_gdb)]
    # lldb first: gdb 13's `call` fails on some kernels/VMs ("Couldn't write extended
    # state status: Bad address"); gdb is tried when lldb is missing or cannot call.
    return [("lldb", inject_lldb), ("gdb", inject_gdb)]


def snapshot_once(target, job, agent, a):
    limit = _CALL_TIMEOUT_S * 3 + 30
    if target.version and target.version >= (3, 14) and a.debugger == "auto":
        status, msg = inject_remote_exec(target, job, limit)
    else:
        if agent is None:
            raise AttachError(EXIT_FAILED, "cannot find %s (built with the refgraph CLI into "
                              "BUILD/python, installed in share/refgraph/python)" % AGENT)
        status, msg, tried = None, None, []
        for name, fn in _debuggers(a.debugger):
            r = fn(target, job, agent, limit)
            if r is None:
                tried.append("%s (not installed)" % name)
                continue
            status, msg = r
            tried.append(name)
            # Only "could not call" is worth another debugger; a refusal, a timeout or
            # a started agent are the answer.
            if status != EXIT_FAILED or not os.path.exists("/proc/%d" % target.pid):
                break
        if status is None:
            raise AttachError(EXIT_FAILED, "no debugger to attach with: tried %s; install lldb "
                              "(Debian: apt-get install lldb) or gdb" % ", ".join(tried))
    if status == EXIT_OK:
        r = job.wait(a.timeout, a.dump_timeout)
        if r is not None:
            status, msg = r
    if status != EXIT_OK:
        if status == EXIT_TIMEOUT and "did not run" in msg:
            msg += ("; another thread holds the GIL (a long C call?)"
                    if not (target.version and target.version >= (3, 14)) else
                    "; its main thread is not running Python (blocked in I/O or a C call?); "
                    "try --debugger lldb")
            msg += ("; no snapshot will be taken and the process goes on unharmed (the agent "
                    "thread ends when it gets the GIL); try again, or raise --timeout")
        if status == EXIT_DENIED:
            msg += ("; attach as the process's user or as root, and check "
                    "/proc/sys/kernel/yama/ptrace_scope and the container's ptrace policy")
        raise AttachError(status, msg)
    res = job.result()
    if not res.get("ok"):
        raise AttachError(EXIT_FAILED, "the dump failed inside the target: %s" % res.get("error"))
    return res


# ---------------------------------------------------------------------------

def _make_run_dir(directory, pid):
    """directory/run-<pid>-<UTC start>/, as the dumper names its runs (a suffix .N
    when one already exists for this second)."""
    os.makedirs(directory, exist_ok=True)
    base = os.path.join(os.path.abspath(directory),
                        "run-%d-%s" % (pid, time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())))
    path, n = base, 1
    while True:
        try:
            os.mkdir(path)
            return path
        except FileExistsError:
            n += 1
            path = "%s.%d" % (base, n)


def main(argv=None):
    p = argparse.ArgumentParser(
        prog=PROG,
        description="Take a refgraph snapshot of a running CPython process (3.8 or later) "
                    "that never imported refgraph.",
        epilog="Snapshots go to DIR/run-<pid>-<UTC start>/snap-NNNN-<unixtime>.jsonl; "
               "'refgraph report DIR' then reads the newest run. Exit status: 0 written, "
               "1 DIR cannot be made, 2 usage, 4 no such process or not CPython, 5 not "
               "permitted (ptrace), 6 timed out (the interpreter did not take the call), "
               "7 no usable debugger or the dump failed.")
    p.add_argument("pid", help="process id of the running Python program")
    p.add_argument("-o", "--output", default="refgraph-snapshots", metavar="DIR",
                   help="directory for the run directory (default: ./refgraph-snapshots)")
    p.add_argument("--every", type=float, metavar="S", help="seconds between snapshots (with --count)")
    p.add_argument("--count", type=int, metavar="N", help="take N snapshots (default 1)")
    p.add_argument("--timeout", type=float, default=10.0, metavar="S",
                   help="how long the target's interpreter may take to run the injected code "
                        "(default 10)")
    p.add_argument("--dump-timeout", type=float, default=600.0, metavar="S",
                   help="how long one snapshot may take once started (default 600)")
    p.add_argument("--debugger", choices=("auto", "lldb", "gdb"),
                   default=os.environ.get("REFGRAPH_ATTACH_DEBUGGER", "auto"),
                   help="how to get in for CPython < 3.14 (default: lldb, then gdb)")
    p.add_argument("--compress", choices=("gz", "zst"), help="compress the snapshots")
    p.add_argument("--collect", action="store_true", help="gc.collect() in the target first")
    p.add_argument("--python-path", action="append", default=[], metavar="DIR",
                   help=argparse.SUPPRESS)  # extra dirs for the import (the C accelerator)
    a = p.parse_args(argv)
    if not re.fullmatch(r"[1-9]\d*", a.pid):
        p.error("PID must be a process id (a positive number), not %r" % a.pid)
    pid = int(a.pid)
    count = a.count if a.count is not None else 1
    if count < 1:
        p.error("--count needs at least 1")
    if a.every is not None and not a.every > 0:
        p.error("--every needs a positive number of seconds")
    if count > 1 and a.every is None:
        p.error("--count N needs --every S (the seconds between snapshots)")
    if a.timeout <= 0 or a.dump_timeout <= 0:
        p.error("timeouts must be positive")
    if pid == os.getpid():
        p.error("cannot attach to this process itself")
    paths = [HERE] + [os.path.abspath(d) for d in a.python_path]
    for path in paths + [os.path.abspath(a.output)]:
        if not _safe_for_injection(path):
            p.error("paths with quotes or backslashes cannot be injected: %r" % path)
    try:
        target = Target(pid)
        if target.version and target.version < (3, 8):
            raise AttachError(EXIT_NO_TARGET, "%s is older than CPython 3.8" % target.describe())
        try:
            run_dir = _make_run_dir(a.output, pid)
        except OSError as e:
            print("%s: -o %s: %s" % (PROG, a.output, e.strerror or e), file=sys.stderr)
            return EXIT_OUTPUT
        workdir = tempfile.mkdtemp(prefix="refgraph-attach-")
        job = None
        try:
            os.chmod(workdir, 0o755)
            if os.geteuid() == 0 and target.uid not in (None, 0):
                # The target writes the snapshot and its status as its own user.
                for d in (workdir, run_dir):
                    os.chown(d, target.uid, -1)
            print("%s: %s; snapshots in %s" % (PROG, target.describe(), run_dir), file=sys.stderr)
            agent = find_agent(paths)
            start = time.monotonic()
            for seq in range(1, count + 1):
                if seq > 1:
                    time.sleep(max(0.0, start + (seq - 1) * a.every - time.monotonic()))
                job = Job(workdir, paths, run_dir, seq, a.compress, a.collect)
                res = snapshot_once(target, job, agent, a)
                print("%s: wrote %s (%d objects, %d edges, %.2f s)"
                      % (PROG, res["path"], res["objects"], res["edges"], res["seconds"]),
                      file=sys.stderr)
        finally:
            # After a timeout of sys.remote_exec the target may still run the bootstrap
            # later: it must find the file and the claim attach took, so they stay.
            if not (job is not None and job.pending and job.gave_up):
                shutil.rmtree(workdir, ignore_errors=True)
            try:
                os.rmdir(run_dir)  # only if nothing was written: no empty runs left behind
            except OSError:
                pass
    except AttachError as e:
        print("%s: %s" % (PROG, e), file=sys.stderr)
        return e.status
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
