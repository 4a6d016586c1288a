"""Failed tasks keep their exception, whose traceback keeps every frame's locals.

Source: asynq PR #168, "Fix memory leak from retained exception tracebacks",
https://github.com/quora/asynq/pull/168 -- "When an async task fails,
error._traceback and self._frame hold live references to frame objects and their
locals: AsyncTask._error -> ._traceback -> traceback -> frame -> f_locals. GC
cannot collect these because they are reachable from the live AsyncTask (held by
callers or creator chains), not unreachable cycles." The same mechanism is
https://github.com/python/mypy/issues/4807 (a cache of exceptions) and
https://github.com/ipython/ipython/pull/11572.

What leaks: --tasks failing AsyncTask objects per round stay in the scheduler's
`completed` list (that part is by design: callers read their results). Each keeps
its TimeoutError, the error its traceback, the traceback the frame of
`fetch_rows`, and that frame the local `batch`: a RowBatch with 24 row tuples.
Expected answer: `__main__.RowBatch` (most of the bytes), held through the stored
exceptions' tracebacks (`.__traceback__ → .tb_frame → local 'batch'`).

Run:  python3 examples/realworld/traceback_store.py [--rounds N] [--tasks N]
"""
import rounds


class RowBatch:
    """Rows read so far by one query."""

    def __init__(self, query):
        self.query = query
        self.rows = []


def fetch_rows(query):
    batch = RowBatch(query)
    for i in range(24):
        batch.rows.append((i, "row %d of %s" % (i, query)))
    raise TimeoutError("%s timed out after %d rows" % (query, len(batch.rows)))


class AsyncTask:
    def __init__(self, fn, *args):
        self.fn = fn
        self.args = args
        self._value = None
        self._error = None

    def run(self):
        try:
            self._value = self.fn(*self.args)
        except Exception as error:   # the bug: the error keeps its traceback
            self._error = error
        return self


class Scheduler:
    def __init__(self):
        self.completed = []

    def run(self, task):
        self.completed.append(task.run())


scheduler = Scheduler()


def main():
    a = rounds.parse(__doc__, "tasks", 400, "failing tasks per round")
    n = 0
    for r in range(a.rounds):
        for _ in range(a.tasks):
            scheduler.run(AsyncTask(fetch_rows, "SELECT * FROM t%d" % n))
            n += 1
        rounds.snapshot(r)
    print("tasks", n, "failed", sum(t._error is not None for t in scheduler.completed), flush=True)


if __name__ == "__main__":
    main()
