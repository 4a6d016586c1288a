"""Exceptions kept for later: every stored traceback keeps its frames and their locals.

What leaks: Request objects, each with a 2 KiB `body` bytearray. handle() fails on
every request; the error handler appends the exception to the module-level `errors`
list "to report later". An exception holds its __traceback__, the traceback holds the
frame of handle(), and that frame holds handle()'s locals -- the Request among them --
long after handle() returned.

Expected answer (refgraph suspects, top suspect):
    module __main__ -> .errors list -> [i] ValueError
with the `errors` list as the accumulation point, and most of the bytes further in,
through each exception's traceback (`<internal> traceback`), its frame and the frame's
local `request` to the Request's body.
Count: exactly --requests Request objects (default 3000), one ValueError, traceback
chain and frame per request.

Run:  python3 examples/traceback_leak.py [--requests N] [--seconds S]
  --requests N  number of failing requests (default 3000)
  --seconds S   stay alive this long after the last request (default 0.5)
"""
import argparse
import time

errors = []


class Request:
    def __init__(self, n):
        self.n = n
        self.body = bytearray(2048)


def parse(request):
    raise ValueError("bad request %d" % request.n)


def handle(n):
    request = Request(n)
    try:
        parse(request)
    except ValueError as exc:
        errors.append(exc)  # the traceback pins this frame, and `request` with it


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--requests", type=int, default=3000)
    p.add_argument("--seconds", type=float, default=0.5)
    a = p.parse_args()
    for n in range(a.requests):
        handle(n)
    time.sleep(a.seconds)
    print("errors", len(errors), flush=True)


if __name__ == "__main__":
    main()
