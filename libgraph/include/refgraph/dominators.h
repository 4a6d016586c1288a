/**
 * @file
 * refgraph/dominators.h: the dominator tree and retained sizes.
 * Part of librefgraph's public API; include <refgraph.h> rather than this
 * file. Implemented in libgraph/src/analyze/dominators.c.
 */
#ifndef REFGRAPH_DOMINATORS_H
#define REFGRAPH_DOMINATORS_H

#include "graph.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ==== dominators, retained size (dominators.c) ==== */
/**
 * The dominator tree over the whole graph. Object d dominates v when every
 * chain of strong (non-weak) references from a root to v passes through d:
 * freeing d would free v. A virtual super-root refers to every root record
 * (except gc.garbage roots: those objects are what the collector could not
 * free; for the same reason a reference into a gc.garbage object from one
 * outside gc.garbage, the list itself, does not count) and then to one
 * entry object per source component of the part that
 * no root reaches, so unreachable objects get dominators and retained sizes
 * too. The retained size of v is the shallow size of everything v dominates,
 * v included. Semi-NCA, iterative, near-linear (docs/suspects.md).
 * Memory: 12 bytes per object kept (idom + retained), 24 at peak.
 */
typedef struct rg_dominators rg_dominators;

/** @{ */
/** Compute the dominator tree and every retained size. On success *out is
 * owned by the caller (rg_dominators_free); it borrows nothing. */
RG_API int rg_dominators_compute(const rg_snapshot *snap, rg_dominators **out);
RG_API void rg_dominators_free(rg_dominators *dom);
/** @} */

/** The immediate dominator of `node`, or RG_NODE_NONE when that is the
 * super-root (a root, an object two roots reach independently, or the entry
 * of an unreachable component). */
RG_API rg_node rg_dominators_idom(const rg_dominators *dom, rg_node node);

/** Retained size of `node` in bytes; for RG_NODE_NONE the super-root's, which
 * is the sum of all shallow sizes. */
RG_API uint64_t rg_dominators_retained(const rg_dominators *dom, rg_node node);

/** 1 when a root reaches `node` over strong references, 0 when it lies in the
 * unreachable part (gc.garbage roots do not count as roots). */
RG_API int rg_dominators_reachable(const rg_dominators *dom, rg_node node);

/** The `k` objects with the largest retained size (0 = all), largest first,
 * ties by lower node. *out has *n entries; the caller frees it (rg_free). */
RG_API int rg_dominators_top(const rg_dominators *dom, uint32_t k, rg_node **out, uint32_t *n);

/** The size of a dominator tree and of its computation (rg_dominators_stats_get). */
typedef struct rg_dominators_stats {
    /** sizeof(rg_dominators_stats), set by the caller (see "Records" in refgraph/common.h). */
    size_t struct_size;
    uint32_t objects;             /**< nodes in the tree (every object) */
    uint32_t reachable;           /**< objects a root reaches */
    uint32_t unreachable_entries; /**< super-root children added for the unreachable part */
    uint64_t memory_bytes;        /**< heap the handle holds */
    uint64_t peak_bytes;          /**< heap in use at the peak of the computation */
} rg_dominators_stats;

RG_API int rg_dominators_stats_get(const rg_dominators *dom, rg_dominators_stats *out);

#ifdef __cplusplus
}
#endif

#endif /**< REFGRAPH_DOMINATORS_H */
