/*
 * paths_impl.h: the rg_paths handle, shared by paths.c (the BFS and the
 * accessors), paths_why.c (why no root reaches an object) and paths_group.c
 * (grouping objects by the shape of their chains). Not installed.
 */
#ifndef RG_PATHS_IMPL_H
#define RG_PATHS_IMPL_H

#include "graph/graph_internal.h"

/* How a path may use an edge: named edges freely, internal edges only when
 * nothing named reaches (see docs/chains.md), never-edges not at all. */
enum { RG_TIER_NAMED = 0, RG_TIER_INTERNAL = 1, RG_TIER_NEVER = 2 };

/* A value of rg_unreachable_kind not yet decided while classifying. */
#define RG_WHY_PENDING 0xffu

/* An --ignore-edge label resolved to the (kind, raw label) pairs it names. */
typedef struct rg_label_rule {
    uint8_t kind;
    uint32_t label;
} rg_label_rule;

/* Per node 13 bytes, because on big heaps the cost of computing paths is
 * mostly touching these arrays. pidx is overloaded by state:
 *   dist == 0 (a root):             the root record it was seeded from;
 *   why == RG_UNREACHABLE_CYCLE:    its strongly connected component;
 *   parent != RG_NODE_NONE:         which of the parent's edges leads here
 *                                   (the BFS tree edge, or for unreachable
 *                                   nodes the edge from the holder's side),
 *                                   as an offset from fwd_off[parent];
 *   otherwise (a holder):           unused (UINT32_MAX). */
struct rg_paths {
    const rg_snapshot *snap;
    uint32_t *dist;
    rg_node *parent;
    uint32_t *pidx;
    uint8_t *why;              /* rg_unreachable_kind */
    uint32_t *scc_size;        /* per component */
    uint32_t n_scc;
    /* dist, parent, pidx, why and scc_size are the forest stored beside
     * the graph's index cache (paths_store.c), inside `blob`: read-only. */
    int borrowed;
    rg_cache_blob *blob;

    uint8_t kind_tier[RG_EDGE_KIND_COUNT];
    rg_label_rule *rules;
    size_t n_rules;
    uint8_t *type_skip;        /* per type: 1 = paths do not pass through instances */
};

/* paths_store.c: lend p the forest stored beside its graph's cache (1), or
 * leave it as it was (0); keep p's forest there for the next open. Both
 * only for the default options. */
RG_INTERNAL int rg_paths_load_stored(rg_paths *p);
RG_INTERNAL void rg_paths_store(const rg_paths *p);

static inline uint32_t rg_paths_root_record(const rg_paths *p, rg_node root_node)
{
    return p->pidx[root_node];
}

/* The unreachable cycle (component) of `v`, or UINT32_MAX. */
static inline uint32_t rg_paths_scc(const rg_paths *p, rg_node v)
{
    return p->why[v] == RG_UNREACHABLE_CYCLE ? p->pidx[v] : UINT32_MAX;
}

/* The forward edge parent[v] -> v; v must have a parent. */
static inline uint64_t rg_paths_edge(const rg_paths *p, rg_node v)
{
    return p->snap->fwd_off[p->parent[v]] + p->pidx[v];
}

/* The tier of forward edge `e` under the options the paths were computed with. */
static inline int rg_paths_edge_tier(const rg_paths *p, uint64_t e)
{
    const rg_snapshot *s = p->snap;
    uint8_t k = s->fwd_kind[e];
    int t = k < RG_EDGE_KIND_COUNT ? p->kind_tier[k] : RG_TIER_INTERNAL;
    if (t != RG_TIER_NEVER)
        for (size_t i = 0; i < p->n_rules; i++)
            if (p->rules[i].kind == k && p->rules[i].label == s->fwd_label[e])
                return RG_TIER_NEVER;
    return t;
}

/* Per-node arrays of graph size. Big ones are anonymous mappings advised to
 * use transparent huge pages: on a 10^6-object heap, first-touch page faults
 * on 4 KiB pages cost more than the BFS itself (18 ms against 4 ms for
 * 21 MB). Free with rg_paths_big_free and the same byte count. */
RG_INTERNAL void *rg_paths_big_alloc(size_t n, size_t size);
RG_INTERNAL void rg_paths_big_free(void *p, size_t n, size_t size);

/* Classify every node no root reaches (fills why, scc, and the holder-side
 * parent edges). Called once by rg_paths_compute. */
RG_INTERNAL int rg_paths_classify(rg_paths *p);

#endif
