/*
 * paths_group.c: group objects by the shape of their chains, so that
 * "--type Job" can show the typical chain and "--all" one line per shape.
 *
 * A shape is a hash over the chain: the root kind (or the unreachable
 * holder's kind), then per hop the edge kind, the edge label (indices and
 * dict keys generalised) and the type reached. Hashes are memoised along
 * the parent tree, so grouping any number of objects costs O(nodes) in
 * total, never O(objects x depth).
 */
#include "paths_impl.h"

#include <stdlib.h>
#include <string.h>

static inline uint64_t mix(uint64_t h, uint64_t x)
{
    return rg_hash64(h ^ (x + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2)));
}

static uint64_t base_shape(const rg_paths *p, rg_node v)
{
    const rg_snapshot *s = p->snap;
    if (p->dist[v] != RG_DISTANCE_NONE)
        return mix(mix(1, s->root_kind[rg_paths_root_record(p, v)]), rg_node_type_at(s, v));
    return mix(mix(2, p->why[v]), rg_node_type_at(s, v));
}

static uint64_t hop_shape(const rg_paths *p, uint64_t parent_shape, rg_node v)
{
    const rg_snapshot *s = p->snap;
    uint64_t e = rg_paths_edge(p, v);
    uint8_t k = s->fwd_kind[e];
    uint64_t label = k == RG_EDGE_INDEX || k == RG_EDGE_DICT_KEY || k == RG_EDGE_DICT_VALUE
                         ? 0 : (uint64_t)s->fwd_label[e] + 1;
    return mix(mix(mix(parent_shape, k), label), rg_node_type_at(s, v));
}

typedef struct keyed {
    uint64_t key;
    rg_node node;
} keyed;

static int by_key(const void *a, const void *b)
{
    const keyed *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return x->node < y->node ? -1 : x->node > y->node;
}

static uint32_t chain_length(const rg_paths *p, rg_node v)
{
    if (p->dist[v] != RG_DISTANCE_NONE)
        return p->dist[v];
    uint32_t hops = 0;
    while (p->dist[v] == RG_DISTANCE_NONE && p->parent[v] != RG_NODE_NONE) {
        v = p->parent[v];
        hops++;
    }
    return hops;
}

typedef struct group_sort {
    rg_chain_group g;
    uint32_t length;
} group_sort;

static int by_size(const void *a, const void *b)
{
    const group_sort *x = a, *y = b;
    if (x->g.count != y->g.count)
        return x->g.count > y->g.count ? -1 : 1;
    if (x->length != y->length)
        return x->length > y->length ? -1 : 1;
    return x->g.representative < y->g.representative ? -1 : x->g.representative > y->g.representative;
}

int rg_paths_group(const rg_paths *p, const rg_node *nodes, size_t n, size_t record_size,
                   rg_chain_group **groups_out, size_t *n_groups, rg_node **members_out)
{
    if (!p || (!nodes && n) || !groups_out || !n_groups || !members_out)
        return rg_fail(RG_EINVAL, "rg_paths_group: NULL argument");
    const rg_snapshot *s = p->snap;
    for (size_t i = 0; i < n; i++)
        if (nodes[i] >= s->n_nodes)
            return rg_fail(RG_EINVAL, "rg_paths_group: node %u out of range", nodes[i]);
    uint32_t nn = s->n_nodes ? s->n_nodes : 1;
    uint64_t *shape = rg_xmalloc(nn, sizeof *shape);
    uint8_t *known = rg_xcalloc(nn, 1);
    keyed *keys = rg_xmalloc(n ? n : 1, sizeof *keys);
    rg_node *stack = NULL;
    size_t stack_cap = 0;
    group_sort *gs = NULL;
    rg_chain_group *groups = NULL;
    rg_node *members = NULL;
    int rc = RG_ENOMEM;
    if (!shape || !known || !keys)
        goto done;
    for (size_t i = 0; i < n; i++) {
        /* Climb to the first node whose shape is known (or the chain's
         * start), then fill the shapes back down. */
        size_t depth = 0;
        rg_node cur = nodes[i];
        while (!known[cur] && p->parent[cur] != RG_NODE_NONE) {
            if (rg_grow((void **)&stack, &stack_cap, depth + 1, sizeof *stack))
                goto done;
            stack[depth++] = cur;
            cur = p->parent[cur];
        }
        if (!known[cur]) {
            shape[cur] = base_shape(p, cur);
            known[cur] = 1;
        }
        while (depth) {
            rg_node v = stack[--depth];
            shape[v] = hop_shape(p, shape[p->parent[v]], v);
            known[v] = 1;
        }
        keys[i].key = mix(shape[nodes[i]], p->why[nodes[i]]);
        keys[i].node = nodes[i];
    }
    qsort(keys, n, sizeof *keys, by_key);
    size_t ng = 0;
    for (size_t i = 0; i < n; i++)
        ng += i == 0 || keys[i].key != keys[i - 1].key;
    gs = rg_xmalloc(ng ? ng : 1, sizeof *gs);
    groups = rg_xmalloc(ng ? ng : 1, sizeof *groups);
    members = rg_xmalloc(n ? n : 1, sizeof *members);
    if (!gs || !groups || !members)
        goto done;
    size_t g = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        uint64_t bytes = 0;
        while (j < n && keys[j].key == keys[i].key)
            bytes += rg_node_size_at(s, keys[j++].node);
        rg_node rep = keys[i].node;
        gs[g].g = (rg_chain_group){sizeof(rg_chain_group), i, j - i, rep, bytes, p->dist[rep], (rg_unreachable_kind)p->why[rep]};
        gs[g].length = chain_length(p, rep);
        g++;
        i = j;
    }
    qsort(gs, ng, sizeof *gs, by_size);
    /* Lay the members out group after group in the final order. */
    size_t w = 0;
    for (size_t k = 0; k < ng; k++) {
        size_t from = gs[k].g.first;
        groups[k] = gs[k].g;
        groups[k].first = w;
        for (size_t m = 0; m < gs[k].g.count; m++)
            members[w++] = keys[from + m].node;
    }
    void *arr = groups;
    groups = NULL;
    if (rg_records_restride(&arr, ng, sizeof *groups, record_size, sizeof *groups, "rg_paths_group") != RG_OK) {
        rg_free(arr);
        rc = rg_last_error_code();
        goto done;
    }
    *groups_out = arr;
    *n_groups = ng;
    *members_out = members;
    groups = NULL;
    members = NULL;
    rc = RG_OK;
done:
    rg_free(shape);
    rg_free(known);
    rg_free(keys);
    rg_free(stack);
    rg_free(gs);
    rg_free(groups);
    rg_free(members);
    return rc;
}
