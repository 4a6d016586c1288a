"""Closures that capture a Session, registered for every client made.

Source: uplink issue #130, "Memory leak in consumer class",
https://github.com/prkumar/uplink/issues/130 -- each consumer made its own
requests.Session and registered its clean-up with atexit.register, so "`atexit.register`
is holding a reference to the 10 `request.Session` objects, which is preventing
the garbage collector from freeing whatever they are holding on to". Here the clean-up is a
closure over the session (`lambda: session.close()`), the shape the report's
finding names: thousands of `function` objects, each capturing one Session.

What leaks: --clients Session objects per round, each with its headers dict,
its cookie jar (a dict of Cookie objects) and its adapters, kept by one closure
`Client.__init__.<locals>.<lambda>` each, registered in atexit's C array (no root
in the snapshot reaches them). Expected answer: `__main__.Session`, held by
`atexit` through closures `Client.__init__.<locals>.<lambda>`.

Run:  python3 examples/realworld/session_closures.py [--rounds N] [--clients N]
"""
import atexit

import rounds


class Cookie:
    def __init__(self, name, value):
        self.name = name
        self.value = value


class Session:
    """A requests.Session-like object: headers, cookies, connection adapters."""

    def __init__(self):
        self.headers = {"User-Agent": "uplink/0.9", "Accept": "application/json"}
        self.cookies = {}
        self.adapters = {"https://": ["pool"] * 4, "http://": ["pool"] * 4}
        self.closed = False

    def request(self, method, url):
        self.cookies["sid-%d" % len(self.cookies)] = Cookie("sid", url)
        return 200

    def close(self):
        self.closed = True


class Client:
    """A consumer: builds its own session and closes it at exit (the bug)."""

    def __init__(self, base_url):
        session = Session()
        self.base_url = base_url
        self.session = session
        atexit.register(lambda: session.close())

    def get(self, path):
        return self.session.request("GET", self.base_url + path)


def consume(n):
    c = Client("https://api.example.com/%d" % n)
    for k in range(3):
        c.get("/items/%d" % k)


def main():
    a = rounds.parse(__doc__, "clients", 600, "clients made per round")
    n = 0
    for r in range(a.rounds):
        for _ in range(a.clients):
            consume(n)
            n += 1
        rounds.snapshot(r)
    print("clients", n, flush=True)


if __name__ == "__main__":
    main()
