// Views: each page's node tree is discarded after rendering, but the focused node
// of every page is remembered, and it keeps its whole detached tree through
// `parent` and `children`.
//
// Source: the Chrome DevTools guide to memory problems, on detached DOM trees,
// https://developer.chrome.com/docs/devtools/memory-problems/#discover_detached_dom_tree_memory_leaks_with_heap_snapshots
// (a node removed from the document stays alive while JavaScript still refers to
// it, and because nodes refer to their parent and children, one such reference
// keeps its whole detached tree), here with plain objects on a server that
// renders views.
'use strict';

class ViewNode {
  constructor(tag, parent) {
    this.tag = tag;
    this.parent = parent;
    this.children = [];
    this.text = '';
    if (parent) parent.children.push(this);
  }
}

const focusHistory = [];

function render(req) {
  const root = new ViewNode('html', null);
  const body = new ViewNode('body', root);
  const list = new ViewNode('ul', body);
  let focused = null;
  for (let i = 0; i < 4; i++) {
    const li = new ViewNode('li', list);
    li.text = 'item ' + i + ' of ' + req.url;
    if (i === 2) focused = li;
  }
  new ViewNode('footer', body).text = 'request ' + req.id;
  focusHistory.push(focused);   // the bug: keeps the detached tree of every page
  return root.children.length;
}

module.exports = { render };
