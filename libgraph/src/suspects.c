/*
 * suspects.c: leak suspects from retention groups, unreachable cycles and
 * objects held from outside the heap, in one ranked list.
 *
 * A retention suspect starts at a "top group": a group of at least
 * min_instances objects whose parent group has fewer (the deque's tuples,
 * under one deque). Its retained bytes are what releasing those objects
 * would free. The path shown goes on through plumbing (tuples, lists, dicts,
 * cells) into the child group holding most of those bytes, so the reader sees
 * `... → [i] tuple → [2] __main__.Job`, not just `[i] tuple`.
 *
 * The accumulation point follows Eclipse MAT's Leak Suspects: take the
 * nearest common dominator of the top group's members, then walk down the
 * dominator tree while one child holds at least 80 % of its parent's retained
 * bytes. It stops at the object whose children share the bytes: the deque
 * inside the Queue, not the module.
 *
 * Ranking (docs/suspects.md): suspects that grew (when growth is given) come
 * first, by bytes grown; then significant suspects before the rest; within
 * each, by retained bytes, then instance count, then signature. Unreachable
 * causes count as significant from 1 % of the heap, reachable groups from
 * 10 % and 1 MB, because unreachable memory is waste by definition while a
 * large reachable group may be a legitimate table.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DESCEND_SHARE 0.8
#define EXTEND_SHARE 0.5
#define ACCUMULATION_LIMIT 64u  /* suspects that get an accumulation point */
#define BIG_OBJECT_SHARE 0.10

struct rg_suspects {
    rg_suspect *items;
    uint32_t n;
    /* Analyses: owned when the handle came from rg_suspects_analyze. */
    const rg_paths *paths;
    const rg_dominators *dom;
    const rg_groups *groups;
    const rg_cycles *cycles;
    const rg_outside *outside;
    int owns;
};

static const char *const plumbing_types[] = {
    "tuple", "list", "dict", "set", "frozenset", "collections.deque", "collections.OrderedDict",
    "collections.defaultdict", "cell", "weakref.WeakValueDictionary", "weakref.WeakKeyDictionary",
};

static int is_plumbing(const char *type)
{
    for (size_t i = 0; i < sizeof plumbing_types / sizeof plumbing_types[0]; i++)
        if (strcmp(type, plumbing_types[i]) == 0)
            return 1;
    return 0;
}

const char *rg_cause_name(rg_cause c)
{
    switch (c) {
    case RG_CAUSE_RETAINED: return "retained";
    case RG_CAUSE_CYCLE: return "cycle";
    case RG_CAUSE_OUTSIDE: return "outside";
    default: return "retained";
    }
}

void rg_suspect_options_init(rg_suspect_options *o)
{
    memset(o, 0, sizeof *o);
    o->min_instances = 2;
    o->min_share = 0.001;
}

/* Child groups of each group, CSR. */
typedef struct group_tree {
    uint32_t *off;            /* n_groups + 1 */
    rg_group *child;
    rg_group_info *info;      /* every group's info */
} group_tree;

static void tree_free(group_tree *t)
{
    free(t->off);
    free(t->child);
    free(t->info);
}

static int tree_build(const rg_groups *G, group_tree *t)
{
    uint32_t ng = rg_groups_count(G);
    memset(t, 0, sizeof *t);
    t->off = rg_xcalloc((size_t)ng + 1, sizeof *t->off);
    t->child = rg_xmalloc(ng ? ng : 1, sizeof *t->child);
    t->info = rg_xmalloc(ng ? ng : 1, sizeof *t->info);
    if (!t->off || !t->child || !t->info) {
        tree_free(t);
        return RG_ENOMEM;
    }
    for (rg_group g = 0; g < ng; g++) {
        rg_groups_get(G, g, &t->info[g]);
        if (t->info[g].parent != RG_GROUP_NONE)
            t->off[t->info[g].parent + 1]++;
    }
    for (rg_group g = 0; g < ng; g++)
        t->off[g + 1] += t->off[g];
    uint32_t *fill = rg_xmalloc(ng ? ng : 1, sizeof *fill);
    if (!fill) {
        tree_free(t);
        return RG_ENOMEM;
    }
    memcpy(fill, t->off, ng * sizeof *fill);
    for (rg_group g = 0; g < ng; g++)
        if (t->info[g].parent != RG_GROUP_NONE)
            t->child[fill[t->info[g].parent]++] = g;
    free(fill);
    return RG_OK;
}

/* The child group of `g` with the most retained bytes (ties: lower id). */
static rg_group biggest_child(const group_tree *t, rg_group g)
{
    rg_group best = RG_GROUP_NONE;
    for (uint32_t i = t->off[g]; i < t->off[g + 1]; i++) {
        rg_group c = t->child[i];
        if (best == RG_GROUP_NONE || t->info[c].retained_bytes > t->info[best].retained_bytes)
            best = c;
    }
    return best;
}

/* Scratch for accumulation points: per node, the position on the primary
 * dominator path where a member's walk joined it (UINT32_MAX = untouched). */
typedef struct accum_work {
    const rg_snapshot *s;
    const rg_dominators *dom;
    uint32_t *join;
    rg_node *primary;         /* the first member's dominator path, member first */
    rg_node *touched;
    uint64_t n_touched;
    rg_node *bigchild;        /* per node (and super-root): largest dominator child */
} accum_work;

static int accum_init(accum_work *w, const rg_snapshot *s, const rg_dominators *dom)
{
    uint32_t n = s->n_nodes;
    memset(w, 0, sizeof *w);
    w->s = s;
    w->dom = dom;
    w->join = rg_xmalloc((size_t)n + 1, sizeof *w->join);
    w->primary = rg_xmalloc((size_t)n + 1, sizeof *w->primary);
    w->touched = rg_xmalloc((size_t)n + 1, sizeof *w->touched);
    w->bigchild = rg_xmalloc((size_t)n + 1, sizeof *w->bigchild);
    if (!w->join || !w->primary || !w->touched || !w->bigchild)
        return RG_ENOMEM;
    memset(w->join, 0xff, ((size_t)n + 1) * sizeof *w->join);
    memset(w->bigchild, 0xff, ((size_t)n + 1) * sizeof *w->bigchild);
    for (rg_node v = 0; v < n; v++) {
        rg_node p = rg_dominators_idom(dom, v);
        uint32_t slot = p == RG_NODE_NONE ? n : p;
        rg_node cur = w->bigchild[slot];
        if (cur == RG_NODE_NONE ||
            rg_dominators_retained(dom, v) > rg_dominators_retained(dom, cur))
            w->bigchild[slot] = v;
    }
    return RG_OK;
}

static void accum_free(accum_work *w)
{
    free(w->join);
    free(w->primary);
    free(w->touched);
    free(w->bigchild);
}

/* Nearest common dominator of `members`; RG_NODE_NONE for the super-root.
 * Each node is walked at most once per call, so the cost is linear in the
 * members and their dominator paths. */
static rg_node common_dominator(accum_work *w, const rg_node *members, uint64_t k)
{
    if (k == 0)
        return RG_NODE_NONE;
    uint32_t len = 0;
    for (rg_node x = members[0]; x != RG_NODE_NONE; x = rg_dominators_idom(w->dom, x)) {
        w->join[x] = len;
        w->primary[len++] = x;
        w->touched[w->n_touched++] = x;
    }
    uint32_t top = 0; /* highest join position seen so far */
    for (uint64_t i = 1; i < k; i++) {
        rg_node x = members[i];
        uint64_t start = w->n_touched;
        while (x != RG_NODE_NONE && w->join[x] == UINT32_MAX) {
            w->touched[w->n_touched++] = x;
            x = rg_dominators_idom(w->dom, x);
        }
        uint32_t pos = x == RG_NODE_NONE ? len : w->join[x];
        for (uint64_t j = start; j < w->n_touched; j++)
            w->join[w->touched[j]] = pos;
        if (pos > top)
            top = pos;
        if (top >= len)
            break;
    }
    for (uint64_t j = 0; j < w->n_touched; j++)
        w->join[w->touched[j]] = UINT32_MAX;
    w->n_touched = 0;
    return top >= len ? RG_NODE_NONE : w->primary[top];
}

static rg_node descend(const accum_work *w, rg_node x)
{
    while (x != RG_NODE_NONE) {
        rg_node c = w->bigchild[x];
        if (c == RG_NODE_NONE ||
            (double)rg_dominators_retained(w->dom, c) < DESCEND_SHARE * (double)rg_dominators_retained(w->dom, x))
            break;
        x = c;
    }
    return x;
}

static int collect_accumulations(rg_suspects *S, const rg_groups *G, accum_work *w, uint32_t ng)
{
    uint32_t *slot = rg_xmalloc(ng ? ng : 1, sizeof *slot);
    uint32_t pick[ACCUMULATION_LIMIT], np = 0;
    uint64_t off[ACCUMULATION_LIMIT + 1] = {0};
    if (!slot)
        return RG_ENOMEM;
    memset(slot, 0xff, (ng ? ng : 1) * sizeof *slot);
    for (uint32_t i = 0; i < S->n && np < ACCUMULATION_LIMIT; i++)
        if (S->items[i].cause == RG_CAUSE_RETAINED) {
            slot[S->items[i].top_group] = np;
            pick[np++] = i;
        }
    uint32_t n = w->s->n_nodes;
    for (rg_node v = 0; v < n; v++) {
        rg_group g = rg_groups_of(G, v);
        if (g != RG_GROUP_NONE && slot[g] != UINT32_MAX)
            off[slot[g] + 1]++;
    }
    for (uint32_t k = 0; k < np; k++)
        off[k + 1] += off[k];
    rg_node *members = rg_xmalloc(off[np] ? off[np] : 1, sizeof *members);
    uint64_t fill[ACCUMULATION_LIMIT];
    if (!members) {
        free(slot);
        return RG_ENOMEM;
    }
    memcpy(fill, off, sizeof fill);
    for (rg_node v = 0; v < n; v++) {
        rg_group g = rg_groups_of(G, v);
        if (g != RG_GROUP_NONE && slot[g] != UINT32_MAX)
            members[fill[slot[g]]++] = v;
    }
    for (uint32_t k = 0; k < np; k++) {
        rg_suspect *sp = &S->items[pick[k]];
        rg_node lca = common_dominator(w, members + off[k], off[k + 1] - off[k]);
        sp->accumulation = descend(w, lca);
        if (sp->accumulation != RG_NODE_NONE)
            sp->accumulation_retained = rg_dominators_retained(w->dom, sp->accumulation);
    }
    free(members);
    free(slot);
    return RG_OK;
}

static int by_signature(const void *a, const void *b)
{
    return strcmp(((const rg_group_growth *)a)->signature, ((const rg_group_growth *)b)->signature);
}

static int rank_cmp(const void *a, const void *b)
{
    const rg_suspect *x = a, *y = b;
    int gx = x->has_growth && x->growth_bytes > 0, gy = y->has_growth && y->growth_bytes > 0;
    if (gx != gy)
        return gx ? -1 : 1;
    if (gx && x->growth_bytes != y->growth_bytes)
        return x->growth_bytes < y->growth_bytes ? 1 : -1;
    if (x->significant != y->significant)
        return x->significant ? -1 : 1;
    if (x->retained_bytes != y->retained_bytes)
        return x->retained_bytes < y->retained_bytes ? 1 : -1;
    if (x->count != y->count)
        return x->count < y->count ? 1 : -1;
    return strcmp(x->signature, y->signature);
}

static int push(rg_suspects *S, size_t *cap, const rg_suspect *sp)
{
    if (rg_grow((void **)&S->items, cap, (size_t)S->n + 1, sizeof *S->items) != RG_OK)
        return RG_ENOMEM;
    S->items[S->n++] = *sp;
    return RG_OK;
}

static void blank(rg_suspect *sp, rg_cause cause)
{
    memset(sp, 0, sizeof *sp);
    sp->cause = cause;
    sp->top_group = sp->group = sp->bulk_group = RG_GROUP_NONE;
    sp->accumulation = RG_NODE_NONE;
    sp->representative = RG_NODE_NONE;
    sp->index = UINT32_MAX;
}

static void judge(rg_suspect *sp, uint64_t total)
{
    sp->share = total ? (double)sp->retained_bytes / (double)total : 0;
    if (sp->cause == RG_CAUSE_RETAINED)
        sp->significant = sp->share >= 0.10 && sp->retained_bytes >= 1000000;
    else
        sp->significant = sp->share >= 0.01;
}

/* A cycle shape or an outside-held type as a suspect, unless it is below
 * `min_share` of all bytes. */
static int add_unreachable(rg_suspects *S, size_t *cap, rg_cause cause, uint32_t index, uint64_t count,
                           uint64_t shallow, uint64_t retained, rg_node representative,
                           const char *signature, uint64_t total, double min_share)
{
    rg_suspect sp;
    blank(&sp, cause);
    sp.index = index;
    sp.count = count;
    sp.shallow_bytes = shallow;
    sp.retained_bytes = retained;
    sp.representative = representative;
    snprintf(sp.signature, sizeof sp.signature, "%s", signature);
    judge(&sp, total);
    return sp.share < min_share ? RG_OK : push(S, cap, &sp);
}

int rg_suspects_compute(const rg_snapshot *s, const rg_dominators *dom, const rg_groups *G,
                        const rg_cycles *cycles, const rg_outside *outside,
                        const rg_suspect_options *opts, rg_suspects **out)
{
    if (!s || !dom || !G || !out)
        return rg_fail(RG_EINVAL, "rg_suspects_compute: snapshot, dominators and groups are required");
    rg_suspect_options def;
    if (!opts) {
        rg_suspect_options_init(&def);
        opts = &def;
    }
    uint32_t min_inst = opts->min_instances ? opts->min_instances : 1;
    uint64_t total = rg_dominators_retained(dom, RG_NODE_NONE);
    rg_suspects *S = rg_xcalloc(1, sizeof *S);
    if (!S)
        return RG_ENOMEM;
    S->dom = dom;
    S->groups = G;
    S->cycles = cycles;
    S->outside = outside;
    size_t cap = 0;
    int rc = RG_ENOMEM;
    group_tree t;
    accum_work w;
    memset(&w, 0, sizeof w);
    rg_group_growth *growth = NULL;
    if ((rc = tree_build(G, &t)) != RG_OK) {
        rg_suspects_free(S);
        return rc;
    }
    rc = RG_ENOMEM;

    /* Retention suspects: groups with no ancestor group of min_inst or more
     * (a parent group always has a lower id, so one pass in id order). */
    uint32_t ng = rg_groups_count(G);
    uint8_t *covered = rg_xcalloc(ng ? ng : 1, 1);
    if (!covered)
        goto fail;
    for (rg_group g = 0; g < ng; g++) {
        rg_group p = t.info[g].parent;
        covered[g] = p != RG_GROUP_NONE && (covered[p] || t.info[p].count >= min_inst);
    }
    for (rg_group g = 0; g < ng; g++) {
        const rg_group_info *gi = &t.info[g];
        if (gi->count < min_inst || gi->root_kind == RG_ROOT_GARBAGE || covered[g])
            continue;
        rg_suspect sp;
        blank(&sp, RG_CAUSE_RETAINED);
        sp.top_group = g;
        sp.retained_bytes = gi->retained_bytes;
        /* Extend through plumbing into the child holding most of the bytes. */
        rg_group item = g;
        while (is_plumbing(t.info[item].type_name)) {
            rg_group c = biggest_child(&t, item);
            if (c == RG_GROUP_NONE ||
                (double)t.info[c].retained_bytes < EXTEND_SHARE * (double)gi->retained_bytes)
                break;
            item = c;
        }
        sp.group = item;
        rg_group bulk = item;
        for (;;) {
            rg_group c = biggest_child(&t, bulk);
            if (c == RG_GROUP_NONE ||
                (double)t.info[c].retained_bytes < EXTEND_SHARE * (double)t.info[item].retained_bytes)
                break;
            bulk = c;
        }
        sp.bulk_group = bulk == item ? RG_GROUP_NONE : bulk;
        sp.count = t.info[item].count;
        sp.shallow_bytes = t.info[item].shallow_bytes;
        sp.representative = t.info[item].representative;
        memcpy(sp.signature, gi->signature, sizeof gi->signature);
        judge(&sp, total);
        if (sp.share < opts->min_share)
            continue;
        if (push(S, &cap, &sp) != RG_OK) {
            free(covered);
            goto fail;
        }
    }
    /* Single big objects (a bytearray grown forever, one dict of unlike
     * values): Eclipse MAT's "one instance retains N %". A lone object
     * (count 1, not a root) holding BIG_OBJECT_SHARE of the heap is a suspect
     * when no suspect above lies below it and none of its child groups holds
     * that much itself (so the deepest such object is named, once). */
    uint8_t *below = rg_xcalloc(ng ? ng : 1, 1);
    if (!below) {
        free(covered);
        goto fail;
    }
    for (uint32_t i = 0; i < S->n; i++)
        for (rg_group x = S->items[i].top_group; x != RG_GROUP_NONE; x = t.info[x].parent) {
            if (below[x])
                break;
            below[x] = 1;
        }
    for (rg_group g = 0; g < ng; g++) {
        const rg_group_info *gi = &t.info[g];
        if (gi->count != 1 || gi->depth == 0 || below[g] || gi->root_kind == RG_ROOT_GARBAGE ||
            (double)gi->retained_bytes < BIG_OBJECT_SHARE * (double)total)
            continue;
        rg_group c = biggest_child(&t, g);
        if (c != RG_GROUP_NONE && (double)t.info[c].retained_bytes >= BIG_OBJECT_SHARE * (double)total)
            continue;
        rg_suspect sp;
        blank(&sp, RG_CAUSE_RETAINED);
        sp.top_group = sp.group = g;
        sp.count = 1;
        sp.shallow_bytes = gi->shallow_bytes;
        sp.retained_bytes = gi->retained_bytes;
        sp.representative = gi->representative;
        memcpy(sp.signature, gi->signature, sizeof gi->signature);
        judge(&sp, total);
        if (push(S, &cap, &sp) != RG_OK) {
            free(below);
            free(covered);
            goto fail;
        }
    }
    free(below);
    free(covered);

    /* Unreachable cycles, one suspect per shape. */
    if (cycles) {
        rg_cycles_summary cs;
        rg_cycles_get_summary(cycles, &cs);
        for (uint32_t i = 0; i < cs.shapes; i++) {
            rg_cycle_shape sh;
            rg_cycles_shape(cycles, i, &sh);
            if (add_unreachable(S, &cap, RG_CAUSE_CYCLE, i, sh.objects, sh.bytes, sh.retained_bytes,
                                sh.representative, sh.signature, total, opts->min_share) != RG_OK)
                goto fail;
        }
    }

    /* Held from outside, one suspect per type. */
    if (outside) {
        for (uint32_t i = 0; i < rg_outside_group_count(outside); i++) {
            rg_outside_group og;
            rg_outside_group_get(outside, i, &og);
            char sig[sizeof ((rg_suspect *)0)->signature];
            snprintf(sig, sizeof sig, "outside:%.38s", og.type_name);
            if (add_unreachable(S, &cap, RG_CAUSE_OUTSIDE, i, og.objects, og.shallow_bytes,
                                og.retained_bytes, og.representative, sig, total, opts->min_share) != RG_OK)
                goto fail;
        }
    }

    /* Growth, matched by signature. */
    if (opts->growth && opts->n_growth) {
        growth = rg_xmalloc(opts->n_growth, sizeof *growth);
        if (!growth)
            goto fail;
        memcpy(growth, opts->growth, opts->n_growth * sizeof *growth);
        size_t ok = 0;
        for (size_t i = 0; i < opts->n_growth; i++)
            if (growth[i].signature)
                growth[ok++] = growth[i];
        qsort(growth, ok, sizeof *growth, by_signature);
        for (uint32_t i = 0; i < S->n; i++) {
            rg_group_growth key = {S->items[i].signature, 0, 0};
            const rg_group_growth *hit = bsearch(&key, growth, ok, sizeof *growth, by_signature);
            if (hit) {
                S->items[i].has_growth = 1;
                S->items[i].growth_count = hit->count_delta;
                S->items[i].growth_bytes = hit->bytes_delta;
            }
        }
    }
    if (S->n)
        qsort(S->items, S->n, sizeof *S->items, rank_cmp);

    /* Accumulation points for the leading retention suspects; their
     * members are gathered in one pass over all objects. */
    if ((rc = accum_init(&w, s, dom)) != RG_OK)
        goto fail;
    rc = RG_ENOMEM;
    if (collect_accumulations(S, G, &w, ng) != RG_OK)
        goto fail;
    rc = RG_OK;
    *out = S;
    S = NULL;
fail:
    free(growth);
    accum_free(&w);
    tree_free(&t);
    rg_suspects_free(S);
    return rc;
}

int rg_suspects_analyze(const rg_snapshot *s, const rg_suspect_options *opts, rg_suspects **out)
{
    if (!s || !out)
        return rg_fail(RG_EINVAL, "rg_suspects_analyze: NULL argument");
    rg_paths *paths = NULL;
    rg_dominators *dom = NULL;
    rg_groups *groups = NULL;
    rg_cycles *cycles = NULL;
    rg_outside *outside = NULL;
    rg_suspects *S = NULL;
    int rc;
    if ((rc = rg_paths_compute(s, NULL, &paths)) != RG_OK ||
        (rc = rg_dominators_compute(s, &dom)) != RG_OK ||
        (rc = rg_groups_compute(s, paths, dom, &groups)) != RG_OK ||
        (rc = rg_cycles_compute(s, dom, &cycles)) != RG_OK ||
        (rc = rg_outside_compute(s, dom, NULL, &outside)) != RG_OK ||
        (rc = rg_suspects_compute(s, dom, groups, cycles, outside, opts, &S)) != RG_OK) {
        rg_paths_free(paths);
        rg_dominators_free(dom);
        rg_groups_free(groups);
        rg_cycles_free(cycles);
        rg_outside_free(outside);
        return rc;
    }
    S->paths = paths;
    S->owns = 1;
    *out = S;
    return RG_OK;
}

void rg_suspects_free(rg_suspects *S)
{
    if (!S)
        return;
    if (S->owns) {
        rg_paths_free((rg_paths *)S->paths);
        rg_dominators_free((rg_dominators *)S->dom);
        rg_groups_free((rg_groups *)S->groups);
        rg_cycles_free((rg_cycles *)S->cycles);
        rg_outside_free((rg_outside *)S->outside);
    }
    free(S->items);
    free(S);
}

uint32_t rg_suspects_count(const rg_suspects *S) { return S ? S->n : 0; }

const rg_suspect *rg_suspects_get(const rg_suspects *S, uint32_t i)
{
    return S && i < S->n ? &S->items[i] : NULL;
}

const rg_paths *rg_suspects_paths(const rg_suspects *S) { return S ? S->paths : NULL; }
const rg_dominators *rg_suspects_dominators(const rg_suspects *S) { return S ? S->dom : NULL; }
const rg_groups *rg_suspects_groups(const rg_suspects *S) { return S ? S->groups : NULL; }
const rg_cycles *rg_suspects_cycles(const rg_suspects *S) { return S ? S->cycles : NULL; }
const rg_outside *rg_suspects_outside(const rg_suspects *S) { return S ? S->outside : NULL; }
