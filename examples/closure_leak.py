"""Callbacks registered in a module-level list, each closing over a big payload.

What leaks: Payload objects (each owning a 4 KiB bytearray). register_listener()
builds a closure over its payload and appends it to the module-level `listeners`;
nobody ever unregisters.

Expected answer (refgraph chains for __main__.Payload):
    module __main__ .listeners -> list [i] -> function <cell 'payload'> -> cell
        <cell 'payload'> -> __main__.Payload
Count: exactly --listeners Payload objects and bytearrays (default 2000); the
functions are named __main__.register_listener.<locals>.on_event.

Run:  python3 examples/closure_leak.py [--listeners N] [--seconds S]
"""
import argparse
import time

listeners = []


class Payload:
    def __init__(self, n):
        self.n = n
        self.data = bytearray(4096)


def register_listener(n):
    payload = Payload(n)

    def on_event(event):
        return len(payload.data) + event

    listeners.append(on_event)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--listeners", type=int, default=2000)
    p.add_argument("--seconds", type=float, default=0.5)
    a = p.parse_args()
    for n in range(a.listeners):
        register_listener(n)
    time.sleep(a.seconds)
    print("listeners", len(listeners), flush=True)


if __name__ == "__main__":
    main()
