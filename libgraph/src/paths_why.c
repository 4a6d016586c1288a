/*
 * paths_why.c: why no root reaches an object, decided for every unreachable
 * object at once in linear time, and the shortest cycle through an object of
 * an unreachable cycle.
 *
 * Within the unreachable part every strong (non-weak) edge counts, whatever
 * the path options exclude: the question here is what keeps the object
 * alive, not which path reads best. The phases, first match wins:
 *   1. excluded: a reachable object refers to it by an edge the paths skip;
 *   2. outside: some object's refcount exceeds its strong referrers;
 *   3. cycle: it lies on a strongly connected component (iterative Tarjan);
 *   4. from-cycle: a cycle leads to it;
 *   5. unexplained: nothing above.
 * Phases 1, 2 and 4 spread from their seeds by BFS, recording the edge in
 * parent/pedge, so "who holds it" is a walk like a root chain.
 */
#include "paths_impl.h"

#include <stdlib.h>
#include <string.h>

static inline int pending(const rg_paths *p, rg_node v) { return p->why[v] == RG_WHY_PENDING; }

/* BFS over strong edges from queue[0..tail) into pending nodes, marking
 * them `kind`. Returns the new tail. */
static uint32_t spread(rg_paths *p, uint32_t *queue, uint32_t tail, uint8_t kind)
{
    const rg_snapshot *s = p->snap;
    for (uint32_t head = 0; head < tail; head++) {
        rg_node u = queue[head];
        for (uint64_t e = rg_fwd_begin(s, u), end = rg_fwd_end(s, u); e < end; e++) {
            rg_node v = s->fwd_dst[e];
            if (s->fwd_kind[e] == RG_EDGE_WEAK || !pending(p, v))
                continue;
            p->why[v] = kind;
            p->parent[v] = u;
            p->pedge[v] = e;
            queue[tail++] = v;
        }
    }
    return tail;
}

static void seed_excluded(rg_paths *p, uint32_t *queue, uint32_t *tail)
{
    const rg_snapshot *s = p->snap;
    for (rg_node v = 0; v < s->n_nodes; v++) {
        if (!pending(p, v))
            continue;
        for (uint64_t i = rg_rev_begin(s, v), end = rg_rev_end(s, v); i < end; i++) {
            uint32_t e = s->rev_edge[i];
            rg_node r = s->rev_src[i];
            if (s->fwd_kind[e] != RG_EDGE_WEAK && p->dist[r] != RG_DISTANCE_NONE) {
                p->why[v] = RG_UNREACHABLE_EXCLUDED;
                p->parent[v] = r;
                p->pedge[v] = e;
                queue[(*tail)++] = v;
                break;
            }
        }
    }
}

static void seed_outside(rg_paths *p, uint32_t *queue, uint32_t *tail)
{
    const rg_snapshot *s = p->snap;
    for (rg_node v = 0; v < s->n_nodes; v++) {
        if (!pending(p, v) || s->node_rc[v] == RG_RC_NONE)
            continue;
        uint64_t strong = 0;
        for (uint64_t i = rg_rev_begin(s, v), end = rg_rev_end(s, v); i < end; i++)
            strong += s->fwd_kind[s->rev_edge[i]] != RG_EDGE_WEAK;
        if ((uint64_t)s->node_rc[v] > strong) {
            p->why[v] = RG_UNREACHABLE_OUTSIDE;
            queue[(*tail)++] = v;
        }
    }
}

typedef struct frame {
    rg_node node;
    uint64_t next;
} frame;

/* Iterative Tarjan over the pending nodes and the strong edges between
 * them; components of two or more nodes, or one node with a self-edge,
 * become RG_UNREACHABLE_CYCLE and are appended to queue. */
static int find_cycles(rg_paths *p, uint32_t *queue, uint32_t *tail)
{
    const rg_snapshot *s = p->snap;
    uint32_t n = s->n_nodes;
    uint32_t *index = rg_xmalloc(n, sizeof *index);
    uint32_t *low = rg_xmalloc(n, sizeof *low);
    uint32_t *stack = rg_xmalloc(n, sizeof *stack);
    frame *calls = rg_xmalloc(n, sizeof *calls);
    uint8_t *on = rg_xcalloc(n, 1);
    size_t scc_cap = 0;
    int rc = RG_OK;
    if (!index || !low || !stack || !calls || !on) {
        rc = RG_ENOMEM;
        goto done;
    }
    memset(index, 0xff, (size_t)n * sizeof *index);
    uint32_t counter = 0, sp = 0;
    for (rg_node start = 0; start < n; start++) {
        if (!pending(p, start) || index[start] != UINT32_MAX)
            continue;
        uint32_t depth = 0;
        index[start] = low[start] = counter++;
        stack[sp++] = start;
        on[start] = 1;
        calls[depth++] = (frame){start, rg_fwd_begin(s, start)};
        while (depth) {
            frame *f = &calls[depth - 1];
            rg_node u = f->node;
            if (f->next < rg_fwd_end(s, u)) {
                uint64_t e = f->next++;
                rg_node v = s->fwd_dst[e];
                if (s->fwd_kind[e] == RG_EDGE_WEAK || v == u || !pending(p, v))
                    continue;
                if (index[v] == UINT32_MAX) {
                    index[v] = low[v] = counter++;
                    stack[sp++] = v;
                    on[v] = 1;
                    calls[depth++] = (frame){v, rg_fwd_begin(s, v)};
                } else if (on[v] && index[v] < low[u]) {
                    low[u] = index[v];
                }
                continue;
            }
            depth--;
            if (depth && low[u] < low[calls[depth - 1].node])
                low[calls[depth - 1].node] = low[u];
            if (low[u] != index[u])
                continue;
            /* u heads a component: everything above it on the stack. */
            uint32_t base = sp;
            while (stack[base - 1] != u)
                base--;
            base--;
            uint32_t size = sp - base;
            int cyclic = size > 1;
            if (!cyclic)
                for (uint64_t e = rg_fwd_begin(s, u); e < rg_fwd_end(s, u) && !cyclic; e++)
                    cyclic = s->fwd_dst[e] == u && s->fwd_kind[e] != RG_EDGE_WEAK;
            if (cyclic) {
                if (rg_grow((void **)&p->scc_size, &scc_cap, (size_t)p->n_scc + 1, sizeof *p->scc_size)) {
                    rc = RG_ENOMEM;
                    goto done;
                }
                p->scc_size[p->n_scc] = size;
            }
            /* Members in ascending node order would need a sort; stack order is
             * deterministic too, and the queue only seeds the next BFS. */
            for (uint32_t i = base; i < sp; i++) {
                on[stack[i]] = 0;
                if (cyclic) {
                    p->scc[stack[i]] = p->n_scc;
                    queue[(*tail)++] = stack[i];
                }
            }
            if (cyclic) {
                for (uint32_t i = base; i < sp; i++)
                    p->why[stack[i]] = RG_UNREACHABLE_CYCLE;
                p->n_scc++;
            }
            sp = base;
        }
    }
done:
    free(index);
    free(low);
    free(stack);
    free(calls);
    free(on);
    return rc;
}

int rg_paths_classify(rg_paths *p)
{
    const rg_snapshot *s = p->snap;
    uint32_t n = s->n_nodes, unreachable = 0;
    for (rg_node v = 0; v < n; v++) {
        p->why[v] = p->dist[v] == RG_DISTANCE_NONE ? RG_WHY_PENDING : RG_REACHABLE;
        unreachable += p->dist[v] == RG_DISTANCE_NONE;
    }
    if (unreachable == 0)
        return RG_OK;
    uint32_t *queue = rg_xmalloc(n, sizeof *queue);
    if (!queue)
        return RG_ENOMEM;
    uint32_t tail = 0;
    seed_excluded(p, queue, &tail);
    spread(p, queue, tail, RG_UNREACHABLE_EXCLUDED);
    tail = 0;
    seed_outside(p, queue, &tail);
    spread(p, queue, tail, RG_UNREACHABLE_OUTSIDE);
    tail = 0;
    int rc = find_cycles(p, queue, &tail);
    if (rc == RG_OK) {
        spread(p, queue, tail, RG_UNREACHABLE_FROM_CYCLE);
        for (rg_node v = 0; v < n; v++)
            if (pending(p, v))
                p->why[v] = RG_UNREACHABLE_UNEXPLAINED;
    }
    free(queue);
    return rc;
}

/* ------------------------------------------------- a cycle through a node */

/* Open addressing over the nodes one BFS visits: sized by the component,
 * so each query costs the component, never the whole graph. */
typedef struct visit_map {
    rg_node *key;           /* node + 1; 0 = empty */
    rg_node *from;
    uint64_t *edge;
    uint64_t mask;
} visit_map;

static uint64_t map_slot(const visit_map *m, rg_node v)
{
    uint64_t i = rg_hash64(v) & m->mask;
    while (m->key[i] && m->key[i] != v + 1)
        i = (i + 1) & m->mask;
    return i;
}

int rg_paths_cycle(const rg_paths *p, rg_node node, rg_edge **out, size_t *n)
{
    if (!p || !out || !n || node >= p->snap->n_nodes)
        return rg_fail(RG_EINVAL, "rg_paths_cycle: bad argument");
    const rg_snapshot *s = p->snap;
    if (p->dist[node] != RG_DISTANCE_NONE || p->why[node] != RG_UNREACHABLE_CYCLE)
        return rg_fail(RG_ENOTFOUND, "object %llu is not on an unreachable cycle",
                       (unsigned long long)s->node_id[node]);
    uint32_t comp = p->scc[node], size = p->scc_size[comp];
    uint64_t cap = 16;
    while (cap < (uint64_t)size * 2)
        cap *= 2;
    visit_map m = {rg_xcalloc(cap, sizeof *m.key), rg_xmalloc(cap, sizeof *m.from),
                   rg_xmalloc(cap, sizeof *m.edge), cap - 1};
    rg_node *queue = rg_xmalloc(size, sizeof *queue);
    int rc = RG_ENOMEM;
    if (!m.key || !m.from || !m.edge || !queue)
        goto done;
    uint32_t head = 0, tail = 0;
    queue[tail++] = node;
    uint64_t slot = map_slot(&m, node);
    m.key[slot] = node + 1;
    m.from[slot] = RG_NODE_NONE;
    rg_node last = RG_NODE_NONE;
    uint64_t closing = 0;
    while (head < tail && last == RG_NODE_NONE) {
        rg_node u = queue[head++];
        for (uint64_t e = rg_fwd_begin(s, u), end = rg_fwd_end(s, u); e < end; e++) {
            rg_node v = s->fwd_dst[e];
            if (s->fwd_kind[e] == RG_EDGE_WEAK || p->scc[v] != comp)
                continue;
            if (v == node) {
                last = u;
                closing = e;
                break;
            }
            slot = map_slot(&m, v);
            if (m.key[slot])
                continue;
            m.key[slot] = v + 1;
            m.from[slot] = u;
            m.edge[slot] = e;
            queue[tail++] = v;
        }
    }
    if (last == RG_NODE_NONE) {
        rc = rg_fail(RG_EFORMAT, "inconsistent cycle data for object %llu",
                     (unsigned long long)s->node_id[node]);
        goto done;
    }
    size_t len = 1;
    for (rg_node cur = last; cur != node; cur = m.from[map_slot(&m, cur)])
        len++;
    rg_edge *edges = rg_xmalloc(len, sizeof *edges);
    rc = RG_ENOMEM;
    if (!edges)
        goto done;
    size_t i = len - 1;
    edges[i] = (rg_edge){last, node, (rg_edge_kind)s->fwd_kind[closing], s->fwd_label[closing]};
    for (rg_node cur = last; cur != node;) {
        uint64_t sl = map_slot(&m, cur);
        rg_node from = m.from[sl];
        uint64_t e = m.edge[sl];
        edges[--i] = (rg_edge){from, cur, (rg_edge_kind)s->fwd_kind[e], s->fwd_label[e]};
        cur = from;
    }
    *out = edges;
    *n = len;
    rc = RG_OK;
done:
    free(m.key);
    free(m.from);
    free(m.edge);
    free(queue);
    return rc;
}
