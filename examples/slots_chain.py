"""A long linked list of __slots__ nodes hanging off a module global, ending at a Payload.

What leaks: one Payload (64 KiB bytearray) at the tail of a --depth long chain of
Node objects (__slots__ = ('next', 'value')), amid --ballast unrelated small lists.

Expected answer (refgraph chains for __main__.Payload):
    module __main__ .registry -> dict ['head'] -> __main__.Node .next -> __main__.Node
        .next -> ... (depth - 1 times) ... -> __main__.Node .value -> __main__.Payload
Count: exactly --depth Node objects (default 1000), one Payload. Use --depth 5000 for
a deep-chain test (like /work/shared/cases/deepleak.py).

Run:  python3 examples/slots_chain.py [--depth D] [--ballast N] [--seconds S]
"""
import argparse
import time

registry = {}
ballast = []


class Node:
    __slots__ = ("next", "value")

    def __init__(self, nxt=None, value=None):
        self.next = nxt
        self.value = value


class Payload:
    def __init__(self):
        self.blob = bytearray(1 << 16)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--depth", type=int, default=1000)
    p.add_argument("--ballast", type=int, default=50000)
    p.add_argument("--seconds", type=float, default=0.5)
    a = p.parse_args()
    ballast.extend([i] for i in range(a.ballast))
    head = Node(value=Payload())
    for _ in range(a.depth - 1):
        head = Node(nxt=head)
    registry["head"] = head
    del head
    time.sleep(a.seconds)
    print("depth", a.depth, flush=True)


if __name__ == "__main__":
    main()
