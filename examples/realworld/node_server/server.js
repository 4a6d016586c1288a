// An Express-like server with three leaks in three sibling modules.
//
// Source: "Express Memory Leaks", https://compilenrun.com/docs/framework/express/express-performance/express-memory-leaks
// -- the common causes it lists, one per module, each also cited in its file:
//   request-log.js  a Map of request contexts, never deleted          (RequestContext)
//   notifier.js     an EventEmitter listener per request, never removed (Subscriber)
//   views.js        a detached tree kept by one remembered node         (ViewNode)
// This is issue 12's finding 2: in a Node snapshot the three leaks hang below
// `module.children` under three sibling modules, and each must be found.
//
// No npm packages and no sockets: a tiny hand-written router dispatches
// --requests synthetic requests per round (deterministic), and after each round,
// when REFGRAPH_SNAPSHOT_DIR is set, v8.writeHeapSnapshot writes
// snap-NNNN.heapsnapshot there (from a setImmediate callback, so no frame of this
// module is on the stack).
//
// Run:  node examples/realworld/node_server/server.js [--rounds N] [--requests N]
'use strict';
const v8 = require('v8');
v8.setFlagsFromString('--no-opt');   // an optimizing compile would hold handles to hot objects
const path = require('path');
const requestLog = require('./request-log');
const notifier = require('./notifier');
const views = require('./views');

function option(name, dflt) {
  const i = process.argv.indexOf('--' + name);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

const routes = [];
function get(pattern, handler) { routes.push({ method: 'GET', pattern, handler }); }

function dispatch(req) {
  for (const r of routes) {
    if (r.method === req.method && req.url.startsWith(r.pattern)) return r.handler(req);
  }
  return 404;
}

get('/items', (req) => {
  const ctx = requestLog.begin(req);
  notifier.watchConfig(req);
  views.render(req);
  requestLog.end(ctx, 200);
  return 200;
});

const rounds = option('rounds', 4);
const perRound = option('requests', 500);
let next = 0;

function round(r) {
  for (let k = 0; k < perRound; k++, next++) {
    dispatch({ id: next, method: 'GET', url: '/items?page=' + next, headers: { accept: 'text/html' } });
  }
  setImmediate(() => {
    const dir = process.env.REFGRAPH_SNAPSHOT_DIR;
    if (dir) v8.writeHeapSnapshot(path.join(dir, 'snap-' + String(r).padStart(4, '0') + '.heapsnapshot'));
    if (r + 1 < rounds) setImmediate(round, r + 1);
    else console.log('requests', next, 'pending', requestLog.pending(), 'listeners', notifier.listenerCount());
  });
}

setImmediate(round, 0);
