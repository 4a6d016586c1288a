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
 * parent/pidx, so "who holds it" is a walk like a root chain.
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
            p->pidx[v] = (uint32_t)(e - rg_fwd_begin(s, u));
            queue[tail++] = v;
        }
    }
    return tail;
}

static void seed_excluded(rg_paths *p, const rg_node *unr, uint32_t n_unr, uint32_t *queue, uint32_t *tail)
{
    const rg_snapshot *s = p->snap;
    for (uint32_t k = 0; k < n_unr; k++) {
        rg_node v = unr[k];
        if (!pending(p, v))
            continue;
        for (uint64_t i = rg_rev_begin(s, v), end = rg_rev_end(s, v); i < end; i++) {
            rg_node r = s->rev_src[i];
            if (p->dist[r] == RG_DISTANCE_NONE)
                continue;
            if (!rg_rev_is_weak(s, v, i)) {
                /* without rev_edge a scan of r's edges: once per node v */
                uint32_t e = rg_rev_edge(s, v, i);
                p->why[v] = RG_UNREACHABLE_EXCLUDED;
                p->parent[v] = r;
                p->pidx[v] = (uint32_t)(e - rg_fwd_begin(s, r));
                queue[(*tail)++] = v;
                break;
            }
        }
    }
}

static void seed_outside(rg_paths *p, const rg_node *unr, uint32_t n_unr, uint32_t *queue, uint32_t *tail)
{
    const rg_snapshot *s = p->snap;
    for (uint32_t k = 0; k < n_unr; k++) {
        rg_node v = unr[k];
        if (!pending(p, v) || rg_node_rc_at(s, v) == RG_RC_NONE)
            continue;
        uint64_t strong = 0;
        for (uint64_t i = rg_rev_begin(s, v), end = rg_rev_end(s, v); i < end; i++)
            strong += !rg_rev_is_weak(s, v, i);
        if ((uint64_t)rg_node_rc_at(s, v) > strong) {
            p->why[v] = RG_UNREACHABLE_OUTSIDE;
            queue[(*tail)++] = v;
        }
    }
}

typedef struct frame {
    rg_node node;
    uint64_t next;
} frame;

/* Marks a pending node that is on Tarjan's stack. */
#define WHY_ON_STACK 0xfeu

static inline int in_region(const rg_paths *p, rg_node v)
{
    return p->why[v] == RG_WHY_PENDING || p->why[v] == WHY_ON_STACK;
}

/* Iterative Tarjan over the pending nodes and the strong edges between
 * them; components of two or more nodes, or one node with a self-edge,
 * become RG_UNREACHABLE_CYCLE (pidx = component) and are appended to
 * queue. Scratch space is proportional to the pending nodes only: a
 * node's Tarjan index lives in dist[] and its low-link in pidx[] while
 * the search runs (both are unused for pending nodes), and dist is reset
 * to RG_DISTANCE_NONE afterwards. */
static int find_cycles(rg_paths *p, const rg_node *unr, uint32_t n_unr, uint32_t n_pending, uint32_t *queue,
                       uint32_t *tail)
{
    const rg_snapshot *s = p->snap;
    uint32_t *index = p->dist;
    uint32_t *low = p->pidx;
    rg_node *stack = rg_xmalloc(n_pending ? n_pending : 1, sizeof *stack);
    rg_node *touched = rg_xmalloc(n_pending ? n_pending : 1, sizeof *touched);
    frame *calls = rg_xmalloc(n_pending ? n_pending : 1, sizeof *calls);
    size_t scc_cap = 0;
    uint32_t counter = 0, sp = 0;
    int rc = RG_OK;
    if (!stack || !touched || !calls) {
        rc = RG_ENOMEM;
        goto done;
    }
    for (uint32_t k = 0; k < n_unr; k++) {
        rg_node start = unr[k];
        if (p->why[start] != RG_WHY_PENDING || index[start] != RG_DISTANCE_NONE)
            continue;
        uint32_t depth = 0;
        touched[counter] = start;
        index[start] = counter;
        low[start] = counter++;
        stack[sp++] = start;
        p->why[start] = WHY_ON_STACK;
        calls[depth++] = (frame){start, rg_fwd_begin(s, start)};
        while (depth) {
            frame *f = &calls[depth - 1];
            rg_node u = f->node;
            if (f->next < rg_fwd_end(s, u)) {
                uint64_t e = f->next++;
                rg_node v = s->fwd_dst[e];
                if (s->fwd_kind[e] == RG_EDGE_WEAK || v == u || !in_region(p, v))
                    continue;
                if (index[v] == RG_DISTANCE_NONE) {
                    touched[counter] = v;
                    index[v] = counter;
                    low[v] = counter++;
                    stack[sp++] = v;
                    p->why[v] = WHY_ON_STACK;
                    calls[depth++] = (frame){v, rg_fwd_begin(s, v)};
                } else if (p->why[v] == WHY_ON_STACK && index[v] < low[u]) {
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
            for (uint64_t e = rg_fwd_begin(s, u); e < rg_fwd_end(s, u) && !cyclic; e++)
                cyclic = s->fwd_dst[e] == u && s->fwd_kind[e] != RG_EDGE_WEAK;
            if (cyclic && rg_grow((void **)&p->scc_size, &scc_cap, (size_t)p->n_scc + 1, sizeof *p->scc_size)) {
                rc = RG_ENOMEM;
                goto done;
            }
            for (uint32_t i = base; i < sp; i++) {
                rg_node v = stack[i];
                /* Stay out of the way of later searches: a finished node is
                 * no longer on the stack (and keeps its index). */
                p->why[v] = cyclic ? RG_UNREACHABLE_CYCLE : RG_WHY_PENDING;
                low[v] = cyclic ? p->n_scc : UINT32_MAX;
                if (cyclic)
                    queue[(*tail)++] = v;
            }
            if (cyclic)
                p->scc_size[p->n_scc++] = size;
            sp = base;
        }
    }
done:
    for (uint32_t i = 0; i < counter; i++)
        index[touched[i]] = RG_DISTANCE_NONE;
    rg_free(stack);
    rg_free(touched);
    rg_free(calls);
    return rc;
}

int rg_paths_classify(rg_paths *p)
{
    const rg_snapshot *s = p->snap;
    uint32_t n = s->n_nodes, n_unr = 0;
    /* The unreachable nodes in node order: every later pass walks this
     * list, not the whole graph. */
    rg_node *unr = NULL, *queue = NULL;
    size_t unr_cap = 0;
    int rc = RG_ENOMEM;
    for (rg_node v = 0; v < n; v++) {
        if (p->dist[v] != RG_DISTANCE_NONE) {
            p->why[v] = RG_REACHABLE;
            continue;
        }
        if (rg_grow((void **)&unr, &unr_cap, (size_t)n_unr + 1, sizeof *unr))
            goto done;
        unr[n_unr++] = v;
        p->why[v] = RG_WHY_PENDING;
        p->parent[v] = RG_NODE_NONE;
        p->pidx[v] = UINT32_MAX;
    }
    rc = RG_OK;
    if (n_unr == 0)
        goto done;
    queue = rg_xmalloc(n_unr, sizeof *queue);
    if (!queue) {
        rc = RG_ENOMEM;
        goto done;
    }
    uint32_t tail = 0, left = n_unr;
    seed_excluded(p, unr, n_unr, queue, &tail);
    left -= spread(p, queue, tail, RG_UNREACHABLE_EXCLUDED);
    tail = 0;
    seed_outside(p, unr, n_unr, queue, &tail);
    left -= spread(p, queue, tail, RG_UNREACHABLE_OUTSIDE);
    tail = 0;
    rc = find_cycles(p, unr, n_unr, left, queue, &tail);
    if (rc == RG_OK) {
        spread(p, queue, tail, RG_UNREACHABLE_FROM_CYCLE);
        for (uint32_t k = 0; k < n_unr; k++)
            if (pending(p, unr[k]))
                p->why[unr[k]] = RG_UNREACHABLE_UNEXPLAINED;
    }
done:
    rg_free(unr);
    rg_free(queue);
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
                       (unsigned long long)rg_node_id_at(s, node));
    uint32_t comp = rg_paths_scc(p, node), size = p->scc_size[comp];
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
            if (s->fwd_kind[e] == RG_EDGE_WEAK || rg_paths_scc(p, v) != comp)
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
                     (unsigned long long)rg_node_id_at(s, node));
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
    rg_free(m.key);
    rg_free(m.from);
    rg_free(m.edge);
    rg_free(queue);
    return rc;
}
