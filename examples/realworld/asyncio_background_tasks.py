"""Fire-and-forget asyncio tasks kept in a set that is never discarded from.

Source: writing_observer PR #192, "Addressed weak reference for created tasks in
asyncio", https://github.com/ETS-Next-Gen/writing_observer/pull/192 -- it adds each
background task to a module-level set, following the asyncio docs, but without
the `task.add_done_callback(background_tasks.discard)` half; review: "When tasks
finish, ideally, they'd be removed from the set() so it doesn't keep growing
forever." The asyncio documentation of create_task shows both halves:
https://docs.python.org/3/library/asyncio-task.html#asyncio.create_task

What leaks: --tasks finished _asyncio.Task objects per round stay in the
module-level set `background_tasks`, each with its result, a DashboardUpdate
holding a dict of 16 metrics. Expected answer: `__main__.DashboardUpdate`, held by
the `background_tasks` set through the finished tasks' results.

Run:  python3 examples/realworld/asyncio_background_tasks.py [--rounds N] [--tasks N]
"""
import asyncio

import rounds

background_tasks = set()


class DashboardUpdate:
    def __init__(self, student, n):
        self.student = student
        self.metrics = {"metric_%d" % i: n + i for i in range(16)}


async def push_update(student, n):
    await asyncio.sleep(0)
    return DashboardUpdate(student, n)


async def handle_round(first, count):
    tasks = []
    for n in range(first, first + count):
        task = asyncio.create_task(push_update("student-%d" % (n % 300), n))
        background_tasks.add(task)   # the bug: no add_done_callback(background_tasks.discard)
        tasks.append(task)
    await asyncio.wait(tasks)


def main():
    a = rounds.parse(__doc__, "tasks", 500, "background tasks per round")
    loop = asyncio.new_event_loop()
    n = 0
    for r in range(a.rounds):
        loop.run_until_complete(handle_round(n, a.tasks))
        n += a.tasks
        rounds.snapshot(r)
    loop.close()
    print("tasks", n, "kept", len(background_tasks), flush=True)


if __name__ == "__main__":
    main()
