"""A closure subscribed to a context's 'disconnect' signal on every call, never removed.

Source: mitogen issue #416, "Memory leak with add_handler(respondent=..)",
https://github.com/mitogen-hq/mitogen/issues/416 -- "Anything (such as
Context.call()) that ultimately calls Router.add_handler(respondent=..)
permanently leaks a closure on every invocation. This is since the
Context._signals['disconnect'] list grows and no method exists to unsubscribe a
signal." ("it's really chewing up 1.4KB per RPC"). Here, as the report
describes, Router.add_handler() defines an `on_disconnect()` closure over the
handler `fn` and its `handle` and subscribes it with
listen(respondent, 'disconnect', on_disconnect), a small copy of mitogen.core.listen.

What leaks: --calls closures `Router.add_handler.<locals>.on_disconnect` per
round in the long-lived context's `_signals['disconnect']` list; each captures
`fn`, the bound method `Receiver._on_receive` of the call's Receiver, which keeps
the Receiver and its reply queue. Expected answer: `__main__.Receiver`, held by
the `_signals` list of `disconnect` listeners (closures capturing it).

Run:  python3 examples/realworld/disconnect_handlers.py [--rounds N] [--calls N]
"""
import collections

import rounds


def listen(obj, name, func):
    """mitogen.core.listen: subscribe func to obj's signal name."""
    signals = vars(obj).setdefault("_signals", {})
    signals.setdefault(name, []).append(func)


def fire(obj, name, *args):
    for func in vars(obj).get("_signals", {}).get(name, []):
        func(*args)


class Message:
    def __init__(self, handle, data):
        self.handle = handle
        self.data = data


class Context:
    """The parent's long-lived view of a child context."""

    def __init__(self, context_id):
        self.context_id = context_id


class Receiver:
    """Waits for the reply to one call."""

    def __init__(self, router, respondent):
        self.router = router
        self.queue = collections.deque()
        self.handle = router.add_handler(self._on_receive, respondent=respondent)

    def _on_receive(self, msg):
        self.queue.append(msg)

    def get(self):
        return self.queue.popleft()


class Router:
    def __init__(self):
        self._handle_map = {}
        self._next_handle = 1000

    def add_handler(self, fn, respondent=None):
        handle = self._next_handle
        self._next_handle += 1
        self._handle_map[handle] = fn
        if respondent:
            def on_disconnect():
                if handle in self._handle_map:
                    fn(Message(handle, "dead"))
                    del self._handle_map[handle]
            listen(respondent, "disconnect", on_disconnect)   # the bug: never unsubscribed
        return handle

    def route(self, msg):
        fn = self._handle_map.pop(msg.handle)
        fn(msg)


def call(router, context, n):
    """Context.call(): send a request, wait for the reply on a fresh Receiver."""
    recv = Receiver(router, respondent=context)
    router.route(Message(recv.handle, ("result", n, "ok" * 8)))
    return recv.get().data


def main():
    a = rounds.parse(__doc__, "calls", 600, "RPCs per round")
    router = Router()
    child = Context(2)
    n = 0
    for r in range(a.rounds):
        for _ in range(a.calls):
            call(router, child, n)
            n += 1
        rounds.snapshot(r)
    print("calls", n, "listeners", len(child._signals["disconnect"]), flush=True)


if __name__ == "__main__":
    main()
