"""Notifications: a listener added for every checkout and never removed.

Source: paddle-python-sdk issue #144, "Memory leak: Client.null_logger() adds a
new NullHandler on every instantiation",
https://github.com/PaddleHQ/paddle-python-sdk/issues/144 -- a handler appended to
a shared, process-wide list each time an object is made; "GC cannot collect
handlers because they are live-referenced". Here: each checkout makes a Notifier
and appends its bound method to the module-level `listeners` list.
"""

listeners = []


class Notifier:
    def __init__(self, email):
        self.email = email
        self.template = "Dear customer, your order %s has shipped. " * 2
        self.sent = []

    def on_shipped(self, order_id):
        self.sent.append(self.template % (order_id, order_id))


def subscribe(email):
    n = Notifier(email)
    listeners.append(n.on_shipped)   # the bug: never removed
    return n


def shipped(order_id):
    for fn in listeners[-1:]:
        fn(order_id)
