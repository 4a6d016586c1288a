/*
 * paths.c: shortest retention paths. One multi-source BFS from all roots
 * over forward edges keeps a parent edge per node, so any object's chain is
 * a walk up the parents: milliseconds, whatever the depth.
 *
 * Which edges count (docs/chains.md): weak and <type> edges never; internal
 * edges only as a last resort. The BFS runs in levels: level 0 uses named
 * edges only; level k+1 starts from the nodes that an internal edge leads to
 * from level k, and goes on with named edges. So a path has as few internal
 * edges as possible and, among those, as few hops as possible.
 *
 * Determinism: roots are taken by kind (module, thread, builtins, static,
 * other, garbage) and then file order; edges in CSR (snapshot) order; a node
 * keeps the first parent that reaches it. A module root therefore beats a
 * thread frame that holds the same object at the same depth, and a path
 * through sys.modules or builtins can never beat the module's own global,
 * because every module is itself a root at distance 0.
 */
#include "paths_impl.h"
#include "rules.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define BIG_ARRAY (2u << 20)   /* from here on, whole huge pages */

void *rg_paths_big_alloc(size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size - BIG_ARRAY) {
        rg_fail(RG_ENOMEM, "allocation of %zu x %zu bytes overflows", n, size);
        return NULL;
    }
    size_t bytes = n * size;
    if (bytes < BIG_ARRAY)
        return rg_xmalloc(n ? n : 1, size ? size : 1);
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        rg_fail(RG_ENOMEM, "out of memory mapping %zu bytes", bytes);
        return NULL;
    }
#ifdef MADV_HUGEPAGE
    madvise(p, bytes, MADV_HUGEPAGE); /* advice only: without it we still work */
#endif
    return p;
}

void rg_paths_big_free(void *p, size_t n, size_t size)
{
    if (!p)
        return;
    if (n * size < BIG_ARRAY)
        rg_free(p);
    else
        munmap(p, n * size);
}

int rg_path_options_init(rg_path_options *o, unsigned int version)
{
    int rc = o ? rg_options_version(version, RG_PATH_OPTIONS_VERSION, "rg_path_options")
               : rg_fail(RG_EINVAL, "rg_path_options_init: no options to fill");
    if (rc == RG_OK)
        *o = (rg_path_options)RG_PATH_OPTIONS_INIT;
    return rc;
}


/* A label rule waiting for the string id of its raw label. */
typedef struct pending_rule {
    uint8_t kind;
    const char *raw;
    size_t len;
} pending_rule;

static int strip(const char *s, const char *pre, const char *post, const char **raw, size_t *len)
{
    size_t sl = strlen(s), pl = strlen(pre), ql = strlen(post);
    if (sl < pl + ql || strncmp(s, pre, pl) != 0 || strcmp(s + sl - ql, post) != 0)
        return 0;
    *raw = s + pl;
    *len = sl - pl - ql;
    return 1;
}

static int add_rule(rg_paths *p, size_t *cap, uint8_t kind, uint32_t label)
{
    if (rg_grow((void **)&p->rules, cap, p->n_rules + 1, sizeof *p->rules))
        return RG_ENOMEM;
    p->rules[p->n_rules].kind = kind;
    p->rules[p->n_rules].label = label;
    p->n_rules++;
    return RG_OK;
}

/* Turn formatted labels (".jobs", "[3]", "['k']", "<cell 'x'>", ...) into
 * (kind, raw label id) rules. Raw labels are found with one pass over the
 * string table, so the per-edge test is an integer compare. */
static int build_label_rules(rg_paths *p, const rg_path_options *o)
{
    const rg_snapshot *s = p->snap;
    size_t cap = 0, npend = 0;
    pending_rule *pend = rg_xmalloc(o->n_ignore_labels * 6 + 1, sizeof *pend);
    if (!pend)
        return RG_ENOMEM;
    for (size_t i = 0; i < o->n_ignore_labels; i++) {
        const char *l = o->ignore_labels[i], *raw;
        size_t len;
        if (!l)
            continue;
        if (strcmp(l, "<type>") == 0) {
            p->kind_tier[RG_EDGE_TYPE] = RG_TIER_NEVER;
            continue;
        }
        if (strcmp(l, "<weak>") == 0) {
            p->kind_tier[RG_EDGE_WEAK] = RG_TIER_NEVER;
            continue;
        }
        if (l[0] == '.') {
            static const uint8_t dotted[] = {RG_EDGE_ATTR, RG_EDGE_SLOT, RG_EDGE_GLOBAL};
            for (size_t k = 0; k < 3; k++)
                pend[npend++] = (pending_rule){dotted[k], l + 1, strlen(l + 1)};
        } else if (strip(l, "[", "]", &raw, &len)) {
            pend[npend++] = (pending_rule){RG_EDGE_DICT_VALUE, raw, len};
            int digits = len > 0 && len <= 10;
            uint64_t v = 0;
            for (size_t j = 0; j < len && digits; j++) {
                if (raw[j] < '0' || raw[j] > '9')
                    digits = 0;
                else
                    v = v * 10 + (uint64_t)(raw[j] - '0');
            }
            if (digits && v <= UINT32_MAX && add_rule(p, &cap, RG_EDGE_INDEX, (uint32_t)v)) {
                rg_free(pend);
                return RG_ENOMEM;
            }
        } else if (strcmp(l, "<cell>") == 0) {
            pend[npend++] = (pending_rule){RG_EDGE_CELL, "", 0};
        } else if (strip(l, "<cell '", "'>", &raw, &len)) {
            pend[npend++] = (pending_rule){RG_EDGE_CELL, raw, len};
        } else if (strip(l, "<key ", ">", &raw, &len)) {
            pend[npend++] = (pending_rule){RG_EDGE_DICT_KEY, raw, len};
        } else if (strip(l, "frame local '", "'", &raw, &len)) {
            pend[npend++] = (pending_rule){RG_EDGE_LOCAL, raw, len};
        } else if (strip(l, "<weak ", ">", &raw, &len)) {
            pend[npend++] = (pending_rule){RG_EDGE_WEAK, raw, len};
        } else if (strcmp(l, "<internal>") == 0) {
            pend[npend++] = (pending_rule){RG_EDGE_INTERNAL, "", 0};
        } else if (strip(l, "<", ">", &raw, &len)) {
            pend[npend++] = (pending_rule){RG_EDGE_INTERNAL, raw, len};
        } else {
            /* A bare name: the attribute, slot or global of that name. */
            static const uint8_t named[] = {RG_EDGE_ATTR, RG_EDGE_SLOT, RG_EDGE_GLOBAL};
            for (size_t k = 0; k < 3; k++)
                pend[npend++] = (pending_rule){named[k], l, strlen(l)};
        }
    }
    int rc = RG_OK;
    for (uint32_t sid = 0; sid < s->strings.count && npend && rc == RG_OK; sid++) {
        const char *str = rg_strtab_get(&s->strings, sid);
        for (size_t i = 0; i < npend; i++)
            if (strncmp(str, pend[i].raw, pend[i].len) == 0 && str[pend[i].len] == '\0')
                rc = add_rule(p, &cap, pend[i].kind, sid);
    }
    rg_free(pend);
    return rc;
}

static int setup_filters(rg_paths *p, const rg_path_options *o)
{
    const rg_snapshot *s = p->snap;
    for (int k = 0; k < RG_EDGE_KIND_COUNT; k++) {
        if (o->ignore_edge_kinds & (1u << k))
            p->kind_tier[k] = RG_TIER_NEVER;
        else
            p->kind_tier[k] = k == RG_EDGE_INTERNAL ? RG_TIER_INTERNAL : RG_TIER_NAMED;
    }
    /* Weak references never keep anything alive, whatever the caller asks. */
    p->kind_tier[RG_EDGE_WEAK] = RG_TIER_NEVER;
    p->type_skip = rg_xcalloc(s->n_types ? s->n_types : 1, 1);
    if (!p->type_skip)
        return RG_ENOMEM;
    for (size_t i = 0; i < o->n_ignore_types; i++) {
        const char *name = o->ignore_types[i];
        if (!name)
            continue;
        for (uint32_t t = 0; t < s->n_types; t++)
            if (strcmp(rg_strtab_get(&s->strings, s->type_name[t]), name) == 0)
                p->type_skip[t] = 1;
    }
    return build_label_rules(p, o);
}

/* Roots in BFS seeding order: by kind rank, then file order (counting sort). */
static uint32_t *ordered_roots(const rg_snapshot *s)
{
    uint32_t *order = rg_xmalloc(s->n_roots ? s->n_roots : 1, sizeof *order);
    if (!order)
        return NULL;
    uint32_t count[RG_ROOT_RANKS + 1] = {0};
    for (uint32_t r = 0; r < s->n_roots; r++)
        count[rg_root_rank(s->root_kind[r]) + 1]++;
    for (int k = 0; k < RG_ROOT_RANKS; k++)
        count[k + 1] += count[k];
    for (uint32_t r = 0; r < s->n_roots; r++)
        order[count[rg_root_rank(s->root_kind[r])]++] = r;
    return order;
}

typedef struct candidate {
    rg_node to, from;
    uint64_t edge;
} candidate;

static inline void visit(rg_paths *p, rg_node v, rg_node u, uint64_t e)
{
    p->dist[v] = p->dist[u] + 1;
    p->parent[v] = u;
    p->pidx[v] = (uint32_t)(e - rg_fwd_begin(p->snap, u));
}

static int bfs(rg_paths *p)
{
    const rg_snapshot *s = p->snap;
    uint32_t n = s->n_nodes;
    uint32_t *queue = rg_paths_big_alloc(n, sizeof *queue);
    uint32_t *order = ordered_roots(s);
    /* cur: this level's seeds; next: internal edges met while expanding
     * this level, the next level's seeds. Both are in distance order
     * because nodes are expanded in distance order. */
    candidate *cur = NULL, *next = NULL;
    size_t ncur = 0, nnext = 0, cur_cap = 0, next_cap = 0;
    int skip_types = 0, rc = RG_OK;
    for (uint32_t t = 0; t < s->n_types; t++)
        skip_types |= p->type_skip[t];
    if (!queue || !order) {
        rc = RG_ENOMEM;
        goto done;
    }
    uint32_t head = 0, tail = 0;
    for (uint32_t i = 0; i < s->n_roots; i++) {
        uint32_t r = order[i];
        rg_node v = s->root_node[r];
        if (v < n && p->dist[v] == RG_DISTANCE_NONE) {
            p->dist[v] = 0;
            p->parent[v] = RG_NODE_NONE;
            p->pidx[v] = r;
            queue[tail++] = v;
        }
    }
    for (;;) {
        /* Merge the seeds with the BFS queue, always taking the smaller
         * distance (seeds first on ties); the queue stays sorted. */
        size_t ci = 0;
        while (ci < ncur || head < tail) {
            if (ci < ncur && (head == tail || p->dist[cur[ci].from] + 1 <= p->dist[queue[head]])) {
                candidate c = cur[ci++];
                if (p->dist[c.to] == RG_DISTANCE_NONE) {
                    visit(p, c.to, c.from, c.edge);
                    queue[tail++] = c.to;
                }
                continue;
            }
            rg_node u = queue[head++];
            if (skip_types && p->type_skip[rg_node_type_at(s, u)])
                continue;
            for (uint64_t e = rg_fwd_begin(s, u), end = rg_fwd_end(s, u); e < end; e++) {
                rg_node v = s->fwd_dst[e];
                if (p->dist[v] != RG_DISTANCE_NONE)
                    continue;
                int tier = rg_paths_edge_tier(p, e);
                if (tier == RG_TIER_NAMED) {
                    visit(p, v, u, e);
                    queue[tail++] = v;
                } else if (tier == RG_TIER_INTERNAL) {
                    if (rg_grow((void **)&next, &next_cap, nnext + 1, sizeof *next)) {
                        rc = RG_ENOMEM;
                        goto done;
                    }
                    next[nnext++] = (candidate){v, u, e};
                }
            }
        }
        if (nnext == 0)
            break;
        candidate *tmp = cur;
        size_t tcap = cur_cap;
        cur = next;
        cur_cap = next_cap;
        ncur = nnext;
        next = tmp;
        next_cap = tcap;
        nnext = 0;
    }
done:
    rg_paths_big_free(queue, n, sizeof *queue);
    rg_free(order);
    rg_free(cur);
    rg_free(next);
    return rc;
}

/* Whether the filters select exactly the edges the default options do: then
 * the BFS would reproduce the forest the index cache stored (computed with
 * the defaults, paths_store.c), whatever spelling the options used. */
static int filters_are_default(const rg_paths *p)
{
    rg_path_options d;
    rg_path_options_init(&d, RG_PATH_OPTIONS_VERSION);
    const rg_snapshot *s = p->snap;
    for (int k = 0; k < RG_EDGE_KIND_COUNT; k++) {
        uint8_t want = (d.ignore_edge_kinds & (1u << k)) || k == RG_EDGE_WEAK ? RG_TIER_NEVER
                       : k == RG_EDGE_INTERNAL                               ? RG_TIER_INTERNAL
                                                                              : RG_TIER_NAMED;
        if (p->kind_tier[k] != want)
            return 0;
    }
    if (p->n_rules)
        return 0;
    for (uint32_t t = 0; t < s->n_types; t++)
        if (p->type_skip[t])
            return 0;
    return 1;
}

int rg_paths_compute(const rg_snapshot *s, const rg_path_options *opts, rg_paths **out)
{
    if (!s || !out)
        return rg_fail(RG_EINVAL, "rg_paths_compute: NULL argument");
    if (opts && rg_options_version(opts->version, RG_PATH_OPTIONS_VERSION, "rg_paths_compute: rg_path_options") != RG_OK)
        return RG_EINVAL;
    rg_path_options defaults;
    if (!opts) {
        rg_path_options_init(&defaults, RG_PATH_OPTIONS_VERSION);
        opts = &defaults;
    }
    if ((opts->n_ignore_types && !opts->ignore_types) || (opts->n_ignore_labels && !opts->ignore_labels))
        return rg_fail(RG_EINVAL, "rg_paths_compute: ignore list count without a list");
    rg_paths *p = rg_xcalloc(1, sizeof *p);
    if (!p)
        return RG_ENOMEM;
    p->snap = s;
    int rc = setup_filters(p, opts);
    if (rc != RG_OK)
        goto fail;
    int stock = filters_are_default(p);
    if (stock && rg_paths_load_stored(p)) {
        *out = p;
        return RG_OK;
    }
    uint32_t n = s->n_nodes ? s->n_nodes : 1;
    /* parent and pidx are written for every node before they are read (by
     * the BFS for reachable nodes, by rg_paths_classify for the others), so
     * only dist needs clearing. */
    p->dist = rg_paths_big_alloc(n, sizeof *p->dist);
    p->parent = rg_paths_big_alloc(n, sizeof *p->parent);
    p->pidx = rg_paths_big_alloc(n, sizeof *p->pidx);
    p->why = rg_paths_big_alloc(n, sizeof *p->why);
    rc = RG_ENOMEM;
    if (!p->dist || !p->parent || !p->pidx || !p->why)
        goto fail;
    memset(p->dist, 0xff, (size_t)n * sizeof *p->dist);
    if ((rc = bfs(p)) != RG_OK)
        goto fail;
    if ((rc = rg_paths_classify(p)) != RG_OK)
        goto fail;
    if (stock)
        rg_paths_store(p);
    *out = p;
    return RG_OK;
fail:
    rg_paths_free(p);
    return rc;
}

void rg_paths_free(rg_paths *p)
{
    if (!p)
        return;
    if (!p->borrowed) {
        size_t n = p->snap->n_nodes ? p->snap->n_nodes : 1;
        rg_paths_big_free(p->dist, n, sizeof *p->dist);
        rg_paths_big_free(p->parent, n, sizeof *p->parent);
        rg_paths_big_free(p->pidx, n, sizeof *p->pidx);
        rg_paths_big_free(p->why, n, sizeof *p->why);
        rg_free(p->scc_size);
    }
    rg_cache_blob_close(p->blob);
    rg_free(p->rules);
    rg_free(p->type_skip);
    rg_free(p);
}

uint32_t rg_paths_distance(const rg_paths *p, rg_node node)
{
    if (!p || node >= p->snap->n_nodes)
        return RG_DISTANCE_NONE;
    return p->dist[node];
}

static void edge_at(const rg_paths *p, rg_node from, uint64_t e, rg_edge *out)
{
    const rg_snapshot *s = p->snap;
    out->from = from;
    out->to = s->fwd_dst[e];
    out->kind = (rg_edge_kind)s->fwd_kind[e];
    out->label = s->fwd_label[e];
}

int rg_paths_parent(const rg_paths *p, rg_node node, rg_edge *out)
{
    if (!p || !out || node >= p->snap->n_nodes)
        return rg_fail(RG_EINVAL, "rg_paths_parent: bad argument");
    if (p->dist[node] == RG_DISTANCE_NONE || p->parent[node] == RG_NODE_NONE)
        return RG_ENOTFOUND;
    edge_at(p, p->parent[node], rg_paths_edge(p, node), out);
    return RG_OK;
}

int rg_paths_root(const rg_paths *p, rg_node node, uint32_t *out)
{
    if (!p || !out || node >= p->snap->n_nodes)
        return rg_fail(RG_EINVAL, "rg_paths_root: bad argument");
    if (p->dist[node] == RG_DISTANCE_NONE)
        return rg_fail(RG_ENOTFOUND, "no root reaches object %llu",
                       (unsigned long long)rg_node_id_at(p->snap, node));
    rg_node cur = node;
    while (p->dist[cur] != 0)
        cur = p->parent[cur];
    *out = rg_paths_root_record(p, cur);
    return RG_OK;
}

/* Walk parent edges from `node` for at most `hops` steps, writing them
 * last-first into a fresh array so the result reads from the far end. */
static int walk(const rg_paths *p, rg_node node, uint32_t hops, rg_edge **out, size_t *n)
{
    if (hops == 0) {
        *out = NULL;
        *n = 0;
        return RG_OK;
    }
    rg_edge *edges = rg_xmalloc(hops, sizeof *edges);
    if (!edges)
        return RG_ENOMEM;
    rg_node cur = node;
    for (uint32_t i = hops; i > 0; i--) {
        edge_at(p, p->parent[cur], rg_paths_edge(p, cur), &edges[i - 1]);
        cur = p->parent[cur];
    }
    *out = edges;
    *n = hops;
    return RG_OK;
}

int rg_paths_chain(const rg_paths *p, rg_node node, rg_edge **out, size_t *n)
{
    if (!p || !out || !n || node >= p->snap->n_nodes)
        return rg_fail(RG_EINVAL, "rg_paths_chain: bad argument");
    if (p->dist[node] == RG_DISTANCE_NONE)
        return rg_fail(RG_ENOTFOUND, "no root reaches object %llu",
                       (unsigned long long)rg_node_id_at(p->snap, node));
    return walk(p, node, p->dist[node], out, n);
}

/* Hops from an unreachable node up to its holder. */
static uint32_t holder_hops(const rg_paths *p, rg_node node, rg_node *holder)
{
    uint32_t hops = 0;
    rg_node cur = node;
    while (p->dist[cur] == RG_DISTANCE_NONE && p->parent[cur] != RG_NODE_NONE) {
        cur = p->parent[cur];
        hops++;
    }
    *holder = cur;
    return hops;
}

const char *rg_unreachable_kind_name(rg_unreachable_kind k)
{
    switch (k) {
    case RG_REACHABLE: return "reachable";
    case RG_UNREACHABLE_EXCLUDED: return "excluded-edges";
    case RG_UNREACHABLE_OUTSIDE: return "outside-heap";
    case RG_UNREACHABLE_CYCLE: return "cycle";
    case RG_UNREACHABLE_FROM_CYCLE: return "from-cycle";
    case RG_UNREACHABLE_UNEXPLAINED: return "unexplained";
    }
    return "unexplained";
}

int rg_paths_why_unreachable(const rg_paths *p, rg_node node, rg_unreachable *caller_)
{
    rg_unreachable full_ = {.struct_size = sizeof full_}, *out = &full_;
    if (!p || !out || node >= p->snap->n_nodes)
        return rg_fail(RG_EINVAL, "rg_paths_why_unreachable: bad argument");
    const rg_snapshot *s = p->snap;
    rg_unreachable r = {sizeof(rg_unreachable), RG_REACHABLE, RG_NODE_NONE, 0, 0, 0};
    if (p->dist[node] != RG_DISTANCE_NONE) {
        *out = r;
        return rg_record_out(caller_, &full_, sizeof full_, sizeof full_, "rg_paths_why_unreachable");
    }
    r.kind = (rg_unreachable_kind)p->why[node];
    if (r.kind == RG_UNREACHABLE_UNEXPLAINED) {
        *out = r;
        return rg_record_out(caller_, &full_, sizeof full_, sizeof full_, "rg_paths_why_unreachable");
    }
    r.hops = holder_hops(p, node, &r.holder);
    if (r.kind == RG_UNREACHABLE_OUTSIDE) {
        int64_t strong = 0;
        for (uint64_t i = rg_rev_begin(s, r.holder); i < rg_rev_end(s, r.holder); i++)
            strong += !rg_rev_is_weak(s, r.holder, i);
        r.unexplained_refs = (int64_t)rg_node_rc_at(s, r.holder) - strong;
    }
    if (rg_paths_scc(p, r.holder) != UINT32_MAX)
        r.cycle_size = p->scc_size[rg_paths_scc(p, r.holder)];
    *out = r;
    return rg_record_out(caller_, &full_, sizeof full_, sizeof full_, "rg_paths_why_unreachable");
}

int rg_paths_holder_chain(const rg_paths *p, rg_node node, rg_edge **out, size_t *n)
{
    if (!p || !out || !n || node >= p->snap->n_nodes)
        return rg_fail(RG_EINVAL, "rg_paths_holder_chain: bad argument");
    if (p->dist[node] != RG_DISTANCE_NONE || p->why[node] == RG_UNREACHABLE_UNEXPLAINED)
        return rg_fail(RG_ENOTFOUND, "object %llu has no holder outside the root paths",
                       (unsigned long long)rg_node_id_at(p->snap, node));
    rg_node holder;
    return walk(p, node, holder_hops(p, node, &holder), out, n);
}
