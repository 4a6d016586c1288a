"""No leak: the same shape as queue_leak.py, but the queue is bounded.

Four producers put (seq, time, Job) tuples on a module-level queue.Queue and a
consumer drains it. The queue holds at most BACKLOG_MAX items: when the consumer
falls behind (on a loaded machine it gets less of the CPU than four producers do)
the producers wait at put(), which is back-pressure, the usual cure for
queue_leak.py. So the backlog is bounded whatever the machine's load, and a diff
never sees it grow by the 100 objects that count as growth (docs/diff.md); an
unbounded queue here made a test fail on a busy machine. The program also keeps
a fixed working set of --working Job objects in `working` (replaced, never grown). Successive snapshots have about the same
number of every type, so a diff of two snapshots must not report growth.

Expected answer: no growing type. At exit the queue is empty (Job count ==
--working, default 2000, plus at most a handful in flight while threads run).

Run:  python3 examples/steady_state.py [--seconds S] [--working N]
  --seconds S  how long producers run (default 3.5, like queue_leak.py)
"""
import argparse
import queue
import threading
import time

BACKLOG_MAX = 50
jobs = queue.Queue(maxsize=BACKLOG_MAX)
stop = threading.Event()
working = []


class Job:
    def __init__(self, n):
        self.n = n
        self.payload = [n] * 4


def producer(k):
    n = 0
    while not stop.is_set():
        for _ in range(20):
            try:
                jobs.put((n, time.time(), Job(n)), timeout=0.05)
            except queue.Full:
                break  # check stop again: the consumer may have ended
            n += 1
        time.sleep(0.01)


def consumer():
    while not (stop.is_set() and jobs.empty()):
        try:
            jobs.get(timeout=0.05)
        except queue.Empty:
            pass


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--seconds", type=float, default=3.5)
    p.add_argument("--working", type=int, default=2000)
    a = p.parse_args()
    working.extend(Job(i) for i in range(a.working))
    threads = [threading.Thread(target=producer, args=(k,), name="producer-%d" % k)
               for k in range(4)]
    threads.append(threading.Thread(target=consumer, name="consumer"))
    for t in threads:
        t.start()
    deadline = time.monotonic() + a.seconds
    i = 0
    while time.monotonic() < deadline and not stop.is_set():
        working[i % a.working] = Job(i)  # churn without growth
        i += 1
        time.sleep(0.001)
    stop.set()
    for t in threads:
        t.join()
    print("backlog", jobs.qsize(), "working", len(working), flush=True)


if __name__ == "__main__":
    main()
