/*
 * scc.c: unreachable reference cycles.
 *
 * The objects no root reaches over strong references are numbered densely and
 * split into strongly connected components by Tarjan's algorithm, made
 * iterative: the DFS path is kept through parent links and each object's
 * edge cursor, so chains of any depth cost no stack. Components that are
 * cycles are then grouped by shape (the multiset of their member types), so
 * 40,000 leaked two-object cycles read as one line, not 40,000.
 */
#include "rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NONE UINT32_MAX

typedef struct shape_rec {
    char signature[24];
    char *description;
    uint64_t components, objects_each, objects, bytes, retained, garbage;
    rg_node representative;
    uint32_t rep_comp;
    rg_edge *cycle;
    uint32_t cycle_len;
} shape_rec;

struct rg_cycles {
    uint32_t n;
    uint32_t *comp;           /* node -> component, NONE for reachable objects */
    uint32_t n_comp;
    uint32_t *comp_shape;     /* component -> shape, NONE when not a cycle */
    shape_rec *shapes;
    uint32_t n_shapes;
    rg_cycles_summary summary;
};

/* Scratch for one computation, indexed by local (dense unreachable) number. */
typedef struct scc_work {
    const rg_snapshot *s;
    uint32_t u;               /* unreachable objects */
    rg_node *node;            /* local -> node */
    uint32_t *idx, *low, *cur, *par, *stk, *lcomp;
} scc_work;

static void reach_from_roots(const rg_snapshot *s, uint8_t *seen, uint32_t *queue)
{
    uint32_t head = 0, tail = 0;
    for (uint32_t i = 0; i < s->n_roots; i++) {
        rg_node r = s->root_node[i];
        if (!rg_root_retains(s->root_kind[i]) || seen[r])
            continue;
        seen[r] = 1;
        queue[tail++] = r;
    }
    while (head < tail) {
        rg_node v = queue[head++];
        for (uint64_t e = s->fwd_off[v]; e < s->fwd_off[v + 1]; e++) {
            rg_node t = s->fwd_dst[e];
            if (seen[t] || !rg_edge_retains(s, v, e))
                continue;
            seen[t] = 1;
            queue[tail++] = t;
        }
    }
}

/* Tarjan over the unreachable part; loc maps nodes to locals (NONE: reachable).
 * Components are numbered in the order Tarjan completes them. */
static uint32_t tarjan(scc_work *w, const uint32_t *loc)
{
    const rg_snapshot *s = w->s;
    uint32_t counter = 0, sp = 0, ncomp = 0;
    for (uint32_t l = 0; l < w->u; l++)
        w->idx[l] = NONE, w->lcomp[l] = NONE;
    for (uint32_t start = 0; start < w->u; start++) {
        if (w->idx[start] != NONE)
            continue;
        uint32_t v = start;
        w->idx[v] = w->low[v] = counter++;
        w->par[v] = NONE;
        w->cur[v] = 0;
        w->stk[sp++] = v;
        while (v != NONE) {
            rg_node x = w->node[v];
            uint64_t begin = s->fwd_off[x], end = s->fwd_off[x + 1];
            uint64_t e = begin + w->cur[v];
            uint32_t next = NONE;
            for (; e < end; e++) {
                if (s->fwd_kind[e] == RG_EDGE_WEAK)
                    continue;
                uint32_t t = loc[s->fwd_dst[e]];
                if (t == NONE)
                    continue;
                if (w->idx[t] == NONE) {
                    next = t;
                    e++;
                    break;
                }
                if (w->lcomp[t] == NONE && w->idx[t] < w->low[v])
                    w->low[v] = w->idx[t];
            }
            w->cur[v] = (uint32_t)(e - begin);
            if (next != NONE) {
                w->idx[next] = w->low[next] = counter++;
                w->par[next] = v;
                w->cur[next] = 0;
                w->stk[sp++] = next;
                v = next;
                continue;
            }
            if (w->low[v] == w->idx[v]) {
                uint32_t m;
                do {
                    m = w->stk[--sp];
                    w->lcomp[m] = ncomp;
                } while (m != v);
                ncomp++;
            }
            uint32_t p = w->par[v];
            if (p != NONE && w->low[v] < w->low[p])
                w->low[p] = w->low[v];
            v = p;
        }
    }
    return ncomp;
}

/* Type names in sorted order, so shapes (and their hashes) do not depend on
 * the order types appear in a file. */
typedef struct named_type {
    const char *name;
    uint32_t type;
} named_type;

static int by_type_name(const void *a, const void *b)
{
    const named_type *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : (x->type > y->type) - (x->type < y->type);
}

/* One (type rank, count) run of a component's sorted members. */
typedef struct type_run {
    uint32_t rank, count;
} type_run;

/* A cyclic component's shape: its runs, and a hash of them to sort by (equal
 * shapes have equal hashes; a collision only splits a shape in two). */
typedef struct comp_shape_key {
    uint64_t hash;
    uint32_t comp;
    uint32_t first, len;      /* into the run array */
} comp_shape_key;

static int by_shape(const void *a, const void *b)
{
    const comp_shape_key *x = a, *y = b;
    if (x->hash != y->hash)
        return x->hash < y->hash ? -1 : 1;
    return (x->comp > y->comp) - (x->comp < y->comp);
}

static int same_shape(const type_run *runs, const comp_shape_key *x, const comp_shape_key *y)
{
    if (x->len != y->len)
        return 0;
    return memcmp(&runs[x->first], &runs[y->first], x->len * sizeof(type_run)) == 0;
}

static uint64_t hash_bytes(uint64_t h, const void *p, size_t n)
{
    const unsigned char *c = p;
    for (size_t i = 0; i < n; i++) {
        h ^= c[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

static int by_count_then_name(const void *a, const void *b)
{
    const type_run *x = a, *y = b;
    if (x->count != y->count)
        return x->count < y->count ? 1 : -1;
    return (x->rank > y->rank) - (x->rank < y->rank);
}

/* "__main__.Node ×2, dict ×2" (at most four types named). */
static char *describe(const rg_snapshot *s, const uint32_t *by_rank, const type_run *runs,
                      uint32_t len)
{
    type_run *tmp = rg_xmalloc(len ? len : 1, sizeof *tmp);
    if (!tmp)
        return NULL;
    memcpy(tmp, runs, len * sizeof *tmp);
    qsort(tmp, len, sizeof *tmp, by_count_then_name);
    size_t cap = 64;
    for (uint32_t i = 0; i < len && i < 4; i++)
        cap += strlen(rg_type_name(s, by_rank[tmp[i].rank])) + 24;
    char *out = rg_xmalloc(cap, 1);
    if (out) {
        size_t w = 0;
        out[0] = '\0';
        for (uint32_t i = 0; i < len && i < 4; i++)
            w += (size_t)snprintf(out + w, cap - w, "%s%s \xc3\x97%u", i ? ", " : "",
                                  rg_type_name(s, by_rank[tmp[i].rank]), tmp[i].count);
        if (len > 4)
            snprintf(out + w, cap - w, ", +%u more types", len - 4);
    }
    rg_free(tmp);
    return out;
}

/* A shortest cycle through node[rep] inside its component (BFS). After
 * Tarjan, low[] is free for visit marks, idx[] for parent locals, cur[] for
 * parent edges and stk[] for the queue. */
static int find_cycle(scc_work *w, const uint32_t *loc, uint32_t rep, shape_rec *sh)
{
    const rg_snapshot *s = w->s;
    uint32_t comp = w->lcomp[rep];
    uint32_t head = 0, tail = 0, found = NONE;
    uint64_t back = 0;
    w->low[rep] = comp;
    w->stk[tail++] = rep;
    while (head < tail && found == NONE) {
        uint32_t v = w->stk[head++];
        rg_node x = w->node[v];
        for (uint64_t e = s->fwd_off[x]; e < s->fwd_off[x + 1]; e++) {
            if (s->fwd_kind[e] == RG_EDGE_WEAK)
                continue;
            uint32_t t = loc[s->fwd_dst[e]];
            if (t == NONE || w->lcomp[t] != comp)
                continue;
            if (t == rep) {
                found = v;
                back = e;
                break;
            }
            if (w->low[t] == comp)
                continue;
            w->low[t] = comp;
            w->idx[t] = v;
            w->cur[t] = (uint32_t)e;
            w->stk[tail++] = t;
        }
    }
    for (uint32_t i = 0; i < tail; i++)
        w->low[w->stk[i]] = NONE;
    if (found == NONE)
        return RG_OK; /* not a cycle: cannot happen for a cyclic component */
    uint32_t n = 1;
    for (uint32_t v = found; v != rep; v = w->idx[v])
        n++;
    sh->cycle = rg_xmalloc(n, sizeof *sh->cycle);
    if (!sh->cycle)
        return RG_ENOMEM;
    sh->cycle_len = n;
    uint32_t i = n - 1;
    sh->cycle[i].from = w->node[found];
    sh->cycle[i].to = w->node[rep];
    sh->cycle[i].kind = (rg_edge_kind)s->fwd_kind[back];
    sh->cycle[i].label = s->fwd_label[back];
    for (uint32_t v = found; v != rep; v = w->idx[v]) {
        uint32_t e = w->cur[v];
        i--;
        sh->cycle[i].from = w->node[w->idx[v]];
        sh->cycle[i].to = w->node[v];
        sh->cycle[i].kind = (rg_edge_kind)s->fwd_kind[e];
        sh->cycle[i].label = s->fwd_label[e];
    }
    return RG_OK;
}

static void work_free(scc_work *w)
{
    rg_free(w->node);
    rg_free(w->idx);
    rg_free(w->low);
    rg_free(w->cur);
    rg_free(w->par);
    rg_free(w->stk);
    rg_free(w->lcomp);
}

static int by_shape_rank(const void *a, const void *b)
{
    const shape_rec *x = a, *y = b;
    if (x->retained != y->retained)
        return x->retained < y->retained ? 1 : -1;
    if (x->objects != y->objects)
        return x->objects < y->objects ? 1 : -1;
    return strcmp(x->signature, y->signature);
}

/* Members of cyclic components sorted by (component, type rank). */
typedef struct member {
    uint32_t comp, rank;
    rg_node node;
} member;

static int by_member(const void *a, const void *b)
{
    const member *x = a, *y = b;
    if (x->comp != y->comp)
        return x->comp < y->comp ? -1 : 1;
    if (x->rank != y->rank)
        return x->rank < y->rank ? -1 : 1;
    return (x->node > y->node) - (x->node < y->node);
}

/* Group the cyclic components into shapes and describe each. */
static int build_shapes(rg_cycles *c, scc_work *w, const uint32_t *loc, const uint8_t *cyclic,
                        const rg_dominators *dom)
{
    const rg_snapshot *s = w->s;
    int rc = RG_ENOMEM;
    uint32_t *by_rank = rg_xmalloc(s->n_types ? s->n_types : 1, sizeof *by_rank);
    uint32_t *rank = rg_xmalloc(s->n_types ? s->n_types : 1, sizeof *rank);
    uint64_t n_members = 0;
    for (uint32_t l = 0; l < w->u; l++)
        if (cyclic[w->lcomp[l]])
            n_members++;
    member *m = rg_xmalloc(n_members ? n_members : 1, sizeof *m);
    type_run *runs = rg_xmalloc(n_members ? n_members : 1, sizeof *runs);
    comp_shape_key *keys = rg_xmalloc(c->summary.components ? c->summary.components : 1, sizeof *keys);
    if (!by_rank || !rank || !m || !runs || !keys)
        goto done;
    named_type *names = rg_xmalloc(s->n_types ? s->n_types : 1, sizeof *names);
    if (!names)
        goto done;
    for (uint32_t t = 0; t < s->n_types; t++)
        names[t] = (named_type){rg_type_name(s, t), t};
    qsort(names, s->n_types, sizeof *names, by_type_name);
    for (uint32_t r = 0; r < s->n_types; r++) {
        by_rank[r] = names[r].type;
        rank[names[r].type] = r;
    }
    rg_free(names);

    uint64_t k = 0;
    for (uint32_t l = 0; l < w->u; l++)
        if (cyclic[w->lcomp[l]])
            m[k++] = (member){w->lcomp[l], rank[rg_node_type_at(s, w->node[l])], w->node[l]};
    qsort(m, n_members, sizeof *m, by_member);

    /* Runs of equal type per component; keys[] per component. */
    uint32_t n_runs = 0, n_keys = 0;
    for (uint64_t i = 0; i < n_members;) {
        uint64_t j = i;
        comp_shape_key *key = &keys[n_keys++];
        key->comp = m[i].comp;
        key->first = n_runs;
        while (j < n_members && m[j].comp == m[i].comp) {
            uint64_t t = j;
            while (t < n_members && m[t].comp == m[j].comp && m[t].rank == m[j].rank)
                t++;
            runs[n_runs++] = (type_run){m[j].rank, (uint32_t)(t - j)};
            j = t;
        }
        key->len = n_runs - key->first;
        key->hash = hash_bytes(0xcbf29ce484222325ULL, &runs[key->first], key->len * sizeof *runs);
        i = j;
    }
    qsort(keys, n_keys, sizeof *keys, by_shape);

    /* Per component: its lowest member (members are sorted by node within
     * type, so scan), bytes, garbage, retained. */
    uint64_t *cbytes = rg_xcalloc(c->n_comp ? c->n_comp : 1, sizeof *cbytes);
    uint64_t *cret = rg_xcalloc(c->n_comp ? c->n_comp : 1, sizeof *cret);
    uint32_t *cgarb = rg_xcalloc(c->n_comp ? c->n_comp : 1, sizeof *cgarb);
    rg_node *cmin = rg_xmalloc(c->n_comp ? c->n_comp : 1, sizeof *cmin);
    c->shapes = rg_xcalloc(n_keys ? n_keys : 1, sizeof *c->shapes);
    if (!cbytes || !cret || !cgarb || !cmin || !c->shapes) {
        rg_free(cbytes), rg_free(cret), rg_free(cgarb), rg_free(cmin);
        goto done;
    }
    for (uint32_t i = 0; i < c->n_comp; i++)
        cmin[i] = NONE;
    for (uint64_t i = 0; i < n_members; i++) {
        uint32_t cc = m[i].comp;
        rg_node v = m[i].node;
        cbytes[cc] += rg_node_size_at(s, v);
        if (s->node_flags[v] & RG_NODE_GARBAGE)
            cgarb[cc]++;
        if (v < cmin[cc])
            cmin[cc] = v;
        if (dom) {
            rg_node d = rg_dominators_idom(dom, v);
            if (d == RG_NODE_NONE || loc[d] == NONE || w->lcomp[loc[d]] != cc)
                cret[cc] += rg_dominators_retained(dom, v);
        } else {
            cret[cc] += rg_node_size_at(s, v);
        }
    }
    uint32_t ns = 0;
    for (uint32_t i = 0; i < n_keys;) {
        uint32_t j = i;
        shape_rec *sh = &c->shapes[ns];
        sh->representative = NONE;
        while (j < n_keys && same_shape(runs, &keys[i], &keys[j])) {
            uint32_t cc = keys[j].comp;
            sh->components++;
            sh->bytes += cbytes[cc];
            sh->retained += cret[cc];
            sh->garbage += cgarb[cc];
            if (cmin[cc] < sh->representative) {
                sh->representative = cmin[cc];
                sh->rep_comp = cc;
            }
            c->comp_shape[cc] = ns;
            j++;
        }
        uint64_t each = 0, h = 0xcbf29ce484222325ULL;
        for (uint32_t r = 0; r < keys[i].len; r++) {
            const type_run *run = &runs[keys[i].first + r];
            const char *name = rg_type_name(s, by_rank[run->rank]);
            each += run->count;
            h = hash_bytes(h, name, strlen(name) + 1);
            h = hash_bytes(h, &run->count, sizeof run->count);
        }
        sh->objects_each = each;
        sh->objects = each * sh->components;
        snprintf(sh->signature, sizeof sh->signature, "c1:%016llx", (unsigned long long)rg_hash64(h));
        sh->description = describe(s, by_rank, &runs[keys[i].first], keys[i].len);
        ns++;
        if (!sh->description) {
            c->n_shapes = ns;
            rg_free(cbytes), rg_free(cret), rg_free(cgarb), rg_free(cmin);
            goto done;
        }
        if ((rc = find_cycle(w, loc, loc[sh->representative], sh)) != RG_OK) {
            c->n_shapes = ns;
            rg_free(cbytes), rg_free(cret), rg_free(cgarb), rg_free(cmin);
            goto done;
        }
        rc = RG_ENOMEM;
        i = j;
    }
    c->n_shapes = ns;
    rg_free(cbytes), rg_free(cret), rg_free(cgarb), rg_free(cmin);

    /* Rank shapes and renumber comp_shape to match. */
    for (uint32_t i = 0; i < ns; i++)
        c->shapes[i].rep_comp = i; /* old index, carried through the sort */
    qsort(c->shapes, ns, sizeof *c->shapes, by_shape_rank);
    uint32_t *remap = rg_xmalloc(ns ? ns : 1, sizeof *remap);
    if (!remap)
        goto done;
    for (uint32_t i = 0; i < ns; i++)
        remap[c->shapes[i].rep_comp] = i;
    for (uint32_t i = 0; i < c->n_comp; i++)
        if (c->comp_shape[i] != NONE)
            c->comp_shape[i] = remap[c->comp_shape[i]];
    rg_free(remap);
    rc = RG_OK;
done:
    rg_free(by_rank);
    rg_free(rank);
    rg_free(m);
    rg_free(runs);
    rg_free(keys);
    return rc;
}

int rg_cycles_compute(const rg_snapshot *s, const rg_dominators *dom, rg_cycles **out)
{
    if (!s || !out)
        return rg_fail(RG_EINVAL, "rg_cycles_compute: NULL argument");
    uint32_t n = s->n_nodes;
    rg_cycles *c = rg_xcalloc(1, sizeof *c);
    uint32_t *loc = rg_xmalloc(n ? n : 1, sizeof *loc);
    if (!c || !loc) {
        rg_free(c);
        rg_free(loc);
        return RG_ENOMEM;
    }
    c->n = n;
    scc_work w;
    memset(&w, 0, sizeof w);
    w.s = s;
    int rc = RG_ENOMEM;
    uint8_t *cyclic = NULL;

    /* Which objects no root reaches. */
    if (dom) {
        for (rg_node v = 0; v < n; v++)
            loc[v] = rg_dominators_reachable(dom, v) ? 1 : 0;
    } else {
        uint8_t *seen = rg_xcalloc(n ? n : 1, 1);
        if (!seen)
            goto fail;
        reach_from_roots(s, seen, loc); /* loc doubles as the BFS queue */
        for (rg_node v = 0; v < n; v++)
            loc[v] = seen[v];
        rg_free(seen);
    }
    for (rg_node v = 0; v < n; v++) {
        if (loc[v]) {
            loc[v] = NONE;
        } else {
            loc[v] = w.u++;
            c->summary.unreachable_objects++;
            c->summary.unreachable_bytes += rg_node_size_at(s, v);
        }
    }
    size_t u = w.u ? w.u : 1;
    w.node = rg_xmalloc(u, sizeof *w.node);
    w.idx = rg_xmalloc(u, sizeof *w.idx);
    w.low = rg_xmalloc(u, sizeof *w.low);
    w.cur = rg_xmalloc(u, sizeof *w.cur);
    w.par = rg_xmalloc(u, sizeof *w.par);
    w.stk = rg_xmalloc(u, sizeof *w.stk);
    w.lcomp = rg_xmalloc(u, sizeof *w.lcomp);
    if (!w.node || !w.idx || !w.low || !w.cur || !w.par || !w.stk || !w.lcomp)
        goto fail;
    for (rg_node v = 0; v < n; v++)
        if (loc[v] != NONE)
            w.node[loc[v]] = v;

    c->n_comp = tarjan(&w, loc);
    cyclic = rg_xcalloc(c->n_comp ? c->n_comp : 1, 1);
    c->comp_shape = rg_xmalloc(c->n_comp ? c->n_comp : 1, sizeof *c->comp_shape);
    uint32_t *size = w.par; /* free after Tarjan: component sizes */
    if (!cyclic || !c->comp_shape)
        goto fail;
    for (uint32_t i = 0; i < c->n_comp; i++)
        size[i] = 0, c->comp_shape[i] = NONE;
    for (uint32_t l = 0; l < w.u; l++)
        size[w.lcomp[l]]++;
    for (uint32_t l = 0; l < w.u; l++) {
        uint32_t cc = w.lcomp[l];
        if (size[cc] > 1) {
            cyclic[cc] = 1;
            continue;
        }
        rg_node v = w.node[l];
        for (uint64_t e = s->fwd_off[v]; e < s->fwd_off[v + 1]; e++)
            if (s->fwd_dst[e] == v && s->fwd_kind[e] != RG_EDGE_WEAK)
                cyclic[cc] = 1;
    }
    /* A cycle with a member held from outside is not garbage: drop it. The
     * count of references seen per unreachable object goes in idx[]. */
    for (uint32_t l = 0; l < w.u; l++)
        w.idx[l] = 0;
    for (uint64_t e = 0; e < s->n_edges; e++) {
        uint32_t t = loc[s->fwd_dst[e]];
        uint8_t k = s->fwd_kind[e];
        if (t != NONE && k != RG_EDGE_WEAK && k != RG_EDGE_GLOBAL)
            w.idx[t]++;
    }
    for (uint32_t l = 0; l < w.u; l++) {
        uint32_t cc = w.lcomp[l], rcount = rg_node_rc_at(s, w.node[l]);
        /* gc.garbage members are the collector's verdict; their refcounts
         * also carry the list's and the dumper's references. */
        if (s->node_flags[w.node[l]] & RG_NODE_GARBAGE)
            continue;
        if (cyclic[cc] == 1 && rcount != RG_RC_NONE && rcount > w.idx[l]) {
            cyclic[cc] = 2;
            c->summary.held_components++;
        }
    }
    for (uint32_t l = 0; l < w.u; l++)
        if (cyclic[w.lcomp[l]] == 2)
            c->summary.held_objects++;
    for (uint32_t i = 0; i < c->n_comp; i++)
        if (cyclic[i] == 2)
            cyclic[i] = 0;
    for (uint32_t i = 0; i < c->n_comp; i++) {
        if (!cyclic[i])
            continue;
        c->summary.components++;
        if (size[i] > c->summary.largest_component)
            c->summary.largest_component = size[i];
    }
    for (uint32_t l = 0; l < w.u; l++) {
        rg_node v = w.node[l];
        if (!cyclic[w.lcomp[l]])
            continue;
        c->summary.cyclic_objects++;
        c->summary.cyclic_bytes += rg_node_size_at(s, v);
        if (s->node_flags[v] & RG_NODE_GARBAGE)
            c->summary.garbage_objects++;
    }
    for (uint32_t l = 0; l < w.u; l++)
        w.low[l] = NONE;
    if ((rc = build_shapes(c, &w, loc, cyclic, dom)) != RG_OK)
        goto fail;
    c->summary.shapes = c->n_shapes;

    /* loc becomes node -> component. */
    for (rg_node v = 0; v < n; v++)
        if (loc[v] != NONE)
            loc[v] = w.lcomp[loc[v]];
    c->comp = loc;
    rg_free(cyclic);
    work_free(&w);
    *out = c;
    return RG_OK;
fail:
    rg_free(cyclic);
    work_free(&w);
    rg_free(loc);
    rg_cycles_free(c);
    return rc;
}

void rg_cycles_free(rg_cycles *c)
{
    if (!c)
        return;
    for (uint32_t i = 0; i < c->n_shapes; i++) {
        rg_free(c->shapes[i].description);
        rg_free(c->shapes[i].cycle);
    }
    rg_free(c->shapes);
    rg_free(c->comp);
    rg_free(c->comp_shape);
    rg_free(c);
}

int rg_cycles_summary_get(const rg_cycles *c, rg_cycles_summary *caller_)
{
    rg_cycles_summary full_ = {.struct_size = sizeof full_}, *out = &full_;
    *out = c->summary;
    return rg_record_out(caller_, &full_, sizeof full_, sizeof full_, "rg_cycles_summary_get");
}

int rg_cycles_shape_get(const rg_cycles *c, uint32_t i, rg_cycle_shape *caller_)
{
    rg_cycle_shape full_ = {.struct_size = sizeof full_}, *out = &full_;
    memset(out, 0, sizeof *out);
    if (i >= c->n_shapes) {
        out->representative = RG_NODE_NONE;
        out->description = "";
        out->signature = "";
        return rg_record_out(caller_, &full_, sizeof full_, sizeof full_, "rg_cycles_shape_get");
    }
    const shape_rec *sh = &c->shapes[i];
    out->signature = sh->signature;
    out->description = sh->description;
    out->components = sh->components;
    out->objects_each = sh->objects_each;
    out->objects = sh->objects;
    out->bytes = sh->bytes;
    out->retained_bytes = sh->retained;
    out->garbage = sh->garbage;
    out->representative = sh->representative;
    out->cycle = sh->cycle;
    out->cycle_len = sh->cycle_len;
    return rg_record_out(caller_, &full_, sizeof full_, sizeof full_, "rg_cycles_shape_get");
}

uint32_t rg_cycles_component_of(const rg_cycles *c, rg_node v)
{
    return v < c->n ? c->comp[v] : NONE;
}

uint32_t rg_cycles_shape_of(const rg_cycles *c, rg_node v)
{
    if (v >= c->n || c->comp[v] == NONE)
        return NONE;
    return c->comp_shape[c->comp[v]];
}
