"""A logger per connection: logging.getLogger() with a unique name per request.

Source: picows issue #72, "Possible memory leak using getLogger",
https://github.com/tarasko/picows/issues/72 -- every connection did
`self._logger = self._logger.getChild(str(sock.fileno()))`. logging.getLogger()
(which getChild() calls) creates a Logger for every new name and stores it in
logging.Manager.loggerDict (logging.root.manager.loggerDict) for the life of the
process; nothing ever removes it. DIRAC reported the same with a sub-logger per
job (https://github.com/DIRACGrid/DIRAC/issues/5280).

What leaks: --connections logging.Logger objects per round (plus each one's dict
and handler list), one per connection: the connection ids never repeat, so no
logger is ever reused. Expected answer: `logging.Logger`, held by
`logging.root.manager.loggerDict` (a logger is made per unique name and kept
forever). The Connection objects themselves are freed.

Run:  python3 examples/realworld/logging_unique_names.py [--rounds N] [--connections N]
"""
import logging

import rounds

log = logging.getLogger("server")


class Connection:
    """A websocket-like connection that logs through a child logger named after it."""

    def __init__(self, conn_id):
        self.conn_id = conn_id
        self._logger = log.getChild(str(conn_id))   # the bug: a new Logger per connection
        self.received = []

    def on_message(self, data):
        self.received.append(data)
        self._logger.debug("received %d bytes", len(data))

    def close(self):
        self._logger.debug("closed")
        self.received.clear()


def serve(conn_id):
    c = Connection(conn_id)
    for k in range(3):
        c.on_message(b"x" * (16 + k))
    c.close()


def main():
    a = rounds.parse(__doc__, "connections", 1500, "connections served per round")
    n = 1000
    for r in range(a.rounds):
        for _ in range(a.connections):
            serve(n)
            n += 1
        rounds.snapshot(r)
    print("connections", n - 1000, "loggers", len(logging.root.manager.loggerDict), flush=True)


if __name__ == "__main__":
    main()
