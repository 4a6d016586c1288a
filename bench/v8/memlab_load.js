// memlab_load.js: memlab's load of a .heapsnapshot, as its heap analyses
// start (getFullHeapFromFile parses, indexes and computes dominators and
// retained sizes). Prints the wall time of the load alone.
//   NODE_PATH=SCRATCH/node_modules node --max-old-space-size=16384 memlab_load.js FILE
'use strict';
const { getFullHeapFromFile } = require('@memlab/heap-analysis');
(async () => {
  const t0 = process.hrtime.bigint();
  const heap = await getFullHeapFromFile(process.argv[2]);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  console.log(`memlab ${process.argv[2]}: ${heap.nodes.length} nodes, ${(ms / 1000).toFixed(2)} s`);
})();
