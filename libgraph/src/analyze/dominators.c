/*
 * dominators.c: the dominator tree and retained sizes (Semi-NCA).
 *
 * Semi-NCA (Georgiadis, Tarjan and Werneck, "Finding dominators in practice",
 * 2006) computes semi-dominators with Lengauer-Tarjan's path-compressed eval,
 * then each immediate dominator as the nearest common ancestor of the parent
 * and the semi-dominator, by walking up the partly built tree. It is as fast as
 * LT on real graphs and needs fewer arrays.
 *
 * Memory is the point of the layout: five uint32 arrays (20 bytes per object)
 * at the peak, twelve bytes per object kept (idom + retained). The DFS needs
 * no stack: the tree path is the stack (walk back up through `anc`), and the
 * edge cursor of a vertex lives in `label`, which Semi-NCA only needs after
 * the DFS. Eval compresses paths by pointer reversal instead of a stack.
 * Semi-dominators share `vertex`: vertex i is last read when i is
 * processed, and eval only reads the semi of vertices above it; vertex is
 * rebuilt from `pre` afterwards.
 *
 * The super-root (vertex 0) refers to the root records, then to one entry per
 * source component of the unreachable part. Those entries are found without
 * computing components: visiting unvisited objects in decreasing DFS finish
 * time (the first pass of Kosaraju's algorithm) meets each source component
 * before anything it reaches.
 */
#include "rules.h"

#include <stdlib.h>
#include <string.h>

#define UNSEEN UINT32_MAX
#define SEEN_PASS2 (UINT32_MAX - 1)   /* visited by the finish-order pass only */
/* How many vertices ahead the semi-dominator pass fetches each level of
 * indirection: the offsets, the in-edge sources, the sources' numbers. */
#define PREFETCH_FAR 24
#define PREFETCH_MID 12
#define PREFETCH_NEAR 6

struct rg_dominators {
    uint32_t n;               /* objects; index n is the super-root */
    rg_node *idom;            /* n + 1 entries; RG_NODE_NONE = super-root */
    uint64_t *retained;       /* n + 1 entries */
    uint8_t *reach;           /* bitset: a root reaches the object */
    uint32_t reachable;
    uint32_t entries;
    uint64_t peak_bytes;
};

/* Does edge e (leaving `from`) keep its target alive (rules.h)? */
static inline int retains(const rg_snapshot *s, int any_garbage, rg_node from, uint64_t e)
{
    /* Most snapshots have an empty gc.garbage: skip two random reads per edge. */
    return any_garbage ? rg_edge_retains(s, from, e) : rg_edge_kind_retains((rg_edge_kind)s->fwd_kind[e]);
}

/* Working state of one computation; arrays indexed by preorder number unless
 * named for nodes. */
typedef struct dom_work {
    const rg_snapshot *s;
    uint32_t n;
    uint32_t *pre;            /* node -> preorder number, UNSEEN */
    uint32_t *vertex;         /* preorder -> node (0 is the super-root: n) */
    uint32_t *anc;            /* DFS parent, later the compressed ancestor */
    uint32_t *semi;           /* = vertex during the semi-dominator pass */
    uint32_t *label;          /* DFS edge cursor, later the eval label */
    uint32_t *idom;
    uint8_t *entry;           /* bitset of nodes the super-root refers to */
    uint8_t *weak_in;         /* bitset of nodes with a weak edge into them */
    uint32_t count;           /* vertices numbered so far */
    int any_garbage;          /* some object is flagged RG_NODE_GARBAGE */
} dom_work;

static inline void bit_set(uint8_t *b, uint32_t i) { b[i >> 3] |= (uint8_t)(1u << (i & 7)); }
static inline int bit_get(const uint8_t *b, uint32_t i) { return (b[i >> 3] >> (i & 7)) & 1; }

/* Number `v` and explore depth-first from it. The path back to the
 * super-root is the stack; label[] holds each vertex's next edge, relative to
 * its first edge (edges per object fit in 32 bits: rev_edge is 32-bit). */
static void dfs_from(dom_work *w, rg_node start)
{
    const rg_snapshot *s = w->s;
    uint32_t cur = w->count++;
    w->pre[start] = cur;
    w->vertex[cur] = start;
    w->anc[cur] = 0;
    w->label[cur] = 0;
    while (cur != 0) {
        rg_node v = w->vertex[cur];
        uint64_t begin = s->fwd_off[v], end = s->fwd_off[v + 1];
        uint64_t e = begin + w->label[cur];
        rg_node next = RG_NODE_NONE;
        for (; e < end; e++) {
            if (!retains(s, w->any_garbage, v, e))
                continue;
            rg_node t = s->fwd_dst[e];
            if (w->pre[t] >= SEEN_PASS2) {
                next = t;
                e++;
                break;
            }
        }
        w->label[cur] = (uint32_t)(e - begin);
        if (next == RG_NODE_NONE) {
            cur = w->anc[cur];
            continue;
        }
        uint32_t c = w->count++;
        w->pre[next] = c;
        w->vertex[c] = next;
        w->anc[c] = cur;
        w->label[c] = 0;
        cur = c;
    }
}

/* Order the objects the first DFS did not reach by decreasing finish time of
 * a DFS over them, into order[0..*k). Uses a node-indexed scratch array
 * `cursor` (free at this point). A visited object's DFS parent is kept in
 * pre[] (SEEN_PASS2 for a DFS root), which only needs to tell unvisited
 * (UNSEEN) from visited here; every visited object's pre[] is SEEN_PASS2
 * on return. */
static void finish_order(dom_work *w, uint32_t *cursor, uint32_t *order, uint32_t *k)
{
    const rg_snapshot *s = w->s;
    uint32_t *parent = w->pre;
    uint32_t done = 0;
    for (rg_node r = 0; r < w->n; r++) {
        if (w->pre[r] != UNSEEN)
            continue;
        parent[r] = SEEN_PASS2;
        cursor[r] = 0;
        rg_node cur = r;
        while (cur != SEEN_PASS2) {
            uint64_t begin = s->fwd_off[cur], end = s->fwd_off[cur + 1];
            uint64_t e = begin + cursor[cur];
            rg_node next = RG_NODE_NONE;
            for (; e < end; e++) {
                if (!retains(s, w->any_garbage, cur, e))
                    continue;
                rg_node t = s->fwd_dst[e];
                if (w->pre[t] == UNSEEN) {
                    next = t;
                    e++;
                    break;
                }
            }
            cursor[cur] = (uint32_t)(e - begin);
            if (next == RG_NODE_NONE) {
                order[done++] = cur;
                cur = parent[cur];
                continue;
            }
            parent[next] = cur;
            cursor[next] = 0;
            cur = next;
        }
    }
    for (uint32_t i = 0; i < done; i++)
        w->pre[order[i]] = SEEN_PASS2;
    /* Reverse: decreasing finish time. */
    for (uint32_t i = 0, j = done; i + 1 < j; i++, j--) {
        uint32_t t = order[i];
        order[i] = order[j - 1];
        order[j - 1] = t;
    }
    *k = done;
}

/* Lengauer-Tarjan's eval with path compression: the vertex of minimum semi on
 * the path from v up to (not including) the first ancestor numbered below
 * `linked`. The path is reversed on the way up and restored, compressed, on
 * the way down, so no stack is needed. */
static uint32_t eval(dom_work *w, uint32_t v, uint32_t linked)
{
    uint32_t *anc = w->anc, *label = w->label, *semi = w->semi;
    if (anc[v] < linked)
        return label[v];
    uint32_t prev = UNSEEN, x = v;
    do {
        uint32_t next = anc[x];
        anc[x] = prev;
        prev = x;
        x = next;
    } while (anc[x] >= linked);
    /* x is the top of the linked path; prev the highest reversed vertex. */
    uint32_t top_anc = anc[x];
    uint32_t plabel = label[x];
    for (uint32_t cur = prev; cur != UNSEEN;) {
        uint32_t lower = anc[cur];
        anc[cur] = top_anc;
        if (semi[plabel] < semi[label[cur]])
            label[cur] = plabel;
        else
            plabel = label[cur];
        cur = lower;
    }
    return label[v];
}

static void work_free(dom_work *w)
{
    rg_free(w->pre);
    rg_free(w->vertex);
    rg_free(w->anc);
    rg_free(w->label);
    rg_free(w->idom);
    rg_free(w->entry);
    rg_free(w->weak_in);
}

int rg_dominators_compute(const rg_snapshot *s, rg_dominators **out)
{
    if (!s || !out)
        return rg_fail(RG_EINVAL, "rg_dominators_compute: NULL argument");
    uint32_t n = s->n_nodes;
    if (n >= SEEN_PASS2 - 1)
        return rg_fail(RG_ELIMIT, "rg_dominators_compute: %u objects is too many", n);
    size_t N = (size_t)n + 1;
    dom_work w;
    memset(&w, 0, sizeof w);
    w.s = s;
    w.n = n;
    w.pre = rg_xmalloc(N, sizeof *w.pre);
    w.vertex = rg_xmalloc(N, sizeof *w.vertex);
    w.anc = rg_xmalloc(N, sizeof *w.anc);
    w.label = rg_xmalloc(N, sizeof *w.label);
    w.idom = rg_xmalloc(N, sizeof *w.idom);
    w.entry = rg_xcalloc(N / 8 + 1, 1);
    w.weak_in = rg_xcalloc(N / 8 + 1, 1);
    rg_dominators *d = rg_xcalloc(1, sizeof *d);
    if (!w.pre || !w.vertex || !w.anc || !w.label || !w.idom || !w.entry || !w.weak_in || !d) {
        work_free(&w);
        rg_free(d);
        return RG_ENOMEM;
    }
    d->n = n;
    d->peak_bytes = 5 * N * sizeof(uint32_t) + 2 * (N / 8 + 1);
    memset(w.pre, 0xff, N * sizeof *w.pre);
    for (uint32_t v = 0; v < n && !w.any_garbage; v++)
        w.any_garbage = (s->node_flags[v] & RG_NODE_GARBAGE) != 0;
    /* The semi-dominator pass reads the kind of every reverse edge, a random
     * read each; weak edges are rare, so one sequential pass marks their
     * targets and only those targets' in-edges are checked. */
    uint64_t weak = 0;
    for (uint64_t e = 0; e < s->n_edges; e++)
        if (s->fwd_kind[e] == RG_EDGE_WEAK) {
            bit_set(w.weak_in, s->fwd_dst[e]);
            weak++;
        }
    /* Without rev_edge (graph_internal.h) the graph marks its weak in-edges
     * (rev_weak), unless its reverse CSR came raw from a cache: then which
     * in-edges of those targets are weak is found in one forward pass: a target's in-edges are its
     * sources' edges to it in forward order, so a cursor per target (in
     * `label`, free until the DFS) gives each one's reverse position. */
    const uint8_t *rev_weak = s->rev_weak;
    uint8_t *own_weak = NULL;
    if (weak && !s->rev_edge && !rev_weak && !w.any_garbage) {
        rev_weak = own_weak = rg_xcalloc(s->n_edges / 8 + 1, 1);
        if (!own_weak) {
            work_free(&w);
            rg_free(d);
            return RG_ENOMEM;
        }
        d->peak_bytes += s->n_edges / 8 + 1;
        for (rg_node v = 0; v < n; v++)
            w.label[v] = s->rev_off[v];
        for (rg_node u = 0; u < n; u++)
            for (uint64_t e = s->fwd_off[u]; e < s->fwd_off[u + 1]; e++) {
                rg_node t = s->fwd_dst[e];
                if (!bit_get(w.weak_in, t))
                    continue;
                uint32_t r = w.label[t]++;
                if (s->fwd_kind[e] == RG_EDGE_WEAK && r < s->rev_off[t + 1])
                    own_weak[r >> 3] |= (uint8_t)(1u << (r & 7));
            }
    }
    w.pre[n] = 0;
    w.vertex[0] = n;
    w.anc[0] = 0;
    w.count = 1;

    /* Roots, in file order, but for gc.garbage's (rules.h). */
    for (uint32_t i = 0; i < s->n_roots; i++) {
        if (!rg_root_retains(s->root_kind[i]))
            continue;
        rg_node r = s->root_node[i];
        bit_set(w.entry, r);
        if (w.pre[r] == UNSEEN)
            dfs_from(&w, r);
    }
    d->reachable = w.count - 1;

    if (w.count < N) {
        /* idom and label are free until Semi-NCA. */
        uint32_t k;
        finish_order(&w, w.idom, w.label, &k);
        /* label[] is about to be used as DFS cursors; move the order out. */
        memcpy(w.idom, w.label, (size_t)k * sizeof *w.idom);
        for (uint32_t i = 0; i < k; i++) {
            rg_node v = w.idom[i];
            if (w.pre[v] == SEEN_PASS2) {
                bit_set(w.entry, v);
                d->entries++;
                dfs_from(&w, v);
            }
        }
    }
    uint32_t cnt = w.count;

    /* Semi-dominators, in decreasing preorder. semi[i] replaces vertex[i]
     * once i is done (the prefetches read vertices below i). */
    w.semi = w.vertex;
    for (uint32_t i = 0; i < cnt; i++) {
        w.label[i] = i;
        w.idom[i] = w.anc[i];
    }
    for (uint32_t i = cnt - 1; i >= 1; i--) {
        /* Each vertex's in-edges and their sources' numbers are random reads
         * into arrays far bigger than the caches; the vertices to come are
         * known, so fetch their edges ahead, in three steps. */
        if (i >= PREFETCH_FAR)
            __builtin_prefetch(&s->rev_off[w.vertex[i - PREFETCH_FAR]]);
        if (i >= PREFETCH_MID)
            __builtin_prefetch(&s->rev_src[s->rev_off[w.vertex[i - PREFETCH_MID]]]);
        /* (the virtual root, vertex n, has no in-edges of its own: rev_off
         * ends at n) */
        if (i >= PREFETCH_NEAR && w.vertex[i - PREFETCH_NEAR] < s->n_nodes) {
            rg_node a = w.vertex[i - PREFETCH_NEAR];
            uint64_t r0 = s->rev_off[a], r1 = s->rev_off[a + 1];
            if (r0 < r1)
                __builtin_prefetch(&w.pre[s->rev_src[r0]]);
            if (r0 + 1 < r1)
                __builtin_prefetch(&w.pre[s->rev_src[r0 + 1]]);
        }
        rg_node v = w.vertex[i];
        uint32_t sd = w.idom[i]; /* the DFS parent */
        if (bit_get(w.entry, v))
            sd = 0;
        int check = w.any_garbage || bit_get(w.weak_in, v);
        for (uint64_t r = s->rev_off[v]; r < s->rev_off[v + 1] && sd > 0; r++) {
            if (check) {
                int keep = s->rev_edge ? retains(s, w.any_garbage, s->rev_src[r], s->rev_edge[r])
                           : rev_weak && !w.any_garbage ? !bit_get(rev_weak, (uint32_t)r)
                                      : retains(s, w.any_garbage, s->rev_src[r], rg_rev_edge_find(s, v, r));
                if (!keep)
                    continue;
            }
            uint32_t u = w.pre[s->rev_src[r]];
            if (u >= cnt || u == i)
                continue;
            uint32_t c = u < i ? u : w.semi[eval(&w, u, i + 1)];
            if (c < sd)
                sd = c;
        }
        w.semi[i] = sd;
    }
    /* Immediate dominators: the nearest ancestor of the parent at or above
     * the semi-dominator (parents come first in preorder, so are final). */
    w.idom[0] = 0;
    for (uint32_t i = 1; i < cnt; i++) {
        uint32_t x = w.idom[i];
        while (x > w.semi[i])
            x = w.idom[x];
        w.idom[i] = x;
    }

    /* Keep the result node-indexed: idom into `anc`, reached bits. vertex
     * (semi until now) again from pre; then pre and idom go before the
     * retained sizes are allocated. */
    rg_free(w.label);
    rg_free(w.entry);
    rg_free(w.weak_in);
    rg_free(own_weak);
    w.label = w.semi = NULL;
    w.entry = w.weak_in = NULL;
    for (uint32_t v = 0; v <= n; v++)
        if (w.pre[v] < cnt)
            w.vertex[w.pre[v]] = v;
    d->reach = rg_xcalloc(N / 8 + 1, 1);
    if (!d->reach) {
        work_free(&w);
        rg_dominators_free(d);
        return RG_ENOMEM;
    }
    for (uint32_t v = 0; v < n; v++) {
        uint32_t p = w.idom[w.pre[v]];
        w.anc[v] = p == 0 ? RG_NODE_NONE : w.vertex[p];
        if (w.pre[v] <= d->reachable)
            bit_set(d->reach, v);
    }
    w.anc[n] = RG_NODE_NONE;
    rg_free(w.pre);
    rg_free(w.idom);
    w.pre = w.idom = NULL;
    d->retained = rg_xmalloc(N, sizeof *d->retained);
    if (!d->retained) {
        work_free(&w);
        rg_dominators_free(d);
        return RG_ENOMEM;
    }
    for (uint32_t v = 0; v < n; v++)
        d->retained[v] = rg_node_size_at(s, v);
    d->retained[n] = 0;
    /* Children come after their dominator in preorder: sum bottom-up. */
    for (uint32_t i = cnt - 1; i >= 1; i--) {
        rg_node v = w.vertex[i];
        rg_node p = w.anc[v];
        d->retained[p == RG_NODE_NONE ? n : p] += d->retained[v];
    }
    d->idom = w.anc;
    w.anc = NULL;
    work_free(&w);
    uint64_t later = 2 * N * sizeof(uint32_t) + N * sizeof(uint64_t) + N / 8 + 1;
    if (later > d->peak_bytes)
        d->peak_bytes = later;
    *out = d;
    return RG_OK;
}

void rg_dominators_free(rg_dominators *d)
{
    if (!d)
        return;
    rg_free(d->idom);
    rg_free(d->retained);
    rg_free(d->reach);
    rg_free(d);
}

rg_node rg_dominators_idom(const rg_dominators *d, rg_node v)
{
    return v < d->n ? d->idom[v] : RG_NODE_NONE;
}

uint64_t rg_dominators_retained(const rg_dominators *d, rg_node v)
{
    return v < d->n ? d->retained[v] : d->retained[d->n];
}

int rg_dominators_reachable(const rg_dominators *d, rg_node v)
{
    return v < d->n && bit_get(d->reach, v);
}

int rg_dominators_stats_get(const rg_dominators *d, rg_dominators_stats *caller_)
{
    rg_dominators_stats full_ = {.struct_size = sizeof full_}, *out = &full_;
    size_t N = (size_t)d->n + 1;
    out->objects = d->n;
    out->reachable = d->reachable;
    out->unreachable_entries = d->entries;
    out->memory_bytes = N * (sizeof *d->idom + sizeof *d->retained) + N / 8 + 1;
    out->peak_bytes = d->peak_bytes;
    return rg_record_out(caller_, &full_, sizeof full_, sizeof full_, "rg_dominators_stats_get");
}

/* Min-heap on (retained, then higher node is smaller) for the top k. */
static int heap_less(const rg_dominators *d, rg_node a, rg_node b)
{
    if (d->retained[a] != d->retained[b])
        return d->retained[a] < d->retained[b];
    return a > b;
}

static void sift_down(const rg_dominators *d, rg_node *h, uint32_t n, uint32_t i)
{
    for (;;) {
        uint32_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < n && heap_less(d, h[l], h[m]))
            m = l;
        if (r < n && heap_less(d, h[r], h[m]))
            m = r;
        if (m == i)
            return;
        rg_node t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

int rg_dominators_top(const rg_dominators *d, uint32_t k, rg_node **out, uint32_t *n)
{
    if (!d || !out || !n)
        return rg_fail(RG_EINVAL, "rg_dominators_top: NULL argument");
    if (k == 0 || k > d->n)
        k = d->n;
    rg_node *h = rg_xmalloc(k ? k : 1, sizeof *h);
    if (!h)
        return RG_ENOMEM;
    uint32_t size = 0;
    for (rg_node v = 0; v < d->n; v++) {
        if (size < k) {
            h[size++] = v;
            if (size == k)
                for (uint32_t i = k / 2 + 1; i-- > 0;)
                    sift_down(d, h, size, i);
        } else if (heap_less(d, h[0], v)) {
            h[0] = v;
            sift_down(d, h, size, 0);
        }
    }
    if (size < k)
        for (uint32_t i = size / 2 + 1; i-- > 0;)
            sift_down(d, h, size, i);
    /* Heap sort ascending by heap_less, which leaves the largest first. */
    for (uint32_t end = size; end > 1; end--) {
        rg_node t = h[0];
        h[0] = h[end - 1];
        h[end - 1] = t;
        sift_down(d, h, end - 1, 0);
    }
    *out = h;
    *n = size;
    return RG_OK;
}
