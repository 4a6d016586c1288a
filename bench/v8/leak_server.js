// leak_server.js: a small HTTP server with three known leaks, driven by
// itself until its heap is big enough, then it writes a heap snapshot.
//
//   node --max-old-space-size=8192 leak_server.js OUT.heapsnapshot SESSIONS
//
// The leaks, each a thing refgraph suspects must find:
//  1. every request's Session stays in `sessions` (a Map never pruned),
//     each with its headers, a history array and a token string;
//  2. an `onClose` closure per request is pushed on `bus.listeners` and
//     never removed; it captures the request's body buffer in its context;
//  3. `metrics.byPath` keys every distinct URL (with its query) forever.
// SESSIONS sets the size: about 2.7 M snapshot nodes and 70 MB of snapshot
// per 100 000 sessions on node 20.
'use strict';
const http = require('http');
const v8 = require('v8');

class Session {
  constructor(id, path) {
    this.id = id;
    this.token = 'tok-' + id.toString(36) + '-' + path.length;
    this.headers = { 'user-agent': 'bench/' + (id % 7), accept: '*/*', 'x-request-id': 'r' + id };
    this.history = [{ at: id, path }, { at: id + 1, path: path + '/next' }];
    this.created = new Date(1700000000000 + id);
  }
}

class EventBus {
  constructor() { this.listeners = []; }
  on(fn) { this.listeners.push(fn); }
}

const sessions = new Map();
const bus = new EventBus();
const metrics = { byPath: Object.create(null), requests: 0 };
let nextId = 0;

function handle(req, res) {
  const url = new URL(req.url, 'http://localhost');
  const n = Number(url.searchParams.get('n') || 1);
  for (let i = 0; i < n; i++) {
    const id = nextId++;
    const s = new Session(id, url.pathname);
    sessions.set(s.token, s);
    const body = Buffer.alloc(16, id & 255);
    bus.on(function onClose() { return body.length + s.id; });
    metrics.byPath[url.pathname + '?' + id] = (metrics.byPath[url.pathname + '?' + id] || 0) + 1;
  }
  metrics.requests++;
  res.end('ok ' + nextId + '\n');
}

const out = process.argv[2] || 'leak.heapsnapshot';
const want = Number(process.argv[3] || 100000);
const perRequest = 500;
const server = http.createServer(handle);
server.listen(0, '127.0.0.1', async () => {
  const port = server.address().port;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  const get = (path) => new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path, agent }, (res) => {
      res.resume();
      res.on('end', resolve);
    }).on('error', reject);
  });
  for (let done = 0; done < want; done += perRequest) {
    const n = Math.min(perRequest, want - done);
    await get('/api/item/' + (done % 97) + '?n=' + n);
  }
  agent.destroy();
  server.close(() => {
    setImmediate(() => {
      v8.writeHeapSnapshot(out);
      console.log(out, sessions.size, 'sessions');
    });
  });
});
