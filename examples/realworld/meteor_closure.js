// "An interesting kind of JavaScript memory leak": closures that share one context.
//
// Source: David Glasser (Meteor), https://blog.meteor.com/an-interesting-kind-of-javascript-memory-leak-8b47d2e7f156
// -- replaceThing() keeps the previous thing in `originalThing`, which only the
// never-called closure `unused` refers to; but V8 gives all closures made in one
// scope a single shared context, so `someMethod` of the new thing keeps that
// context, the context keeps `originalThing`, and every thing ever made stays
// alive in a chain, each with its long string.
//
// The article's thing is an object literal; here it is made by a constructor
// `Thing` with the same two fields, so that the culprit has a name in the
// snapshot. The article called replaceThing from setInterval; here --things calls
// per round run back to back (deterministic), and after each round, when
// REFGRAPH_SNAPSHOT_DIR is set, v8.writeHeapSnapshot writes snap-NNNN.heapsnapshot
// there from a setImmediate callback.
//
// What leaks: every Thing (--things per round), each with a 2,000-character
// string, in one chain: theThing.someMethod → context → originalThing → Thing →
// someMethod → context → ... Expected answer: `Thing`, held through the closure
// context's `originalThing`.
//
// Run:  node examples/realworld/meteor_closure.js [--rounds N] [--things N]
'use strict';
const v8 = require('v8');
v8.setFlagsFromString('--no-opt');
const path = require('path');

function option(name, dflt) {
  const i = process.argv.indexOf('--' + name);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

function Thing(longStr, someMethod) {
  this.longStr = longStr;
  this.someMethod = someMethod;
}

let theThing = null;
let made = 0;
const someMessage = 'hi';

function replaceThing() {
  const originalThing = theThing;
  const unused = function () {
    if (originalThing) console.log('hi');
  };
  made++;
  theThing = new Thing(new Array(2000 + (made % 7)).join('*'), function someMethod() {
    console.log(someMessage);
  });
}

const rounds = option('rounds', 4);
const perRound = option('things', 500);

function round(r) {
  for (let k = 0; k < perRound; k++) replaceThing();
  setImmediate(() => {
    const dir = process.env.REFGRAPH_SNAPSHOT_DIR;
    if (dir) v8.writeHeapSnapshot(path.join(dir, 'snap-' + String(r).padStart(4, '0') + '.heapsnapshot'));
    if (r + 1 < rounds) setImmediate(round, r + 1);
    else console.log('things', made);
  });
}

setImmediate(round, 0);
