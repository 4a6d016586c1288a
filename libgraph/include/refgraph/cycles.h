/**
 * @file
 * refgraph/cycles.h: unreachable reference cycles.
 * Part of librefgraph's public API; include <refgraph.h> rather than this
 * file. Implemented in libgraph/src/analyze/scc.c.
 */
#ifndef REFGRAPH_CYCLES_H
#define REFGRAPH_CYCLES_H

#include "dominators.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ==== unreachable cycles (scc.c) and held-from-outside (outside.c) ==== */
/**
 * Unreachable cycles: the objects no root reaches over strong references
 * (gc.garbage roots do not count as roots) are split into strongly connected
 * components (iterative Tarjan). A component of two or more objects, or one
 * object referring to itself, is a cycle: with the collector off or stuck it
 * stays in memory forever. Cycles of one shape (the same types, same counts)
 * are reported together, largest total first.
 */
typedef struct rg_cycles rg_cycles;

/** No component: what rg_cycles_component_of returns for a reachable object. */
#define RG_COMPONENT_NONE UINT32_MAX
/** No shape: what rg_cycles_shape_of returns for an object on no cycle. */
#define RG_SHAPE_NONE UINT32_MAX

/** The unreachable part of a snapshot in numbers (rg_cycles_summary_get). */
typedef struct rg_cycles_summary {
    /** sizeof(rg_cycles_summary), set by the caller (see "Records" in refgraph/common.h). */
    size_t struct_size;
    uint64_t unreachable_objects;   /**< objects no root reaches */
    uint64_t unreachable_bytes; /**< their shallow bytes */
    uint64_t components;            /**< cyclic components */
    uint64_t cyclic_objects;        /**< objects on them */
    uint64_t cyclic_bytes; /**< their shallow bytes */
    uint64_t garbage_objects;       /**< of those, flagged RG_NODE_GARBAGE */
    uint64_t largest_component;     /**< objects in the largest one */
    uint32_t shapes; /**< distinct cycle shapes (rg_cycles_shape_get) */
    /** Cycles with a member whose refcount exceeds the references the
     * snapshot shows (a static type and its MRO, a leaked Py_INCREF): held
     * from outside, so not garbage, and not counted above. */
    uint64_t held_components; /**< cyclic components held from outside */
    uint64_t held_objects; /**< objects on those */
} rg_cycles_summary;

/** Unreachable cycles of one shape (rg_cycles_shape_get). */
typedef struct rg_cycle_shape {
    /** sizeof(rg_cycle_shape), set by the caller (see "Records" in refgraph/common.h). */
    size_t struct_size;
    /** "c1:" and 16 hex digits, a hash of the sorted (type name, count) list:
     * stable across snapshots. Owned by the handle. */
    const char *signature;
    const char *description;  /**< "__main__.Node ×2, dict ×2"; owned by the handle */
    uint64_t components;      /**< cyclic components of this shape */
    uint64_t objects_each;    /**< objects in one of them */
    uint64_t objects;         /**< over all of them */
    uint64_t bytes;           /**< shallow bytes over all of them */
    /** Bytes freed if these cycles were collected: the components plus the
     * unreachable objects only they keep alive. Equals `bytes` when computed
     * without dominators. */
    uint64_t retained_bytes;
    uint64_t garbage;         /**< members flagged RG_NODE_GARBAGE (in gc.garbage) */
    rg_node representative;   /**< lowest member of the lowest-numbered component */
    /** A shortest cycle through the representative: cycle[0].from and
     * cycle[cycle_len-1].to are the representative. Owned by the handle. */
    const rg_edge *cycle;
    uint32_t cycle_len;       /**< edges in `cycle` */
} rg_cycle_shape;

/** @{ */
/** Find the unreachable part and its cycles. `dom` may be NULL (then
 * retained_bytes = bytes). On success *out is owned by the caller
 * (rg_cycles_free); strings stay valid while `snap` lives. */
RG_API int rg_cycles_compute(const rg_snapshot *snap, const rg_dominators *dom, rg_cycles **out);
RG_API void rg_cycles_free(rg_cycles *cycles);
RG_API int rg_cycles_summary_get(const rg_cycles *cycles, rg_cycles_summary *out);
/** @} */
/** Shape i (< summary.shapes), ordered by retained_bytes, then objects, then
 * signature. */
RG_API int rg_cycles_shape_get(const rg_cycles *cycles, uint32_t i, rg_cycle_shape *out);
/** The strongly connected component of an unreachable `node` (every
 * unreachable object has one, cyclic or not; ids follow Tarjan's output, a
 * reverse topological order); RG_COMPONENT_NONE for reachable objects. */
RG_API uint32_t rg_cycles_component_of(const rg_cycles *cycles, rg_node node);
/** Shape index of the cycle `node` is on; RG_SHAPE_NONE when it is on none. */
RG_API uint32_t rg_cycles_shape_of(const rg_cycles *cycles, rg_node node);

#ifdef __cplusplus
}
#endif

#endif /**< REFGRAPH_CYCLES_H */
