/*
 * outside.c: objects held by references from outside the heap.
 *
 * A refcount counts every strong reference to an object; the snapshot shows
 * the ones held by other objects. The difference, the excess, is held by
 * something no dump sees: a C extension (a leaked Py_INCREF), a C static, the
 * interpreter's own tables, a C stack frame. Only the first is a leak, so
 * the rest is discounted, as docs/suspects.md explains:
 *
 *  - immortal refcounts (3.11 deep-frozen objects start at 999,999,999; 3.12+
 *    immortals sit near 2^32) say nothing and are skipped, and so are objects
 *    in gc.garbage: the collector already gave its verdict (scc.c reports
 *    them), and their counts carry the list's and the dumper's references;
 *  - objects of runtime-owned types (classes, modules, code, str, int,
 *    descriptors, builtins...) are skipped: C statics, caches and the
 *    interned table hold them by design;
 *  - an unreachable object whose referents are all runtime-owned (a type's
 *    dict, its MRO tuple, its subclass table) belongs to a type and is skipped;
 *  - a reachable object may have `margin` unexplained references (a C local
 *    in the frame being run, a borrowed cache entry); an unreachable object
 *    that is on no cycle may have none, since an unexplained reference is
 *    the only thing keeping it alive.
 *
 * Module globals are written by the dumper both as module -> value edges and
 * as the module dict's value edges; only the latter are real references, so
 * `global` edges are not counted.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#define IMMORTAL_RC 500000000u

struct rg_outside {
    uint32_t n;
    uint8_t *flagged;         /* per node */
    rg_outside_group *groups;
    uint32_t n_groups;
};

static const char *const runtime_types[] = {
    "type", "module", "moduledef", "code", "str", "int", "bool", "NoneType", "ellipsis",
    "NotImplementedType", "builtin_function_or_method", "wrapper_descriptor",
    "method_descriptor", "classmethod_descriptor", "member_descriptor", "getset_descriptor",
    "method-wrapper", "mappingproxy", "frame", "function", "cell",
    "weakref.ReferenceType", "weakref", "weakref.ProxyType", "weakcallableproxy",
    "functools._lru_list_elem", "_thread.lock", "_thread.RLock", "_io.TextIOWrapper",
    "_io.BufferedWriter", "_io.BufferedReader", "_io.FileIO",
};

static inline int counts_as_reference(uint8_t kind)
{
    return kind != RG_EDGE_WEAK && kind != RG_EDGE_GLOBAL;
}

void rg_outside_options_init(rg_outside_options *o)
{
    memset(o, 0, sizeof *o);
    o->margin = RG_OUTSIDE_DEFAULT_MARGIN;
}

int64_t rg_outside_excess(const rg_snapshot *s, rg_node v)
{
    if (!s || v >= s->n_nodes || s->node_rc[v] == RG_RC_NONE)
        return 0;
    int64_t seen = 0;
    for (uint64_t r = s->rev_off[v]; r < s->rev_off[v + 1]; r++)
        if (counts_as_reference(s->fwd_kind[s->rev_edge[r]]))
            seen++;
    return (int64_t)s->node_rc[v] - seen;
}

/* Per type: 1 when instances are runtime-owned. A type name on the list, a
 * metaclass's instances (classes), and any object other objects name as
 * their class. */
static uint8_t *runtime_type_table(const rg_snapshot *s)
{
    uint8_t *rt = rg_xcalloc(s->n_types ? s->n_types : 1, 1);
    if (!rt)
        return NULL;
    for (uint32_t t = 0; t < s->n_types; t++) {
        const char *name = rg_type_name(s, t);
        size_t len = strlen(name);
        for (size_t i = 0; i < sizeof runtime_types / sizeof runtime_types[0]; i++)
            if (strcmp(name, runtime_types[i]) == 0)
                rt[t] = 1;
        /* abc.ABCMeta, enum.EnumMeta, enum.EnumType, typing._ProtocolMeta */
        if ((len >= 4 && strcmp(name + len - 4, "Meta") == 0) ||
            (len >= 8 && strcmp(name + len - 8, "EnumType") == 0))
            rt[t] = 1;
    }
    return rt;
}

/* Classes have a __bases__ and an __mro__; the dumper names both. */
static int is_class_attr(const rg_snapshot *s, uint32_t label)
{
    const char *l = rg_strtab_get(&s->strings, label);
    return l[0] == '_' && (strcmp(l, "__mro__") == 0 || strcmp(l, "__bases__") == 0);
}

static int by_rank(const void *a, const void *b)
{
    const rg_outside_group *x = a, *y = b;
    int ux = x->unreachable > 0, uy = y->unreachable > 0;
    if (ux != uy)
        return ux ? -1 : 1;
    if (x->retained_bytes != y->retained_bytes)
        return x->retained_bytes < y->retained_bytes ? 1 : -1;
    if (x->excess != y->excess)
        return x->excess < y->excess ? 1 : -1;
    return strcmp(x->type_name, y->type_name);
}

int rg_outside_compute(const rg_snapshot *s, const rg_dominators *dom,
                       const rg_outside_options *opts, rg_outside **out)
{
    if (!s || !out)
        return rg_fail(RG_EINVAL, "rg_outside_compute: NULL argument");
    rg_outside_options def;
    if (!opts) {
        rg_outside_options_init(&def);
        opts = &def;
    }
    uint32_t n = s->n_nodes;
    int rc = RG_ENOMEM;
    rg_outside *o = rg_xcalloc(1, sizeof *o);
    uint32_t *seen = rg_xcalloc(n ? n : 1, sizeof *seen);
    uint8_t *unreach = rg_xcalloc(n ? n : 1, 1);
    uint8_t *runtime = rg_xcalloc(n ? n : 1, 1);
    uint8_t *mark = rg_xcalloc(n ? n : 1, 1);
    uint32_t *queue = rg_xmalloc(n ? n : 1, sizeof *queue);
    uint8_t *rt = runtime_type_table(s);
    int64_t *excess = NULL;
    rg_outside_group *by_type = rg_xcalloc(s->n_types ? s->n_types : 1, sizeof *by_type);
    if (!o || !seen || !unreach || !runtime || !mark || !queue || !rt || !by_type)
        goto fail;
    o->n = n;
    o->flagged = rg_xcalloc(n ? n : 1, 1);
    if (!o->flagged)
        goto fail;

    for (uint64_t e = 0; e < s->n_edges; e++)
        if (counts_as_reference(s->fwd_kind[e]))
            seen[s->fwd_dst[e]]++;

    /* Reachability over strong edges from the roots (gc.garbage excepted). */
    if (dom) {
        for (rg_node v = 0; v < n; v++)
            unreach[v] = !rg_dominators_reachable(dom, v);
    } else {
        uint32_t head = 0, tail = 0;
        for (rg_node v = 0; v < n; v++)
            unreach[v] = 1;
        for (uint32_t i = 0; i < s->n_roots; i++) {
            rg_node r = s->root_node[i];
            if (s->root_kind[i] == RG_ROOT_GARBAGE || !unreach[r])
                continue;
            unreach[r] = 0;
            queue[tail++] = r;
        }
        while (head < tail) {
            rg_node v = queue[head++];
            for (uint64_t e = s->fwd_off[v]; e < s->fwd_off[v + 1]; e++) {
                rg_node t = s->fwd_dst[e];
                int garbage_link = (s->node_flags[t] & RG_NODE_GARBAGE) && !(s->node_flags[v] & RG_NODE_GARBAGE);
                if (s->fwd_kind[e] != RG_EDGE_WEAK && unreach[t] && !garbage_link) {
                    unreach[t] = 0;
                    queue[tail++] = t;
                }
            }
        }
    }

    /* Runtime-owned objects: by type, classes by being named as a class, and
     * unreachable objects holding only runtime-owned or immortal objects. */
    for (rg_node v = 0; v < n; v++) {
        if (rt[s->node_type[v]])
            runtime[v] = 1;
        for (uint64_t e = s->fwd_off[v]; e < s->fwd_off[v + 1]; e++) {
            if (s->fwd_kind[e] == RG_EDGE_TYPE)
                runtime[s->fwd_dst[e]] = 1;
            else if (s->fwd_kind[e] == RG_EDGE_ATTR && is_class_attr(s, s->fwd_label[e]))
                runtime[v] = 1;
        }
    }
    /* What a runtime-owned object refers to directly (a module's dict, a
     * code object's constants, a class's MRO) may carry references from the
     * interpreter too; for reachable objects that is no leak. */
    for (rg_node v = 0; v < n; v++) {
        if (runtime[v] != 1)
            continue;
        for (uint64_t e = s->fwd_off[v]; e < s->fwd_off[v + 1]; e++) {
            rg_node t = s->fwd_dst[e];
            if (counts_as_reference(s->fwd_kind[e]) && !runtime[t] && !unreach[t])
                runtime[t] = 3;
        }
    }
    if (!opts->include_runtime_types) {
        for (rg_node v = 0; v < n; v++) {
            if (runtime[v] || !unreach[v] || s->fwd_off[v] == s->fwd_off[v + 1])
                continue;
            int all = 1;
            for (uint64_t e = s->fwd_off[v]; e < s->fwd_off[v + 1] && all; e++) {
                rg_node t = s->fwd_dst[e];
                if (s->fwd_kind[e] == RG_EDGE_TYPE)
                    continue;
                uint32_t trc = s->node_rc[t];
                all = runtime[t] || (trc != RG_RC_NONE && trc >= IMMORTAL_RC);
            }
            if (all)
                runtime[v] = 2; /* a type's private table, not a type itself */
        }
    }

    excess = rg_xcalloc(n ? n : 1, sizeof *excess);
    if (!excess)
        goto fail;
    for (rg_node v = 0; v < n; v++) {
        uint32_t rcount = s->node_rc[v];
        if (rcount == RG_RC_NONE || rcount >= IMMORTAL_RC || (s->node_flags[v] & RG_NODE_GARBAGE))
            continue;
        if (runtime[v] && !opts->include_runtime_types)
            continue;
        int64_t x = (int64_t)rcount - (int64_t)seen[v];
        if (x <= 0)
            continue;
        uint32_t allowed = unreach[v] ? 0 : opts->margin;
        if ((uint64_t)x <= allowed)
            continue;
        o->flagged[v] = 1;
        excess[v] = x;
    }

    /* Bytes kept alive: a flagged unreachable object's retained size, unless
     * another flagged object dominates it (then that one counts it). The
     * state of each dominator-chain node is memoised in mark[]: 1 = has a
     * flagged strict dominator, 2 = has none. */
    memset(mark, 0, n ? n : 1);
    for (rg_node v = 0; v < n; v++) {
        if (!o->flagged[v])
            continue;
        rg_outside_group *g = &by_type[s->node_type[v]];
        uint64_t kept = 0;
        if (unreach[v]) {
            int covered = 0;
            if (dom) {
                uint32_t len = 0;
                rg_node x = rg_dominators_idom(dom, v);
                while (x != RG_NODE_NONE && !o->flagged[x] && mark[x] == 0) {
                    queue[len++] = x;
                    x = rg_dominators_idom(dom, x);
                }
                covered = x != RG_NODE_NONE && (o->flagged[x] || mark[x] == 1);
                for (uint32_t i = 0; i < len; i++)
                    mark[queue[i]] = covered ? 1 : 2;
                kept = covered ? 0 : rg_dominators_retained(dom, v);
            } else {
                kept = s->node_size[v];
            }
            g->unreachable++;
        }
        g->objects++;
        g->excess += (uint64_t)excess[v];
        g->shallow_bytes += s->node_size[v];
        g->retained_bytes += kept;
        uint64_t mine = dom ? rg_dominators_retained(dom, v) : s->node_size[v];
        uint64_t best = g->objects == 1 ? 0
                        : dom ? rg_dominators_retained(dom, g->representative)
                              : s->node_size[g->representative];
        if (g->objects == 1 || mine > best) {
            g->representative = v;
            g->representative_excess = excess[v];
        }
    }
    uint32_t ng = 0;
    for (uint32_t t = 0; t < s->n_types; t++)
        if (by_type[t].objects)
            ng++;
    o->groups = rg_xcalloc(ng ? ng : 1, sizeof *o->groups);
    if (!o->groups)
        goto fail;
    for (uint32_t t = 0; t < s->n_types; t++) {
        if (!by_type[t].objects)
            continue;
        rg_outside_group *g = &o->groups[o->n_groups++];
        *g = by_type[t];
        g->type = t;
        g->type_name = rg_type_name(s, t);
    }
    qsort(o->groups, o->n_groups, sizeof *o->groups, by_rank);
    rc = RG_OK;
    *out = o;
    o = NULL;
fail:
    free(seen);
    free(unreach);
    free(runtime);
    free(mark);
    free(queue);
    free(rt);
    free(excess);
    free(by_type);
    rg_outside_free(o);
    return rc;
}

void rg_outside_free(rg_outside *o)
{
    if (!o)
        return;
    free(o->flagged);
    free(o->groups);
    free(o);
}

uint32_t rg_outside_group_count(const rg_outside *o) { return o->n_groups; }

void rg_outside_group_get(const rg_outside *o, uint32_t i, rg_outside_group *out)
{
    if (i < o->n_groups) {
        *out = o->groups[i];
    } else {
        memset(out, 0, sizeof *out);
        out->type_name = "";
        out->representative = RG_NODE_NONE;
    }
}

int rg_outside_flagged(const rg_outside *o, rg_node v) { return v < o->n && o->flagged[v]; }
