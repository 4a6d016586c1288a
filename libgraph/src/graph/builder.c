/* builder.c: turn a stream of objects, references and roots into the CSR
 * graph of struct rg_snapshot. Readers and tests both go through here. */
#include "graph/graph_internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* run_delta for objects added without a line (the public builder API). */
#define NO_LINE INT64_MIN

struct rg_builder {
    rg_snapshot *s;          /* the graph being filled; node arrays grow here */
    size_t node_cap;

    /* Line of each object, for duplicate-id errors, as runs: from node
     * run_node[i] on, line = node + run_delta[i]. A JSONL file has a handful
     * of runs (header, objects, roots), so this costs nothing per object. */
    uint32_t *run_node;
    int64_t *run_delta;
    size_t n_runs, run_cap;
    uint64_t cur_line;
    unsigned threads;
    int plain_parser;
    int node_targets;        /* rg_builder_set_node_targets */
    uint64_t longest_line;

    /* Edges in record order; targets stay ids until finish(), or are node
     * indices already (node_targets), kept in half the room. */
    uint64_t *edge_dst_id;
    uint32_t *edge_dst_node;
    uint8_t *edge_kind;
    uint32_t *edge_label;
    size_t edge_cap;
    uint64_t n_edges;

    uint64_t *root_id;
    uint8_t *root_kind;
    uint32_t *root_label;
    size_t root_cap;
    uint32_t n_roots;

    /* type index + 1 for each string id used as a type name; 0 = not a type. */
    uint32_t *sid_type;
    size_t sid_type_cap;
    size_t type_cap;

    uint64_t skipped;
    char *header_format;
    int header_version;
    char *compression;
    uint64_t input_bytes;
    uint64_t hint_bytes;     /* rg_builder_set_input_size */
};

int rg_builder_new(rg_builder **out)
{
    if (!out)
        return rg_fail(RG_EINVAL, "rg_builder_new: out is NULL");
    rg_builder *b = rg_xcalloc(1, sizeof *b);
    if (!b)
        return RG_ENOMEM;
    b->s = rg_xcalloc(1, sizeof *b->s);
    /* the id map is tagged while objects go in (idmap.c), untagged in finish */
    if (!b->s || rg_strtab_init(&b->s->strings) || rg_idmap_init(&b->s->ids, 0) || rg_idmap_tag(&b->s->ids)) {
        rg_builder_free(b);
        return RG_ENOMEM;
    }
    b->s->info.pid = -1;
    b->s->info.seq = -1;
    *out = b;
    return RG_OK;
}

void rg_builder_free(rg_builder *b)
{
    if (!b)
        return;
    rg_snapshot_free(b->s);
    rg_free(b->run_node);
    rg_free(b->run_delta);
    rg_free(b->edge_dst_id);
    rg_free(b->edge_dst_node);
    rg_free(b->edge_kind);
    rg_free(b->edge_label);
    rg_free(b->root_id);
    rg_free(b->root_kind);
    rg_free(b->root_label);
    rg_free(b->sid_type);
    rg_free(b->header_format);
    rg_free(b->compression);
    rg_free(b);
}

static char *dup_or_null(const char *s)
{
    return s ? rg_xstrndup(s, strlen(s)) : NULL;
}

int rg_builder_set_header(rg_builder *b, const rg_header_desc *h)
{
    if (!b || !h)
        return rg_fail(RG_EINVAL, "rg_builder_set_header: NULL argument");
    rg_snapshot *s = b->s;
    rg_free(b->header_format);
    rg_free(s->info_producer);
    rg_free(s->info_runtime);
    b->header_format = dup_or_null(h->format);
    s->info_producer = dup_or_null(h->producer);
    s->info_runtime = dup_or_null(h->runtime);
    b->header_version = h->format_version;
    s->info.pid = h->pid;
    s->info.time = h->time;
    s->info.seq = h->seq;
    return RG_OK;
}

void rg_builder_set_line(rg_builder *b, uint64_t line) { b->cur_line = line; }
void rg_builder_set_threads(rg_builder *b, unsigned threads) { b->threads = threads; }
void rg_builder_set_plain_parser(rg_builder *b, int on) { b->plain_parser = on; }
int rg_builder_plain_parser(const rg_builder *b) { return b->plain_parser; }
int rg_builder_set_node_targets(rg_builder *b, int on)
{
    if (!on == !b->node_targets)
        return RG_OK;
    if (b->n_edges)
        return rg_fail(RG_EINVAL, "rg_builder_set_node_targets: references were already added");
    /* the target column changes width: drop what a hint reserved, keeping
     * its capacity */
    size_t cap = b->edge_cap;
    rg_free(b->edge_dst_id);
    rg_free(b->edge_dst_node);
    b->edge_dst_id = NULL;
    b->edge_dst_node = NULL;
    b->node_targets = on;
    if (cap && !(on ? (void *)(b->edge_dst_node = rg_xmalloc(cap, sizeof *b->edge_dst_node))
                    : (void *)(b->edge_dst_id = rg_xmalloc(cap, sizeof *b->edge_dst_id)))) {
        b->edge_cap = 0; /* the other columns are regrown with it */
        return RG_ENOMEM;
    }
    return RG_OK;
}
void rg_builder_set_longest_line(rg_builder *b, uint64_t bytes) { b->longest_line = bytes; }
uint64_t rg_builder_longest_line(const rg_builder *b) { return b->longest_line; }

unsigned rg_builder_threads(const rg_builder *b)
{
    return b->threads == 1 ? 1 : 2; /* 0 = choose: the target machine has two cores */
}

void rg_builder_prefetch_id(const rg_builder *b, uint64_t id) { rg_idmap_prefetch(&b->s->ids, id); }
void rg_builder_prefetch_string(const rg_builder *b, uint32_t hash) { rg_strtab_prefetch(&b->s->strings, hash); }

static int note_line(rg_builder *b, rg_node n)
{
    int64_t delta = b->cur_line ? (int64_t)b->cur_line - (int64_t)n : NO_LINE;
    if (b->n_runs && b->run_delta[b->n_runs - 1] == delta)
        return RG_OK;
    size_t cap = b->run_cap;
    if (rg_grow((void **)&b->run_node, &cap, b->n_runs + 1, sizeof *b->run_node))
        return RG_ENOMEM;
    cap = b->run_cap;
    if (rg_grow((void **)&b->run_delta, &cap, b->n_runs + 1, sizeof *b->run_delta))
        return RG_ENOMEM;
    b->run_cap = cap;
    b->run_node[b->n_runs] = n;
    b->run_delta[b->n_runs] = delta;
    b->n_runs++;
    return RG_OK;
}

/* The line node n was added at; 0 when it had none. */
static uint64_t line_of(const rg_builder *b, rg_node n)
{
    size_t lo = 0, hi = b->n_runs; /* find the last run starting at or before n */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (b->run_node[mid] <= n)
            lo = mid;
        else
            hi = mid;
    }
    if (!b->n_runs || b->run_delta[lo] == NO_LINE)
        return 0;
    return (uint64_t)((int64_t)n + b->run_delta[lo]);
}
uint64_t rg_builder_object_count(const rg_builder *b) { return b->s->n_nodes; }
void rg_builder_note_skipped(rg_builder *b, uint64_t n) { b->skipped += n; }

int rg_builder_set_info_strings(rg_builder *b, const char *path, const char *compression,
                                uint64_t input_bytes)
{
    rg_free(b->s->info_path);
    rg_free(b->compression);
    b->s->info_path = dup_or_null(path);
    b->compression = dup_or_null(compression);
    b->input_bytes = input_bytes;
    return RG_OK;
}

static int grow_nodes(rg_builder *b, size_t need)
{
    if (need <= b->node_cap)
        return RG_OK;
    size_t cap = b->node_cap ? b->node_cap * 2 : 1024;
    while (cap < need)
        cap *= 2;
    rg_snapshot *s = b->s;
#define GROW(arr) do { void *p = rg_xrealloc(arr, cap, sizeof *(arr)); if (!p) return RG_ENOMEM; arr = p; } while (0)
    GROW(s->node_id);
    GROW(s->node_type);
    GROW(s->node_size);
    GROW(s->node_len);
    if (s->node_rc) /* allocated at the first refcount (store_object) */
        GROW(s->node_rc);
    GROW(s->node_repr);
    GROW(s->node_name);
    GROW(s->node_flags);
    GROW(s->fwd_off);
#undef GROW
    /* the id column is read at random by every id map probe */
    rg_advise_huge(s->node_id, cap * sizeof *s->node_id);
    b->node_cap = cap;
    return RG_OK;
}

void rg_builder_set_input_size(rg_builder *b, uint64_t bytes) { b->hint_bytes = bytes; }

uint64_t rg_builder_hint_cap(const rg_builder *b, uint64_t min_record_bytes)
{
    return b->hint_bytes / (min_record_bytes ? min_record_bytes : 1);
}

/* The fewest bytes an object or an edge takes in any format we read: a
 * JSONL object record is over 40 bytes and a V8 node at least 2 per field;
 * an edge is at least "1," in a refs list. */
#define MIN_OBJECT_BYTES 8
#define MIN_EDGE_BYTES 2

int rg_builder_set_expected(rg_builder *b, uint64_t objects, uint64_t edges)
{
    /* Only a hint: a hint never allocates more than the data that backs
     * it (a 185-byte file announcing 10^12 objects used to zero a 2 GiB
     * id map). */
    uint64_t obj_cap = rg_builder_hint_cap(b, MIN_OBJECT_BYTES), edge_cap = rg_builder_hint_cap(b, MIN_EDGE_BYTES);
    if (objects > obj_cap)
        objects = obj_cap;
    if (edges > edge_cap)
        edges = edge_cap;
    return rg_builder_reserve(b, objects, edges);
}

int rg_builder_reserve(rg_builder *b, uint64_t objects, uint64_t edges)
{
    /* never more than 2^28 entries at once: beyond, the arrays grow */
    const uint64_t max_hint = 1ULL << 28;
    if (objects > max_hint)
        objects = max_hint;
    if (edges > max_hint)
        edges = max_hint;
    /* A reader naming targets by index fills the id map at the end, if
     * at all (index_unique_ids): reserving it now would only add its size
     * to the peak of the read. */
    if (objects && (grow_nodes(b, (size_t)objects + 1) ||
                    (!b->node_targets && rg_idmap_reserve(&b->s->ids, b->s->node_id, objects))))
        return RG_ENOMEM;
    if (edges) {
        size_t cap = b->edge_cap;
        if (b->node_targets ? rg_grow((void **)&b->edge_dst_node, &cap, edges, sizeof *b->edge_dst_node)
                            : rg_grow((void **)&b->edge_dst_id, &cap, edges, sizeof *b->edge_dst_id))
            return RG_ENOMEM;
        cap = b->edge_cap;
        if (rg_grow((void **)&b->edge_kind, &cap, edges, sizeof *b->edge_kind))
            return RG_ENOMEM;
        cap = b->edge_cap;
        if (rg_grow((void **)&b->edge_label, &cap, edges, sizeof *b->edge_label))
            return RG_ENOMEM;
        b->edge_cap = cap;
    }
    return RG_OK;
}

int rg_builder_intern(rg_builder *b, const char *s, size_t len, uint32_t *sid)
{
    return rg_strtab_intern(&b->s->strings, s, len, sid);
}

int rg_builder_intern_hashed(rg_builder *b, const char *s, size_t len, uint32_t hash, uint32_t *sid)
{
    return rg_strtab_intern_hashed(&b->s->strings, s, len, hash, sid);
}

static int type_for_sid(rg_builder *b, uint32_t sid, uint32_t *type)
{
    if (sid >= b->sid_type_cap) {
        size_t old = b->sid_type_cap;
        if (rg_grow((void **)&b->sid_type, &b->sid_type_cap, (size_t)sid + 1, sizeof *b->sid_type))
            return RG_ENOMEM;
        memset(b->sid_type + old, 0, (b->sid_type_cap - old) * sizeof *b->sid_type);
    }
    if (!b->sid_type[sid]) {
        rg_snapshot *s = b->s;
        if (rg_grow((void **)&s->type_name, &b->type_cap, (size_t)s->n_types + 1, sizeof *s->type_name))
            return RG_ENOMEM;
        s->type_name[s->n_types] = sid;
        b->sid_type[sid] = ++s->n_types;
    }
    *type = b->sid_type[sid] - 1;
    return RG_OK;
}

static uint32_t clamp32(int64_t v, uint32_t none)
{
    if (v < 0)
        return none;
    if ((uint64_t)v >= none)
        return none - 1;
    return (uint32_t)v;
}

/* Store node n's fields and index its id; the common tail of both ways in. */
static int store_object(rg_builder *b, const rg_object_fast *o)
{
    rg_snapshot *s = b->s;
    if (s->n_nodes == UINT32_MAX - 1)
        return rg_fail(RG_ELIMIT, "more than 4 billion objects");
    if (grow_nodes(b, (size_t)s->n_nodes + 2))
        return RG_ENOMEM;
    rg_node n = s->n_nodes;
    uint32_t type;
    if (type_for_sid(b, o->type_sid, &type))
        return RG_ENOMEM;
    s->node_id[n] = o->id;
    rg_node existing = RG_NODE_NONE;
    if (!b->node_targets && rg_idmap_insert(&s->ids, s->node_id, n, &existing))
        return RG_ENOMEM;
    if (existing != RG_NODE_NONE) {
        if (b->cur_line)
            return rg_fail(RG_EFORMAT, "duplicate object id %llu (first defined at line %llu)",
                           (unsigned long long)o->id, (unsigned long long)line_of(b, existing));
        return rg_fail(RG_EFORMAT, "duplicate object id %llu", (unsigned long long)o->id);
    }
    if (note_line(b, n))
        return RG_ENOMEM;
    s->node_type[n] = type;
    s->node_size[n] = o->size;
    s->node_len[n] = o->len;
    if (o->rc != RG_RC_NONE || s->node_rc) {
        if (!s->node_rc) {
            /* the first refcount: V8 and meliae never get here, and keep no
             * column of them while reading */
            s->node_rc = rg_xmalloc(b->node_cap, sizeof *s->node_rc);
            if (!s->node_rc)
                return RG_ENOMEM;
            for (rg_node v = 0; v < n; v++)
                s->node_rc[v] = RG_RC_NONE;
        }
        s->node_rc[n] = o->rc;
    }
    s->node_repr[n] = o->repr_sid;
    s->node_name[n] = o->name_sid;
    s->node_flags[n] = (uint8_t)(o->flags & (RG_NODE_GC_TRACKED | RG_NODE_GARBAGE));
    s->fwd_off[n] = b->n_edges;
    s->n_nodes++;
    return RG_OK;
}

int rg_builder_add_object_fast(rg_builder *b, const rg_object_fast *o)
{
    return store_object(b, o);
}

int rg_builder_add_object_interned(rg_builder *b, uint64_t id, uint32_t type_sid,
                                   const rg_object_desc *obj)
{
    rg_object_fast o = {.id = id, .size = obj->size, .type_sid = type_sid};
    if (obj->repr && *obj->repr) {
        /* Bounded so a snapshot with megabyte strings cannot bloat the arena. */
        size_t len = strlen(obj->repr);
        if (len > 256) {
            len = 256;
            while (len > 0 && ((unsigned char)obj->repr[len] & 0xC0) == 0x80)
                len--; /* do not cut a UTF-8 sequence in half */
        }
        if (rg_builder_intern(b, obj->repr, len, &o.repr_sid))
            return RG_ENOMEM;
    }
    if (obj->name && *obj->name && rg_builder_intern(b, obj->name, strlen(obj->name), &o.name_sid))
        return RG_ENOMEM;
    o.len = obj->has_length ? clamp32(obj->length, RG_LEN_NONE) : RG_LEN_NONE;
    o.rc = clamp32(obj->refcount, RG_RC_NONE);
    o.flags = obj->flags;
    return store_object(b, &o);
}

int rg_builder_add_object(rg_builder *b, const rg_object_desc *obj)
{
    if (!b || !obj || !obj->type)
        return rg_fail(RG_EINVAL, "rg_builder_add_object: NULL builder, object or type");
    uint32_t sid;
    if (rg_builder_intern(b, obj->type, strlen(obj->type), &sid))
        return RG_ENOMEM;
    return rg_builder_add_object_interned(b, obj->id, sid, obj);
}

int rg_builder_add_ref_sid(rg_builder *b, uint64_t target_id, rg_edge_kind kind, uint32_t label)
{
    if (b->s->n_nodes == 0)
        return rg_fail(RG_EINVAL, "a reference was added before any object");
    if (b->n_edges >= UINT32_MAX - 1)
        return rg_fail(RG_ELIMIT, "more than 4 billion references");
    if (b->n_edges == b->edge_cap) {
        size_t cap = b->edge_cap ? b->edge_cap * 2 : 4096;
        void *p;
        if (b->node_targets) {
            if (!(p = rg_xrealloc(b->edge_dst_node, cap, sizeof *b->edge_dst_node)))
                return RG_ENOMEM;
            b->edge_dst_node = p;
        } else {
            if (!(p = rg_xrealloc(b->edge_dst_id, cap, sizeof *b->edge_dst_id)))
                return RG_ENOMEM;
            b->edge_dst_id = p;
        }
        if (!(p = rg_xrealloc(b->edge_kind, cap, sizeof *b->edge_kind)))
            return RG_ENOMEM;
        b->edge_kind = p;
        if (!(p = rg_xrealloc(b->edge_label, cap, sizeof *b->edge_label)))
            return RG_ENOMEM;
        b->edge_label = p;
        b->edge_cap = cap;
    }
    if (b->node_targets)
        b->edge_dst_node[b->n_edges] = target_id < RG_NODE_NONE ? (uint32_t)target_id : RG_NODE_NONE;
    else
        b->edge_dst_id[b->n_edges] = target_id;
    b->edge_kind[b->n_edges] = (uint8_t)kind;
    b->edge_label[b->n_edges] = label;
    b->n_edges++;
    return RG_OK;
}

int rg_builder_add_ref(rg_builder *b, uint64_t target_id, rg_edge_kind kind,
                       const char *label, int64_t index)
{
    if (!b)
        return rg_fail(RG_EINVAL, "rg_builder_add_ref: NULL builder");
    if ((unsigned)kind >= RG_EDGE_KIND_COUNT)
        return rg_fail(RG_EINVAL, "rg_builder_add_ref: edge kind %d out of range", (int)kind);
    uint32_t l = 0;
    if (kind == RG_EDGE_INDEX)
        l = index < 0 ? 0 : index >= UINT32_MAX ? UINT32_MAX : (uint32_t)index;
    else if (label && rg_builder_intern(b, label, strlen(label), &l))
        return RG_ENOMEM;
    return rg_builder_add_ref_sid(b, target_id, kind, l);
}

int rg_builder_add_root(rg_builder *b, uint64_t id, rg_root_kind kind, const char *label)
{
    if (!b)
        return rg_fail(RG_EINVAL, "rg_builder_add_root: NULL builder");
    if ((unsigned)kind >= RG_ROOT_KIND_COUNT)
        return rg_fail(RG_EINVAL, "rg_builder_add_root: root kind %d out of range", (int)kind);
    uint32_t l = 0;
    if (label && rg_builder_intern(b, label, strlen(label), &l))
        return RG_ENOMEM;
    return rg_builder_add_root_sid(b, id, kind, l);
}

int rg_builder_add_root_sid(rg_builder *b, uint64_t id, rg_root_kind kind, uint32_t l)
{
    if (b->n_roots == UINT32_MAX - 1)
        return rg_fail(RG_ELIMIT, "too many roots");
    if ((size_t)b->n_roots == b->root_cap) {
        size_t cap = b->root_cap ? b->root_cap * 2 : 64;
        void *p;
        if (!(p = rg_xrealloc(b->root_id, cap, sizeof *b->root_id)))
            return RG_ENOMEM;
        b->root_id = p;
        if (!(p = rg_xrealloc(b->root_kind, cap, sizeof *b->root_kind)))
            return RG_ENOMEM;
        b->root_kind = p;
        if (!(p = rg_xrealloc(b->root_label, cap, sizeof *b->root_label)))
            return RG_ENOMEM;
        b->root_label = p;
        b->root_cap = cap;
    }
    b->root_id[b->n_roots] = id;
    b->root_kind[b->n_roots] = (uint8_t)kind;
    b->root_label[b->n_roots] = l;
    b->n_roots++;
    return RG_OK;
}

/* Resolving a reference is a hash lookup that misses the cache twice; with
 * tens of millions of them this is the longest step of finish(), so the
 * edges are split between threads (the table is read-only by now). */
typedef struct resolve_job {
    const rg_snapshot *s;
    const uint64_t *keys;
    uint32_t *out;
    size_t n;
    uint64_t dangling;
    int node_targets;
} resolve_job;

static void *resolve_range(void *arg)
{
    resolve_job *j = arg;
    if (j->node_targets) /* in place: out holds the node indices read */
        for (size_t i = 0; i < j->n; i++)
            j->out[i] = j->out[i] < j->s->n_nodes ? j->out[i] : RG_NODE_NONE;
    else
        rg_idmap_lookup_many(&j->s->ids, j->s->node_id, j->keys, j->out, j->n);
    uint64_t d = 0;
    for (size_t i = 0; i < j->n; i++)
        d += j->out[i] == RG_NODE_NONE;
    j->dangling = d;
    return NULL;
}

/* Resolve every edge, split over the builder's threads (the calling thread
 * takes the last part). */
static void resolve_all(rg_builder *b, uint64_t *dangling)
{
    rg_snapshot *s = b->s;
    *dangling = 0;
    if (b->n_edges == 0)
        return;
    resolve_job jobs[2];
    unsigned t = rg_builder_threads(b);
    if (b->n_edges < 65536)
        t = 1;
    size_t per = (size_t)(b->n_edges / t);
    for (unsigned i = 0; i < t; i++) {
        size_t lo = per * i, hi = i + 1 == t ? (size_t)b->n_edges : per * (i + 1);
        jobs[i] = (resolve_job){s, b->node_targets ? NULL : b->edge_dst_id + lo, s->fwd_dst + lo, hi - lo, 0,
                                b->node_targets};
    }
    pthread_t th;
    int started = t > 1 && pthread_create(&th, NULL, resolve_range, &jobs[0]) == 0;
    if (!started && t > 1)
        resolve_range(&jobs[0]);
    resolve_range(&jobs[t - 1]);
    if (started)
        pthread_join(th, NULL);
    *dangling = 0;
    for (unsigned i = 0; i < t; i++)
        *dangling += jobs[i].dangling;
}

/* Resolve target ids to nodes, dropping (and counting) dangling ones. The
 * edges are already grouped by source, because each object's references
 * follow it, so the forward CSR is the record order itself. */
static int build_forward(rg_builder *b)
{
    rg_snapshot *s = b->s;
    uint32_t n = s->n_nodes;
    /* node_targets: the targets are the column already, checked in place */
    s->fwd_dst = b->node_targets ? b->edge_dst_node : rg_xmalloc(b->n_edges, sizeof *s->fwd_dst);
    b->edge_dst_node = NULL;
    if (!s->fwd_dst && b->n_edges)
        return RG_ENOMEM;
    uint64_t dangling;
    resolve_all(b, &dangling);
    rg_free(b->edge_dst_id);
    b->edge_dst_id = NULL;
    s->fwd_off[n] = b->n_edges;
    uint64_t w = b->n_edges;
    if (dangling) {
        /* Squeeze the dropped edges out in place, shifting offsets. */
        w = 0;
        uint64_t begin = s->fwd_off[0];
        for (uint32_t v = 0; v < n; v++) {
            uint64_t end = s->fwd_off[v + 1];
            s->fwd_off[v] = w;
            for (uint64_t e = begin; e < end; e++) {
                if (s->fwd_dst[e] == RG_NODE_NONE)
                    continue;
                s->fwd_dst[w] = s->fwd_dst[e];
                b->edge_kind[w] = b->edge_kind[e];
                b->edge_label[w] = b->edge_label[e];
                w++;
            }
            begin = end;
        }
        s->fwd_off[n] = w;
    }
    s->n_edges = w;
    s->fwd_kind = b->edge_kind;
    s->fwd_label = b->edge_label;
    b->edge_kind = NULL;
    b->edge_label = NULL;
    /* Give back the slack of the growth-by-doubling. */
    void *p;
    if (w && (p = rg_realloc(s->fwd_dst, w * sizeof *s->fwd_dst)))
        s->fwd_dst = p;
    if (w && (p = rg_realloc(s->fwd_kind, w * sizeof *s->fwd_kind)))
        s->fwd_kind = p;
    if (w && (p = rg_realloc(s->fwd_label, w * sizeof *s->fwd_label)))
        s->fwd_label = p;
    s->info.dangling_refs = dangling;
    return RG_OK;
}

/* Counting sort of the forward edges by target: O(nodes + edges). */
int rg_snapshot_build_reverse(rg_snapshot *s, int with_edge)
{
    uint32_t n = s->n_nodes;
    /* counted and filled in target order, i.e. at random: huge pages */
    s->rev_off = rg_xcalloc_huge((size_t)n + 1, sizeof *s->rev_off);
    s->rev_src = rg_xmalloc(s->n_edges, sizeof *s->rev_src);
    s->rev_edge = with_edge ? rg_xmalloc(s->n_edges, sizeof *s->rev_edge) : NULL;
    s->rev_weak = with_edge ? NULL : rg_xcalloc(s->n_edges / 8 + 1, 1);
    if (!s->rev_off || !s->rev_src || (with_edge ? !s->rev_edge : !s->rev_weak))
        return RG_ENOMEM;
    rg_advise_huge(s->rev_src, s->n_edges * sizeof *s->rev_src);
    if (with_edge)
        rg_advise_huge(s->rev_edge, s->n_edges * sizeof *s->rev_edge);
    for (uint64_t e = 0; e < s->n_edges; e++)
        s->rev_off[s->fwd_dst[e] + 1]++;
    for (uint32_t v = 0; v < n; v++)
        s->rev_off[v + 1] += s->rev_off[v];
    /* Fill using rev_off[v] as a cursor, then shift back. */
    for (uint32_t v = 0; v < n; v++) {
        for (uint64_t e = s->fwd_off[v]; e < s->fwd_off[v + 1]; e++) {
            uint64_t at = s->rev_off[s->fwd_dst[e]]++;
            s->rev_src[at] = v;
            if (with_edge)
                s->rev_edge[at] = (uint32_t)e;
            else if (s->fwd_kind[e] == RG_EDGE_WEAK)
                s->rev_weak[at >> 3] |= (uint8_t)(1u << (at & 7));
        }
    }
    for (uint32_t v = n; v > 0; v--)
        s->rev_off[v] = s->rev_off[v - 1];
    s->rev_off[0] = 0;
    return RG_OK;
}

static int build_roots(rg_builder *b)
{
    rg_snapshot *s = b->s;
    s->root_node = rg_xmalloc(b->n_roots, sizeof *s->root_node);
    if (!s->root_node)
        return RG_ENOMEM;
    uint32_t w = 0;
    for (uint32_t i = 0; i < b->n_roots; i++) {
        rg_node t = rg_snapshot_lookup_id(s, b->root_id[i]);
        if (t == RG_NODE_NONE) {
            s->info.dangling_roots++;
            continue;
        }
        s->root_node[w] = t;
        b->root_kind[w] = b->root_kind[i];
        b->root_label[w] = b->root_label[i];
        s->node_flags[t] |= RG_NODE_ROOT;
        w++;
    }
    s->n_roots = w;
    s->root_kind = b->root_kind;
    s->root_label = b->root_label;
    b->root_kind = NULL;
    b->root_label = NULL;
    return RG_OK;
}

static const char *or_empty(const char *s) { return s ? s : ""; }

/* A column that at most half the objects have a value in goes in the
 * packed form (graph_internal.h), under 2.2 bytes an object. */
static int pack_column(uint32_t **column, uint32_t n, uint32_t none, rg_packed32 *out)
{
    const uint32_t *col = *column;
    uint64_t k = 0;
    for (uint32_t v = 0; v < n; v++)
        k += col[v] != none;
    if (k > n / 2)
        return RG_OK;
    if (k) {
        size_t words = (size_t)n / 64 + 1;
        uint64_t *bits = rg_xcalloc(words * 8 + words * 4 + (size_t)k * 4, 1);
        if (!bits)
            return RG_ENOMEM;
        uint32_t *rank = (uint32_t *)(bits + words), *val = rank + words;
        uint32_t at = 0;
        for (uint32_t v = 0; v < n; v++) {
            if ((v & 63) == 0)
                rank[v >> 6] = at;
            if (col[v] != none) {
                bits[v >> 6] |= 1ULL << (v & 63);
                val[at++] = col[v];
            }
        }
        *out = (rg_packed32){bits, rank, val};
    }
    rg_free(*column);
    *column = NULL;
    return RG_OK;
}

static int pack_columns(rg_snapshot *s)
{
    if (!s->n_nodes)
        return RG_OK;
    return pack_column(&s->node_len, s->n_nodes, RG_LEN_NONE, &s->len_packed) ||
                   pack_column(&s->node_repr, s->n_nodes, 0, &s->repr_packed) ||
                   pack_column(&s->node_name, s->n_nodes, 0, &s->name_packed)
               ? RG_ENOMEM
               : RG_OK;
}

/* Types in 16 bits when there are few enough (a heap has hundreds or
 * thousands): readers go through rg_node_type_at. */
static int narrow_types(rg_snapshot *s)
{
    uint32_t n = s->n_nodes;
    if (!n || s->n_types > UINT16_MAX + 1u)
        return RG_OK;
    uint16_t *narrow = rg_xmalloc(n, sizeof *narrow);
    if (!narrow)
        return RG_ENOMEM;
    for (uint32_t v = 0; v < n; v++)
        narrow[v] = (uint16_t)s->node_type[v];
    rg_free(s->node_type);
    s->node_type = NULL;
    s->node_type16 = narrow;
    return RG_OK;
}

/* Sizes that all fit in 32 bits (V8's self sizes, and nearly every
 * Python heap's) are kept so: readers go through rg_node_size_at. */
static int narrow_sizes(rg_snapshot *s)
{
    uint32_t n = s->n_nodes;
    uint64_t max = 0;
    for (uint32_t v = 0; v < n; v++)
        max = s->node_size[v] > max ? s->node_size[v] : max;
    if (!n || max > UINT32_MAX)
        return RG_OK;
    uint32_t *narrow = rg_xmalloc(n, sizeof *narrow);
    if (!narrow)
        return RG_ENOMEM;
    for (uint32_t v = 0; v < n; v++)
        narrow[v] = (uint32_t)s->node_size[v];
    rg_free(s->node_size);
    s->node_size = NULL;
    s->node_size32 = narrow;
    return RG_OK;
}

/* No object with a refcount (V8, meliae): the column goes, 4 bytes an
 * object, and readers see RG_RC_NONE through rg_node_rc_at. */
static void drop_absent_refcounts(rg_snapshot *s)
{
    if (!s->node_rc)
        return;
    for (uint32_t v = 0; v < s->n_nodes; v++)
        if (s->node_rc[v] != RG_RC_NONE)
            return;
    rg_free(s->node_rc);
    s->node_rc = NULL;
}

/* The id map of a reader that vouched for unique ids: every id goes in
 * without a compare (rg_idmap_insert reads the id of each occupied slot it
 * probes, a cache miss apiece), the slots fetched a few nodes ahead. */
static int index_unique_ids(rg_snapshot *s)
{
    rg_idmap *m = &s->ids;
    uint32_t count = s->n_nodes, end = 0;
    /* V8 numbers its objects in allocation order and writes them in that
     * order, but for a few embedder objects at the end: the rising prefix
     * needs no map (a binary search finds it), only the rest go in. */
    if (m->used == 0 && count) {
        end = 1;
        while (end < count && s->node_id[end - 1] < s->node_id[end])
            end++;
    }
    s->ids_sorted_end = end;
    if (rg_idmap_reserve(m, s->node_id, (uint64_t)m->used + (count - end)))
        return RG_ENOMEM;
    for (uint32_t n = end; n < count; n++) {
        if (n + 16 < count)
            rg_idmap_prefetch(m, s->node_id[n + 16]);
        uint64_t i = rg_idmap_hash(m, s->node_id[n]) & m->mask;
        while (m->slots[i])
            i = (i + 1) & m->mask;
        m->slots[i] = n + 1;
    }
    m->used += count - end;
    /* Ids that all fit in 32 bits (V8's are 32-bit) are kept so. */
    uint64_t max = 0;
    for (uint32_t n = 0; n < count; n++)
        max = s->node_id[n] > max ? s->node_id[n] : max;
    if (count && max <= UINT32_MAX) {
        uint32_t *narrow = rg_xmalloc(count, sizeof *narrow);
        if (!narrow)
            return RG_ENOMEM;
        for (uint32_t n = 0; n < count; n++)
            narrow[n] = (uint32_t)s->node_id[n];
        rg_free(s->node_id);
        s->node_id = NULL;
        s->node_id32 = narrow;
    }
    return RG_OK;
}

int rg_builder_finish(rg_builder *b, rg_snapshot **out)
{
    if (!b)
        return rg_fail(RG_EINVAL, "rg_builder_finish: NULL builder");
    if (!out) {
        rg_builder_free(b);
        return rg_fail(RG_EINVAL, "rg_builder_finish: out is NULL");
    }
    rg_snapshot *s = b->s;
    int rc;
    rg_idmap_untag(&s->ids); /* the lookups below and the cache read plain slots */
    if ((b->node_targets && index_unique_ids(s)) || grow_nodes(b, (size_t)s->n_nodes + 1) ||
        (rc = build_forward(b)) || (drop_absent_refcounts(s), 0) || (rc = pack_columns(s)) ||
        (rc = narrow_sizes(s)) || (rc = narrow_types(s)) ||
        (rc = rg_snapshot_build_reverse(s, rg_snapshot_wants_rev_edge(s))) ||
        (rc = build_roots(b))) {
        rg_builder_free(b);
        return rg_last_error_code() ? rg_last_error_code() : RG_ENOMEM;
    }
    rg_strtab_seal(&s->strings);
    s->longest_line = b->longest_line;

    uint64_t total = 0;
    for (uint32_t v = 0; v < s->n_nodes; v++)
        total += rg_node_size_at(s, v);
    rg_snapshot_info *info = &s->info;
    info->path = or_empty(s->info_path);
    info->format = b->header_format ? b->header_format : "refgraph-snapshot";
    info->format_version = b->header_version;
    info->compression = b->compression ? b->compression : "none";
    info->producer = or_empty(s->info_producer);
    info->runtime = or_empty(s->info_runtime);
    info->objects = s->n_nodes;
    info->edges = s->n_edges;
    info->roots = s->n_roots;
    info->total_bytes = total;
    info->input_bytes = b->input_bytes;
    info->skipped_records = b->skipped;
    info->cache_note = or_empty(s->info_cache_note);
    /* The snapshot keeps the format and compression strings. */
    s->info_format_storage = b->header_format;
    s->info_compression_storage = b->compression;
    b->header_format = NULL;
    b->compression = NULL;
    b->s = NULL;
    rg_builder_free(b);
    *out = s;
    return RG_OK;
}
