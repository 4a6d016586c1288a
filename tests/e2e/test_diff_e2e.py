"""refgraph diff on real Python processes dumped by refgraph_dump:

- the seed leak (examples/queue_leak.py) dumped three times (rgtest.dump_series: on
  SIGUSR2, 500 more queued jobs apart) while producers outpace the consumer: the queue's retention group is the verdict, growing at
  every step, with its path and a rate;
- examples/steady_state.py dumped the same way is not flagged (a false alarm is a
  failure);
- addresses freed and reused by objects of another type are not survivors.
"""
import json
import os
import subprocess
import sys
import textwrap

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "cli"))
from rgtest import PYDIR, SRC, TempDirTest, dump_series, have_dumper, main, run  # noqa: E402


class DiffE2E(TempDirTest):
    def setUp(self):
        super().setUp()
        if not have_dumper():
            self.skipTest("tools/python/refgraph_dump.py is not there")
        for ex in ("queue_leak.py", "steady_state.py"):
            if not os.path.exists(os.path.join(SRC, "examples", ex)):
                self.skipTest(f"examples/{ex} is not there")

    def test_queue_leak_names_the_queue(self):
        snaps = os.path.join(self.tmp, "snaps")
        dump_series("queue_leak.py", snaps, want=3, grow=500)
        j = json.loads(run("diff", "--json", snaps, check=0).stdout)
        self.assertEqual(len(j["points"]), 3)
        self.assertEqual(j["warnings"], [])
        v = j["verdict"]
        self.assertEqual(v["kind"], "group", v["text"])
        self.assertTrue(v["confirmed"])
        s = v["suspect"]
        # module __main__ .jobs -> queue.Queue .queue -> collections.deque [i] -> tuple
        self.assertIn("module __main__", s["name"])
        self.assertIn(".jobs queue.Queue", s["name"])
        self.assertIn(".queue collections.deque", s["container"])
        self.assertIn("tuple", s["member"])
        self.assertTrue(s["monotonic"] and s["growing"])
        self.assertTrue(all(b > a for a, b in zip(s["counts"], s["counts"][1:])), s["counts"])
        self.assertGreater(s["count_per_min"], 0)
        self.assertGreater(s["bytes_per_min"], 0)
        self.assertTrue(s["bytes_are_retained"])
        # The Jobs grow too, as a type, at every step (whether that passes the types'
        # 10 % bar depends on how large the backlog was at the first dump).
        job = next(t for t in j["types"] if t["name"] == "__main__.Job")
        self.assertTrue(job["monotonic"])
        # Jobs in flight, plus those the program's threads made or finished during the
        # walk: the dumper no longer holds them off the GIL (docs/dumper.md, threads).
        self.assertAlmostEqual(job["count_delta"], s["count_delta"],
                               delta=max(5, s["count_delta"] // 50))
        # The leak set (made after the first dump, alive in the last two): the one
        # consumer takes the oldest jobs first, so most jobs queued between the first
        # and second dumps are still queued at the third.
        lt = j["lifetimes"]
        job_lt = next(t for t in lt["types"] if t["type"] == "__main__.Job")
        self.assertGreaterEqual(job_lt["leaked"], (job["counts"][1] - job["counts"][0]) // 2, job_lt)
        self.assertGreater(job_lt["leaked"], 0)

        out = run("diff", snaps, check=0).stdout
        # The verdict is the judgement's, worded as the report's Summary.
        self.assertRegex(out, r"Verdict: Leak: [0-9,]+ __main__\.Job objects .* held by the collections\.deque "
                              r"at __main__\.jobs\.queue .*grew at every step")
        self.assertIn("/min", out)
        # The gate on the queue's groups: the worst of them decides.
        everything = json.loads(run("diff", "--json", "--top", "0", snaps, check=0).stdout)
        worst = max(g["count_delta"] for g in everything["groups"] if ".jobs" in g["name"])
        p = run("diff", "--fail-if-grows", f"group:.jobs:{worst - 1}", snaps, check=3)
        self.assertIn(f"grew by +{worst:,} objects", p.stderr)
        self.assertIn(".jobs", p.stderr)
        run("diff", "--fail-if-grows", f"group:.jobs:{worst}", snaps, check=0)

    def test_steady_state_is_not_flagged(self):
        snaps = os.path.join(self.tmp, "snaps")
        dump_series("steady_state.py", snaps, want=3)
        j = json.loads(run("diff", "--json", "--top", "0", snaps, check=0).stdout)
        self.assertEqual(len(j["points"]), 3)
        growing = [t["name"] for t in j["types"] if t["growing"]] + [g["name"] for g in j["groups"] if g["growing"]]
        self.assertEqual(growing, [], j["verdict"]["text"])
        self.assertEqual(j["verdict"]["kind"], "none", j["verdict"]["text"])
        run("diff", "--fail-if-grows", "__main__.Job:10%", snaps, check=0)

    def test_reused_addresses_are_not_survivors(self):
        out = os.path.join(self.tmp, "reuse")
        os.makedirs(out)
        script = textwrap.dedent("""
            import gc, json, sys
            import refgraph_dump

            class A:
                def __init__(self):
                    self.x = None

            class B:
                def __init__(self):
                    self.y = None

            out, n = sys.argv[1], 5000
            objs = [A() for _ in range(n)]
            a_ids = set(map(id, objs))
            refgraph_dump.dump(out + "/snap-1.jsonl", seq=1)
            del objs
            gc.collect()
            objs = [B() for _ in range(n)]   # the same size: the allocator hands A's blocks out again
            b_ids = set(map(id, objs))
            refgraph_dump.dump(out + "/snap-2.jsonl", seq=2)
            refgraph_dump.dump(out + "/snap-3.jsonl", seq=3)
            with open(out + "/ids.txt", "w") as f:
                json.dump({"n": n, "reused": len(a_ids & b_ids)}, f)
            """)
        env = dict(os.environ, PYTHONPATH=PYDIR)
        p = subprocess.run([sys.executable, "-c", script, out], capture_output=True, text=True, env=env,
                           timeout=300)
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(os.path.join(out, "ids.txt")) as f:
            ids = json.load(f)
        if ids["reused"] < 100:
            self.skipTest(f"the allocator reused only {ids['reused']} of {ids['n']} addresses")
        j = json.loads(run("diff", "--json", "--top", "0", out, check=0).stdout)
        lt = j["lifetimes"]
        by_type = {t["type"]: t for t in lt["types"]}
        a, b = by_type["__main__.A"], by_type["__main__.B"]
        n = ids["n"]
        # Every A died, even where a B now lives at its address.
        self.assertEqual((a["freed"], a["surviving"], a["new"]), (n, 0, 0))
        self.assertEqual((b["new"], b["surviving"], b["freed"]), (n, 0, 0))
        # Made between baseline and target and still alive in final: memlab's leak set.
        self.assertEqual(b["leaked"], n)
        self.assertGreaterEqual(lt["reused_ids"], ids["reused"])


if __name__ == "__main__":
    main()
