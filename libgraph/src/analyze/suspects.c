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
#include "judge.h"
#include "kinds.h"
#include "rules.h"
#include "run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DESCEND_SHARE 0.8
#define EXTEND_SHARE 0.5
#define ACCUMULATION_LIMIT 64u  /* suspects that get an accumulation point */
#define BIG_OBJECT_SHARE 0.10
#define DOMINATOR_WALK_LIMIT 4096u /* idom steps when testing "is it inside that group" */
#define CARRIED_DEPTH 8u          /* plumbing hops searched for the carried user type */
#define GROUP_SIG_CAP 40u         /* "g1:" and 32 hex digits */
#define FANOUT 8u                 /* a child group this many times larger is where objects accumulate */

struct rg_suspects {
    rg_suspect *items;
    uint32_t n;
    /* The signatures of retention suspects (items[i].signature points here;
     * those of cycles and outside groups point into their handles). */
    char (*group_sigs)[GROUP_SIG_CAP];
    /* Analyses: owned when the handle came from rg_suspects_compute_all. */
    const rg_paths *paths;
    const rg_dominators *dom;
    const rg_groups *groups;
    const rg_cycles *cycles;
    const rg_outside *outside;
    int owns;
};

const char *rg_cause_name(rg_cause c)
{
    switch (c) {
    case RG_CAUSE_RETAINED: return "retained";
    case RG_CAUSE_CYCLE: return "cycle";
    case RG_CAUSE_OUTSIDE: return "outside";
    default: return "retained";
    }
}

int rg_suspect_options_init(rg_suspect_options *o, unsigned int version)
{
    int rc = o ? rg_options_version(version, RG_SUSPECT_OPTIONS_VERSION, "rg_suspect_options")
               : rg_fail(RG_EINVAL, "rg_suspect_options_init: no options to fill");
    if (rc == RG_OK)
        *o = (rg_suspect_options)RG_SUSPECT_OPTIONS_INIT;
    return rc;
}

/* Child groups of each group, CSR. */
typedef struct group_tree {
    uint32_t *off;            /* n_groups + 1 */
    rg_group *child;
    rg_group_info *info;      /* every group's info */
    char (*sig)[GROUP_SIG_CAP]; /* every group's signature */
} group_tree;

static void tree_free(group_tree *t)
{
    rg_free(t->off);
    rg_free(t->child);
    rg_free(t->info);
    rg_free(t->sig);
}

static int tree_build(const rg_groups *G, group_tree *t)
{
    uint32_t ng = rg_groups_count(G);
    memset(t, 0, sizeof *t);
    t->off = rg_xcalloc((size_t)ng + 1, sizeof *t->off);
    t->child = rg_xmalloc(ng ? ng : 1, sizeof *t->child);
    t->info = rg_xmalloc(ng ? ng : 1, sizeof *t->info);
    t->sig = rg_xmalloc(ng ? ng : 1, sizeof *t->sig);
    if (!t->off || !t->child || !t->info || !t->sig) {
        tree_free(t);
        return RG_ENOMEM;
    }
    for (rg_group g = 0; g < ng; g++) {
        t->info[g].struct_size = sizeof t->info[g];
        rg_groups_get(G, g, &t->info[g]);
        rg_groups_signature(G, g, t->sig[g], sizeof t->sig[g]);
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
    rg_free(fill);
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
    rg_free(w->join);
    rg_free(w->primary);
    rg_free(w->touched);
    rg_free(w->bigchild);
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
        rg_free(slot);
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
    rg_free(members);
    rg_free(slot);
    return RG_OK;
}

static int by_signature(const void *a, const void *b)
{
    return strcmp(((const rg_group_growth *)a)->signature, ((const rg_group_growth *)b)->signature);
}

static int rank_cmp(const void *a, const void *b) { return rg_judge_rank_cmp(a, b); }

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
    sp->name = sp->carried_type = "";
    sp->signature = "";
}

/* Growth per signature, sorted for lookup. */
typedef struct growth_index {
    rg_group_growth *items;
    size_t n;
} growth_index;

static int growth_index_build(growth_index *gi, const rg_suspect_options *opts)
{
    memset(gi, 0, sizeof *gi);
    if (!opts->growth || !opts->n_growth)
        return RG_OK;
    /* The caller's array has the stride of the caller's rg_group_growth. */
    size_t stride = opts->growth[0].struct_size;
    if (stride < sizeof(rg_group_growth))
        return rg_fail(RG_EINVAL, "rg_suspect_options.growth: struct_size %zu is smaller than the %zu of "
                       "librefgraph 1.0; set it to sizeof(rg_group_growth) in every element",
                       stride, sizeof(rg_group_growth));
    gi->items = rg_xmalloc(opts->n_growth, sizeof *gi->items);
    if (!gi->items)
        return RG_ENOMEM;
    for (size_t i = 0; i < opts->n_growth; i++) {
        const rg_group_growth *g = (const void *)((const char *)opts->growth + i * stride);
        if (g->signature)
            gi->items[gi->n++] = *g;
    }
    qsort(gi->items, gi->n, sizeof *gi->items, by_signature);
    return RG_OK;
}

/* Attach growth to a suspect by its signature, then judge it. */
static void judge_with_growth(rg_suspect *sp, const growth_index *gi, uint32_t n_snapshots)
{
    rg_group_growth key = {.signature = sp->signature};
    const rg_group_growth *hit = gi->n ? bsearch(&key, gi->items, gi->n, sizeof *gi->items, by_signature) : NULL;
    if (hit) {
        sp->has_growth = 1;
        sp->growth_count = hit->count_delta;
        sp->growth_bytes = hit->bytes_delta;
        sp->growth_steps = hit->steps;
        sp->growth_steps_up = hit->steps_up;
        sp->growth_count_per_min = hit->count_per_min;
        sp->growth_bytes_per_min = hit->bytes_per_min;
    }
    rg_judge_suspect(sp, n_snapshots);
}

/* Below `v` in the dominator tree, through plumbing, the first object of a
 * user type: a closure's captured object, a cache key tuple's instance.
 * Follows the referent that retains most. RG_NODE_NONE when there is none. */
static rg_node carried_object(const rg_snapshot *s, const rg_dominators *dom, rg_node v)
{
    for (uint32_t depth = 0; depth < CARRIED_DEPTH && v != RG_NODE_NONE; depth++) {
        const char *tn = rg_type_name(s, rg_node_type_at(s, v));
        if (depth > 0 && rg_kind_is_user_type(tn))
            return v;
        if (depth > 0 && !rg_kind_is_plumbing(tn))
            return RG_NODE_NONE; /* a str, an int, a bytearray: data, not a type anyone wrote */
        rg_node best = RG_NODE_NONE;
        for (uint64_t e = s->fwd_off[v]; e < s->fwd_off[v + 1]; e++) {
            rg_node t = s->fwd_dst[e];
            uint8_t k = s->fwd_kind[e];
            if (k == RG_EDGE_WEAK || k == RG_EDGE_TYPE || t == v || rg_dominators_idom(dom, t) != v)
                continue;
            if (best == RG_NODE_NONE || rg_dominators_retained(dom, t) > rg_dominators_retained(dom, best))
                best = t;
        }
        v = best;
    }
    return RG_NODE_NONE;
}

/* Fill name and carried type of a suspect whose head object is `head`. */
static void name_suspect(rg_suspect *sp, const rg_snapshot *s, const rg_dominators *dom, rg_node head)
{
    sp->name = "";
    sp->carried_type = "";
    if (head == RG_NODE_NONE)
        return;
    const char *tn = rg_type_name(s, rg_node_type_at(s, head));
    if (rg_kind_is_function_like(tn))
        sp->name = rg_strtab_get(&s->strings, rg_node_name_at(s, head));
    if (!rg_kind_is_plumbing(tn))
        return;
    rg_node c = carried_object(s, dom, head);
    if (c != RG_NODE_NONE)
        sp->carried_type = rg_type_name(s, rg_node_type_at(s, c));
}

/* Is `v` inside the dominator subtree of a member of group `g`? */
static int dominated_by_group(const rg_dominators *dom, const rg_groups *G, rg_node v, rg_group g)
{
    for (uint32_t i = 0; v != RG_NODE_NONE && i < DOMINATOR_WALK_LIMIT; i++) {
        if (rg_groups_of(G, v) == g)
            return 1;
        v = rg_dominators_idom(dom, v);
    }
    return 0;
}

/* Per group, the nearest common dominator of its members (RG_NODE_NONE for
 * the super-root), for groups of at least min_inst members: one pass over
 * the objects, each member walking up from itself to the running answer. */
static rg_node *group_common_dominators(const rg_snapshot *s, const rg_dominators *dom, const rg_groups *G,
                                        const group_tree *t, uint32_t min_inst)
{
    uint32_t ng = rg_groups_count(G), n = s->n_nodes;
    rg_node *cd = rg_xmalloc(ng ? ng : 1, sizeof *cd);
    uint32_t *depth = rg_xcalloc((size_t)n + 1, sizeof *depth);
    uint8_t *started = rg_xcalloc(ng ? ng : 1, 1);
    rg_node *stack = rg_xmalloc((size_t)n + 1, sizeof *stack);
    if (!cd || !depth || !started || !stack) {
        rg_free(cd);
        cd = NULL;
        goto out;
    }
    /* Dominator-tree depth, memoised (0 = unknown; the super-root's
     * children have depth 1). */
    for (rg_node v = 0; v < n; v++) {
        uint32_t len = 0;
        rg_node x = v;
        while (x != RG_NODE_NONE && depth[x] == 0) {
            stack[len++] = x;
            x = rg_dominators_idom(dom, x);
        }
        uint32_t d = x == RG_NODE_NONE ? 0 : depth[x];
        while (len)
            depth[stack[--len]] = ++d;
    }
    for (rg_group g = 0; g < ng; g++)
        cd[g] = RG_NODE_NONE;
    for (rg_node v = 0; v < n; v++) {
        rg_group g = rg_groups_of(G, v);
        if (g == RG_GROUP_NONE || t->info[g].count < min_inst)
            continue;
        if (!started[g]) {
            started[g] = 1;
            cd[g] = v;
            continue;
        }
        rg_node a = cd[g], b = v;
        if (a == RG_NODE_NONE)
            continue;
        while (a != b && a != RG_NODE_NONE && b != RG_NODE_NONE) {
            if (depth[a] >= depth[b])
                a = rg_dominators_idom(dom, a);
            else
                b = rg_dominators_idom(dom, b);
        }
        cd[g] = a == b ? a : RG_NODE_NONE;
    }
out:
    rg_free(depth);
    rg_free(started);
    rg_free(stack);
    return cd;
}

/* Whether head group g, ending at an item of type item_type, is held by the
 * interpreter's own tables (kinds.c): by its root, the first hop below the
 * root, and whether its chain passes through a code object. */
static int interpreter_table(const group_tree *t, rg_group g, const char *item_type)
{
    const char *first_hop = NULL;
    int through_code = 0;
    for (rg_group x = g; x != RG_GROUP_NONE; x = t->info[x].parent) {
        if (strcmp(t->info[x].type_name, "code") == 0)
            through_code = 1;
        if (t->info[x].depth == 1)
            first_hop = t->info[x].label;
    }
    return rg_kind_is_interpreter_table(t->info[g].root_kind, t->info[g].root_label, first_hop, item_type,
                                        through_code);
}

/* A cycle shape or an outside-held group as a suspect, unless it is below
 * `min_share` of all bytes and did not grow. */
static int add_unreachable(rg_suspects *S, size_t *cap, rg_suspect *sp, const growth_index *gi,
                           uint32_t n_snapshots, uint64_t total, double min_share)
{
    rg_judge_significance(sp, total);
    judge_with_growth(sp, gi, n_snapshots);
    if (sp->share < min_share && sp->reason != RG_REASON_GROWS_EVERY_STEP)
        return RG_OK;
    return push(S, cap, sp);
}

int rg_suspects_compute(const rg_snapshot *s, const rg_dominators *dom, const rg_groups *G,
                        const rg_cycles *cycles, const rg_outside *outside,
                        const rg_suspect_options *opts, rg_suspects **out)
{
    if (!s || !dom || !G || !out)
        return rg_fail(RG_EINVAL, "rg_suspects_compute: snapshot, dominators and groups are required");
    if (opts && rg_options_version(opts->version, RG_SUSPECT_OPTIONS_VERSION, "rg_suspects_compute: rg_suspect_options") != RG_OK)
        return RG_EINVAL;
    rg_suspect_options def;
    if (!opts) {
        rg_suspect_options_init(&def, RG_SUSPECT_OPTIONS_VERSION);
        opts = &def;
    }
    uint32_t min_inst = opts->min_instances ? opts->min_instances : 1;
    uint32_t nsnap = opts->n_snapshots;
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
    growth_index gix;
    uint8_t *head = NULL, *below = NULL, *item_of = NULL;
    rg_group *nearest = NULL;
    uint64_t *split_bytes = NULL;
    rg_node *cd = NULL;
    if ((rc = tree_build(G, &t)) != RG_OK) {
        rg_suspects_free(S);
        return rc;
    }
    if ((rc = growth_index_build(&gix, opts)) != RG_OK)
        goto fail;
    rc = RG_ENOMEM;

    /* Retention suspects start at head groups (docs/suspects.md). A group
     * of min_inst or more members is a head unless the nearest head above it
     * already tells its story: its members lie inside that head's members'
     * dominator subtrees (their bytes are counted there) and they do not
     * accumulate below one of those members. A group that accumulates below
     * one member of the head above (a Map of 5,000 requests inside one of
     * three modules) is a head of its own, and its bytes no longer count for
     * the head above: no small ancestor group hides a large descendant. */
    uint32_t ng = rg_groups_count(G);
    head = rg_xcalloc(ng ? ng : 1, 1);
    nearest = rg_xmalloc(ng ? ng : 1, sizeof *nearest);
    split_bytes = rg_xcalloc(ng ? ng : 1, sizeof *split_bytes);
    cd = group_common_dominators(s, dom, G, &t, min_inst);
    if (!head || !nearest || !split_bytes || !cd)
        goto fail;
    for (rg_group g = 0; g < ng; g++) {
        const rg_group_info *gi = &t.info[g];
        rg_group p = gi->parent;
        rg_group above = p == RG_GROUP_NONE ? RG_GROUP_NONE : nearest[p];
        nearest[g] = above;
        if (gi->count < min_inst || !rg_root_retains(gi->root_kind))
            continue;
        if (above != RG_GROUP_NONE) {
            /* (A group that is part of a recursive run, a chain, hangs below
             * the chain's first member: that is the chain, not a new
             * accumulation.) */
            int accumulates_below = !gi->repeat && cd[g] != RG_NODE_NONE &&
                                    dominated_by_group(dom, G, cd[g], above) && rg_groups_of(G, cd[g]) != above;
            if (!accumulates_below && dominated_by_group(dom, G, gi->representative, above))
                continue;
            if (accumulates_below)
                split_bytes[above] += gi->retained_bytes;
        }
        head[g] = 1;
        nearest[g] = g;
    }
    item_of = rg_xcalloc(ng ? ng : 1, 1);
    if (!item_of)
        goto fail;
    for (rg_group g = 0; g < ng; g++) {
        if (!head[g])
            continue;
        const rg_group_info *gi = &t.info[g];
        /* What a suspect's members hold (each RequestContext's body string)
         * is part of that suspect, not one of its own. */
        if (gi->parent != RG_GROUP_NONE && item_of[gi->parent])
            continue;
        rg_suspect sp;
        blank(&sp, RG_CAUSE_RETAINED);
        sp.top_group = g;
        /* What this head retains beyond the heads split off below it. */
        sp.retained_bytes = gi->retained_bytes > split_bytes[g] ? gi->retained_bytes - split_bytes[g] : 0;
        /* Extend through plumbing into the child holding most of the bytes,
         * and through a few big members into the many they hold (three test
         * suites holding 3,000 test cases: the cases are what accumulates). */
        rg_group item = g;
        for (;;) {
            rg_group c = biggest_child(&t, item);
            if (c == RG_GROUP_NONE ||
                (double)t.info[c].retained_bytes < EXTEND_SHARE * (double)gi->retained_bytes)
                break;
            if (rg_kind_is_plumbing(t.info[item].type_name)) {
                item = c;
                continue;
            }
            /* Through the plumbing below a few big members (a suite's _tests
             * list), to a group many times their number. */
            rg_group d = c;
            for (int hops = 0; hops < 3 && rg_kind_is_plumbing(t.info[d].type_name); hops++) {
                rg_group e = biggest_child(&t, d);
                if (e == RG_GROUP_NONE ||
                    (double)t.info[e].retained_bytes < EXTEND_SHARE * (double)gi->retained_bytes)
                    break;
                d = e;
            }
            if (t.info[d].count < FANOUT * t.info[item].count || !rg_kind_is_user_type(t.info[d].type_name))
                break;
            item = d;
        }
        /* Plumbing that leads to one container (a runtime's contexts to one
         * Map) is not a group of leaked objects: the container's contents are
         * heads of their own, and a big lone container is the single-object
         * rule's. */
        if (t.info[item].count < min_inst)
            continue;
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
        /* The deepest user type on the way to the bulk: what the head
         * carries when the head is not plumbing itself (an AsyncTask whose
         * stored exception keeps a RowBatch). */
        const char *deep_user = "";
        for (rg_group x = bulk; x != item && x != RG_GROUP_NONE; x = t.info[x].parent)
            if (rg_kind_is_user_type(t.info[x].type_name) && strcmp(t.info[x].type_name, t.info[item].type_name) != 0) {
                deep_user = t.info[x].type_name;
                break;
            }
        sp.count = t.info[item].count;
        sp.shallow_bytes = t.info[item].shallow_bytes;
        sp.representative = t.info[item].representative;
        sp.interpreter_table = interpreter_table(&t, g, t.info[item].type_name);
        sp.signature = t.sig[g];
        name_suspect(&sp, s, dom, sp.representative);
        if (!*sp.carried_type && *deep_user)
            sp.carried_type = deep_user;
        rg_judge_significance(&sp, total);
        judge_with_growth(&sp, &gix, nsnap);
        /* The head may hold steady while what it holds grows (three suites
         * gaining test cases, a runtime's contexts leading to a chain): the
         * item's growth, when it rose at every step, is the evidence. */
        if (item != g && sp.reason != RG_REASON_GROWS_EVERY_STEP) {
            rg_suspect by_item = sp;
            by_item.has_growth = 0;
            by_item.signature = t.sig[item];
            judge_with_growth(&by_item, &gix, nsnap);
            if (by_item.reason == RG_REASON_GROWS_EVERY_STEP) {
                by_item.signature = sp.signature;
                sp = by_item;
            }
        }
        /* Interpreter tables are never suspects unless they grow at every step. */
        if (sp.interpreter_table && sp.reason != RG_REASON_GROWS_EVERY_STEP)
            continue;
        if (sp.share < opts->min_share && sp.reason != RG_REASON_GROWS_EVERY_STEP)
            continue;
        /* Two heads that end at the same item tell one story: keep the one
         * that retains more. */
        if (item_of[item]) {
            for (uint32_t i = 0; i < S->n; i++)
                if (S->items[i].cause == RG_CAUSE_RETAINED && S->items[i].group == item &&
                    S->items[i].retained_bytes < sp.retained_bytes)
                    S->items[i] = sp;
            continue;
        }
        item_of[item] = 1;
        if (push(S, &cap, &sp) != RG_OK)
            goto fail;
    }
    /* Single big objects (a bytearray grown forever, one dict of unlike
     * values): Eclipse MAT's "one instance retains N %". A lone object
     * (count 1, not a root) holding BIG_OBJECT_SHARE of the heap is a suspect
     * when no suspect above lies below it and none of its child groups holds
     * that much itself (so the deepest such object is named, once). */
    below = rg_xcalloc(ng ? ng : 1, 1);
    if (!below)
        goto fail;
    for (uint32_t i = 0; i < S->n; i++)
        for (rg_group x = S->items[i].top_group; x != RG_GROUP_NONE; x = t.info[x].parent) {
            if (below[x])
                break;
            below[x] = 1;
        }
    for (rg_group g = 0; g < ng; g++) {
        const rg_group_info *gi = &t.info[g];
        if (gi->count != 1 || gi->depth == 0 || below[g] || !rg_root_retains(gi->root_kind) ||
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
        sp.interpreter_table = interpreter_table(&t, g, gi->type_name);
        sp.signature = t.sig[g];
        name_suspect(&sp, s, dom, sp.representative);
        rg_judge_significance(&sp, total);
        judge_with_growth(&sp, &gix, nsnap);
        if (sp.interpreter_table && sp.reason != RG_REASON_GROWS_EVERY_STEP)
            continue;
        if (push(S, &cap, &sp) != RG_OK)
            goto fail;
    }

    /* Unreachable cycles, one suspect per shape. */
    if (cycles) {
        rg_cycles_summary cs = {.struct_size = sizeof cs};
        rg_cycles_summary_get(cycles, &cs);
        for (uint32_t i = 0; i < cs.shapes; i++) {
            rg_cycle_shape sh = {.struct_size = sizeof sh};
            rg_cycles_shape_get(cycles, i, &sh);
            rg_suspect sp;
            blank(&sp, RG_CAUSE_CYCLE);
            sp.index = i;
            sp.count = sh.objects;
            sp.shallow_bytes = sh.bytes;
            sp.retained_bytes = sh.retained_bytes;
            sp.representative = sh.representative;
            sp.name = sp.carried_type = "";
            sp.signature = sh.signature;
            if (add_unreachable(S, &cap, &sp, &gix, nsnap, total, opts->min_share) != RG_OK)
                goto fail;
        }
    }

    /* Held from outside, one suspect per type (and qualname). The runtime
     * exemption hides a group only while it is not of consequence (runtime
     * types) or does not grow (a type's own tables). */
    if (outside) {
        for (uint32_t i = 0; i < rg_outside_group_count(outside); i++) {
            rg_outside_group og = {.struct_size = sizeof og};
            rg_outside_group_get(outside, i, &og);
            rg_suspect sp;
            blank(&sp, RG_CAUSE_OUTSIDE);
            sp.index = i;
            sp.count = og.objects;
            sp.shallow_bytes = og.shallow_bytes;
            sp.retained_bytes = og.retained_bytes;
            sp.representative = og.representative;
            sp.signature = og.signature;
            name_suspect(&sp, s, dom, og.representative);
            rg_judge_significance(&sp, total);
            judge_with_growth(&sp, &gix, nsnap);
            int grows = sp.reason == RG_REASON_GROWS_EVERY_STEP;
            if (og.runtime == RG_OUTSIDE_BASELINE && !grows)
                continue;
            if (og.runtime == RG_OUTSIDE_RUNTIME_TYPE && !grows && !sp.significant)
                continue;
            if (sp.share < opts->min_share && !grows)
                continue;
            if (push(S, &cap, &sp) != RG_OK)
                goto fail;
        }
    }
    if (S->n)
        qsort(S->items, S->n, sizeof *S->items, rank_cmp);
    /* The group tree goes when this returns; the suspects keep their own
     * copies of the group signatures. */
    S->group_sigs = rg_xcalloc(S->n ? S->n : 1, sizeof *S->group_sigs);
    if (!S->group_sigs)
        goto fail;
    for (uint32_t i = 0; i < S->n; i++)
        if (S->items[i].cause == RG_CAUSE_RETAINED) {
            snprintf(S->group_sigs[i], sizeof S->group_sigs[i], "%s", S->items[i].signature);
            S->items[i].signature = S->group_sigs[i];
        }

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
    rg_free(gix.items);
    rg_free(head);
    rg_free(item_of);
    rg_free(below);
    rg_free(nearest);
    rg_free(split_bytes);
    rg_free(cd);
    accum_free(&w);
    tree_free(&t);
    rg_suspects_free(S);
    return rc;
}

int rg_suspects_compute_all(const rg_snapshot *s, const rg_suspect_options *opts, rg_suspects **out)
{
    if (!s || !out)
        return rg_fail(RG_EINVAL, "rg_suspects_compute_all: NULL argument");
    if (opts && rg_options_version(opts->version, RG_SUSPECT_OPTIONS_VERSION, "rg_suspects_compute_all: rg_suspect_options") != RG_OK)
        return RG_EINVAL;
    rg_analyses a;
    rg_suspects *S = NULL;
    int rc = rg_analyses_run(s, NULL, &a);
    if (rc != RG_OK)
        return rc;
    if ((rc = rg_suspects_compute(s, a.dom, a.groups, a.cycles, a.outside, opts, &S)) != RG_OK) {
        rg_analyses_free(&a);
        return rc;
    }
    S->paths = a.paths;
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
    rg_free(S->items);
    rg_free(S->group_sigs);
    rg_free(S);
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
