"""A process that registers an atexit closure for every job it starts.

Source: EasyProcess issue #1, "EasyProcess memory leak",
https://github.com/ponty/EasyProcess/issues/1 -- EasyProcess.start() defined a
`shutdown()` closure over `self` and passed it to atexit.register() for every
process started. In a server that starts processes forever, atexit's list (a C
array inside the atexit module, not a Python object) keeps every closure, its
cell keeps the EasyProcess, and the EasyProcess keeps its captured output and its
watcher thread. The same report was made for cherrypy's bus
(https://github.com/cherrypy/cherrypy/issues/1274) and devlib's SSH connections
(https://github.com/ARM-software/devlib/issues/676).

What leaks: --jobs EasyProcess objects per round, each with its captured stdout
(a str of ~1 kB and the list of its lines) and a joined threading.Thread. No root
in the snapshot reaches them: the only reference to each closure is in atexit's C
array. Expected answer: `__main__.EasyProcess`, held by `atexit` (closures
`EasyProcess.start.<locals>.shutdown` whose cell holds the job).

Run:  python3 examples/realworld/atexit_jobs.py [--rounds N] [--jobs N]
"""
import atexit
import threading

import rounds


class EasyProcess:
    """A command run in the background, its output captured (as EasyProcess does)."""

    def __init__(self, cmd):
        self.cmd = cmd
        self.stdout = None
        self.stdout_lines = None
        self.return_code = None
        self._thread = None
        self._stop_thread = False

    def _run(self):
        # Stands in for the child process: deterministic output, about 1 kB.
        lines = ["%s: line %d of output" % (self.cmd[0], i) for i in range(32)]
        self.stdout_lines = lines
        self.stdout = "\n".join(lines)
        self.return_code = 0

    def start(self):
        def shutdown():
            self._stop_thread = True
            self._thread.join()

        self._thread = threading.Thread(target=self._run)
        self._thread.daemon = True
        self._thread.start()
        atexit.register(shutdown)   # the bug: once per process started, never unregistered
        return self

    def wait(self):
        self._thread.join()
        return self


def run_job(n):
    p = EasyProcess(["job-%d" % n, "--quiet"]).start().wait()
    return p.return_code


def main():
    a = rounds.parse(__doc__, "jobs", 300, "jobs started per round")
    n = 0
    for r in range(a.rounds):
        for _ in range(a.jobs):
            run_job(n)
            n += 1
        rounds.snapshot(r)
    print("jobs", n, flush=True)


if __name__ == "__main__":
    main()
