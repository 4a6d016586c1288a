"""Orders, looked up through a module-level cache that is never pruned.

Source: RTX issue #2800, "Likely large 'memory leak' in ARAX?",
https://github.com/RTXteam/RTX/issues/2800 -- an "in-memory identifier cache
(based on a python dictionary) that it never clears out", which grew without
bound in a long-lived process. Here: every order id seen is cached forever.
"""


class Order:
    def __init__(self, order_id, customer):
        self.order_id = order_id
        self.customer = customer
        self.lines = [("sku-%d" % (order_id % 97), 1, 9.99), ("sku-%d" % (order_id % 89), 2, 4.5)]
        self.total = sum(q * p for _, q, p in self.lines)


_cache = {}


def load_order(order_id, customer):
    order = _cache.get(order_id)
    if order is None:
        order = _cache[order_id] = Order(order_id, customer)   # the bug: no eviction
    return order
