"""report.html in a real browser: headless Chromium (Debian's chromium)
loads the page from a file, and a tiny DevTools-protocol client over
--remote-debugging-pipe reads back what the browser made of it. The report is
made from a snapshot whose type names, labels, reprs, producer and title are
attacks: <script>, <img onerror>, an SVG onload, javascript: links, and
markup that would fetch from a local HTTP server this test runs. Judged by
the page the browser loaded, not by grepping the file:

- no script ran: every attack would mark <html> with data-pwned (and change
  the title); the loaded DOM has no such mark, no <script>, <img>, <iframe>,
  <link>, <a href>, and no element with an event-handler attribute;
- nothing was fetched: the HTTP server on 127.0.0.1 that the attacks point at
  received no request, and the browser issued none but the file itself;
- every diagram rendered: the page holds one laid-out inline <svg> per
  diagram file of the report, each with the same number of nodes as the
  file, and the screenshot is not blank.

Deterministic: no sleeps. The probe runs after the load event, which waits
for every image and style sheet the page asks for (an <img onerror> fires
before it); the browser is then closed and waited for.

scripts/test.sh installs chromium (scripts/deps.sh, the optional browser
group). Where it cannot be installed the test is skipped, and says so on
stderr and in the ctest log.
"""
import http.server
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "cli"))
from rgtest import TempDirTest, main, run  # noqa: E402

CHROMIUM = os.environ.get("REFGRAPH_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
MARK = "document.documentElement.setAttribute('data-pwned','1');document.title='pwned'"


def attacks(port):
    """Hostile names; each would mark the page or fetch from the server if it
    became live markup."""
    url = "http://127.0.0.1:%d" % port
    return [
        "<script>%s</script>" % MARK,
        "<img src=%s/img onerror=\"%s\">" % (url, MARK),
        "<svg onload=\"%s\"><circle r=5 /></svg>" % MARK,
        "<a href=\"javascript:%s\">click</a> [md](javascript:alert(1)) ![i](%s/md.png)" % (MARK, url),
        "<iframe src=%s/frame></iframe><link rel=stylesheet href=%s/css>" % (url, url),
        "<div style=\"background:url(%s/bg)\">x</div><style>@import '%s/import';</style>" % (url, url),
        "--><script>%s</script><!--" % MARK,
        "]]><script>%s</script>" % MARK,
        "\"'><body onload=\"%s\">" % MARK,
    ]


def attack_snapshot(path, port):
    """A leak whose type, key and module names, reprs and producer are all
    attacks, and an unreachable cycle of hostile types."""
    a = attacks(port)
    recs = [
        {"rec": "header", "format": "refgraph-snapshot", "version": 1, "producer": a[0],
         "runtime": a[1], "pid": 7, "time": 1764115200.0},
        {"rec": "object", "id": 1, "type": "module", "size": 72, "name": a[2],
         "refs": [[2, "global", a[3]]]},
        {"rec": "object", "id": 2, "type": "dict", "size": 4000, "len": 40,
         "refs": [[10 + i, "value", a[i % len(a)] + str(i)] for i in range(40)]},
    ]
    for i in range(40):
        recs.append({"rec": "object", "id": 10 + i, "type": "__main__." + a[i % 3], "size": 100000,
                     "repr": a[4 + i % 5], "rc": 1, "flags": ["gc"]})
    # An unreachable cycle too, so the cycle diagram is drawn.
    recs.append({"rec": "object", "id": 100, "type": a[5], "size": 48, "rc": 1, "flags": ["gc"],
                 "refs": [[101, "attr", a[6]]]})
    recs.append({"rec": "object", "id": 101, "type": a[7], "size": 48, "rc": 1, "flags": ["gc"],
                 "refs": [[100, "attr", a[8]]]})
    recs.append({"rec": "root", "id": 1, "kind": "module", "label": a[3]})
    with open(path, "w", encoding="utf-8") as f:
        for r in recs:
            f.write(json.dumps(r) + "\n")


class Witness:
    """An HTTP server on 127.0.0.1 that records every request it gets."""

    def __init__(self):
        requests = self.requests = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                requests.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"x")

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


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
  pwned: document.documentElement.hasAttribute('data-pwned'),
  live: ['script', 'img', 'iframe', 'link', 'object', 'embed', 'a[href]', 'base', 'form', 'foreignObject']
      .map(s => [s, document.querySelectorAll(s).length]).filter(x => x[1] > 0),
  handlers: Array.from(document.querySelectorAll('*')).filter(
      e => Array.from(e.attributes).some(a => a.name.toLowerCase().startsWith('on'))).length,
  svgs: Array.from(document.querySelectorAll('figure.diagram svg')).map(s => {
      const r = s.getBoundingClientRect();
      return {w: r.width, h: r.height, nodes: s.querySelectorAll('g.node').length}; }),
  attackText: document.body.textContent.includes("<script>"),
  h2: Array.from(document.querySelectorAll('h2')).map(h => h.textContent)
})"""


def png_is_blank(data):
    """True when a PNG screenshot (8-bit RGB or RGBA) is one colour: its
    filtered rows then take at most two distinct values (the first row, and
    the rest, whatever filter each row uses)."""
    import base64
    import zlib
    raw = base64.b64decode(data)
    assert raw[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width, bpp = 8, b"", 0, 0
    while pos < len(raw):
        n = int.from_bytes(raw[pos:pos + 4], "big")
        kind, body = raw[pos + 4:pos + 8], raw[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            width = int.from_bytes(body[:4], "big")
            assert body[8] == 8, "8-bit channels expected"
            bpp = {2: 3, 6: 4}[body[9]]
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    pixels = zlib.decompress(idat)
    stride = width * bpp + 1
    rows = {pixels[i:i + stride] for i in range(0, len(pixels), stride)}
    return len(rows) <= 2


@unittest.skipUnless(os.access(CHROMIUM, os.X_OK),
                     "Chromium not found at %s: scripts/test.sh installs it (apt-get install chromium)" % CHROMIUM)
class Browser(TempDirTest):
    def test_page_in_chromium(self):
        witness = Witness()
        self.addCleanup(witness.close)
        snap = os.path.join(self.tmp, "attack.jsonl")
        attack_snapshot(snap, witness.port)
        out = os.path.join(self.tmp, "out")
        title = attacks(witness.port)[0]
        run("report", "--no-cache", snap, "-o", out, "--title", title, check=0)
        page = os.path.join(out, "report.html")
        diagrams = sorted(f for f in os.listdir(out) if f.endswith(".svg"))
        nodes_in_files = []
        for f in diagrams:
            with open(os.path.join(out, f), encoding="utf-8") as fh:
                nodes_in_files.append(fh.read().count('<g id="node'))
        profile = tempfile.mkdtemp(prefix="rg-chromium-")
        cdp = Cdp(profile)
        try:
            target = cdp.send("Target.createTarget", {"url": "about:blank"})["targetId"]
            session = cdp.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
            cdp.send("Page.enable", session=session)
            cdp.send("Network.enable", session=session)
            cdp.send("Page.navigate", {"url": "file://" + page}, session=session)
            cdp.wait_event("Page.loadEventFired")
            probe = json.loads(cdp.send("Runtime.evaluate", {"expression": PROBE, "returnByValue": True},
                                        session=session)["result"]["value"])
            shot = cdp.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True},
                            session=session)
            requests = [e["params"]["request"]["url"] for e in cdp.events
                        if e.get("method") == "Network.requestWillBeSent"]
        finally:
            cdp.close()
            shutil.rmtree(profile, ignore_errors=True)

        # no script ran, and nothing live came from a name
        self.assertFalse(probe["pwned"], "a script from a name ran")
        self.assertEqual(probe["title"], "Memory report: " + title, "a script changed the title")
        self.assertEqual(probe["live"], [], "live elements from names")
        self.assertEqual(probe["handlers"], 0, "an element carries an event handler attribute")
        self.assertTrue(probe["attackText"], "the hostile names are shown as text")
        self.assertIn("Leak suspects", probe["h2"])
        # nothing was fetched
        self.assertEqual(witness.requests, [], "the page fetched from the witness server")
        self.assertEqual([u for u in requests if not u.startswith("file://")], [], "the page fetched something")
        # every diagram rendered: one laid-out inline SVG per diagram file
        self.assertGreaterEqual(len(diagrams), 2, "a suspect and a cycle diagram")
        self.assertEqual(len(probe["svgs"]), len(diagrams), "inline diagrams")
        self.assertEqual(sorted(s["nodes"] for s in probe["svgs"]), sorted(nodes_in_files), "nodes per diagram")
        for s in probe["svgs"]:
            self.assertGreater(s["w"], 10)
            self.assertGreater(s["h"], 10)
            self.assertGreater(s["nodes"], 1)
        self.assertFalse(png_is_blank(shot["data"]), "blank screenshot")


if __name__ == "__main__":
    if not os.access(CHROMIUM, os.X_OK):
        print("WARNING: e2e/test_report_browser SKIPPED: Chromium not found at %s" % CHROMIUM, file=sys.stderr)
    main()
