// Live configuration: every request subscribes to changes and never unsubscribes.
//
// Source: latitude-llm PR #2336, "prevent socket listener memory leak on
// keep-alive connections", https://github.com/latitude-dev/latitude-llm/pull/2336
// ("each request added a socket.once('close', ...) listener ... listeners and
// their AbortController closures accumulated without being GC'd"), and
// aws-sdk-js issue #855 (https://github.com/aws/aws-sdk-js/issues/855): a
// long-lived EventEmitter's `_events` keeps every listener and what it captures.
'use strict';
const { EventEmitter } = require('events');

const configBus = new EventEmitter();
configBus.setMaxListeners(0);   // silences MaxListenersExceededWarning, as many apps did

class Subscriber {
  constructor(requestId) {
    this.requestId = requestId;
    this.settings = { theme: 'dark', locale: 'en-US', pageSize: 20 };
    this.pushed = [];
  }
}

function watchConfig(req) {
  const sub = new Subscriber(req.id);
  configBus.on('change', (cfg) => { sub.settings = cfg; sub.pushed.push(cfg); });   // the bug: never removed
  return sub;
}

function listenerCount() {
  return configBus.listenerCount('change');
}

module.exports = { watchConfig, listenerCount };
