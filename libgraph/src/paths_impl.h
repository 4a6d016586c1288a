/*
 * paths_impl.h: the rg_paths handle, shared by paths.c (the BFS and the
 * accessors), paths_why.c (why no root reaches an object) and paths_group.c
 * (grouping objects by the shape of their chains). Not installed.
 */
#ifndef RG_PATHS_IMPL_H
#define RG_PATHS_IMPL_H

#include "internal.h"

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

struct rg_paths {
    const rg_snapshot *snap;
    /* Per node. For reachable nodes parent/pedge is the BFS tree edge; for
     * unreachable ones it is the edge from the holder's side that explains
     * them (RG_NODE_NONE at a holder). */
    uint32_t *dist;
    rg_node *parent;
    uint64_t *pedge;
    uint32_t *root;            /* root record of reachable nodes */
    uint8_t *why;              /* rg_unreachable_kind */
    uint32_t *scc;             /* component of RG_UNREACHABLE_CYCLE nodes, else UINT32_MAX */
    uint32_t *scc_size;        /* per component */
    uint32_t n_scc;

    uint8_t kind_tier[RG_EDGE_KIND_COUNT];
    rg_label_rule *rules;
    size_t n_rules;
    uint8_t *type_skip;        /* per type: 1 = paths do not pass through instances */
};

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

/* Classify every node no root reaches (fills why, scc, and the holder-side
 * parent edges). Called once by rg_paths_compute. */
RG_INTERNAL int rg_paths_classify(rg_paths *p);

#endif
