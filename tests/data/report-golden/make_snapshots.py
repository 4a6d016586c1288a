"""Write the three small snapshots the report's golden-file test reads.

They are checked in; this script documents how they were made and remakes them
(python3 make_snapshots.py, from this directory). One process, three snapshots a
minute apart, with one of each thing the report explains:

- the seed leak: module __main__ .jobs -> queue.Queue .queue -> collections.deque
  [i] -> tuple [2] -> __main__.Job: 60 jobs, then 130, then 200;
- a steady cache: module app .cache -> dict ['user:N'] -> app.UserRecord, 10 every time;
- a hostile class name, <img src=x onerror=alert(1)>|*_[x](y), held in a list under a
  global whose name has a pipe and a newline;
- two unreachable cycles of two __main__.CycleNode each;
- three __main__.Leaky objects with refcounts no referrer explains (a C extension).
"""
import json

HOSTILE = "<img src=x onerror=alert(1)>|*_[x](y)"


def snapshot(path, seq, time, jobs):
    recs = [{"rec": "header", "format": "refgraph-snapshot", "version": 1,
             "producer": "golden fixture", "runtime": "CPython 3.11.7", "pid": 4242,
             "time": time, "seq": seq}]

    def obj(id, type, size, refs=(), **kw):
        r = {"rec": "object", "id": id, "type": type, "size": size}
        r.update(kw)
        if refs:
            r["refs"] = [list(x) for x in refs]
        recs.append(r)

    job_ids = [(1000 + 3 * i, 1001 + 3 * i, 1002 + 3 * i) for i in range(jobs)]
    obj(1, "module", 72, [(2, "global", "jobs"), (30, "global", "weird|na\nme")], name="__main__", rc=3)
    obj(2, "queue.Queue", 48, [(3, "attr", "queue")], rc=1, flags=["gc"])
    obj(3, "collections.deque", 624 + 8 * jobs, [(t, "index", i) for i, (t, _, _) in enumerate(job_ids)],
        len=jobs, rc=1, flags=["gc"])
    for i, (t, j, p) in enumerate(job_ids):
        obj(t, "tuple", 64, [(j, "index", 2)], len=3, rc=1, flags=["gc"])
        obj(j, "__main__.Job", 56, [(p, "attr", "payload")], rc=1, flags=["gc"])
        obj(p, "list", 88, len=4, rc=1, flags=["gc"])

    obj(5, "module", 72, [(6, "global", "cache")], name="app", rc=2)
    obj(6, "dict", 640, [(100 + i, "value", "'user:%d'" % i) for i in range(10)], len=10, rc=1, flags=["gc"])
    for i in range(10):
        obj(100 + i, "app.UserRecord", 48, rc=1, flags=["gc"])

    obj(30, "list", 120, [(40 + i, "index", i) for i in range(5)], len=5, rc=1, flags=["gc"])
    for i in range(5):
        obj(40 + i, "__main__." + HOSTILE, 48, rc=1, flags=["gc"], repr=HOSTILE)

    for a, b in ((200, 201), (202, 203)):
        obj(a, "__main__.CycleNode", 48, [(b, "attr", "partner")], rc=1, flags=["gc"])
        obj(b, "__main__.CycleNode", 48, [(a, "attr", "partner")], rc=1, flags=["gc"])

    for i in range(3):
        obj(300 + i, "__main__.Leaky", 32, rc=3, flags=["gc"])

    recs.append({"rec": "root", "id": 1, "kind": "module", "label": "__main__"})
    recs.append({"rec": "root", "id": 5, "kind": "module", "label": "app"})
    with open(path, "w", encoding="utf-8") as f:
        for r in recs:
            f.write(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    snapshot("snap-1.jsonl", 1, 1764115200.0, 60)
    snapshot("snap-2.jsonl", 2, 1764115260.0, 130)
    snapshot("snap-3.jsonl", 3, 1764115320.0, 200)
