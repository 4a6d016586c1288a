// Request log: every request's context goes into a Map, and is never deleted.
//
// Source: "Express Memory Leaks", https://compilenrun.com/docs/framework/express/express-performance/express-memory-leaks
// (1. unbounded caches, 4. global variables growing over time), and the same
// shape in cowrie's `session_state` (https://github.com/cowrie/cowrie/issues/40492):
// the entry is read when the request ends, and left in the Map.
'use strict';

class RequestContext {
  constructor(id, method, url, headers) {
    this.id = id;
    this.method = method;
    this.url = url;
    this.headers = headers;
    this.status = 0;
    this.trace = ['accepted', 'routed'];
  }
}

const inflight = new Map();

function begin(req) {
  const ctx = new RequestContext(req.id, req.method, req.url, req.headers);
  inflight.set(req.id, ctx);
  return ctx;
}

function end(ctx, status) {
  ctx.status = status;
  ctx.trace.push('done');
  // the bug: inflight.delete(ctx.id) is missing
}

function pending() {
  return inflight.size;
}

module.exports = { begin, end, pending };
