"""Observers that never unsubscribe: an event bus keeps every subscriber alive.

What leaks: Widget objects, each with a 2 KiB `pixels` bytearray. Every Widget
subscribes its bound method on_event to the module-level `bus`; widgets are created
per "screen" and closed, but close() forgets to unsubscribe. The bus's handler list
holds the bound methods, a bound method holds its __self__, so every Widget stays.

Expected answer (refgraph suspects, top suspect):
    module __main__ -> .bus __main__.EventBus -> .handlers dict -> ['redraw'] list
    -> [i] method
accumulation point: the handler list for 'redraw'; most bytes further in, through
each bound method's .__self__ to the Widget and its pixels.
Count: exactly --widgets Widget objects (default 3000).

Run:  python3 examples/observer_leak.py [--widgets N] [--seconds S]
  --widgets N  number of widgets opened and closed (default 3000)
  --seconds S  stay alive this long afterwards (default 0.5)
"""
import argparse
import time


class EventBus:
    def __init__(self):
        self.handlers = {}

    def subscribe(self, event, handler):
        self.handlers.setdefault(event, []).append(handler)

    def publish(self, event, *args):
        for handler in self.handlers.get(event, ()):
            handler(*args)


bus = EventBus()


class Widget:
    def __init__(self, n):
        self.n = n
        self.pixels = bytearray(2048)
        self.closed = False
        bus.subscribe("redraw", self.on_event)

    def on_event(self, *args):
        if not self.closed:
            self.pixels[0] = 1

    def close(self):
        self.closed = True  # forgets bus.unsubscribe(...)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--widgets", type=int, default=3000)
    p.add_argument("--seconds", type=float, default=0.5)
    a = p.parse_args()
    for n in range(a.widgets):
        w = Widget(n)
        if n % 100 == 0:
            bus.publish("redraw")
        w.close()
    time.sleep(a.seconds)
    print("handlers", len(bus.handlers["redraw"]), flush=True)


if __name__ == "__main__":
    main()
