"""A package whose three submodules each hold a leak (examples/realworld/shop/).

Sources, one per submodule (each cited in its module docstring):
  shop.orders    https://github.com/RTXteam/RTX/issues/2800 (a dict cache never cleared)
  shop.notify    https://github.com/PaddleHQ/paddle-python-sdk/issues/144 (a listener
                 appended per instantiation to a process-wide list)
  shop.sessions  https://github.com/cowrie/cowrie/issues/40492 (`session_state`
                 entries never removed)
The case itself is issue 12's finding 2 in Python form: three leaks that hang
below three sibling modules of one package, each of which must be found.

What leaks, per round of --requests requests: --requests `shop.orders.Order`
objects in `shop.orders._cache`, --requests `shop.sessions.SessionState` objects in
`shop.sessions.session_state`, and --requests `shop.notify.Notifier` objects (bound
methods in `shop.notify.listeners`). Expected answer: all three, each with its
container.

Run:  python3 examples/realworld/shop_package.py [--rounds N] [--requests N]
"""
import rounds
import shop


def handle(n):
    sid = "sess-%06d" % n
    shop.sessions.event(sid, "login")
    order = shop.orders.load_order(n, "customer-%d" % (n % 50))
    shop.sessions.event(sid, "command", "checkout %d" % order.order_id)
    shop.notify.subscribe("c%d@example.com" % n)
    shop.notify.shipped(order.order_id)
    shop.sessions.event(sid, "closed")


def main():
    a = rounds.parse(__doc__, "requests", 600, "requests handled per round")
    n = 0
    for r in range(a.rounds):
        for _ in range(a.requests):
            handle(n)
            n += 1
        rounds.snapshot(r)
    print("requests", n, flush=True)


if __name__ == "__main__":
    main()
