/**
 * @file
 * refgraph.h: the umbrella header of librefgraph; it includes every public
 * header under refgraph/ in the order a manual would present them.
 *
 * librefgraph loads a heap snapshot (every object of a process, its type, size,
 * refcount and labelled outgoing references, plus the roots) into a compact
 * referrer/referent graph and answers "what is keeping these objects alive?".
 *
 * Read this header top to bottom like a manual:
 *   1. conventions (errors, ownership, versions)
 *   2. the one-call path: open a snapshot, look at it
 *   3. the data model: nodes, edges, roots, types
 *   4. building a graph in code (what the readers and the tests use)
 *   5. analyses: paths, diagrams, dominators, groups, cycles, growth, report
 *
 * Conventions
 * -----------
 * - Every function that can fail returns an int: 0 (RG_OK) on success or a
 *   negative rg_error code. rg_last_error() then returns text that names the
 *   file and the line or byte offset where that applies. The text is
 *   thread-local and valid until the next failing call on the same thread.
 * - Out-parameters come last and are written only on success.
 * - Every handle is opaque. Every *_free accepts NULL and does nothing.
 * - Ownership is stated on each function: "owned by the snapshot" means the
 *   pointer stays valid until rg_snapshot_free(); "the caller frees" names the
 *   function to free it with.
 * - The library never prints, never exits and never aborts on bad input.
 *   Handles are not thread-safe; distinct handles may be used from distinct
 *   threads. A const rg_snapshot may be read from many threads at once.
 */
#ifndef REFGRAPH_H
#define REFGRAPH_H

/* The manual, in reading order: each header below starts with its own
 * overview and example. */
#include "refgraph/common.h"     /**< 1. conventions: errors, memory, versions */
#include "refgraph/snapshot.h"   /**< 2. the one-call path: open a snapshot */
#include "refgraph/graph.h"      /**< 3. the data model: nodes, edges, roots, types */
#include "refgraph/builder.h"    /**< 4. building a graph in code */
#include "refgraph/paths.h"      /**< 5. analyses of one snapshot ... */
#include "refgraph/dominators.h"
#include "refgraph/groups.h"
#include "refgraph/cycles.h"
#include "refgraph/outside.h"
#include "refgraph/suspects.h"
#include "refgraph/diagram.h"    /**< 6. diagrams */
#include "refgraph/growth.h"     /**< 7. growth across snapshots */
#include "refgraph/report.h"     /**< 8. the report */

#endif /**< REFGRAPH_H */
