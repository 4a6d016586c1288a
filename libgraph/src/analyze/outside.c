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
 * The runtime exemption never hides an *entry*: an unreachable object that no
 * other object keeps alive (its immediate dominator is the super-root). Such
 * an object is alive only because something outside the heap holds it: an
 * atexit or signal handler table, a ctypes callback, a C extension. Entries
 * of runtime-owned types are flagged too, marked `runtime`, so that the
 * suspects ranking can show them when they are of consequence or grow
 * (docs/diagnosis.md). Function-like objects are grouped by qualname, so
 * "1,500 closures start_job.<locals>.cleanup" is one line.
 *
 * Module globals are written by the dumper both as module -> value edges and
 * as the module dict's value edges; only the latter are real references, so
 * `global` edges are not counted.
 */
#include "judge.h"
#include "kinds.h"
#include "rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IMMORTAL_RC 500000000u
#define OUTSIDE_SIG_CAP 40u  /* "o1:" and 32 hex digits */

/* Why an object counts as runtime-owned (the runtime[] array): an instance
 * of a runtime-owned type or a class; a type's private table (unreachable,
 * holding only runtime-owned or immortal objects); what a runtime-owned
 * object refers to directly. Each maps to a runtime tier (refgraph.h,
 * RG_OUTSIDE_*; docs/diagnosis.md, "runtime tiers"). */
enum { OWNED_NOT = 0, OWNED_TYPE = 1, OWNED_PRIVATE_TABLE = 2, OWNED_REFERRED = 3 };

struct rg_outside {
    uint32_t n;
    uint8_t *flagged;         /* per node */
    rg_outside_group *groups;
    char (*signatures)[OUTSIDE_SIG_CAP]; /* groups[i].signature points into it */
    uint32_t n_groups;
};

/* A flagged object, keyed for grouping. */
typedef struct flagged_obj {
    uint32_t type;
    uint32_t name;            /* string id of the qualname, 0 when not function-like */
    uint32_t tier;            /* rg_outside_group.runtime */
    rg_node v;
} flagged_obj;

static int by_key(const void *a, const void *b)
{
    const flagged_obj *x = a, *y = b;
    if (x->type != y->type)
        return x->type < y->type ? -1 : 1;
    if (x->name != y->name)
        return x->name < y->name ? -1 : 1;
    if (x->tier != y->tier)
        return x->tier < y->tier ? -1 : 1;
    return x->v < y->v ? -1 : x->v > y->v;
}

/* 1 when a and b belong to different groups. */
static int by_key_only(const flagged_obj *a, const flagged_obj *b)
{
    return a->type != b->type || a->name != b->name || a->tier != b->tier;
}

size_t rg_outside_signature(const char *type_name, const char *name, int runtime, char *buf, size_t cap)
{
    uint64_t h1 = 0xcbf29ce484222325ULL, h2 = 0x84222325cbf29ce4ULL;
    const char *parts[2] = {type_name ? type_name : "", name ? name : ""};
    for (int i = 0; i < 2; i++) {
        for (const char *p = parts[i]; *p; p++) {
            h1 = (h1 ^ (unsigned char)*p) * 0x100000001b3ULL;
            h2 = rg_hash64(h2 ^ (unsigned char)*p);
        }
        h1 = (h1 ^ 0xff) * 0x100000001b3ULL;
        h2 = rg_hash64(h2 ^ 0x1ff);
    }
    h1 = (h1 ^ (uint64_t)runtime) * 0x100000001b3ULL;
    h2 = rg_hash64(h2 ^ (uint64_t)runtime);
    int n = snprintf(buf, buf ? cap : 0, "o1:%016llx%016llx", (unsigned long long)rg_hash64(h1),
                     (unsigned long long)h2);
    return n > 0 ? (size_t)n : 0;
}

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

int rg_outside_options_init(rg_outside_options *o, unsigned int version)
{
    int rc = o ? rg_options_version(version, RG_OUTSIDE_OPTIONS_VERSION, "rg_outside_options")
               : rg_fail(RG_EINVAL, "rg_outside_options_init: no options to fill");
    if (rc == RG_OK)
        *o = (rg_outside_options)RG_OUTSIDE_OPTIONS_INIT;
    return rc;
}

int64_t rg_outside_excess(const rg_snapshot *s, rg_node v)
{
    if (!s || v >= s->n_nodes || rg_node_rc_at(s, v) == RG_RC_NONE)
        return 0;
    int64_t seen = 0;
    for (uint64_t r = s->rev_off[v]; r < s->rev_off[v + 1]; r++)
        if (counts_as_reference(s->fwd_kind[rg_rev_edge(s, v, r)]))
            seen++;
    return (int64_t)rg_node_rc_at(s, v) - seen;
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
    int c = strcmp(x->type_name, y->type_name);
    return c ? c : strcmp(x->name, y->name);
}

int rg_outside_compute(const rg_snapshot *s, const rg_dominators *dom,
                       const rg_outside_options *opts, rg_outside **out)
{
    if (!s || !out)
        return rg_fail(RG_EINVAL, "rg_outside_compute: NULL argument");
    if (opts && rg_options_version(opts->version, RG_OUTSIDE_OPTIONS_VERSION, "rg_outside_compute: rg_outside_options") != RG_OK)
        return RG_EINVAL;
    rg_outside_options def;
    if (!opts) {
        rg_outside_options_init(&def, RG_OUTSIDE_OPTIONS_VERSION);
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
    flagged_obj *keyed = NULL;
    uint64_t *kept = NULL;
    if (!o || !seen || !unreach || !runtime || !mark || !queue || !rt)
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
            if (!rg_root_retains(s->root_kind[i]) || !unreach[r])
                continue;
            unreach[r] = 0;
            queue[tail++] = r;
        }
        while (head < tail) {
            rg_node v = queue[head++];
            for (uint64_t e = s->fwd_off[v]; e < s->fwd_off[v + 1]; e++) {
                rg_node t = s->fwd_dst[e];
                if (unreach[t] && rg_edge_retains(s, v, e)) {
                    unreach[t] = 0;
                    queue[tail++] = t;
                }
            }
        }
    }

    /* Runtime-owned objects: by type, classes by being named as a class, and
     * unreachable objects holding only runtime-owned or immortal objects. */
    for (rg_node v = 0; v < n; v++) {
        if (rt[rg_node_type_at(s, v)])
            runtime[v] = OWNED_TYPE;
        for (uint64_t e = s->fwd_off[v]; e < s->fwd_off[v + 1]; e++) {
            if (s->fwd_kind[e] == RG_EDGE_TYPE)
                runtime[s->fwd_dst[e]] = OWNED_TYPE;
            else if (s->fwd_kind[e] == RG_EDGE_ATTR && is_class_attr(s, s->fwd_label[e]))
                runtime[v] = OWNED_TYPE;
        }
    }
    /* What a runtime-owned object refers to directly (a module's dict, a
     * code object's constants, a class's MRO) may carry references from the
     * interpreter too; for reachable objects that is no leak. */
    for (rg_node v = 0; v < n; v++) {
        if (runtime[v] != OWNED_TYPE)
            continue;
        for (uint64_t e = s->fwd_off[v]; e < s->fwd_off[v + 1]; e++) {
            rg_node t = s->fwd_dst[e];
            if (counts_as_reference(s->fwd_kind[e]) && !runtime[t] && !unreach[t])
                runtime[t] = OWNED_REFERRED;
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
                uint32_t trc = rg_node_rc_at(s, t);
                all = runtime[t] || (trc != RG_RC_NONE && trc >= IMMORTAL_RC);
            }
            if (all)
                runtime[v] = OWNED_PRIVATE_TABLE; /* not a type itself */
        }
    }

    excess = rg_xcalloc(n ? n : 1, sizeof *excess);
    if (!excess)
        goto fail;
    uint64_t n_flagged = 0;
    for (rg_node v = 0; v < n; v++) {
        uint32_t rcount = rg_node_rc_at(s, v);
        if (rcount == RG_RC_NONE || rcount >= IMMORTAL_RC || (s->node_flags[v] & RG_NODE_GARBAGE))
            continue;
        int entry = unreach[v] && dom && rg_dominators_idom(dom, v) == RG_NODE_NONE;
        if (runtime[v] && !opts->include_runtime_types && !entry)
            continue;
        int64_t x = (int64_t)rcount - (int64_t)seen[v];
        if (x <= 0)
            continue;
        uint32_t allowed = unreach[v] ? 0 : opts->margin;
        if ((uint64_t)x <= allowed)
            continue;
        /* The exemption tier (rg_outside_group.runtime), stored plus one so
         * that 0 means not flagged: RG_OUTSIDE_RUNTIME_TYPE for an entry of a
         * runtime-owned type that code makes per call (a function an atexit
         * table holds, a cell, a frame); RG_OUTSIDE_BASELINE for any other
         * runtime-owned entry: a class, a type's private dict, its
         * singletons, the interpreter's baseline that static types hold
         * from C. */
        const char *tn = rg_type_name(s, rg_node_type_at(s, v));
        int per_call = rg_kind_is_function_like(tn) || strcmp(tn, "cell") == 0;
        int tier = !runtime[v] || opts->include_runtime_types  ? RG_OUTSIDE_FLAGGED
                   : runtime[v] == OWNED_TYPE && per_call ? RG_OUTSIDE_RUNTIME_TYPE
                                                           : RG_OUTSIDE_BASELINE;
        o->flagged[v] = (uint8_t)(tier + 1);
        excess[v] = x;
        n_flagged++;
    }

    /* Bytes kept alive: a flagged unreachable object's retained size, unless
     * another flagged object dominates it (then that one counts it). The
     * state of each dominator-chain node is memoised in mark[]: 1 = has a
     * flagged strict dominator, 2 = has none. */
    keyed = rg_xmalloc(n_flagged ? n_flagged : 1, sizeof *keyed);
    kept = rg_xcalloc(n_flagged ? n_flagged : 1, sizeof *kept);
    if (!keyed || !kept)
        goto fail;
    uint64_t k = 0;
    for (rg_node v = 0; v < n; v++)
        if (o->flagged[v]) {
            const char *tn = rg_type_name(s, rg_node_type_at(s, v));
            keyed[k++] = (flagged_obj){rg_node_type_at(s, v), rg_kind_is_function_like(tn) ? rg_node_name_at(s, v) : 0,
                                       o->flagged[v] - 1u, v};
        }
    qsort(keyed, n_flagged, sizeof *keyed, by_key);
    memset(mark, 0, n ? n : 1);
    uint32_t ng = 0;
    for (uint64_t i = 0; i < n_flagged; i++) {
        rg_node v = keyed[i].v;
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
                for (uint32_t j = 0; j < len; j++)
                    mark[queue[j]] = covered ? 1 : 2;
                kept[i] = covered ? 0 : rg_dominators_retained(dom, v);
            } else {
                kept[i] = rg_node_size_at(s, v);
            }
        }
        if (i == 0 || by_key_only(&keyed[i], &keyed[i - 1]))
            ng++;
    }
    o->groups = rg_xcalloc(ng ? ng : 1, sizeof *o->groups);
    o->signatures = rg_xcalloc(ng ? ng : 1, sizeof *o->signatures);
    if (!o->groups || !o->signatures)
        goto fail;
    for (uint64_t i = 0; i < n_flagged; i++) {
        rg_node v = keyed[i].v;
        if (i == 0 || by_key_only(&keyed[i], &keyed[i - 1])) {
            rg_outside_group *g = &o->groups[o->n_groups++];
            g->type = keyed[i].type;
            g->type_name = rg_type_name(s, keyed[i].type);
            g->name = rg_strtab_get(&s->strings, keyed[i].name);
            g->runtime = (int)keyed[i].tier;
            g->representative = v;
            g->representative_excess = excess[v];
            char *sig = o->signatures[o->n_groups - 1];
            rg_outside_signature(g->type_name, g->name, g->runtime, sig, OUTSIDE_SIG_CAP);
            g->signature = sig;
        }
        rg_outside_group *g = &o->groups[o->n_groups - 1];
        if (unreach[v])
            g->unreachable++;
        g->objects++;
        g->excess += (uint64_t)excess[v];
        g->shallow_bytes += rg_node_size_at(s, v);
        g->retained_bytes += kept[i];
        uint64_t mine = dom ? rg_dominators_retained(dom, v) : rg_node_size_at(s, v);
        uint64_t best = dom ? rg_dominators_retained(dom, g->representative) : rg_node_size_at(s, g->representative);
        if (mine > best) {
            g->representative = v;
            g->representative_excess = excess[v];
        }
    }
    qsort(o->groups, o->n_groups, sizeof *o->groups, by_rank);
    rc = RG_OK;
    *out = o;
    o = NULL;
fail:
    rg_free(seen);
    rg_free(unreach);
    rg_free(runtime);
    rg_free(mark);
    rg_free(queue);
    rg_free(rt);
    rg_free(excess);
    rg_free(keyed);
    rg_free(kept);
    rg_outside_free(o);
    return rc;
}

void rg_outside_free(rg_outside *o)
{
    if (!o)
        return;
    rg_free(o->flagged);
    rg_free(o->groups);
    rg_free(o->signatures);
    rg_free(o);
}

uint32_t rg_outside_group_count(const rg_outside *o) { return o->n_groups; }

int rg_outside_group_get(const rg_outside *o, uint32_t i, rg_outside_group *caller_)
{
    rg_outside_group full_ = {.struct_size = sizeof full_}, *out = &full_;
    if (i < o->n_groups) {
        *out = o->groups[i];
    } else {
        memset(out, 0, sizeof *out);
        out->type_name = "";
        out->name = "";
        out->signature = "";
        out->representative = RG_NODE_NONE;
    }
    return rg_record_out(caller_, &full_, sizeof full_, sizeof full_, "rg_outside_group_get");
}

int rg_outside_flagged(const rg_outside *o, rg_node v) { return v < o->n && o->flagged[v]; }

int rg_outside_group_shown(const rg_outside_group *g, uint64_t total_bytes)
{
    if (!g || g->runtime == RG_OUTSIDE_BASELINE)
        return 0;
    if (g->runtime == RG_OUTSIDE_RUNTIME_TYPE)
        return (double)g->retained_bytes >= RG_JUDGE_UNREACHABLE_SHARE * (double)total_bytes;
    return 1;
}
