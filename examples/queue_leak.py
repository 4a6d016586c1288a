"""The seed leak: four producer threads outpace one slow consumer of a queue.Queue.

What leaks: Job objects. Each producer puts (seq, time, Job) tuples on the module-level
`jobs` queue faster than the single consumer takes them off, so the queue's deque holds
an ever-growing backlog. When the program exits the backlog is still there.

Expected answer (refgraph chains for __main__.Job):
    module __main__ .jobs -> queue.Queue .queue -> collections.deque [i] -> tuple [2] -> __main__.Job
Count: the number of Job objects equals the backlog, printed on stdout as
`backlog N` just before exit (each Job also owns one `payload` list of 4 ints).

Run:  python3 examples/queue_leak.py [--seconds S] [--rate R] [--jobs N]
  --seconds S  how long producers run (default 5, long enough for three
               `--every 1` snapshots)
  --rate R     jobs per second per producer (default 1500; 0 = as fast as possible,
               like /work/shared/cases/seedleak.py)
  --jobs N     stop producing after N jobs in total (then run until --seconds);
               with --rate 0 this gives a heap of a chosen size (bench/dump_bench.py)
"""
import argparse
import queue
import threading
import time

jobs = queue.Queue()
stop = threading.Event()
produced = 0
produced_lock = threading.Lock()


class Job:
    def __init__(self, n):
        self.n = n
        self.payload = [n] * 4


def producer(k, rate, limit):
    global produced
    n = 0
    batch = 100 if rate else 500
    pause = batch / rate if rate else 0.001
    while not stop.is_set():
        with produced_lock:
            if limit is not None and produced >= limit:
                break
            take = batch if limit is None else min(batch, limit - produced)
            produced += take
        for _ in range(take):
            jobs.put((n, time.time(), Job(n)))
            n += 1
        time.sleep(pause)


def consumer():
    while not stop.is_set():
        try:
            jobs.get(timeout=0.1)
        except queue.Empty:
            pass
        time.sleep(0.002)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--seconds", type=float, default=5.0)
    p.add_argument("--rate", type=float, default=1500)
    p.add_argument("--jobs", type=int, default=None)
    a = p.parse_args()
    threads = [threading.Thread(target=producer, args=(k, a.rate, a.jobs), name="producer-%d" % k)
               for k in range(4)]
    threads.append(threading.Thread(target=consumer, name="consumer"))
    for t in threads:
        t.start()
    stop.wait(a.seconds)
    stop.set()
    for t in threads:
        t.join()
    print("backlog", jobs.qsize(), flush=True)


if __name__ == "__main__":
    main()
