/*
 * rules.h: the rules more than one analysis (or a layer above) applies, each
 * written once here so they cannot drift apart. Not installed.
 */
#ifndef RG_ANALYZE_RULES_H
#define RG_ANALYZE_RULES_H

#include "graph/graph_internal.h"

/* ------------------------------------------------------------- gc.garbage */

/* A reference into an object listed in gc.garbage from one that is not
 * (that is the gc.garbage list itself) does not keep its target alive: the
 * collector's verdict is that the object is garbage, and we report it as
 * such. Dominators, the unreachable cycles (scc.c) and what is held from
 * outside (outside.c) all walk the heap by this rule. */
static inline bool rg_garbage_link(const rg_snapshot *s, rg_node from, rg_node to)
{
    return (s->node_flags[to] & RG_NODE_GARBAGE) && !(s->node_flags[from] & RG_NODE_GARBAGE);
}

/* Does a root record of this kind keep its object alive? A gc.garbage root
 * is what the collector could not free: it keeps nothing alive, and what
 * hangs from it is reported as garbage, not as a suspect. */
static inline bool rg_root_retains(uint8_t kind) { return kind != RG_ROOT_GARBAGE; }

/* Does forward edge e, leaving `from`, keep its target alive? */
static inline bool rg_edge_retains(const rg_snapshot *s, rg_node from, uint64_t e)
{
    return rg_edge_kind_retains((rg_edge_kind)s->fwd_kind[e]) && !rg_garbage_link(s, from, s->fwd_dst[e]);
}

/* ---------------------------------------------------------- root preference */

/* When several roots reach an object (or one object is several roots), the
 * one shown is the most telling: a module, then a thread, builtins, a static,
 * any other root, and gc.garbage last. Lower is preferred. The retention
 * paths seed their search in this order and the diagram labels a root by it. */
#define RG_ROOT_RANKS 6
static inline unsigned rg_root_rank(uint8_t kind)
{
    switch (kind) {
    case RG_ROOT_MODULE: return 0;
    case RG_ROOT_THREAD: return 1;
    case RG_ROOT_BUILTINS: return 2;
    case RG_ROOT_STATIC: return 3;
    case RG_ROOT_OTHER: return 4;
    case RG_ROOT_GARBAGE: return 5;
    default: return 4;
    }
}

/* ---------------------------------------------------------- path shortening */

/* A long retention path is shown as its first RG_PATH_HEAD_HOPS hops, a
 * marker for the hops left out, and its last RG_PATH_TAIL_HOPS hops; a path
 * of at most RG_PATH_FULL_HOPS is shown whole (leaving out a handful of hops
 * would save less than the marker costs to read). The group paths
 * (groups.c) and the report's paths (report_model.c) both cut so. */
#define RG_PATH_HEAD_HOPS 8u
#define RG_PATH_TAIL_HOPS 12u
#define RG_PATH_FULL_HOPS (RG_PATH_HEAD_HOPS + RG_PATH_TAIL_HOPS + 4u)

/* Is hop i (0-based) of a path of n hops shown? The marker stands where
 * i == RG_PATH_HEAD_HOPS, for rg_path_hops_left_out(n) hops. */
static inline bool rg_path_hop_shown(uint64_t n, uint64_t i)
{
    return n <= RG_PATH_FULL_HOPS || i < RG_PATH_HEAD_HOPS || i >= n - RG_PATH_TAIL_HOPS;
}
static inline uint64_t rg_path_hops_left_out(uint64_t n)
{
    return n <= RG_PATH_FULL_HOPS ? 0 : n - RG_PATH_HEAD_HOPS - RG_PATH_TAIL_HOPS;
}

#endif
