/* v8_build.c: the graph of a V8 heap snapshot, built once every node, edge
 * and string is read and checked (v8_events.c): node types become DevTools'
 * class names, edges refgraph's kinds, and the synthetic root's children
 * and the "(GC roots)" categories become roots. docs/formats.md documents
 * the mapping. */
#include "read/v8_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static const char *str_at(const v8_reader *r, uint32_t i) { return r->arena + r->s_off[i]; }

typedef struct build {
    v8_reader *r;
    uint32_t *sid_of;       /* string index -> builder string id; UINT32_MAX = not yet */
    uint32_t kind_sid[NK_OTHER + 1];
    uint32_t other_kind_sid[MAX_KINDS];
    uint32_t hidden_sid, empty_object_sid;
} build;

static int intern(build *bd, const char *s, uint32_t *sid)
{
    return rg_builder_intern(bd->r->b, s, strlen(s), sid);
}

static int sid_of_string(build *bd, uint32_t i, uint32_t *sid)
{
    if (bd->sid_of[i] == UINT32_MAX && intern(bd, str_at(bd->r, i), &bd->sid_of[i]))
        return RG_ENOMEM;
    *sid = bd->sid_of[i];
    return RG_OK;
}

static int type_sid(build *bd, uint32_t n, uint32_t *sid)
{
    v8_reader *r = bd->r;
    uint8_t t = r->n_kind[n];
    enum node_kind k = (enum node_kind)r->node_kind_of[t];
    if (k == NK_OBJECT || k == NK_NATIVE) {
        const char *name = str_at(r, r->n_name[n]);
        if (!*name) {
            *sid = bd->empty_object_sid;
            return RG_OK;
        }
        if (r->n_detached[n] == 2) {
            /* As DevTools labels DOM nodes no longer in a document. */
            char buf[MAX_KEPT_STRING + 16];
            snprintf(buf, sizeof buf, "Detached %s", name);
            return intern(bd, buf, sid);
        }
        return sid_of_string(bd, r->n_name[n], sid);
    }
    if (k == NK_OTHER) {
        if (bd->other_kind_sid[t] == UINT32_MAX) {
            char buf[MAX_KIND_NAME + 4];
            snprintf(buf, sizeof buf, "(%s)", r->node_kind_text[t]);
            if (intern(bd, buf, &bd->other_kind_sid[t]))
                return RG_ENOMEM;
        }
        *sid = bd->other_kind_sid[t];
        return RG_OK;
    }
    *sid = bd->kind_sid[k];
    return RG_OK;
}

static int init_build(build *bd, v8_reader *r)
{
    memset(bd, 0, sizeof *bd);
    bd->r = r;
    bd->sid_of = rg_xmalloc(r->n_strings ? r->n_strings : 1, sizeof *bd->sid_of);
    if (!bd->sid_of)
        return RG_ENOMEM;
    memset(bd->sid_of, 0xff, (size_t)(r->n_strings ? r->n_strings : 1) * sizeof *bd->sid_of);
    memset(bd->other_kind_sid, 0xff, sizeof bd->other_kind_sid);
    /* DevTools' class names for the node types that have no constructor. */
    static const char *const type_names[NK_OTHER] = {
        [NK_HIDDEN] = "(system)", [NK_ARRAY] = "(array)", [NK_STRING] = "(string)",
        [NK_OBJECT] = "(object)", [NK_CODE] = "(compiled code)", [NK_CLOSURE] = "(closure)",
        [NK_REGEXP] = "RegExp", [NK_NUMBER] = "(number)", [NK_NATIVE] = "(native)",
        [NK_SYNTHETIC] = "(synthetic)", [NK_CONS_STRING] = "(string)", [NK_SLICED_STRING] = "(string)",
        [NK_SYMBOL] = "(symbol)", [NK_BIGINT] = "(bigint)", [NK_OBJECT_SHAPE] = "(object shape)",
    };
    for (int k = 0; k < NK_OTHER; k++)
        if (intern(bd, type_names[k], &bd->kind_sid[k]))
            return RG_ENOMEM;
    if (intern(bd, "hidden", &bd->hidden_sid) || intern(bd, "(object)", &bd->empty_object_sid))
        return RG_ENOMEM;
    return RG_OK;
}

static int is_string_kind(enum node_kind k)
{
    return k == NK_STRING || k == NK_CONS_STRING || k == NK_SLICED_STRING;
}

static int add_node(build *bd, uint32_t n, uint64_t first_edge)
{
    v8_reader *r = bd->r;
    enum node_kind k = (enum node_kind)r->node_kind_of[r->n_kind[n]];
    uint32_t tsid;
    if (type_sid(bd, n, &tsid))
        return RG_ENOMEM;
    const char *name = str_at(r, r->n_name[n]);
    uint64_t elements = 0;
    for (uint64_t e = first_edge; e < first_edge + r->n_ecount[n]; e++)
        elements += r->edge_kind_of[r->e_kind[e]] == EK_ELEMENT;
    rg_object_desc d = {
        .id = r->n_id[n],
        .size = r->n_size[n],
        .length = (int64_t)elements,
        .has_length = elements > 0 && k != NK_SYNTHETIC,
        .refcount = -1,
    };
    if (is_string_kind(k) || k == NK_REGEXP)
        d.repr = name;
    else if (k != NK_OBJECT && k != NK_NATIVE)
        d.name = name;
    if (rg_builder_add_object_interned(r->b, d.id, tsid, &d))
        return rg_last_error_code();
    for (uint64_t e = first_edge; e < first_edge + r->n_ecount[n]; e++) {
        enum edge_kind ek = (enum edge_kind)r->edge_kind_of[r->e_kind[e]];
        uint64_t target = r->e_to[e]; /* a node index: rg_builder_set_node_targets */
        rg_edge_kind kind;
        uint32_t label = 0;
        switch (ek) {
        case EK_ELEMENT: kind = RG_EDGE_INDEX; label = r->e_name[e]; break;
        case EK_HIDDEN: kind = RG_EDGE_INTERNAL; label = bd->hidden_sid; break;
        case EK_PROPERTY: kind = RG_EDGE_ATTR; break;
        case EK_CONTEXT: kind = RG_EDGE_CELL; break;
        case EK_WEAK: kind = RG_EDGE_WEAK; break;
        default: kind = RG_EDGE_INTERNAL; break;
        }
        if (kind != RG_EDGE_INDEX && ek != EK_HIDDEN) {
            const char *text = str_at(r, r->e_name[e]);
            uint64_t slot;
            if (ek == EK_INTERNAL && rg_parse_u64(text, strlen(text), &slot) == 1 && slot < UINT32_MAX) {
                /* V8 names the slots of its internal arrays (a Map's hash
                 * table, the stack) by number: they are indices. */
                kind = RG_EDGE_INDEX;
                label = (uint32_t)slot;
            } else {
                if (sid_of_string(bd, r->e_name[e], &label))
                    return RG_ENOMEM;
                /* An object's hidden class is V8's analogue of Python's ob_type. */
                if (ek == EK_INTERNAL && strcmp(text, "map") == 0)
                    kind = RG_EDGE_TYPE;
            }
        }
        if (rg_builder_add_ref_sid(r->b, target, kind, label))
            return rg_last_error_code();
    }
    return RG_OK;
}

/* Which root kind a child of the synthetic root, or of "(GC roots)", is. */
static rg_root_kind root_kind_for(const v8_reader *r, uint32_t n, int under_gc_roots)
{
    const char *name = str_at(r, r->n_name[n]);
    enum node_kind k = (enum node_kind)r->node_kind_of[r->n_kind[n]];
    if (!under_gc_roots)
        return k == NK_OBJECT ? RG_ROOT_MODULE : RG_ROOT_OTHER;
    static const struct { const char *name; rg_root_kind kind; } kinds[] = {
        {"(Stack roots)", RG_ROOT_THREAD}, {"(Handle scope)", RG_ROOT_THREAD},
        {"(Builtins)", RG_ROOT_BUILTINS},
        {"(Global handles)", RG_ROOT_OTHER}, {"(Traced handles)", RG_ROOT_OTHER},
        {"(Eternal handles)", RG_ROOT_OTHER}, {"(Unknown)", RG_ROOT_OTHER},
    };
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(kinds[i].name, name) == 0)
            return kinds[i].kind;
    return RG_ROOT_STATIC;
}

static int add_root(v8_reader *r, uint8_t *mark, uint32_t n, rg_root_kind kind, const char *label)
{
    if (mark[n] & 1)
        return RG_OK;
    mark[n] |= 1;
    return rg_builder_add_root(r->b, r->n_id[n], kind, *label ? label : "(unnamed)");
}

/* Roots: the synthetic root (node 0), everything it points at (the
 * "(GC roots)" node, the global objects, embedder roots), and the children
 * of its synthetic children (the "(Stack roots)", "(Global handles)", ...
 * categories under "(GC roots)"). */
static int add_roots(v8_reader *r, const char **runtime)
{
    *runtime = "v8";
    if (r->n_nodes == 0)
        return RG_OK;
    uint8_t *mark = rg_xcalloc(r->n_nodes, 1);
    if (!mark)
        return RG_ENOMEM;
    int rc = rg_builder_add_root(r->b, r->n_id[0], RG_ROOT_OTHER, "(root)");
    mark[0] = 1;
    for (uint64_t e = 0; rc == RG_OK && e < r->n_ecount[0]; e++) {
        uint32_t t = r->e_to[e];
        const char *name = str_at(r, r->n_name[t]);
        if (strncmp(name, "Node / ", 7) == 0 || strcmp(name, "global") == 0)
            *runtime = "node";
        else if (strncmp(name, "Window", 6) == 0)
            *runtime = "browser";
        if ((enum node_kind)r->node_kind_of[r->n_kind[t]] == NK_SYNTHETIC)
            mark[t] |= 2;
        rc = add_root(r, mark, t, root_kind_for(r, t, 0), name);
    }
    /* One pass finds where each expanded node's edges start. */
    uint64_t first = 0;
    for (uint32_t n = 0; rc == RG_OK && n < r->n_nodes; n++) {
        if (mark[n] & 2) {
            int gc_roots = strcmp(str_at(r, r->n_name[n]), "(GC roots)") == 0;
            for (uint64_t e = first; rc == RG_OK && e < first + r->n_ecount[n]; e++) {
                uint32_t t = r->e_to[e];
                const char *label = gc_roots ? str_at(r, r->n_name[t]) : str_at(r, r->n_name[n]);
                rc = add_root(r, mark, t, gc_roots ? root_kind_for(r, t, 1) : RG_ROOT_OTHER, label);
            }
        }
        first += r->n_ecount[n];
    }
    rg_free(mark);
    return rc;
}

/* node names the snapshots it writes Heap.YYYYMMDD.HHMMSS.PID.THREAD.SEQ.heapsnapshot
 * (local time); that is the only place a pid and a time are recorded. */
static void header_from_file_name(const char *path, rg_header_desc *h)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    int ymd, hms;
    long long pid, thread, seq;
    char tail[16];
    if (sscanf(base, "Heap.%8d.%6d.%lld.%lld.%lld.%15s", &ymd, &hms, &pid, &thread, &seq, tail) != 6 ||
        strncmp(tail, "heapsnapshot", 12) != 0)
        return;
    struct tm tm = {
        .tm_year = ymd / 10000 - 1900, .tm_mon = ymd / 100 % 100 - 1, .tm_mday = ymd % 100,
        .tm_hour = hms / 10000, .tm_min = hms / 100 % 100, .tm_sec = hms % 100, .tm_isdst = -1,
    };
    time_t t = mktime(&tm);
    if (t == (time_t)-1 || pid < 0 || seq < 0)
        return;
    h->pid = pid;
    h->time = (double)t;
    h->seq = seq;
}

/* Give the pages of arr[0, done) (elements of `size` bytes) back to the
 * system: the graph is built node by node, in order, so the parsed arrays
 * are dead behind it, and without this the parsed copy and the builder's
 * copy would both be resident at the end (the peak of the whole load).
 * Only whole pages inside the block are dropped; MADV_DONTNEED leaves the
 * mapping in place, so rg_free() later is unaffected. */
static void release_prefix(void *arr, size_t size, uint64_t done)
{
    static long page;
    if (!page)
        page = sysconf(_SC_PAGESIZE);
    if (!arr || page <= 0)
        return;
    uintptr_t lo = ((uintptr_t)arr + (uintptr_t)page - 1) & ~((uintptr_t)page - 1);
    uintptr_t hi = ((uintptr_t)arr + (uintptr_t)(done * size)) & ~((uintptr_t)page - 1);
    if (hi > lo)
        madvise((void *)lo, hi - lo, MADV_DONTNEED);
}

static void release_behind(v8_reader *r, uint32_t nodes, uint64_t edges)
{
    release_prefix(r->n_kind, sizeof *r->n_kind, nodes);
    release_prefix(r->n_name, sizeof *r->n_name, nodes);
    release_prefix(r->n_id, sizeof *r->n_id, nodes);
    release_prefix(r->n_size, sizeof *r->n_size, nodes);
    release_prefix(r->n_ecount, sizeof *r->n_ecount, nodes);
    release_prefix(r->n_detached, sizeof *r->n_detached, nodes);
    release_prefix(r->e_kind, sizeof *r->e_kind, edges);
    release_prefix(r->e_name, sizeof *r->e_name, edges);
    release_prefix(r->e_to, sizeof *r->e_to, edges);
}

int rg_v8_build_graph(void *reader)
{
    v8_reader *r = reader;
    const char *runtime;
    int rc = add_roots(r, &runtime);
    if (rc)
        return rc;
    rg_header_desc h = {
        .format = FORMAT_NAME, .format_version = 0, .producer = "V8 heap profiler",
        .runtime = runtime, .pid = -1, .time = 0, .seq = -1,
    };
    header_from_file_name(r->name, &h);
    /* ids were checked unique as they were read (v8_events.c), and each
     * edge already knows its target's index (set before reserving: the
     * builder then reserves no id map) */
    if ((rc = rg_builder_set_node_targets(r->b, 1)) || (rc = rg_builder_set_header(r->b, &h)) ||
        (rc = rg_builder_reserve(r->b, r->n_nodes, r->n_edges)))
        return rc;
    build bd;
    rc = init_build(&bd, r);
    uint64_t first = 0;
    for (uint32_t n = 0; rc == RG_OK && n < r->n_nodes; n++) {
        rc = add_node(&bd, n, first);
        first += r->n_ecount[n];
        if ((n & 0xFFFF) == 0xFFFF)
            release_behind(r, n + 1, first);
    }
    rg_free(bd.sid_of);
    return rc;
}
