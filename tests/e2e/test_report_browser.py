"""report.html in a real browser: headless Chromium (Debian's /usr/bin/chromium)
loads the page from a file, and a tiny DevTools-protocol client over
--remote-debugging-pipe reads back what the browser made of it:

- every inline SVG diagram is laid out with a non-zero size;
- no script ran: a type name that tries to set document.title from an
  <img onerror> handler stays inert text, the title is unchanged, and the DOM
  holds no <img> and no <script>;
- the page fetched nothing (no network request other than the file itself).

Skipped, with the reason printed, where Chromium is not installed (it is
not in scripts/deps.sh: it is large). On Debian: apt-get install chromium.
"""
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "cli"))
from rgtest import TempDirTest, main, run  # noqa: E402

CHROMIUM = os.environ.get("REFGRAPH_CHROMIUM", "/usr/bin/chromium")
ATTACK = "<img src=x onerror=\"document.title='pwned'\">|*_[x](y)"


def attack_snapshot(path):
    """A leak whose type, key and module names are all the attack."""
    recs = [
        {"rec": "header", "format": "refgraph-snapshot", "version": 1, "producer": ATTACK,
         "runtime": "CPython 3.11.7", "pid": 7, "time": 1764115200.0},
        {"rec": "object", "id": 1, "type": "module", "size": 72, "name": ATTACK,
         "refs": [[2, "global", ATTACK]]},
        {"rec": "object", "id": 2, "type": "dict", "size": 4000, "len": 40,
         "refs": [[10 + i, "value", ATTACK + str(i)] for i in range(40)]},
    ]
    for i in range(40):
        recs.append({"rec": "object", "id": 10 + i, "type": "__main__." + ATTACK, "size": 4000,
                     "repr": ATTACK, "rc": 1, "flags": ["gc"]})
    # An unreachable cycle too, so the cycle diagram is drawn.
    recs.append({"rec": "object", "id": 100, "type": ATTACK, "size": 48, "rc": 1, "flags": ["gc"],
                 "refs": [[101, "attr", ATTACK]]})
    recs.append({"rec": "object", "id": 101, "type": ATTACK, "size": 48, "rc": 1, "flags": ["gc"],
                 "refs": [[100, "attr", ATTACK]]})
    recs.append({"rec": "root", "id": 1, "kind": "module", "label": ATTACK})
    with open(path, "w", encoding="utf-8") as f:
        for r in recs:
            f.write(json.dumps(r) + "\n")


class Cdp:
    """DevTools protocol over --remote-debugging-pipe: Chromium reads commands
    on fd 3 and writes replies and events on fd 4, each a JSON text ended by
    a NUL byte."""

    def __init__(self, profile):
        to_chrome_r, self.to_chrome = os.pipe()
        self.from_chrome, from_chrome_w = os.pipe()

        def child_fds():
            # Through high numbers first: a pipe end may already be 3 or 4,
            # and dup2 onto itself would keep its close-on-exec flag.
            os.dup2(to_chrome_r, 100)
            os.dup2(from_chrome_w, 101)
            os.dup2(100, 3)
            os.dup2(101, 4)
            os.close(100)
            os.close(101)

        args = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-extensions", "--disable-dev-shm-usage",
                "--user-data-dir=" + profile, "--remote-debugging-pipe", "about:blank"]
        # close_fds=False: the fds are dup2'ed to 3 and 4 in the child, which
        # subprocess would otherwise close again after preexec_fn. The pipe
        # ends themselves are close-on-exec, so only 3 and 4 reach Chromium.
        self.proc = subprocess.Popen(args, close_fds=False, preexec_fn=child_fds,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self.buf = b""
        self.next_id = 0
        self.events = []

    def close(self):
        try:
            self.send("Browser.close", timeout=10)
        except Exception:
            pass
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self.to_chrome)
        os.close(self.from_chrome)
        self.proc.stderr.close()

    def _read_message(self, deadline):
        while b"\0" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no reply from Chromium")
            ready, _, _ = select.select([self.from_chrome], [], [], left)
            if ready:
                chunk = os.read(self.from_chrome, 1 << 16)
                if not chunk:
                    raise RuntimeError("Chromium closed the pipe: " + self.proc.stderr.read().decode(errors="replace")[-2000:])
                self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def send(self, method, params=None, session=None, timeout=60):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.to_chrome, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError("%s: %s" % (method, reply["error"]))
                return reply.get("result", {})
            self.events.append(reply)

    def wait_event(self, method, timeout=60):
        deadline = time.monotonic() + timeout
        for i, e in enumerate(self.events):
            if e.get("method") == method:
                return self.events.pop(i)
        while True:
            e = self._read_message(deadline)
            if e.get("method") == method:
                return e
            self.events.append(e)


PROBE = """JSON.stringify({
  title: document.title,
  imgs: document.querySelectorAll('img').length,
  scripts: document.querySelectorAll('script').length,
  handlers: Array.from(document.querySelectorAll('*')).filter(
      e => Array.from(e.attributes).some(a => a.name.startsWith('on'))).length,
  svgs: Array.from(document.querySelectorAll('figure.diagram svg')).map(s => {
      const r = s.getBoundingClientRect(); return [r.width, r.height]; }),
  attackText: document.body.textContent.includes(%s),
  h2: Array.from(document.querySelectorAll('h2')).map(h => h.textContent)
})""" % json.dumps(ATTACK)


@unittest.skipUnless(os.access(CHROMIUM, os.X_OK),
                     "Chromium not found at %s (apt-get install chromium to run this test)" % CHROMIUM)
class Browser(TempDirTest):
    def test_page_in_chromium(self):
        snap = os.path.join(self.tmp, "attack.jsonl")
        attack_snapshot(snap)
        out = os.path.join(self.tmp, "out")
        run("report", "--no-cache", snap, "-o", out, "--title", ATTACK, check=0)
        page = os.path.join(out, "report.html")
        title_before = "Memory report: " + ATTACK
        profile = tempfile.mkdtemp(prefix="rg-chromium-")
        cdp = Cdp(profile)
        try:
            target = cdp.send("Target.createTarget", {"url": "about:blank"})["targetId"]
            session = cdp.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
            cdp.send("Page.enable", session=session)
            cdp.send("Network.enable", session=session)
            cdp.send("Page.navigate", {"url": "file://" + page}, session=session)
            cdp.wait_event("Page.loadEventFired")
            # Give any handler that might fire (it must not) time to run.
            time.sleep(1.0)
            probe = json.loads(cdp.send("Runtime.evaluate", {"expression": PROBE, "returnByValue": True},
                                        session=session)["result"]["value"])
            shot = cdp.send("Page.captureScreenshot", {"format": "png"}, session=session)
            requests = [e["params"]["request"]["url"] for e in cdp.events
                        if e.get("method") == "Network.requestWillBeSent"]
        finally:
            cdp.close()
            shutil.rmtree(profile, ignore_errors=True)

        self.assertEqual(probe["title"], title_before, "a script changed the title")
        self.assertEqual(probe["imgs"], 0)
        self.assertEqual(probe["scripts"], 0)
        self.assertEqual(probe["handlers"], 0, "an element carries an event handler attribute")
        self.assertTrue(probe["attackText"], "the hostile name is shown as text")
        self.assertIn("Leak suspects", probe["h2"])
        self.assertGreaterEqual(len(probe["svgs"]), 1, "no inline diagram")
        for w, h in probe["svgs"]:
            self.assertGreater(w, 10)
            self.assertGreater(h, 10)
        self.assertEqual([u for u in requests if not u.startswith("file://")], [], "the page fetched something")
        self.assertGreater(len(shot.get("data", "")), 1000, "empty screenshot")


if __name__ == "__main__":
    main()
