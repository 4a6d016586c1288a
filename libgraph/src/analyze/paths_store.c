/* paths_store.c: the retention paths under default options, kept beside
 * a graph's index cache as the blob "paths" (rg_cache_blob_*), so that
 * `refgraph chain` on a cached snapshot reads them instead of running the
 * BFS again. They are stored by the first computation on a graph that has
 * a cache, and checked on every load as far as anything that reads them
 * depends on: a blob that fails is recomputed and replaced.
 *
 * Blob layout: uint32 n_nodes, uint32 n_scc, uint64 n_edges (of the graph
 * it was computed on), then dist, parent and pidx (uint32 per node),
 * scc_size (uint32 per cycle), why (a byte per node). */
#include "paths_impl.h"

#include <stdlib.h>
#include <string.h>

#define BLOB_NAME "paths"

typedef struct forest_head {
    uint32_t n_nodes, n_scc;
    uint64_t n_edges;
} forest_head;

/* The stored path forest is one that rg_paths_compute could have made, as
 * far as anything that reads it depends on: every edge index names the
 * edge parent -> node, a reachable node's parent is one hop nearer a root
 * (so chain walks end at a root after exactly dist hops), roots name a
 * root record, an unreachable node's holder walk ends (no parent cycle),
 * and each cycle's recorded size is its member count (rg_paths_cycle sizes
 * its tables by it). */
static int forest_ok(const rg_paths *p)
{
    const rg_snapshot *s = p->snap;
    const uint32_t *dist = p->dist, *parent = p->parent, *pidx = p->pidx;
    const uint8_t *why = p->why;
    uint32_t n = s->n_nodes, n_scc = p->n_scc, holders = 0;
    for (rg_node v = 0; v < n; v++) {
        /* The parent's dist, offsets and edge are random reads: fetch them
         * ahead in two stages (the edge needs the offsets), as the id map's
         * batch lookup does, so many misses are in flight at once. */
        if (v + 16 < n && parent[v + 16] < n) {
            __builtin_prefetch(&dist[parent[v + 16]]);
            __builtin_prefetch(&s->fwd_off[parent[v + 16]]);
        }
        if (v + 8 < n && parent[v + 8] < n) {
            uint64_t e = s->fwd_off[parent[v + 8]] + pidx[v + 8];
            if (e < s->n_edges)
                __builtin_prefetch(&s->fwd_dst[e]);
        }
        uint32_t d = dist[v], u = parent[v], x = pidx[v];
        if (d != RG_DISTANCE_NONE) {
            if (why[v] != RG_REACHABLE)
                return 0;
            if (d == 0) {
                if (u != RG_NODE_NONE || x >= s->n_roots)
                    return 0;
                continue;
            }
            if (u >= n || dist[u] + 1 != d)
                return 0;
        } else {
            if (why[v] < RG_UNREACHABLE_EXCLUDED || why[v] > RG_UNREACHABLE_UNEXPLAINED)
                return 0;
            if (u == RG_NODE_NONE) {
                if (why[v] == RG_UNREACHABLE_CYCLE && x >= n_scc)
                    return 0;
                continue;
            }
            if (u >= n || why[v] == RG_UNREACHABLE_CYCLE || why[v] == RG_UNREACHABLE_UNEXPLAINED)
                return 0;
            holders += dist[u] == RG_DISTANCE_NONE;
        }
        if (x >= s->fwd_off[u + 1] - s->fwd_off[u] || s->fwd_dst[s->fwd_off[u] + x] != v)
            return 0;
    }
    int bad = 0;
    uint32_t *members = rg_xcalloc(n_scc ? n_scc : 1, sizeof *members);
    uint8_t *state = holders ? rg_xcalloc(n, 1) : NULL;
    if (!members || (holders && !state)) {
        /* not wrong, only unaffordable now: compute the paths instead */
        rg_clear_error();
        bad = 1;
        goto done;
    }
    for (rg_node v = 0; v < n; v++)
        if (why[v] == RG_UNREACHABLE_CYCLE)
            members[pidx[v]]++;
    for (uint32_t c = 0; c < n_scc; c++)
        if (members[c] != p->scc_size[c] || members[c] == 0)
            bad = 1;
    /* Holder walks among unreachable nodes: 1 = on the walk in progress,
     * 2 = known to end. Each node is walked over at most twice. */
    for (rg_node v = 0; v < n && holders && !bad; v++) {
        rg_node cur = v;
        while (dist[cur] == RG_DISTANCE_NONE && parent[cur] != RG_NODE_NONE && state[cur] == 0) {
            state[cur] = 1;
            cur = parent[cur];
        }
        if (state[cur] == 1) {
            bad = 1;
            break;
        }
        for (rg_node w = v; w != cur; w = parent[w])
            state[w] = 2;
    }
done:
    rg_free(members);
    rg_free(state);
    return !bad;
}

int rg_paths_load_stored(rg_paths *p)
{
    const rg_snapshot *s = p->snap;
    rg_cache_blob *b;
    if (rg_cache_blob_open(s, BLOB_NAME, &b) != RG_OK) {
        rg_clear_error();
        return 0;
    }
    uint64_t size, n = s->n_nodes;
    const unsigned char *d = rg_cache_blob_data(b, &size);
    forest_head fh;
    if (size < sizeof fh)
        goto bad;
    memcpy(&fh, d, sizeof fh);
    if (fh.n_nodes != n || fh.n_edges != s->n_edges || fh.n_scc > n ||
        size != sizeof fh + (3 * n + fh.n_scc) * sizeof(uint32_t) + n)
        goto bad;
    d += sizeof fh;
    /* zero-copy: nothing writes to paths after rg_paths_compute */
    p->dist = (uint32_t *)d;
    p->parent = (rg_node *)(d + 4 * n);
    p->pidx = (uint32_t *)(d + 8 * n);
    p->scc_size = (uint32_t *)(d + 12 * n);
    p->why = (uint8_t *)(d + 12 * n + 4 * (uint64_t)fh.n_scc);
    p->n_scc = fh.n_scc;
    if (!forest_ok(p))
        goto bad;
    p->blob = b;
    p->borrowed = 1;
    return 1;
bad:
    p->dist = p->pidx = p->scc_size = NULL;
    p->parent = NULL;
    p->why = NULL;
    p->n_scc = 0;
    rg_cache_blob_close(b);
    return 0;
}

void rg_paths_store(const rg_paths *p)
{
    const rg_snapshot *s = p->snap;
    if (!s->cache_path)
        return;
    uint64_t n = s->n_nodes;
    forest_head fh = {s->n_nodes, p->n_scc, s->n_edges};
    const void *parts[] = {&fh, p->dist, p->parent, p->pidx, p->scc_size, p->why};
    uint64_t sizes[] = {sizeof fh, 4 * n, 4 * n, 4 * n, 4 * (uint64_t)p->n_scc, n};
    /* a forest not kept is only a BFS more on the next open */
    if (rg_cache_blob_store(s, BLOB_NAME, parts, sizes, 6) != RG_OK)
        rg_clear_error();
}
