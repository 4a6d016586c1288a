/* report_model.c: run the analyses and copy what the report says into the
 * model. This is the only report file that looks at snapshots. It never
 * reads files or re-implements an analysis: paths, dominators, groups,
 * cycles, held-from-outside, suspects, growth and diagrams all come from
 * the library's own APIs, called here in that order on the last snapshot
 * (growth on all of them). */
#include "report_internal.h"
#include "analyze/judge.h"
#include "analyze/kinds.h"
#include "analyze/rules.h"
#include "analyze/run.h"

#include <stdlib.h>
#include <string.h>

#define DEFAULT_TOP 10
/* A backrefs diagram draws at most this many levels and objects, so that it
 * stays readable on a ticket page. */
#define DIAGRAM_DEPTH 10
#define DIAGRAM_NODES 60

typedef struct analyses {
    const rg_snapshot *snap;      /* the last snapshot */
    rg_paths *paths;
    rg_dominators *dom;
    rg_groups *groups;
    rg_cycles *cycles;
    rg_outside *outside;
    rg_suspects *suspects;
    rg_summary **sums;
    size_t n_sums;
    rg_diff *diff;
} analyses;

static void analyses_free(analyses *a)
{
    rg_suspects_free(a->suspects);
    rg_outside_free(a->outside);
    rg_cycles_free(a->cycles);
    rg_groups_free(a->groups);
    rg_dominators_free(a->dom);
    rg_paths_free(a->paths);
    rg_diff_free(a->diff);
    for (size_t i = 0; i < a->n_sums; i++)
        rg_summary_free(a->sums[i]);
    rg_free(a->sums);
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* ------------------------------------------------------------ header */

static int gather_snaps(rg_rpt *m, const rg_snapshot *const *snaps, size_t n)
{
    m->snaps = rg_xcalloc(n, sizeof *m->snaps);
    if (!m->snaps)
        return RG_ENOMEM;
    m->n_snaps = n;
    for (size_t i = 0; i < n; i++) {
        const rg_snapshot_info *in = rg_snapshot_info_get(snaps[i]);
        rg_rpt_snap *s = &m->snaps[i];
        s->file = rg_rpt_strdup(base_name(in->path));
        s->producer = rg_rpt_strdup(in->producer);
        s->runtime = rg_rpt_strdup(in->runtime);
        if (!s->file || !s->producer || !s->runtime)
            return RG_ENOMEM;
        s->pid = in->pid;
        s->seq = in->seq;
        s->time = in->time;
        s->objects = in->objects;
        s->edges = in->edges;
        s->roots = in->roots;
        s->total_bytes = in->total_bytes;
    }
    return RG_OK;
}

static int gather_title(rg_rpt *m, const rg_report_options *o)
{
    if (o->title && *o->title) {
        m->title = rg_rpt_strdup(o->title);
        return m->title ? RG_OK : RG_ENOMEM;
    }
    const rg_rpt_snap *last = &m->snaps[m->n_snaps - 1];
    rg_sbuf b = {0};
    if (*last->runtime)
        rg_sbuf_puts(&b, last->runtime);
    if (last->pid >= 0)
        rg_sbuf_printf(&b, "%spid %lld", b.len ? ", " : "", (long long)last->pid);
    if (!b.len)
        rg_sbuf_puts(&b, last->file);
    m->title = rg_sbuf_take(&b);
    return m->title ? RG_OK : RG_ENOMEM;
}

/* --------------------------------------------------------- top types */

static int gather_top_types(rg_rpt *m, const rg_snapshot *snap, uint32_t top)
{
    rg_type_stat *st;
    uint32_t n;
    int rc = rg_type_stats(snap, RG_SORT_SIZE, sizeof(rg_type_stat), &st, &n);
    if (rc != RG_OK)
        return rc;
    m->type_count = n;
    size_t shown = n < top ? n : top;
    m->top_types = rg_xcalloc(shown ? shown : 1, sizeof *m->top_types);
    if (!m->top_types) {
        rg_free(st);
        return RG_ENOMEM;
    }
    for (size_t i = 0; i < shown; i++) {
        m->top_types[i].type = rg_rpt_strdup(st[i].name);
        m->top_types[i].count = st[i].count;
        m->top_types[i].bytes = st[i].bytes;
        m->n_top_types++;
        if (!m->top_types[i].type) {
            rg_free(st);
            return RG_ENOMEM;
        }
    }
    rg_free(st);
    return RG_OK;
}

static int has_refcounts(const rg_snapshot *snap)
{
    uint32_t n = rg_node_count(snap);
    for (uint32_t v = 0; v < n; v++)
        if (rg_node_refcount(snap, v) >= 0)
            return 1;
    return 0;
}

/* ------------------------------------------------------------- paths */

static char *edge_label(const rg_snapshot *snap, const rg_edge *e)
{
    char small[256];
    size_t n = rg_edge_label_format(snap, e, small, sizeof small);
    if (n < sizeof small)
        return rg_rpt_strdup(small);
    char *big = rg_xmalloc(n + 1, 1);
    if (big)
        rg_edge_label_format(snap, e, big, n + 1);
    return big;
}

/* What a hop shows after its type: a function's qualname, a container's
 * length, and what the object retains, so the jump where bytes pile up shows
 * on the path (as memlab's traces show retained sizes). */
static char *hop_detail(const analyses *a, rg_node v, int with_len)
{
    const rg_snapshot *snap = a->snap;
    rg_sbuf b = {0};
    const char *type = rg_node_type_name(snap, v);
    const char *name = rg_node_name(snap, v);
    if (rg_kind_is_function_like(type) && name && *name)
        rg_sbuf_puts(&b, name);
    int64_t len = rg_node_length(snap, v);
    char n[32];
    if (with_len && len >= 0)
        rg_sbuf_printf(&b, "%slen %s", b.len ? ", " : "", rg_format_count(n, sizeof n, (uint64_t)len));
    if (a->dom)
        rg_sbuf_printf(&b, "%sretains %s", b.len ? ", " : "",
                       rg_format_bytes(n, sizeof n, rg_dominators_retained(a->dom, v)));
    char *out = rg_sbuf_take(&b);
    return out ? out : rg_rpt_strdup("");
}

static int push_edge(rg_rpt_path *p, const rg_snapshot *snap, const rg_edge *e, const char *detail)
{
    char *label = edge_label(snap, e);
    if (!label)
        return RG_ENOMEM;
    int rc = rg_rpt_path_push(p, label, rg_node_type_name(snap, e->to), detail);
    rg_free(label);
    return rc;
}


/* The root `v` hangs from: its kind ("module") into p->root and its label
 * ("__main__") into p->root_label. */
static int root_of(const rg_snapshot *snap, const rg_paths *paths, rg_node v, rg_root *root,
                   rg_rpt_path *p)
{
    uint32_t ri;
    memset(root, 0, sizeof *root);
    root->node = RG_NODE_NONE;
    if (rg_paths_root(paths, v, &ri) == RG_OK)
        rg_root_get(snap, ri, root);
    else
        rg_clear_error();
    p->root = rg_rpt_strdup(root->node == RG_NODE_NONE ? "" : rg_root_kind_name(root->kind));
    p->root_label = rg_rpt_strdup(root->node == RG_NODE_NONE ? "" : root->label);
    return p->root && p->root_label ? RG_OK : RG_ENOMEM;
}

static int pythonic_edge(rg_edge_kind k)
{
    return k == RG_EDGE_GLOBAL || k == RG_EDGE_ATTR || k == RG_EDGE_SLOT || k == RG_EDGE_INDEX ||
           k == RG_EDGE_DICT_VALUE;
}

/* Where the holder lives. Written as a person would in Python
 * ("__main__.jobs.queue") when the chain to it is a module's globals,
 * attributes, items and dict values; otherwise the root's label and the
 * edge labels ("collector: collect() → frame local 'history'") when that
 * is short; "" when neither reads well. */
static char *program_location(const rg_snapshot *snap, const rg_root *root, const rg_edge *edges,
                              size_t upto)
{
    if (root->node == RG_NODE_NONE || !root->label || !*root->label || upto > 16)
        return rg_rpt_strdup("");
    int pythonic = root->kind == RG_ROOT_MODULE;
    for (size_t i = 0; i < upto; i++)
        pythonic = pythonic && pythonic_edge(edges[i].kind);
    size_t from = 0;
    rg_sbuf b = {0};
    if (!pythonic && upto > 4) {
        /* A long chain through a runtime's structures (V8 contexts): its
         * last hops carry the names a person wrote (variables, properties). */
        from = upto - 3;
        rg_sbuf_puts(&b, "\xe2\x80\xa6");
    } else {
        rg_sbuf_puts(&b, root->label);
    }
    for (size_t i = from; i < upto; i++) {
        char *l = edge_label(snap, &edges[i]);
        if (!pythonic)
            rg_sbuf_puts(&b, " → ");
        rg_sbuf_puts(&b, l ? l : "");
        rg_free(l);
    }
    return rg_sbuf_take(&b);
}

/* The chain from a root to `v` as a model path, long chains shortened. The
 * hop of `holder` (when on the chain and shown) is written to *holder_hop,
 * else SIZE_MAX. */
static int chain_path(const analyses *a, rg_node v, rg_node holder, rg_rpt_path *out,
                      size_t *holder_hop, char **where)
{
    const rg_snapshot *snap = a->snap;
    rg_edge *edges = NULL;
    size_t n = 0;
    rg_root root;
    *holder_hop = SIZE_MAX;
    *where = NULL;
    int rc = root_of(snap, a->paths, v, &root, out);
    if (rc != RG_OK)
        return rc;
    rc = rg_paths_chain(a->paths, v, &edges, &n);
    if (rc == RG_ENOTFOUND) {
        rg_clear_error();
        rc = rg_rpt_path_push(out, "", rg_node_type_name(snap, v), "no root reaches it");
        *where = rg_rpt_strdup("");
        return rc != RG_OK ? rc : *where ? RG_OK : RG_ENOMEM;
    }
    if (rc != RG_OK)
        return rc;
    rg_node start = n ? edges[0].from : v;
    /* The root object itself, unless the root text already says what it is
     * ("module __main__" is a module). */
    if (root.node == RG_NODE_NONE || strcmp(rg_node_type_name(snap, start), rg_root_kind_name(root.kind)) != 0) {
        char *d = hop_detail(a, start, start == holder);
        rc = d ? rg_rpt_path_push(out, "", rg_node_type_name(snap, start), d) : RG_ENOMEM;
        rg_free(d);
        if (start == holder)
            *holder_hop = out->n_hops - 1;
    }
    size_t holder_at = SIZE_MAX;
    for (size_t i = 0; i < n && rc == RG_OK; i++) {
        if (edges[i].to == holder)
            holder_at = i;
        if (!rg_path_hop_shown(n, i)) {
            if (i == RG_PATH_HEAD_HOPS)
                rc = rg_rpt_path_skip(out, rg_path_hops_left_out(n));
            continue;
        }
        char *d = hop_detail(a, edges[i].to, edges[i].to == holder);
        rc = d ? push_edge(out, snap, &edges[i], d) : RG_ENOMEM;
        rg_free(d);
        if (edges[i].to == holder)
            *holder_hop = out->n_hops - 1;
    }
    if (rc == RG_OK) {
        *where = holder_at != SIZE_MAX ? program_location(snap, &root, edges, holder_at + 1)
                 : start == holder     ? program_location(snap, &root, edges, 0)
                                       : rg_rpt_strdup("");
        if (!*where)
            rc = RG_ENOMEM;
    }
    rg_free(edges);
    return rc;
}

/* A cycle (edges from and back to one object) as a model path. */
static int cycle_path(const rg_snapshot *snap, const rg_edge *cycle, size_t n, rg_rpt_path *out)
{
    out->root = rg_rpt_strdup("");
    if (!out->root)
        return RG_ENOMEM;
    if (n == 0)
        return RG_OK;
    int rc = rg_rpt_path_push(out, "", rg_node_type_name(snap, cycle[0].from), "");
    for (size_t i = 0; i < n && rc == RG_OK; i++) {
        if (!rg_path_hop_shown(n, i)) {
            if (i == RG_PATH_HEAD_HOPS)
                rc = rg_rpt_path_skip(out, rg_path_hops_left_out(n));
            continue;
        }
        rc = push_edge(out, snap, &cycle[i], "");
    }
    return rc;
}

/* ---------------------------------------------------------- diagrams */

static void diagram_options(rg_diagram_options *o, const analyses *a, const char *title)
{
    rg_diagram_options_init(o, RG_DIAGRAM_OPTIONS_VERSION);
    o->direction = RG_DIAGRAM_REFERRERS;
    o->max_nodes = DIAGRAM_NODES;
    o->paths = a->paths;
    o->dominators = a->dom;
    o->title = title;
}

/* Render a built diagram into the model. A diagram that cannot be drawn
 * does not sink the report: the report says why instead. */
static int add_rendered(rg_rpt *m, rg_diagram *d, int build_rc, const char *file, const char *alt,
                        int *index)
{
    char *svg = NULL;
    size_t len = 0;
    int rc = build_rc;
    if (rc == RG_OK)
        rc = rg_diagram_render(d, RG_FORMAT_SVG, &svg, &len);
    rg_diagram_free(d);
    if (rc == RG_ENOMEM)
        return rc;
    char note[512];
    snprintf(note, sizeof note, "%s", rc == RG_OK ? "" : rg_last_error());
    if (rc != RG_OK)
        rg_clear_error();
    return rg_rpt_add_diagram(m, file, alt, rc == RG_OK ? svg : NULL, len,
                              rc == RG_OK ? "" : note, index);
}

static int backrefs_diagram(rg_rpt *m, const analyses *a, rg_node v, size_t number, const char *type,
                            int *index)
{
    if (m->no_diagrams)
        return RG_OK;
    char file[64], alt[128];
    snprintf(file, sizeof file, "suspect-%zu.svg", number);
    snprintf(alt, sizeof alt, "What keeps suspect %zu alive: its referrers back to a root", number);
    rg_sbuf t = {0};
    rg_sbuf_printf(&t, "Suspect %zu: what keeps %s alive", number, type);
    char *title = rg_sbuf_take(&t);
    if (!title)
        return RG_ENOMEM;
    rg_diagram_options o;
    diagram_options(&o, a, title);
    uint32_t dist = rg_paths_distance(a->paths, v);
    o.depth = dist == RG_DISTANCE_NONE ? 4 : dist < 1 ? 1 : dist > DIAGRAM_DEPTH ? DIAGRAM_DEPTH : dist;
    rg_diagram *d = NULL;
    int rc = rg_diagram_compute(a->snap, &v, 1, &o, &d);
    rg_free(title);
    return add_rendered(m, d, rc, file, alt, index);
}

static int cycle_diagram(rg_rpt *m, const analyses *a, const rg_edge *cycle, size_t n,
                         const char *file, const char *alt, int *index)
{
    if (m->no_diagrams)
        return RG_OK;
    rg_node *nodes = rg_xcalloc(n ? n : 1, sizeof *nodes);
    if (!nodes)
        return RG_ENOMEM;
    for (size_t i = 0; i < n; i++)
        nodes[i] = cycle[i].from;
    rg_diagram_options o;
    diagram_options(&o, a, "A representative unreachable cycle");
    rg_diagram *d = NULL;
    int rc = rg_diagram_compute_set(a->snap, nodes, n, &o, &d);
    rg_free(nodes);
    return add_rendered(m, d, rc, file, alt, index);
}

/* ---------------------------------------------------------- suspects */

static int convert_suspect(rg_rpt *m, const analyses *a, const rg_suspect *su, size_t number,
                           int *cycle_diagram_of_shape0)
{
    rg_rpt_suspect *s = &m->suspects[m->n_suspects++];
    memset(s, 0, sizeof *s);
    s->diagram = -1;
    s->holder_len = -1;
    s->count = su->count;
    s->shallow = su->shallow_bytes;
    s->retained = su->retained_bytes;
    s->has_growth = su->has_growth;
    s->significant = su->significant;
    s->count_delta = su->growth_count;
    s->bytes_delta = su->growth_bytes;
    s->level = su->level;
    s->reason = su->reason;
    s->steps = su->growth_steps;
    s->steps_up = su->growth_steps_up;
    s->bytes_per_min = su->growth_bytes_per_min;
    s->interpreter_table = su->interpreter_table;
    s->name = rg_rpt_strdup(su->name ? su->name : "");
    s->carried_type = rg_rpt_strdup(su->carried_type ? su->carried_type : "");
    if (!s->name || !s->carried_type)
        return RG_ENOMEM;
    const rg_snapshot *snap = a->snap;
    int rc = RG_OK;

    switch (su->cause) {
    case RG_CAUSE_CYCLE: {
        rg_cycle_shape shape = {.struct_size = sizeof shape};
        rg_cycles_shape_get(a->cycles, su->index, &shape);
        s->cause = RG_RPT_CAUSE_CYCLES;
        s->type = rg_rpt_strdup(shape.description);
        s->holder_type = rg_rpt_strdup("");
        s->holder_where = rg_rpt_strdup("");
        s->bulk_type = rg_rpt_strdup("");
        s->components = shape.components;
        if (!s->type || !s->holder_type || !s->holder_where || !s->bulk_type)
            return RG_ENOMEM;
        if ((rc = cycle_path(snap, shape.cycle, shape.cycle_len, &s->path)) != RG_OK)
            return rc;
        s->holder_hop = SIZE_MAX;
        if (su->level < RG_LEVEL_POSSIBLE_LEAK) {
            /* listed on the compact line only: no diagram */
        } else if (su->index == 0 && *cycle_diagram_of_shape0 >= 0) {
            s->diagram = *cycle_diagram_of_shape0;
        } else {
            char file[64];
            snprintf(file, sizeof file, "suspect-%zu.svg", number);
            rc = cycle_diagram(m, a, shape.cycle, shape.cycle_len, file,
                               "The objects of one cycle and the references among them", &s->diagram);
            if (su->index == 0)
                *cycle_diagram_of_shape0 = s->diagram;
        }
        break;
    }
    case RG_CAUSE_OUTSIDE: {
        rg_outside_group og = {.struct_size = sizeof og};
        rg_outside_group_get(a->outside, su->index, &og);
        s->outside_index = su->index;
        s->cause = RG_RPT_CAUSE_OUTSIDE;
        s->type = rg_rpt_strdup(og.type_name);
        s->holder_type = rg_rpt_strdup("");
        s->bulk_type = rg_rpt_strdup("");
        if (!s->type || !s->holder_type || !s->bulk_type)
            return RG_ENOMEM;
        rg_node v = og.representative != RG_NODE_NONE ? og.representative : su->representative;
        if (v == RG_NODE_NONE) {
            s->path.root = rg_rpt_strdup("");
            s->holder_where = rg_rpt_strdup("");
            if (!s->path.root || !s->holder_where)
                return RG_ENOMEM;
        } else if ((rc = chain_path(a, v, RG_NODE_NONE, &s->path, &s->holder_hop, &s->holder_where)) != RG_OK) {
            return rc;
        }
        if (v != RG_NODE_NONE && su->level >= RG_LEVEL_POSSIBLE_LEAK)
            rc = backrefs_diagram(m, a, v, number, s->type, &s->diagram);
        break;
    }
    default: {
        rg_group_info gi = {.struct_size = sizeof gi}, bulk = {.struct_size = sizeof bulk};
        rg_groups_get(a->groups, su->group, &gi);
        s->cause = RG_RPT_CAUSE_CONTAINER;
        s->type = rg_rpt_strdup(gi.type_name);
        s->chain_link = rg_rpt_strdup(gi.repeat ? gi.label : "");
        if (!s->chain_link)
            return RG_ENOMEM;
        rg_node holder = su->accumulation;
        /* No single object dominates the members (they are reachable
         * another way too, e.g. also from a runtime cache): name the
         * container on their shortest chain instead. */
        rg_edge up;
        rg_node first = su->representative != RG_NODE_NONE ? su->representative : gi.representative;
        if (holder == RG_NODE_NONE && first != RG_NODE_NONE && rg_paths_parent(a->paths, first, &up) == RG_OK &&
            up.from != RG_NODE_NONE)
            holder = up.from;
        /* A runtime's internal table (a V8 Map's backing array) is not what
         * a person wrote: name the container that owns it. */
        while (holder != RG_NODE_NONE && rg_kind_is_runtime_table(rg_node_type_name(snap, holder)) &&
               rg_paths_parent(a->paths, holder, &up) == RG_OK && up.from != RG_NODE_NONE)
            holder = up.from;
        s->holder_type = rg_rpt_strdup(holder != RG_NODE_NONE ? rg_node_type_name(snap, holder) : "");
        rg_node v = su->representative != RG_NODE_NONE ? su->representative : gi.representative;
        /* When deeper objects hold most of the bytes (a closure's captured
         * payload, a traceback's frames), the path goes on to one of them,
         * so it shows what is really kept alive. */
        if (su->bulk_group != RG_GROUP_NONE && su->bulk_group != su->group) {
            rg_groups_get(a->groups, su->bulk_group, &bulk);
            s->bulk_type = rg_rpt_strdup(bulk.type_name);
            s->bulk_count = bulk.count;
            s->bulk_retained = bulk.retained_bytes;
            v = bulk.representative;
        } else {
            s->bulk_type = rg_rpt_strdup("");
        }
        if (!s->type || !s->holder_type || !s->bulk_type)
            return RG_ENOMEM;
        if (holder != RG_NODE_NONE)
            s->holder_len = rg_node_length(snap, holder);
        if ((rc = chain_path(a, v, holder, &s->path, &s->holder_hop, &s->holder_where)) != RG_OK)
            return rc;
        if (su->level >= RG_LEVEL_POSSIBLE_LEAK)
            rc = backrefs_diagram(m, a, v, number, s->type, &s->diagram);
        break;
    }
    }
    if (rc != RG_OK)
        return rc;
    s->advice = rg_rpt_advice(s);
    return s->advice ? RG_OK : RG_ENOMEM;
}

static int gather_suspects(rg_rpt *m, analyses *a, uint32_t top)
{
    rg_suspect_options so;
    rg_suspect_options_init(&so, RG_SUSPECT_OPTIONS_VERSION);
    rg_group_growth *gg = NULL;
    so.n_snapshots = (uint32_t)m->n_snaps;
    if (a->diff && rg_suspect_options_from_diff(&so, a->diff, &gg) != RG_OK)
        return RG_ENOMEM;
    int rc = rg_suspects_compute(a->snap, a->dom, a->groups, a->cycles, a->outside, &so, &a->suspects);
    rg_free(gg);
    if (rc != RG_OK)
        return rc;
    uint32_t n = rg_suspects_count(a->suspects);
    size_t shown = n < top ? n : top;
    m->suspects = rg_xcalloc(shown ? shown : 1, sizeof *m->suspects);
    if (!m->suspects)
        return RG_ENOMEM;
    for (size_t i = 0; i < shown && rc == RG_OK; i++)
        rc = convert_suspect(m, a, rg_suspects_get(a->suspects, (uint32_t)i), i + 1, &m->cycle_diagram);
    return rc;
}

/* ------------------------------------------------- cycles and outside */

static int gather_cycles(rg_rpt *m, const analyses *a, uint32_t top)
{
    rg_cycles_summary cs = {.struct_size = sizeof cs};
    rg_cycles_summary_get(a->cycles, &cs);
    m->unreachable_objects = cs.unreachable_objects;
    m->unreachable_bytes = cs.unreachable_bytes;
    m->cycle_components = cs.components;
    m->cycle_objects = cs.cyclic_objects;
    m->cycle_bytes = cs.cyclic_bytes;
    size_t shown = cs.shapes < top ? cs.shapes : top;
    m->cycles = rg_xcalloc(shown ? shown : 1, sizeof *m->cycles);
    if (!m->cycles)
        return RG_ENOMEM;
    for (size_t i = 0; i < shown; i++) {
        rg_cycle_shape sh = {.struct_size = sizeof sh};
        rg_cycles_shape_get(a->cycles, (uint32_t)i, &sh);
        rg_rpt_cycle *c = &m->cycles[m->n_cycles++];
        c->components = sh.components;
        c->count = sh.objects;
        c->bytes = sh.bytes;
        c->types = rg_rpt_strdup(sh.description);
        if (!c->types)
            return RG_ENOMEM;
    }
    if (cs.shapes == 0)
        return RG_OK;
    rg_cycle_shape sh = {.struct_size = sizeof sh};
    rg_cycles_shape_get(a->cycles, 0, &sh);
    int rc = cycle_path(a->snap, sh.cycle, sh.cycle_len, &m->cycle_example);
    if (rc == RG_OK && m->cycle_diagram < 0)
        rc = cycle_diagram(m, a, sh.cycle, sh.cycle_len, "cycle-1.svg",
                           "A representative unreachable cycle", &m->cycle_diagram);
    return rc;
}

static int gather_outside(rg_rpt *m, const analyses *a, uint32_t top)
{
    uint32_t n = rg_outside_group_count(a->outside);
    size_t shown = n < top ? n : top;
    m->outside = rg_xcalloc(shown ? shown : 1, sizeof *m->outside);
    if (!m->outside)
        return RG_ENOMEM;
    uint64_t total = m->n_snaps ? m->snaps[m->n_snaps - 1].total_bytes : 0;
    for (uint32_t i = 0; i < n; i++) {
        rg_outside_group g = {.struct_size = sizeof g};
        rg_outside_group_get(a->outside, i, &g);
        /* The runtime exemption (rg_outside_group.runtime): the interpreter's
         * baseline, and runtime-type entries not of consequence, are counted
         * apart and explained in words, unless the suspects list them. */
        int listed = 0;
        for (size_t k = 0; k < m->n_suspects && !listed; k++)
            listed = m->suspects[k].cause == RG_RPT_CAUSE_OUTSIDE && m->suspects[k].outside_index == i;
        if (!listed && !rg_outside_group_shown(&g, total)) {
            m->baseline_objects += g.unreachable;
            m->baseline_bytes += g.retained_bytes;
            continue;
        }
        m->outside_objects += g.objects;
        m->outside_bytes += g.retained_bytes;
        if (m->n_outside >= shown)
            continue;
        rg_rpt_outside_row *r = &m->outside[m->n_outside++];
        if (g.name && *g.name) {
            rg_sbuf tb = {0};
            rg_sbuf_printf(&tb, "%s %s", g.type_name, g.name);
            r->type = rg_sbuf_take(&tb);
        } else {
            r->type = rg_rpt_strdup(g.type_name);
        }
        r->count = g.objects;
        r->excess = g.excess;
        r->bytes = g.retained_bytes;
        if (!r->type)
            return RG_ENOMEM;
    }
    return RG_OK;
}

/* ------------------------------------------------------------ growth */

static int growth_rows(const rg_diff *d, int groups, uint32_t top, rg_rpt_growth_row **out, size_t *n)
{
    uint32_t total = groups ? rg_diff_group_count(d) : rg_diff_type_count(d);
    uint32_t points = rg_diff_point_count(d);
    *out = rg_xcalloc(top ? top : 1, sizeof **out);
    if (!*out)
        return RG_ENOMEM;
    for (uint32_t i = 0; i < total && *n < top; i++) {
        const rg_growth *g = groups ? rg_diff_group_get(d, i) : rg_diff_type_get(d, i);
        /* A group whose count stayed put is a container that holds a
         * growing group; that group has its own row. */
        if (g->count_delta <= 0 && (groups || g->bytes_delta <= 0))
            continue;
        rg_rpt_growth_row *r = &(*out)[(*n)++];
        r->name = rg_rpt_strdup(g->name);
        r->count_first = g->count[0];
        r->count_last = g->count[points - 1];
        r->count_delta = g->count_delta;
        r->bytes_delta = g->bytes_delta;
        r->steps_up = g->steps_up;
        r->steps = points - 1;
        if (!r->name)
            return RG_ENOMEM;
    }
    return RG_OK;
}

static int gather_growth(rg_rpt *m, analyses *a, const rg_snapshot *const *snaps, size_t n, uint32_t top,
                         int default_paths)
{
    a->sums = rg_xcalloc(n, sizeof *a->sums);
    if (!a->sums)
        return RG_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        /* The last snapshot's groups are already computed for the suspects;
         * the summary reuses them when they follow the default edge rules. */
        int last = snaps[i] == a->snap && default_paths;
        rg_summary_options so = {.version = RG_SUMMARY_OPTIONS_VERSION, .groups = last ? a->groups : NULL, .outside = last ? a->outside : NULL};
        int rc = rg_summary_compute(snaps[i], &so, &a->sums[i]);
        if (rc != RG_OK)
            return rc;
        a->n_sums++;
    }
    int rc = rg_diff_compute(a->sums, (uint32_t)n, NULL, &a->diff);
    if (rc != RG_OK)
        return rc;
    if ((rc = growth_rows(a->diff, 0, top, &m->growth_types, &m->n_growth_types)) != RG_OK)
        return rc;
    if ((rc = growth_rows(a->diff, 1, top, &m->growth_groups, &m->n_growth_groups)) != RG_OK)
        return rc;
    rg_sbuf b = {0};
    for (uint32_t i = 0; i < rg_diff_warning_count(a->diff); i++) {
        rg_sbuf_puts(&b, b.len ? " " : "");
        rg_sbuf_puts(&b, rg_diff_warning_get(a->diff, i));
    }
    m->growth_warnings = b.len ? rg_sbuf_take(&b) : rg_rpt_strdup("");
    return m->growth_warnings ? RG_OK : RG_ENOMEM;
}

/* -------------------------------------------------------------- method */

static int gather_method(rg_rpt *m, const rg_report_options *o)
{
    m->command_line = rg_rpt_strdup(o->command_line);
    rg_sbuf b = {0};
    rg_sbuf_printf(&b, "refgraph %s, cmark-gfm %s and Graphviz", rg_version(), CMARK_GFM_VERSION_STRING);
    m->versions = rg_sbuf_take(&b);
    rg_path_options po;
    if (o->paths)
        po = *o->paths;
    else
        rg_path_options_init(&po, RG_PATH_OPTIONS_VERSION);
    rg_sbuf_puts(&b, "Retention paths are shortest chains of references from a root");
    int any = 0;
    for (int k = 0; k < RG_EDGE_KIND_COUNT; k++) {
        if (!(po.ignore_edge_kinds & (1u << k)))
            continue;
        rg_sbuf_printf(&b, "%s%s", any ? ", " : "; they do not use edges of kind ",
                       rg_edge_kind_name((rg_edge_kind)k));
        any = 1;
    }
    for (size_t i = 0; i < po.n_ignore_types; i++)
        rg_sbuf_printf(&b, "%s%s", i ? ", " : "; they never pass through instances of ",
                       po.ignore_types[i]);
    for (size_t i = 0; i < po.n_ignore_labels; i++)
        rg_sbuf_printf(&b, "%s%s", i ? ", " : "; they never use edges labelled ", po.ignore_labels[i]);
    rg_sbuf_puts(&b, ". Retained size is what freeing an object would release (its dominator "
                     "subtree). Suspects are ranked by growth when there are several snapshots, "
                     "then by retained size (docs/suspects.md).");
    m->method_notes = rg_sbuf_take(&b);
    if (!m->command_line || !m->versions || !m->method_notes)
        return RG_ENOMEM;
    return RG_OK;
}

/* ------------------------------------------------------------- gather */

/* Snapshots in time order (then seq, then as given), so "last" means the
 * latest whatever order the caller used. A stable insertion sort: series
 * are short. */
static const rg_snapshot **time_order(const rg_snapshot *const *snaps, size_t n)
{
    const rg_snapshot **o = rg_xcalloc(n, sizeof *o);
    if (!o)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        const rg_snapshot_info *in = rg_snapshot_info_get(snaps[i]);
        size_t j = i;
        while (j > 0) {
            const rg_snapshot_info *prev = rg_snapshot_info_get(o[j - 1]);
            int later = (prev->time > 0 && in->time > 0 && prev->time > in->time) ||
                        (prev->time == in->time && prev->seq >= 0 && in->seq >= 0 && prev->seq > in->seq);
            if (!later)
                break;
            o[j] = o[j - 1];
            j--;
        }
        o[j] = snaps[i];
    }
    return o;
}

static int run_analyses(analyses *a, const rg_report_options *o)
{
    rg_analyses r;
    int rc = rg_analyses_run(a->snap, o->paths, &r);
    if (rc != RG_OK)
        return rc;
    a->paths = r.paths;
    a->dom = r.dom;
    a->groups = r.groups;
    a->cycles = r.cycles;
    a->outside = r.outside;
    return RG_OK;
}

int rg_rpt_gather_verdict(rg_rpt *m, const rg_snapshot *snap, const rg_suspects *S, uint32_t n_snapshots)
{
    if (!rg_suspects_paths(S))
        return rg_fail(RG_EINVAL, "rg_report_verdict: the suspects must come from rg_suspects_compute_all");
    m->no_diagrams = 1;
    m->cycle_diagram = -1;
    int rc = gather_snaps(m, &snap, 1);
    if (rc != RG_OK)
        return rc;
    if (n_snapshots > 1) {
        /* Only the count of snapshots and the last one's size matter here. */
        rg_rpt_snap *v = rg_xcalloc(n_snapshots, sizeof *v);
        if (!v)
            return RG_ENOMEM;
        v[n_snapshots - 1] = m->snaps[0];
        rg_free(m->snaps);
        m->snaps = v;
        m->n_snaps = n_snapshots;
        m->has_growth = 1;
    }
    m->has_refcounts = has_refcounts(snap);
    analyses a = {.snap = snap,
                  .paths = (rg_paths *)rg_suspects_paths(S),
                  .dom = (rg_dominators *)rg_suspects_dominators(S),
                  .groups = (rg_groups *)rg_suspects_groups(S),
                  .cycles = (rg_cycles *)rg_suspects_cycles(S),
                  .outside = (rg_outside *)rg_suspects_outside(S)};
    uint32_t n = rg_suspects_count(S), top = DEFAULT_TOP;
    size_t shown = n < top ? n : top;
    m->suspects = rg_xcalloc(shown ? shown : 1, sizeof *m->suspects);
    if (!m->suspects)
        return RG_ENOMEM;
    for (size_t i = 0; i < shown && rc == RG_OK; i++)
        rc = convert_suspect(m, &a, rg_suspects_get(S, (uint32_t)i), i + 1, &m->cycle_diagram);
    if (rc == RG_OK && a.cycles)
        rc = gather_cycles(m, &a, top);
    if (rc == RG_OK && a.outside)
        rc = gather_outside(m, &a, top);
    if (rc == RG_OK)
        rc = gather_top_types(m, snap, top);
    /* The analyses belong to the suspects: nothing here frees them. */
    return rc;
}

int rg_rpt_gather(rg_rpt *m, const rg_snapshot *const *given, size_t n, const rg_report_options *o)
{
    uint32_t top = o->top ? o->top : DEFAULT_TOP;
    const rg_snapshot **snaps = time_order(given, n);
    if (!snaps)
        return RG_ENOMEM;
    analyses a = {.snap = snaps[n - 1]};
    int rc;
    m->cycle_diagram = -1;
    if ((rc = gather_snaps(m, snaps, n)) != RG_OK || (rc = gather_title(m, o)) != RG_OK)
        goto done;
    m->has_growth = n > 1;
    m->has_refcounts = has_refcounts(a.snap);
    if ((rc = run_analyses(&a, o)) != RG_OK)
        goto done;
    if (n > 1 && (rc = gather_growth(m, &a, snaps, n, top, o->paths == NULL)) != RG_OK)
        goto done;
    if ((rc = gather_suspects(m, &a, top)) != RG_OK)
        goto done;
    if ((rc = gather_cycles(m, &a, top)) != RG_OK)
        goto done;
    if ((rc = gather_outside(m, &a, top)) != RG_OK)
        goto done;
    if ((rc = gather_top_types(m, a.snap, top)) != RG_OK)
        goto done;
    rc = gather_method(m, o);
done:
    analyses_free(&a);
    rg_free(snaps);
    return rc;
}
