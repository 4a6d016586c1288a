// A module-level Map cache keyed by an object made per request: it never hits and
// never evicts.
//
// Source: angular/universal PR #557, "fix(platform-node): Remove memory leak",
// https://github.com/angular/universal/pull/557 -- "NgModules are generated per
// request and cached indefinitely, leading to a serious memory leak that will
// eventually floor your servers"; the fix replaced the Map with a WeakMap. Here a
// server renders each request with a module class generated for that request, and
// compileModuleFactory() caches the compiled factory in a module-level Map keyed
// by that class.
//
// What leaks: --requests NgModuleFactory objects per round (each with its
// provider and component-factory arrays), and their per-request module classes,
// kept by the Map `factoryCache`. Expected answer: `NgModuleFactory`, held by the
// Map `factoryCache`.
//
// Snapshots: after each round, when REFGRAPH_SNAPSHOT_DIR is set,
// v8.writeHeapSnapshot writes snap-NNNN.heapsnapshot there (from setImmediate).
//
// Run:  node examples/realworld/node_module_cache.js [--rounds N] [--requests N]
'use strict';
const v8 = require('v8');
v8.setFlagsFromString('--no-opt');
const path = require('path');

function option(name, dflt) {
  const i = process.argv.indexOf('--' + name);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

class NgModuleFactory {
  constructor(moduleType) {
    this.moduleType = moduleType;
    this.providers = moduleType.providers.map((p) => ({ provide: p, useValue: p + ':value' }));
    this.componentFactories = ['AppComponent', 'HeaderComponent', 'ListComponent'].map((c) => ({ selector: c }));
  }
}

const factoryCache = new Map();

function compileModuleFactory(moduleType) {
  let factory = factoryCache.get(moduleType);
  if (!factory) {
    factory = new NgModuleFactory(moduleType);
    factoryCache.set(moduleType, factory);   // the bug: keyed by a per-request class, never deleted
  }
  return factory;
}

function createServerModule(req) {
  // A module class generated for this request, as the renderer did.
  return class ServerAppModule {
    static get url() { return req.url; }
    static get providers() { return ['REQUEST', 'RESPONSE', 'ORIGIN_URL']; }
  };
}

function renderRequest(req) {
  const factory = compileModuleFactory(createServerModule(req));
  return '<app-root>' + factory.componentFactories.length + '</app-root>';
}

const rounds = option('rounds', 4);
const perRound = option('requests', 400);
let next = 0;

function round(r) {
  for (let k = 0; k < perRound; k++, next++) renderRequest({ url: '/page/' + next });
  setImmediate(() => {
    const dir = process.env.REFGRAPH_SNAPSHOT_DIR;
    if (dir) v8.writeHeapSnapshot(path.join(dir, 'snap-' + String(r).padStart(4, '0') + '.heapsnapshot'));
    if (r + 1 < rounds) setImmediate(round, r + 1);
    else console.log('requests', next, 'cached', factoryCache.size);
  });
}

setImmediate(round, 0);
