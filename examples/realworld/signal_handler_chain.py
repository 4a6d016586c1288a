"""Signal handlers chained through closures, installed on every start, never restored.

Source: miles PR #1472, review of session_supervisor.py,
https://github.com/radixark/miles/pull/1472 -- "The signal handlers are chained by
capturing `prev` in a closure. However, when the supervisor is shut down, these
signal handlers are never restored. This creates a reference leak/memory leak
because the signal handler chain keeps growing and holding references to old,
shut-down `SessionServerSupervisor` instances (especially in test environments
where supervisors are repeatedly started and stopped)."

What leaks: --supervisors SessionServerSupervisor objects per round, each with its
worker table (a dict of 8 WorkerInfo-like lists) and its log. The signal module
keeps the current SIGTERM handler in C (not in any Python object); that closure's
cell `_prev` holds the previous handler, whose cell holds the one before, and so
on; each closure's cell `self` holds its supervisor. Expected answer:
`__main__.SessionServerSupervisor`, held by the chain of `signal` handlers
(`SessionServerSupervisor._install_signal_handlers.<locals>._handler`).

Run:  python3 examples/realworld/signal_handler_chain.py [--rounds N] [--supervisors N]
"""
import os
import signal

import rounds


class SessionServerSupervisor:
    def __init__(self, n):
        self.n = n
        self.workers = {"worker-%d" % i: ["pid-%d" % (n * 8 + i), "idle", 0] for i in range(8)}
        self.log = []
        self.running = False

    def _install_signal_handlers(self):
        for sig in (signal.SIGTERM,):
            prev = signal.getsignal(sig)

            def _handler(signum, frame):
                self.shutdown()
                if callable(prev):
                    prev(signum, frame)
                elif prev == signal.SIG_DFL:
                    signal.signal(signum, signal.SIG_DFL)
                    os.kill(os.getpid(), signum)

            signal.signal(sig, _handler)   # the bug: never restored in shutdown()

    def start(self):
        self.running = True
        self._install_signal_handlers()
        self.log.append("started %d workers" % len(self.workers))

    def shutdown(self):
        self.running = False
        self.log.append("stopped")


def run_session(n):
    s = SessionServerSupervisor(n)
    s.start()
    s.shutdown()


def main():
    a = rounds.parse(__doc__, "supervisors", 150, "supervisors started and stopped per round")
    n = 0
    for r in range(a.rounds):
        for _ in range(a.supervisors):
            run_session(n)
            n += 1
        rounds.snapshot(r)
    print("supervisors", n, flush=True)


if __name__ == "__main__":
    main()
