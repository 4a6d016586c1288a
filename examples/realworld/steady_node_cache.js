// No leak: a server-side memo cache with a bound, under churn.
//
// Source: google-play-scraper issue #103, "add some limit to memoization",
// https://github.com/facundoolano/google-play-scraper/issues/103 -- an unbounded
// memoization "on prolonged use ... ends up eating all memory"; the fix: "I've
// fixed the cached results to 1000 per method". This is the fixed shape: a Map
// used as an LRU with at most --max entries (default 200), looked up with far
// more distinct app ids than that, so entries are evicted all the time.
//
// What leaks: nothing. Every round looks up --lookups ids out of 3,000; the Map
// holds exactly --max AppDetails at every snapshot. Expected answer: no suspect
// stands out; no growth.
//
// Snapshots: after each round, when REFGRAPH_SNAPSHOT_DIR is set,
// v8.writeHeapSnapshot writes snap-NNNN.heapsnapshot there (from setImmediate).
//
// Run:  node examples/realworld/steady_node_cache.js [--rounds N] [--lookups N] [--max N]
'use strict';
const v8 = require('v8');
v8.setFlagsFromString('--no-opt');
const path = require('path');

function option(name, dflt) {
  const i = process.argv.indexOf('--' + name);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

class AppDetails {
  constructor(appId) {
    this.appId = appId;
    this.title = 'App ' + appId;
    this.ratings = [1, 2, 3, 4, 5].map((s) => s * (appId % 11));
  }
}

function memoize(fn, max) {
  const cache = new Map();
  const memo = (key) => {
    if (cache.has(key)) {
      const v = cache.get(key);
      cache.delete(key);   // move to the most recent end
      cache.set(key, v);
      return v;
    }
    const v = fn(key);
    cache.set(key, v);
    if (cache.size > max) cache.delete(cache.keys().next().value);   // evict the least recent
    return v;
  };
  memo.size = () => cache.size;
  return memo;
}

const app = memoize((appId) => new AppDetails(appId), option('max', 200));

const rounds = option('rounds', 4);
const perRound = option('lookups', 2000);
let n = 0;

function round(r) {
  for (let k = 0; k < perRound; k++, n++) app((n * 7919) % 3000);
  setImmediate(() => {
    const dir = process.env.REFGRAPH_SNAPSHOT_DIR;
    if (dir) v8.writeHeapSnapshot(path.join(dir, 'snap-' + String(r).padStart(4, '0') + '.heapsnapshot'));
    if (r + 1 < rounds) setImmediate(round, r + 1);
    else console.log('lookups', n, 'cached', app.size());
  });
}

setImmediate(round, 0);
