/*
 * diagram_build.c: choose what a referrer (or referent) diagram shows.
 *
 * A BFS out from the selection, level by level up to `depth`. Each expanded
 * node draws at most `too_many` new neighbours, nearest-to-a-root first when
 * paths are given (so the retention path is never folded away); the rest go
 * into one "N more referrers (X bytes)" node. Once `max_nodes` objects are
 * drawn, further objects are only counted, and a note says so. Nodes of the
 * stop-at type are drawn but not expanded, and so are roots in a referrer
 * diagram: a root is where the answer to "what keeps it alive" ends. Everything is copied into plain
 * data; Graphviz is only touched when rendering.
 */
#include "diagram_impl.h"
#include "analyze/paths_impl.h"
#include "analyze/rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOT_NONE UINT32_MAX
#define SLOT_OMITTED (UINT32_MAX - 1)
#define TYPE_TEXT_MAX 48
#define VALUE_TEXT_MAX 40
#define EDGE_TEXT_MAX 40

typedef struct walk {
    const rg_snapshot *s;
    rg_diagram_options o;
    rg_diagram *d;
    uint32_t *slot;        /* per snapshot node: diagram index, SLOT_NONE or SLOT_OMITTED */
    uint32_t *stamp;       /* per snapshot node: last expansion that folded it */
    rg_node *dnode;        /* per diagram node: snapshot node, RG_NODE_NONE for folds */
    size_t dnode_cap;
    uint32_t highlight, stop;
    uint32_t drawn;        /* objects drawn (folds excluded) */
} walk;

/* The root record to show for a root node: the one the paths used, or the
 * best-ranked record naming it. */
static int root_record(const walk *w, rg_node v, uint32_t *rec)
{
    if (w->o.paths && w->o.paths->dist[v] == 0) {
        *rec = rg_paths_root_record(w->o.paths, v);
        return 1;
    }
    const rg_snapshot *s = w->s;
    int found = 0;
    for (uint32_t r = 0; r < s->n_roots; r++)
        if (s->root_node[r] == v && (!found || rg_root_rank(s->root_kind[r]) < rg_root_rank(s->root_kind[*rec]))) {
            *rec = r;
            found = 1;
        }
    return found;
}

static char *node_label(const walk *w, rg_node v, unsigned role)
{
    const rg_snapshot *s = w->s;
    rg_text t = {0};
    rg_text_safe(&t, rg_node_type_name(s, v), TYPE_TEXT_MAX);
    const char *name = rg_strtab_get(&s->strings, rg_node_name_at(s, v));
    const char *value = *name ? name : rg_strtab_get(&s->strings, rg_node_repr_at(s, v));
    if (*value) {
        rg_text_raw(&t, "\\n");
        rg_text_safe(&t, value, VALUE_TEXT_MAX);
    }
    char line[128], bytes[32], kept[32];
    rg_format_bytes(bytes, sizeof bytes, rg_node_size_at(s, v));
    if (rg_node_len_at(s, v) != RG_LEN_NONE)
        snprintf(line, sizeof line, "\\n%s, len %u", bytes, rg_node_len_at(s, v));
    else
        snprintf(line, sizeof line, "\\n%s", bytes);
    rg_text_raw(&t, line);
    if (w->o.dominators) {
        rg_format_bytes(kept, sizeof kept, rg_dominators_retained(w->o.dominators, v));
        snprintf(line, sizeof line, ", retains %s", kept);
        rg_text_raw(&t, line);
    }
    uint32_t rec = 0;
    if ((role & RG_DG_ROOT) && root_record(w, v, &rec)) {
        rg_text_raw(&t, "\\nroot: ");
        rg_text_raw(&t, rg_root_kind_name((rg_root_kind)s->root_kind[rec]));
        const char *rl = rg_strtab_get(&s->strings, s->root_label[rec]);
        if (*rl) {
            rg_text_raw(&t, " ");
            rg_text_safe(&t, rl, VALUE_TEXT_MAX);
        }
    }
    if (role & RG_DG_STOPPED)
        rg_text_raw(&t, "\\n(not expanded)");
    return rg_text_take(&t);
}

static int add_node(walk *w, rg_node v, uint32_t level, unsigned role, char *label)
{
    rg_diagram *d = w->d;
    if (!label)
        return RG_ENOMEM;
    if (rg_grow((void **)&d->nodes, &d->nodes_cap, d->n_nodes + 1, sizeof *d->nodes) ||
        rg_grow((void **)&w->dnode, &w->dnode_cap, d->n_nodes + 1, sizeof *w->dnode)) {
        rg_free(label);
        return RG_ENOMEM;
    }
    d->nodes[d->n_nodes] = (rg_dg_node){.label = label, .level = level, .role = role, .len = -1};
    w->dnode[d->n_nodes] = v;
    if (v != RG_NODE_NONE)
        w->slot[v] = (uint32_t)d->n_nodes;
    d->n_nodes++;
    if (level > d->max_level)
        d->max_level = level;
    return RG_OK;
}

static int add_object(walk *w, rg_node v, uint32_t level, unsigned role)
{
    const rg_snapshot *s = w->s;
    if (s->node_flags[v] & RG_NODE_ROOT)
        role |= RG_DG_ROOT;
    if (rg_node_type_at(s, v) == w->highlight)
        role |= RG_DG_HIGHLIGHT;
    if (rg_node_type_at(s, v) == w->stop && !(role & RG_DG_TARGET))
        role |= RG_DG_STOPPED;
    w->drawn++;
    int rc = add_node(w, v, level, role, node_label(w, v, role));
    if (rc)
        return rc;
    rg_dg_node *dn = &w->d->nodes[w->d->n_nodes - 1];
    const char *type = rg_node_type_name(s, v);
    const char *name = rg_strtab_get(&s->strings, rg_node_name_at(s, v));
    const char *text = *name ? name : rg_strtab_get(&s->strings, rg_node_repr_at(s, v));
    dn->id = rg_node_id_at(s, v);
    dn->size = rg_node_size_at(s, v);
    dn->len = rg_node_len_at(s, v) == RG_LEN_NONE ? -1 : (int64_t)rg_node_len_at(s, v);
    dn->retained = w->o.dominators ? rg_dominators_retained(w->o.dominators, v) : 0;
    dn->type = rg_xstrndup(type, strlen(type));
    dn->text = rg_xstrndup(text, strlen(text));
    return dn->type && dn->text ? RG_OK : RG_ENOMEM;
}

/* Draw edge (from, to) in reference direction; `e` is the forward edge. */
static int add_edge(walk *w, uint32_t from, uint32_t to, uint64_t e)
{
    const rg_snapshot *s = w->s;
    rg_diagram *d = w->d;
    rg_edge edge = {w->dnode[from], w->dnode[to], (rg_edge_kind)s->fwd_kind[e], s->fwd_label[e]};
    char raw[256];
    size_t need = rg_edge_label_format(s, &edge, raw, sizeof raw);
    char *big = NULL;
    if (need >= sizeof raw) {
        /* Long labels (a dict key of 100 kB) are cut anyway; format in full
         * only so the cut lands on a character boundary. */
        big = rg_xmalloc(need + 1, 1);
        if (!big)
            return RG_ENOMEM;
        rg_edge_label_format(s, &edge, big, need + 1);
    }
    rg_text t = {0};
    rg_text_safe(&t, big ? big : raw, EDGE_TEXT_MAX);
    const char *plain = big ? big : raw;
    char *text = rg_xstrndup(plain, strlen(plain));
    rg_free(big);
    char *label = rg_text_take(&t);
    if (!label || !text || rg_grow((void **)&d->edges, &d->edges_cap, d->n_edges + 1, sizeof *d->edges)) {
        rg_free(label);
        rg_free(text);
        return RG_ENOMEM;
    }
    d->edges[d->n_edges++] = (rg_dg_edge){from, to, edge.kind, label, text};
    return RG_OK;
}

static int add_fold_edge(walk *w, uint32_t from, uint32_t to)
{
    rg_diagram *d = w->d;
    char *label = rg_xstrndup("", 0);
    char *text = rg_xstrndup("", 0);
    if (!label || !text || rg_grow((void **)&d->edges, &d->edges_cap, d->n_edges + 1, sizeof *d->edges)) {
        rg_free(label);
        rg_free(text);
        return RG_ENOMEM;
    }
    d->edges[d->n_edges++] = (rg_dg_edge){from, to, RG_EDGE_INTERNAL, label, text};
    return RG_OK;
}

/* A neighbour of the node being expanded. */
typedef struct neighbour {
    rg_node node;
    uint64_t edge;    /* forward edge index */
    uint64_t order;   /* position among the node's edges */
    uint32_t rank;    /* lower is drawn first */
} neighbour;

static int by_rank(const void *a, const void *b)
{
    const neighbour *x = a, *y = b;
    if (x->rank != y->rank)
        return x->rank < y->rank ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

static int kind_drawn(const walk *w, uint8_t kind)
{
    return kind >= 32 || !(w->o.ignore_edge_kinds & (1u << kind));
}

/* The node's neighbours in drawing order. */
static int neighbours(const walk *w, rg_node u, neighbour **buf, size_t *cap, size_t *n)
{
    const rg_snapshot *s = w->s;
    const rg_paths *p = w->o.paths;
    int back = w->o.direction == RG_DIAGRAM_REFERRERS;
    uint64_t b = back ? rg_rev_begin(s, u) : rg_fwd_begin(s, u);
    uint64_t end = back ? rg_rev_end(s, u) : rg_fwd_end(s, u);
    size_t k = 0;
    if (rg_grow((void **)buf, cap, (size_t)(end - b) + 1, sizeof **buf))
        return RG_ENOMEM;
    for (uint64_t i = b; i < end; i++) {
        uint64_t e = back ? rg_rev_edge(s, u, i) : i;
        if (!kind_drawn(w, s->fwd_kind[e]))
            continue;
        rg_node v = back ? s->rev_src[i] : s->fwd_dst[e];
        uint32_t rank = 0;
        if (p && back) {
            /* The referrer the retention path goes through comes first, then
             * referrers by their distance from a root; unreachable last. */
            if (p->dist[u] != RG_DISTANCE_NONE && p->parent[u] == v && rg_paths_edge(p, u) == e)
                rank = 0;
            else
                rank = p->dist[v] == RG_DISTANCE_NONE ? UINT32_MAX : p->dist[v] + 1;
        }
        (*buf)[k++] = (neighbour){v, e, i - b, rank};
    }
    if (p && back)
        qsort(*buf, k, sizeof **buf, by_rank);
    *n = k;
    return RG_OK;
}

static int expand(walk *w, uint32_t di, uint32_t expansion, neighbour **nb, size_t *nb_cap)
{
    const rg_snapshot *s = w->s;
    rg_diagram *d = w->d;
    rg_node u = w->dnode[di];
    uint32_t level = d->nodes[di].level;
    int back = w->o.direction == RG_DIAGRAM_REFERRERS;
    size_t n;
    int rc = neighbours(w, u, nb, nb_cap, &n);
    if (rc)
        return rc;
    uint64_t folded = 0, folded_bytes = 0;
    for (size_t i = 0; i < n; i++) {
        rg_node v = (*nb)[i].node;
        uint64_t e = (*nb)[i].edge;
        uint32_t sv = w->slot[v];
        if (sv == SLOT_OMITTED)
            continue;
        if (sv != SLOT_NONE) {
            rc = back ? add_edge(w, sv, di, e) : add_edge(w, di, sv, e);
        } else if (i >= w->o.too_many) {
            if (w->stamp[v] != expansion) {
                w->stamp[v] = expansion;
                folded++;
                folded_bytes += rg_node_size_at(s, v);
            }
        } else if (w->drawn >= w->o.max_nodes) {
            w->slot[v] = SLOT_OMITTED;
            d->stats.omitted++;
        } else {
            rc = add_object(w, v, level + 1, 0);
            if (rc == RG_OK)
                rc = back ? add_edge(w, w->slot[v], di, e) : add_edge(w, di, w->slot[v], e);
        }
        if (rc)
            return rc;
    }
    if (folded == 0)
        return RG_OK;
    char bytes[32], line[160];
    rg_format_bytes(bytes, sizeof bytes, folded_bytes);
    snprintf(line, sizeof line, "%llu more %s\\n(%s)", (unsigned long long)folded,
             back ? (folded == 1 ? "referrer" : "referrers") : (folded == 1 ? "referent" : "referents"),
             bytes);
    char *label = rg_xstrndup(line, strlen(line));
    uint32_t fi = (uint32_t)d->n_nodes;
    if ((rc = add_node(w, RG_NODE_NONE, level + 1, RG_DG_FOLD, label)) != RG_OK)
        return rc;
    d->nodes[fi].folded = folded;
    d->nodes[fi].size = folded_bytes;
    d->nodes[fi].type = rg_xstrndup("", 0);
    d->nodes[fi].text = rg_xstrndup("", 0);
    if (!d->nodes[fi].type || !d->nodes[fi].text)
        return RG_ENOMEM;
    d->stats.fold_nodes++;
    d->stats.folded += folded;
    d->stats.folded_bytes += folded_bytes;
    return back ? add_fold_edge(w, fi, di) : add_fold_edge(w, di, fi);
}

/* Nodes that were not expanded still show their edges to drawn nodes. */
static int link_unexpanded(walk *w, const uint8_t *expanded, neighbour **nb, size_t *nb_cap)
{
    rg_diagram *d = w->d;
    int back = w->o.direction == RG_DIAGRAM_REFERRERS;
    size_t count = d->n_nodes;
    for (uint32_t di = 0; di < count; di++) {
        rg_node u = w->dnode[di];
        if (u == RG_NODE_NONE || expanded[di])
            continue;
        size_t n;
        int rc = neighbours(w, u, nb, nb_cap, &n);
        int unexplored = 0;
        for (size_t i = 0; i < n && rc == RG_OK; i++) {
            uint32_t sv = w->slot[(*nb)[i].node];
            if (sv == SLOT_NONE || sv == SLOT_OMITTED)
                unexplored = 1;
            else
                rc = back ? add_edge(w, sv, di, (*nb)[i].edge) : add_edge(w, di, sv, (*nb)[i].edge);
        }
        if (rc)
            return rc;
        unsigned role = d->nodes[di].role;
        if (unexplored && (role & RG_DG_STOPPED))
            d->stats.stopped++;
        else if (unexplored && !(back && (role & RG_DG_ROOT)))
            d->stats.depth_limited++;
    }
    return RG_OK;
}

static int find_type(const rg_snapshot *s, const char *name, const char *what, uint32_t *out)
{
    *out = UINT32_MAX;
    if (!name || !*name)
        return RG_OK;
    int rc = rg_type_find(s, name, out);
    if (rc != RG_OK)
        rg_error_prefix("%s type", what);
    return rc;
}

static int finish_caption(walk *w, const char *title)
{
    rg_diagram *d = w->d;
    char note[160] = "";
    if (d->stats.omitted)
        snprintf(note, sizeof note, "%u more object%s not drawn (max-nodes %u)", d->stats.omitted,
                 d->stats.omitted == 1 ? "" : "s", w->o.max_nodes);
    d->note = rg_xstrndup(note, strlen(note));
    rg_text t = {0};
    if (title && *title)
        rg_text_safe(&t, title, 120);
    if (*note) {
        if (title && *title)
            rg_text_raw(&t, "\\n");
        rg_text_safe(&t, note, sizeof note);
    }
    d->caption = rg_text_take(&t);
    d->title = rg_xstrndup(title ? title : "", title ? strlen(title) : 0);
    return d->note && d->caption && d->title ? RG_OK : RG_ENOMEM;
}

static int walk_init(walk *w, const rg_snapshot *s, const rg_node *nodes, size_t n,
                     const rg_diagram_options *opts, const char *fn)
{
    memset(w, 0, sizeof *w);
    w->s = s;
    if (opts)
        w->o = *opts;
    else
        rg_diagram_options_init(&w->o, RG_DIAGRAM_OPTIONS_VERSION);
    if (!w->o.max_nodes)
        w->o.max_nodes = 300;
    if (!w->o.too_many)
        w->o.too_many = 10;
    if (w->o.paths && w->o.paths->snap != s)
        return rg_fail(RG_EINVAL, "%s: the paths belong to another snapshot", fn);
    for (size_t i = 0; i < n; i++)
        if (nodes[i] >= s->n_nodes)
            return rg_fail(RG_EINVAL, "%s: node %u out of range", fn, nodes[i]);
    int rc;
    if ((rc = find_type(s, w->o.highlight_type, "highlight", &w->highlight)) != RG_OK ||
        (rc = find_type(s, w->o.stop_at_type, "stop-at", &w->stop)) != RG_OK)
        return rc;
    w->slot = rg_xmalloc(s->n_nodes ? s->n_nodes : 1, sizeof *w->slot);
    w->stamp = rg_xmalloc(s->n_nodes ? s->n_nodes : 1, sizeof *w->stamp);
    w->d = rg_xcalloc(1, sizeof *w->d);
    if (!w->slot || !w->stamp || !w->d)
        return RG_ENOMEM;
    memset(w->slot, 0xff, (size_t)s->n_nodes * sizeof *w->slot);
    memset(w->stamp, 0xff, (size_t)s->n_nodes * sizeof *w->stamp);
    w->d->direction = w->o.direction;
    return RG_OK;
}

static void walk_done(walk *w)
{
    rg_free(w->slot);
    rg_free(w->stamp);
    rg_free(w->dnode);
}

static int finish(walk *w, rg_diagram **out, int rc)
{
    if (rc == RG_OK)
        rc = finish_caption(w, w->o.title);
    if (rc == RG_OK) {
        w->d->stats.nodes = w->drawn;
        w->d->stats.edges = (uint32_t)w->d->n_edges;
        *out = w->d;
    } else {
        rg_diagram_free(w->d);
    }
    walk_done(w);
    return rc;
}

int rg_diagram_compute(const rg_snapshot *s, const rg_node *targets, size_t n,
                     const rg_diagram_options *opts, rg_diagram **out)
{
    if (!s || !targets || !out || n == 0)
        return rg_fail(RG_EINVAL, "rg_diagram_compute: no snapshot, targets or output");
    if (opts && rg_options_version(opts->version, RG_DIAGRAM_OPTIONS_VERSION, "rg_diagram_compute: rg_diagram_options") != RG_OK)
        return RG_EINVAL;
    walk w;
    int rc = walk_init(&w, s, targets, n, opts, "rg_diagram_compute");
    if (rc) {
        rg_diagram_free(w.d);
        walk_done(&w);
        return rc;
    }
    if (w.o.direction != RG_DIAGRAM_REFERRERS && w.o.direction != RG_DIAGRAM_REFERENTS)
        return finish(&w, out, rg_fail(RG_EINVAL, "rg_diagram_compute: bad direction"));
    for (size_t i = 0; i < n && rc == RG_OK; i++) {
        if (w.slot[targets[i]] != SLOT_NONE)
            continue;
        if (w.drawn >= w.o.max_nodes) {
            w.slot[targets[i]] = SLOT_OMITTED;
            w.d->stats.omitted++;
            continue;
        }
        rc = add_object(&w, targets[i], 0, RG_DG_TARGET);
    }
    uint8_t *expanded = NULL;
    size_t expanded_cap = 0, nb_cap = 0;
    neighbour *nb = NULL;
    /* Diagram nodes are appended in BFS order, so the index doubles as the queue. */
    for (uint32_t di = 0; di < w.d->n_nodes && rc == RG_OK; di++) {
        if (rg_grow((void **)&expanded, &expanded_cap, w.d->n_nodes, 1)) {
            rc = RG_ENOMEM;
            break;
        }
        expanded[di] = 0;
        rg_dg_node *dn = &w.d->nodes[di];
        if ((dn->role & RG_DG_FOLD) || (dn->role & RG_DG_STOPPED) || dn->level >= w.o.depth)
            continue;
        /* A root is where "what keeps it alive" ends: who refers to a module
         * (sys.modules, importers' globals) is beside the point. */
        if (w.o.direction == RG_DIAGRAM_REFERRERS && (dn->role & RG_DG_ROOT) && !(dn->role & RG_DG_TARGET))
            continue;
        expanded[di] = 1;
        rc = expand(&w, di, di, &nb, &nb_cap);
    }
    if (rc == RG_OK)
        rc = link_unexpanded(&w, expanded, &nb, &nb_cap);
    rg_free(expanded);
    rg_free(nb);
    return finish(&w, out, rc);
}

int rg_diagram_compute_set(const rg_snapshot *s, const rg_node *nodes, size_t n,
                         const rg_diagram_options *opts, rg_diagram **out)
{
    if (!s || (!nodes && n) || !out)
        return rg_fail(RG_EINVAL, "rg_diagram_compute_set: NULL argument");
    if (opts && rg_options_version(opts->version, RG_DIAGRAM_OPTIONS_VERSION, "rg_diagram_compute_set: rg_diagram_options") != RG_OK)
        return RG_EINVAL;
    walk w;
    int rc = walk_init(&w, s, nodes, n, opts, "rg_diagram_compute_set");
    if (rc) {
        rg_diagram_free(w.d);
        walk_done(&w);
        return rc;
    }
    for (size_t i = 0; i < n && rc == RG_OK; i++) {
        if (w.slot[nodes[i]] != SLOT_NONE)
            continue;
        if (w.drawn >= w.o.max_nodes) {
            w.slot[nodes[i]] = SLOT_OMITTED;
            w.d->stats.omitted++;
            continue;
        }
        rc = add_object(&w, nodes[i], 0, 0);
    }
    /* Every edge among the drawn nodes, in node then snapshot order. */
    for (uint32_t di = 0; di < w.d->n_nodes && rc == RG_OK; di++) {
        rg_node u = w.dnode[di];
        for (uint64_t e = rg_fwd_begin(s, u); e < rg_fwd_end(s, u) && rc == RG_OK; e++) {
            uint32_t sv = w.slot[s->fwd_dst[e]];
            if (sv != SLOT_NONE && sv != SLOT_OMITTED && kind_drawn(&w, s->fwd_kind[e]))
                rc = add_edge(&w, di, sv, e);
        }
    }
    return finish(&w, out, rc);
}

void rg_diagram_free(rg_diagram *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n_nodes; i++) {
        rg_free(d->nodes[i].label);
        rg_free(d->nodes[i].type);
        rg_free(d->nodes[i].text);
    }
    for (size_t i = 0; i < d->n_edges; i++) {
        rg_free(d->edges[i].label);
        rg_free(d->edges[i].text);
    }
    rg_free(d->nodes);
    rg_free(d->edges);
    rg_free(d->caption);
    rg_free(d->note);
    rg_free(d->title);
    rg_free(d);
}

int rg_diagram_stats_get(const rg_diagram *d, rg_diagram_stats *caller_)
{
    rg_diagram_stats full_ = {.struct_size = sizeof full_}, *out = &full_;
    if (!out)
        return rg_record_out(caller_, &full_, sizeof full_, sizeof full_, "rg_diagram_stats_get");
    if (!d) {
        memset(out, 0, sizeof *out);
        return rg_record_out(caller_, &full_, sizeof full_, sizeof full_, "rg_diagram_stats_get");
    }
    *out = d->stats;
    return rg_record_out(caller_, &full_, sizeof full_, sizeof full_, "rg_diagram_stats_get");
}

const char *rg_diagram_note(const rg_diagram *d) { return d && d->note ? d->note : ""; }

const char *rg_diagram_title(const rg_diagram *d) { return d && d->title ? d->title : ""; }

size_t rg_diagram_node_count(const rg_diagram *d) { return d ? d->n_nodes : 0; }

size_t rg_diagram_edge_count(const rg_diagram *d) { return d ? d->n_edges : 0; }

int rg_diagram_node_get(const rg_diagram *d, size_t i, rg_diagram_node *caller_)
{
    rg_diagram_node full_ = {.struct_size = sizeof full_}, *out = &full_;
    if (!d || !out)
        return rg_fail(RG_EINVAL, "rg_diagram_node_get: NULL argument");
    if (i >= d->n_nodes)
        return rg_fail(RG_EINVAL, "rg_diagram_node_get: node %zu out of range (%zu nodes)", i, d->n_nodes);
    const rg_dg_node *n = &d->nodes[i];
    memset(out, 0, sizeof *out);
    out->id = n->id;
    out->type = n->type ? n->type : "";
    out->text = n->text ? n->text : "";
    out->size = n->size;
    out->length = n->len;
    out->retained = n->retained;
    out->folded = n->folded;
    out->distance = n->level;
    out->roles = (n->role & RG_DG_TARGET ? RG_DIAGRAM_TARGET : 0u) | (n->role & RG_DG_ROOT ? RG_DIAGRAM_ROOT : 0u) |
                 (n->role & RG_DG_HIGHLIGHT ? RG_DIAGRAM_HIGHLIGHT : 0u) |
                 (n->role & RG_DG_STOPPED ? RG_DIAGRAM_STOPPED : 0u) | (n->role & RG_DG_FOLD ? RG_DIAGRAM_FOLD : 0u);
    return rg_record_out(caller_, &full_, sizeof full_, sizeof full_, "rg_diagram_node_get");
}

int rg_diagram_edge_get(const rg_diagram *d, size_t i, rg_diagram_edge *caller_)
{
    rg_diagram_edge full_ = {.struct_size = sizeof full_}, *out = &full_;
    if (!d || !out)
        return rg_fail(RG_EINVAL, "rg_diagram_edge_get: NULL argument");
    if (i >= d->n_edges)
        return rg_fail(RG_EINVAL, "rg_diagram_edge_get: edge %zu out of range (%zu edges)", i, d->n_edges);
    const rg_dg_edge *e = &d->edges[i];
    memset(out, 0, sizeof *out);
    out->from = e->from;
    out->to = e->to;
    out->kind = (rg_edge_kind)e->kind;
    out->label = e->text ? e->text : "";
    return rg_record_out(caller_, &full_, sizeof full_, sizeof full_, "rg_diagram_edge_get");
}
