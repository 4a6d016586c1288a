/* v8.c: the streaming reader of V8 heap snapshots (.heapsnapshot files
 * written by Chrome DevTools, `node --heapsnapshot-signal`,
 * `v8.writeHeapSnapshot()` and `node --heapsnapshot-near-heap-limit`).
 *
 * The file is one JSON object: "snapshot" (whose "meta" names the fields of
 * the flat arrays), then "nodes" and "edges" (flat integer arrays), then
 * "strings", which every node and edge name refers to by index. Because the
 * strings come last, nodes and edges are streamed through yajl's callback
 * parser into compact arrays and become builder calls only at the end; no
 * DOM of the file is ever built. docs/formats.md documents the mapping to
 * refgraph's model. */
#include "readers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <yajl/yajl_parse.h>

#define FORMAT_NAME "v8-heapsnapshot"
#define CHUNK (1u << 20)
#define MAX_FIELDS 64          /* meta.node_fields / edge_fields */
#define MAX_KINDS 256          /* node and edge type names */
#define MAX_KIND_NAME 64
#define MAX_KEPT_STRING 1024   /* longer strings are truncated when stored */
#define MAX_NODES (UINT32_MAX - 2u)
#define MAX_EDGES (UINT32_MAX - 2u)
#define HINT_CAP (1u << 22)    /* never preallocate more than this from a header count */

/* V8's node types, by the names meta.node_types gives them. */
enum node_kind {
    NK_HIDDEN, NK_ARRAY, NK_STRING, NK_OBJECT, NK_CODE, NK_CLOSURE, NK_REGEXP, NK_NUMBER,
    NK_NATIVE, NK_SYNTHETIC, NK_CONS_STRING, NK_SLICED_STRING, NK_SYMBOL, NK_BIGINT,
    NK_OBJECT_SHAPE, NK_OTHER,
};
static const char *const node_kind_names[NK_OTHER] = {
    "hidden", "array", "string", "object", "code", "closure", "regexp", "number",
    "native", "synthetic", "concatenated string", "sliced string", "symbol", "bigint",
    "object shape",
};

enum edge_kind { EK_CONTEXT, EK_ELEMENT, EK_PROPERTY, EK_INTERNAL, EK_HIDDEN, EK_SHORTCUT, EK_WEAK, EK_OTHER };
static const char *const edge_kind_names[EK_OTHER] = {
    "context", "element", "property", "internal", "hidden", "shortcut", "weak",
};

enum node_role { NF_OTHER, NF_TYPE, NF_NAME, NF_ID, NF_SELF_SIZE, NF_EDGE_COUNT, NF_DETACHEDNESS };
enum edge_role { EF_OTHER, EF_TYPE, EF_NAME, EF_TO };

/* The container the parser is in. */
enum ctx {
    C_NONE, C_SKIP, C_TOP, C_SNAPSHOT, C_META, C_NODE_FIELDS, C_EDGE_FIELDS, C_NODE_TYPES,
    C_EDGE_TYPES, C_NODE_TYPE_LIST, C_EDGE_TYPE_LIST, C_NODES, C_EDGES, C_STRINGS,
};

/* What the value after the current map key is. */
enum key {
    K_SKIP, K_SNAPSHOT, K_NODES, K_EDGES, K_STRINGS, K_META, K_NODE_COUNT, K_EDGE_COUNT,
    K_NODE_FIELDS, K_NODE_TYPES, K_EDGE_FIELDS, K_EDGE_TYPES,
};

#define MAX_DEPTH 8

typedef struct v8_reader {
    rg_builder *b;
    const char *name;
    char err[600];
    int failed;
    int err_code;

    /* parse position */
    enum ctx ctx[MAX_DEPTH];
    int depth;
    int skip_nest;              /* containers opened inside a skipped value */
    enum key key;
    uint32_t pos;               /* element index inside node_types / edge_types */

    /* meta */
    int have_meta_nodes, have_meta_edges;
    uint8_t node_role[MAX_FIELDS], edge_role[MAX_FIELDS];
    uint32_t nfc, efc;          /* fields per node / per edge */
    uint32_t node_type_pos, edge_type_pos;   /* position of the list inside node_types / edge_types */
    int have_node_types, have_edge_types;
    uint8_t node_kind_of[MAX_KINDS], edge_kind_of[MAX_KINDS];
    char *node_kind_text[MAX_KINDS];
    uint32_t n_node_kinds, n_edge_kinds;
    int64_t hint_nodes, hint_edges;          /* snapshot.node_count / edge_count; -1 absent */
    int seen_snapshot, seen_nodes, seen_edges, seen_strings;
    int nodes_done, edges_done, strings_done;

    /* nodes, struct of arrays */
    uint32_t n_nodes;
    size_t node_cap;
    uint8_t *n_kind;
    uint32_t *n_name;
    uint64_t *n_id;
    uint64_t *n_size;
    uint32_t *n_ecount;
    uint8_t *n_detached;
    uint32_t field;             /* field index within the current node or edge */
    uint64_t edges_expected;    /* sum of edge_count */
    uint32_t sorted_end;        /* nodes [0, sorted_end) have strictly rising ids */
    int unsorted;
    rg_idmap ids;               /* ids of the nodes after that prefix */

    /* edges */
    uint64_t n_edges;
    size_t edge_cap;
    uint8_t *e_kind;
    uint32_t *e_name;
    uint32_t *e_to;             /* node index (to_node / nfc) */

    /* strings */
    char *arena;
    size_t arena_len, arena_cap;
    uint64_t *s_off;
    uint32_t n_strings;
    size_t s_cap;
} v8_reader;

static int fail(v8_reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(v8_reader *r, const char *fmt, ...)
{
    if (!r->failed) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(r->err, sizeof r->err, fmt, ap);
        va_end(ap);
        r->failed = 1;
        r->err_code = RG_EFORMAT;
    }
    return 0; /* tells yajl to stop */
}

static int fail_code(v8_reader *r, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail_code(v8_reader *r, int code, const char *fmt, ...)
{
    if (!r->failed) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(r->err, sizeof r->err, fmt, ap);
        va_end(ap);
        r->failed = 1;
        r->err_code = code;
    }
    return 0;
}

static int oom(v8_reader *r) { return fail_code(r, RG_ENOMEM, "out of memory (%s)", rg_last_error()); }

static enum ctx cur(const v8_reader *r) { return r->ctx[r->depth]; }

static const char *ctx_label(enum ctx c)
{
    switch (c) {
    case C_TOP: return "the top-level object";
    case C_SNAPSHOT: return "\"snapshot\"";
    case C_META: return "\"snapshot\".\"meta\"";
    case C_NODE_FIELDS: return "meta.node_fields";
    case C_EDGE_FIELDS: return "meta.edge_fields";
    case C_NODE_TYPES: case C_NODE_TYPE_LIST: return "meta.node_types";
    case C_EDGE_TYPES: case C_EDGE_TYPE_LIST: return "meta.edge_types";
    case C_NODES: return "the \"nodes\" array";
    case C_EDGES: return "the \"edges\" array";
    case C_STRINGS: return "the \"strings\" array";
    default: return "a value";
    }
}

/* ---------------------------------------------------------------- meta */

static int add_field(v8_reader *r, int nodes, const unsigned char *s, size_t len)
{
    uint32_t *count = nodes ? &r->nfc : &r->efc;
    if (*count >= MAX_FIELDS)
        return fail(r, "%s has more than %d fields", nodes ? "meta.node_fields" : "meta.edge_fields",
                    MAX_FIELDS);
    static const struct { const char *name; int nodes; uint8_t role; } roles[] = {
        {"type", 1, NF_TYPE}, {"name", 1, NF_NAME}, {"id", 1, NF_ID}, {"self_size", 1, NF_SELF_SIZE},
        {"edge_count", 1, NF_EDGE_COUNT}, {"detachedness", 1, NF_DETACHEDNESS},
        {"type", 0, EF_TYPE}, {"name_or_index", 0, EF_NAME}, {"to_node", 0, EF_TO},
    };
    uint8_t role = 0;
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
        if (roles[i].nodes == nodes && strlen(roles[i].name) == len && memcmp(roles[i].name, s, len) == 0)
            role = roles[i].role;
    uint8_t *table = nodes ? r->node_role : r->edge_role;
    if (role)
        for (uint32_t i = 0; i < *count; i++)
            if (table[i] == role)
                return fail(r, "%s names the field \"%.*s\" twice",
                            nodes ? "meta.node_fields" : "meta.edge_fields", (int)len, (const char *)s);
    table[(*count)++] = role;
    return 1;
}

static int add_kind(v8_reader *r, int nodes, const unsigned char *s, size_t len)
{
    uint32_t *count = nodes ? &r->n_node_kinds : &r->n_edge_kinds;
    if (*count >= MAX_KINDS)
        return fail(r, "%s lists more than %d type names", nodes ? "meta.node_types" : "meta.edge_types",
                    MAX_KINDS);
    if (len > MAX_KIND_NAME)
        return fail(r, "%s: a type name is longer than %d bytes", nodes ? "meta.node_types" : "meta.edge_types",
                    MAX_KIND_NAME);
    const char *const *names = nodes ? node_kind_names : edge_kind_names;
    int n = nodes ? NK_OTHER : EK_OTHER;
    int kind = n;
    for (int i = 0; i < n; i++)
        if (strlen(names[i]) == len && memcmp(names[i], s, len) == 0)
            kind = i;
    if (nodes) {
        r->node_kind_of[*count] = (uint8_t)kind;
        r->node_kind_text[*count] = rg_xstrndup((const char *)s, len);
        if (!r->node_kind_text[*count])
            return oom(r);
    } else {
        r->edge_kind_of[*count] = (uint8_t)kind;
    }
    (*count)++;
    return 1;
}

typedef struct field_need {
    uint8_t role;
    const char *name;
} field_need;

/* One of the two layouts (node_fields + node_types, edge_fields + edge_types)
 * names every field the reader needs, and its type list sits where "type" is. */
static int check_layout(v8_reader *r, const char *what, int have_fields, int have_types,
                        const uint8_t *roles, uint32_t n_fields, const field_need *need,
                        size_t n_need, uint8_t type_role, uint32_t type_pos)
{
    if (!have_fields)
        return fail(r, "\"snapshot\".\"meta\" has no %s_fields", what);
    for (size_t i = 0; i < n_need; i++) {
        int found = 0;
        for (uint32_t f = 0; f < n_fields; f++)
            found |= roles[f] == need[i].role;
        if (!found)
            return fail(r, "meta.%s_fields has no \"%s\" field", what, need[i].name);
    }
    if (!have_types)
        return fail(r, "meta.%s_types has no list of %s type names", what, what);
    for (uint32_t f = 0; f < n_fields; f++)
        if (roles[f] == type_role && f != type_pos)
            return fail(r, "meta.%s_types lists the type names at position %u, but \"type\" is %s field %u",
                        what, type_pos, what, f);
    return 1;
}

/* Called when "nodes" or "edges" begins: everything the layout needs must be
 * known by then, because the arrays are decoded as they stream past. */
static int check_meta(v8_reader *r, int for_edges)
{
    if (!r->seen_snapshot)
        return fail(r, "\"%s\" comes before \"snapshot\" (a V8 heap snapshot starts with its \"snapshot\".\"meta\" layout)",
                    for_edges ? "edges" : "nodes");
    static const field_need need_nodes[] = {
        {NF_TYPE, "type"}, {NF_NAME, "name"}, {NF_ID, "id"}, {NF_SELF_SIZE, "self_size"},
        {NF_EDGE_COUNT, "edge_count"},
    };
    static const field_need need_edges[] = {
        {EF_TYPE, "type"}, {EF_NAME, "name_or_index"}, {EF_TO, "to_node"},
    };
    if (!check_layout(r, "node", r->have_meta_nodes, r->have_node_types, r->node_role, r->nfc, need_nodes,
                      sizeof need_nodes / sizeof need_nodes[0], NF_TYPE, r->node_type_pos))
        return 0;
    if (!for_edges)
        return 1;
    return check_layout(r, "edge", r->have_meta_edges, r->have_edge_types, r->edge_role, r->efc, need_edges,
                        sizeof need_edges / sizeof need_edges[0], EF_TYPE, r->edge_type_pos);
}

/* --------------------------------------------------------- nodes, edges */

static int grow_nodes(v8_reader *r)
{
    size_t cap = r->node_cap ? r->node_cap * 2 : 4096;
    if (!r->node_cap && r->hint_nodes > 0) {
        /* node_count is a hint: cap it by what the input can hold (each
         * field of a node is at least two bytes, "0,") */
        uint64_t backed = rg_builder_hint_cap(r->b, 2 * (uint64_t)r->nfc) + 1;
        uint64_t want = (uint64_t)r->hint_nodes + 1;
        want = want < backed ? want : backed;
        cap = want < HINT_CAP ? (size_t)want : HINT_CAP;
        if (cap < 16)
            cap = 16;
    }
    void *p;
#define GROW(arr) do { if (!(p = rg_xrealloc(arr, cap, sizeof *(arr)))) return oom(r); arr = p; } while (0)
    GROW(r->n_kind);
    GROW(r->n_name);
    GROW(r->n_id);
    GROW(r->n_size);
    GROW(r->n_ecount);
    GROW(r->n_detached);
#undef GROW
    r->node_cap = cap;
    return 1;
}

static int grow_edges(v8_reader *r)
{
    size_t cap = r->edge_cap ? r->edge_cap * 2 : 16384;
    if (!r->edge_cap && r->edges_expected > 0) {
        /* the sum of edge_count fields: one node can claim 4 billion edges
         * in ten bytes, so cap it by what the input can hold too */
        uint64_t backed = rg_builder_hint_cap(r->b, 2 * (uint64_t)r->efc) + 1;
        uint64_t want = r->edges_expected < backed ? r->edges_expected : backed;
        cap = want < HINT_CAP ? (size_t)want : HINT_CAP;
        if (cap < 16)
            cap = 16;
    }
    void *p;
#define GROW(arr) do { if (!(p = rg_xrealloc(arr, cap, sizeof *(arr)))) return oom(r); arr = p; } while (0)
    GROW(r->e_kind);
    GROW(r->e_name);
    GROW(r->e_to);
#undef GROW
    r->edge_cap = cap;
    return 1;
}

#define NODE_OOM (RG_NODE_NONE - 1)

/* The earlier node with node i's id, RG_NODE_NONE, or NODE_OOM. V8 numbers
 * heap objects in the order it writes them, so ids rise through nearly the
 * whole array: that sorted prefix needs no hash table (a binary search
 * covers it), and only the few embedder nodes written after it go into one. */
static rg_node find_earlier_id(v8_reader *r, uint32_t i)
{
    uint64_t id = r->n_id[i];
    if (!r->unsorted) {
        if (i == 0 || id > r->n_id[i - 1]) {
            r->sorted_end = i + 1;
            return RG_NODE_NONE;
        }
        r->unsorted = 1;
    }
    if (id <= r->n_id[r->sorted_end - 1]) {
        uint32_t lo = 0, hi = r->sorted_end;
        while (lo < hi) {
            uint32_t mid = lo + (hi - lo) / 2;
            if (r->n_id[mid] < id)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo < r->sorted_end && r->n_id[lo] == id)
            return lo;
    }
    rg_node existing;
    if (rg_idmap_insert(&r->ids, r->n_id, i, &existing))
        return NODE_OOM;
    return existing;
}

static int node_value(v8_reader *r, uint64_t v)
{
    uint32_t i = r->n_nodes;
    if (r->field == 0) {
        if (i >= MAX_NODES)
            return fail_code(r, RG_ELIMIT, "more than %u nodes", MAX_NODES);
        if (i >= r->node_cap && !grow_nodes(r))
            return 0;
        r->n_detached[i] = 0;
    }
    switch (r->node_role[r->field]) {
    case NF_TYPE:
        if (v >= r->n_node_kinds)
            return fail(r, "node %u: type %llu is not one of the %u types in meta.node_types", i,
                        (unsigned long long)v, r->n_node_kinds);
        r->n_kind[i] = (uint8_t)v;
        break;
    case NF_NAME:
        if (v >= UINT32_MAX)
            return fail(r, "node %u: name string index %llu is out of range", i, (unsigned long long)v);
        r->n_name[i] = (uint32_t)v;
        break;
    case NF_ID: r->n_id[i] = v; break;
    case NF_SELF_SIZE: r->n_size[i] = v; break;
    case NF_EDGE_COUNT:
        if (v > MAX_EDGES)
            return fail(r, "node %u: edge_count %llu is out of range", i, (unsigned long long)v);
        r->n_ecount[i] = (uint32_t)v;
        break;
    case NF_DETACHEDNESS: r->n_detached[i] = v > 2 ? 0 : (uint8_t)v; break;
    default: break;
    }
    if (++r->field < r->nfc)
        return 1;
    r->field = 0;
    rg_node existing = find_earlier_id(r, i);
    if (existing == NODE_OOM)
        return oom(r);
    if (existing != RG_NODE_NONE)
        return fail(r, "node %u has the same id %llu as node %u", i, (unsigned long long)r->n_id[i],
                    existing);
    r->edges_expected += r->n_ecount[i];
    r->n_nodes++;
    return 1;
}

static int end_nodes(v8_reader *r)
{
    if (r->field != 0)
        return fail(r, "the \"nodes\" array ends in the middle of node %u (its length is not a multiple of the %u node fields)",
                    r->n_nodes, r->nfc);
    if (r->hint_nodes >= 0 && (uint64_t)r->hint_nodes != r->n_nodes)
        return fail(r, "\"snapshot\".\"node_count\" says %lld nodes, but the \"nodes\" array holds %u",
                    (long long)r->hint_nodes, r->n_nodes);
    if (r->edges_expected > MAX_EDGES)
        return fail_code(r, RG_ELIMIT, "the nodes' edge_count fields add up to %llu edges, more than %u",
                         (unsigned long long)r->edges_expected, MAX_EDGES);
    if (r->hint_edges >= 0 && (uint64_t)r->hint_edges != r->edges_expected)
        return fail(r, "\"snapshot\".\"edge_count\" says %lld edges, but the nodes' edge_count fields add up to %llu",
                    (long long)r->hint_edges, (unsigned long long)r->edges_expected);
    r->nodes_done = 1;
    return 1;
}

static int edge_value(v8_reader *r, uint64_t v)
{
    uint64_t i = r->n_edges;
    if (r->field == 0) {
        if (i >= r->edges_expected)
            return fail(r, "the \"edges\" array holds more edges than the nodes' edge_count fields add up to (%llu)",
                        (unsigned long long)r->edges_expected);
        if (i >= r->edge_cap && !grow_edges(r))
            return 0;
    }
    switch (r->edge_role[r->field]) {
    case EF_TYPE:
        if (v >= r->n_edge_kinds)
            return fail(r, "edge %llu: type %llu is not one of the %u types in meta.edge_types",
                        (unsigned long long)i, (unsigned long long)v, r->n_edge_kinds);
        r->e_kind[i] = (uint8_t)v;
        break;
    case EF_NAME:
        if (v >= UINT32_MAX)
            return fail(r, "edge %llu: name_or_index %llu is out of range", (unsigned long long)i,
                        (unsigned long long)v);
        r->e_name[i] = (uint32_t)v;
        break;
    case EF_TO:
        if (v % r->nfc != 0 || v / r->nfc >= r->n_nodes)
            return fail(r, "edge %llu: to_node %llu is not the start of one of the %u nodes (a multiple of %u below %llu)",
                        (unsigned long long)i, (unsigned long long)v, r->n_nodes, r->nfc,
                        (unsigned long long)r->n_nodes * r->nfc);
        r->e_to[i] = (uint32_t)(v / r->nfc);
        break;
    default: break;
    }
    if (++r->field < r->efc)
        return 1;
    r->field = 0;
    r->n_edges++;
    return 1;
}

static int end_edges(v8_reader *r)
{
    if (r->field != 0)
        return fail(r, "the \"edges\" array ends in the middle of edge %llu (its length is not a multiple of the %u edge fields)",
                    (unsigned long long)r->n_edges, r->efc);
    if (r->n_edges != r->edges_expected)
        return fail(r, "the \"edges\" array holds %llu edges, but the nodes' edge_count fields add up to %llu",
                    (unsigned long long)r->n_edges, (unsigned long long)r->edges_expected);
    r->edges_done = 1;
    return 1;
}

/* -------------------------------------------------------------- strings */

static int add_string(v8_reader *r, const unsigned char *s, size_t len)
{
    if (r->n_strings >= UINT32_MAX - 1)
        return fail_code(r, RG_ELIMIT, "more than %u strings", UINT32_MAX - 1);
    if (len > MAX_KEPT_STRING) {
        len = MAX_KEPT_STRING;
        while (len > 0 && (s[len] & 0xC0) == 0x80)
            len--; /* do not cut a UTF-8 sequence in half */
    }
    if (rg_grow((void **)&r->s_off, &r->s_cap, (size_t)r->n_strings + 1, sizeof *r->s_off) ||
        rg_grow((void **)&r->arena, &r->arena_cap, r->arena_len + len + 1, 1))
        return oom(r);
    r->s_off[r->n_strings++] = r->arena_len;
    memcpy(r->arena + r->arena_len, s, len);
    rg_utf8_scrub_surrogates(r->arena + r->arena_len, len);
    r->arena[r->arena_len + len] = '\0';
    r->arena_len += len + 1;
    return 1;
}

static int edge_name_is_index(const v8_reader *r, uint64_t e)
{
    uint8_t k = r->edge_kind_of[r->e_kind[e]];
    return k == EK_ELEMENT || k == EK_HIDDEN;
}

/* Every name index can be checked once the strings are all known; failing
 * here (inside the parse) lets the error carry the exact byte offset. */
static int end_strings(v8_reader *r)
{
    if (!r->edges_done)
        return fail(r, "\"strings\" comes before the \"nodes\" and \"edges\" arrays end (refgraph reads V8's order: snapshot, nodes, edges, strings)");
    for (uint32_t i = 0; i < r->n_nodes; i++)
        if (r->n_name[i] >= r->n_strings)
            return fail(r, "node %u (id %llu) has name string index %u, but the \"strings\" array has only %u entries",
                        i, (unsigned long long)r->n_id[i], r->n_name[i], r->n_strings);
    for (uint64_t e = 0; e < r->n_edges; e++)
        if (!edge_name_is_index(r, e) && r->e_name[e] >= r->n_strings)
            return fail(r, "edge %llu has name string index %u, but the \"strings\" array has only %u entries",
                        (unsigned long long)e, r->e_name[e], r->n_strings);
    r->strings_done = 1;
    return 1;
}

/* --------------------------------------------------------- yajl callbacks */

static int scalar_where_container_expected(v8_reader *r, const char *what)
{
    switch (r->key) {
    case K_SNAPSHOT: case K_META: return fail(r, "%s must be an object, found %s", r->key == K_META ? "\"meta\"" : "\"snapshot\"", what);
    case K_NODES: return fail(r, "\"nodes\" must be an array, found %s", what);
    case K_EDGES: return fail(r, "\"edges\" must be an array, found %s", what);
    case K_STRINGS: return fail(r, "\"strings\" must be an array, found %s", what);
    case K_NODE_FIELDS: case K_EDGE_FIELDS: case K_NODE_TYPES: case K_EDGE_TYPES:
        return fail(r, "meta lists must be arrays, found %s", what);
    case K_NODE_COUNT: case K_EDGE_COUNT: return 1;
    default: return 1;
    }
}

/* A scalar that is neither an integer nor a string where one is needed. */
static int other_scalar(v8_reader *r, const char *what)
{
    switch (cur(r)) {
    case C_NONE: return fail(r, "expected a JSON object, found %s", what);
    case C_SKIP: return 1;
    case C_NODES: return fail(r, "node %u: field %u must be a non-negative integer, found %s", r->n_nodes, r->field, what);
    case C_EDGES: return fail(r, "edge %llu: field %u must be a non-negative integer, found %s",
                              (unsigned long long)r->n_edges, r->field, what);
    case C_STRINGS: return fail(r, "\"strings\" entry %u must be a string, found %s", r->n_strings, what);
    case C_NODE_FIELDS: case C_EDGE_FIELDS: case C_NODE_TYPE_LIST: case C_EDGE_TYPE_LIST:
        return fail(r, "%s must list strings, found %s", ctx_label(cur(r)), what);
    case C_NODE_TYPES: case C_EDGE_TYPES: r->pos++; return 1;
    case C_SNAPSHOT:
        if (r->key == K_NODE_COUNT || r->key == K_EDGE_COUNT)
            return fail(r, "\"snapshot\".\"%s\" must be a non-negative integer, found %s",
                        r->key == K_NODE_COUNT ? "node_count" : "edge_count", what);
        return scalar_where_container_expected(r, what);
    default: return scalar_where_container_expected(r, what);
    }
}

static int on_null(void *ctx) { return other_scalar(ctx, "null"); }
static int on_boolean(void *ctx, int v) { (void)v; return other_scalar(ctx, "a boolean"); }

/* yajl hands numbers over as text, so a value beyond 64 bits or a fraction
 * gets an error that says which node or edge holds it. */
static int on_number(void *ctx, const char *s, size_t len)
{
    v8_reader *r = ctx;
    uint64_t v;
    int ok = rg_parse_u64(s, len, &v);
    enum ctx c = cur(r);
    int counts = c == C_SNAPSHOT && (r->key == K_NODE_COUNT || r->key == K_EDGE_COUNT);
    if (c != C_NODES && c != C_EDGES && !counts)
        return other_scalar(r, "a number");
    if (ok <= 0) {
        const char *what = ok < 0 ? "is out of range" : "is not a non-negative integer";
        if (c == C_NODES)
            return fail(r, "node %u: field %u: %.*s %s", r->n_nodes, r->field, (int)(len > 40 ? 40 : len), s, what);
        if (c == C_EDGES)
            return fail(r, "edge %llu: field %u: %.*s %s", (unsigned long long)r->n_edges, r->field,
                        (int)(len > 40 ? 40 : len), s, what);
        return fail(r, "\"snapshot\".\"%s\": %.*s %s", r->key == K_NODE_COUNT ? "node_count" : "edge_count",
                    (int)(len > 40 ? 40 : len), s, what);
    }
    if (c == C_NODES)
        return node_value(r, v);
    if (c == C_EDGES)
        return edge_value(r, v);
    if (v > INT64_MAX)
        v = INT64_MAX;
    if (r->key == K_NODE_COUNT)
        r->hint_nodes = (int64_t)v;
    else
        r->hint_edges = (int64_t)v;
    return 1;
}

static int on_string(void *ctx, const unsigned char *s, size_t len)
{
    v8_reader *r = ctx;
    switch (cur(r)) {
    case C_STRINGS: return add_string(r, s, len);
    case C_NODE_FIELDS: return add_field(r, 1, s, len);
    case C_EDGE_FIELDS: return add_field(r, 0, s, len);
    case C_NODE_TYPE_LIST: return add_kind(r, 1, s, len);
    case C_EDGE_TYPE_LIST: return add_kind(r, 0, s, len);
    default: return other_scalar(r, "a string");
    }
}

static int on_map_key(void *ctx, const unsigned char *k, size_t len)
{
    v8_reader *r = ctx;
    static const struct { enum ctx in; const char *name; enum key key; } keys[] = {
        {C_TOP, "snapshot", K_SNAPSHOT}, {C_TOP, "nodes", K_NODES}, {C_TOP, "edges", K_EDGES},
        {C_TOP, "strings", K_STRINGS}, {C_SNAPSHOT, "meta", K_META},
        {C_SNAPSHOT, "node_count", K_NODE_COUNT}, {C_SNAPSHOT, "edge_count", K_EDGE_COUNT},
        {C_META, "node_fields", K_NODE_FIELDS}, {C_META, "node_types", K_NODE_TYPES},
        {C_META, "edge_fields", K_EDGE_FIELDS}, {C_META, "edge_types", K_EDGE_TYPES},
    };
    r->key = K_SKIP;
    enum ctx c = cur(r);
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (keys[i].in == c && strlen(keys[i].name) == len && memcmp(keys[i].name, k, len) == 0)
            r->key = keys[i].key;
    return 1;
}

/* Decide what a container that starts now is. */
static enum ctx child_ctx(v8_reader *r, int is_map)
{
    enum ctx c = cur(r);
    if (c == C_NONE)
        return is_map ? C_TOP : C_NONE;
    if (c == C_NODE_TYPES || c == C_EDGE_TYPES) {
        uint32_t at = r->pos++;
        if (is_map)
            return C_SKIP;
        int nodes = c == C_NODE_TYPES;
        if (nodes ? r->have_node_types : r->have_edge_types) {
            fail(r, "%s has more than one list of type names", nodes ? "meta.node_types" : "meta.edge_types");
            return C_NONE;
        }
        if (nodes) {
            r->have_node_types = 1;
            r->node_type_pos = at;
            return C_NODE_TYPE_LIST;
        }
        r->have_edge_types = 1;
        r->edge_type_pos = at;
        return C_EDGE_TYPE_LIST;
    }
    if (c != C_TOP && c != C_SNAPSHOT && c != C_META) {
        if (c == C_NODES || c == C_EDGES || c == C_STRINGS || c == C_NODE_FIELDS || c == C_EDGE_FIELDS ||
            c == C_NODE_TYPE_LIST || c == C_EDGE_TYPE_LIST) {
            other_scalar(r, is_map ? "an object" : "an array");
            return C_NONE;
        }
        return C_SKIP;
    }
    enum key k = r->key;
    r->key = K_SKIP;
    enum ctx want;
    int want_map;
    int *seen = NULL;
    switch (k) {
    case K_SNAPSHOT: want = C_SNAPSHOT; want_map = 1; seen = &r->seen_snapshot; break;
    case K_META: want = C_META; want_map = 1; break;
    case K_NODES: want = C_NODES; want_map = 0; seen = &r->seen_nodes; break;
    case K_EDGES: want = C_EDGES; want_map = 0; seen = &r->seen_edges; break;
    case K_STRINGS: want = C_STRINGS; want_map = 0; seen = &r->seen_strings; break;
    case K_NODE_FIELDS: want = C_NODE_FIELDS; want_map = 0; break;
    case K_EDGE_FIELDS: want = C_EDGE_FIELDS; want_map = 0; break;
    case K_NODE_TYPES: want = C_NODE_TYPES; want_map = 0; break;
    case K_EDGE_TYPES: want = C_EDGE_TYPES; want_map = 0; break;
    case K_NODE_COUNT: case K_EDGE_COUNT:
        fail(r, "\"snapshot\".\"%s\" must be a non-negative integer", k == K_NODE_COUNT ? "node_count" : "edge_count");
        return C_NONE;
    default: return C_SKIP;
    }
    if (want_map != is_map) {
        r->key = k;
        scalar_where_container_expected(r, is_map ? "an object" : "an array");
        return C_NONE;
    }
    if (seen) {
        if (*seen) {
            fail(r, "the top-level object has a second \"%s\"", k == K_SNAPSHOT ? "snapshot" : k == K_NODES ? "nodes"
                                                                 : k == K_EDGES ? "edges" : "strings");
            return C_NONE;
        }
        *seen = 1;
    }
    if (want == C_NODE_TYPES || want == C_EDGE_TYPES)
        r->pos = 0;
    if (want == C_NODE_FIELDS) {
        if (r->have_meta_nodes) {
            fail(r, "meta has a second node_fields");
            return C_NONE;
        }
        r->have_meta_nodes = 1;
    }
    if (want == C_EDGE_FIELDS) {
        if (r->have_meta_edges) {
            fail(r, "meta has a second edge_fields");
            return C_NONE;
        }
        r->have_meta_edges = 1;
    }
    if (want == C_NODES) {
        if (!check_meta(r, 0))
            return C_NONE;
        r->field = 0;
        if (rg_idmap_init(&r->ids, 0)) {
            oom(r);
            return C_NONE;
        }
    }
    if (want == C_EDGES) {
        if (!r->nodes_done) {
            fail(r, "\"edges\" comes before \"nodes\" (refgraph reads V8's order: snapshot, nodes, edges, strings)");
            return C_NONE;
        }
        if (!check_meta(r, 1))
            return C_NONE;
        r->field = 0;
    }
    return want;
}

static int open_container(v8_reader *r, int is_map)
{
    if (cur(r) == C_SKIP && r->depth > 0) {
        r->skip_nest++;
        return 1;
    }
    enum ctx c = child_ctx(r, is_map);
    if (r->failed)
        return 0;
    if (c == C_NONE)
        return fail(r, "expected a JSON object, found an array");
    if (r->depth + 1 >= MAX_DEPTH)
        return fail(r, "nesting too deep");
    r->ctx[++r->depth] = c;
    return 1;
}

static int close_container(v8_reader *r)
{
    if (r->skip_nest > 0) {
        r->skip_nest--;
        return 1;
    }
    enum ctx c = cur(r);
    r->depth--;
    switch (c) {
    case C_NODES: return end_nodes(r);
    case C_EDGES: return end_edges(r);
    case C_STRINGS: return end_strings(r);
    case C_NODE_TYPE_LIST:
    case C_EDGE_TYPE_LIST:
        if ((c == C_NODE_TYPE_LIST ? r->n_node_kinds : r->n_edge_kinds) == 0)
            return fail(r, "%s has an empty list of type names", ctx_label(c));
        return 1;
    default: return 1;
    }
}

static int on_start_map(void *ctx) { return open_container(ctx, 1); }
static int on_end_map(void *ctx) { return close_container(ctx); }
static int on_start_array(void *ctx) { return open_container(ctx, 0); }
static int on_end_array(void *ctx) { return close_container(ctx); }

static const yajl_callbacks callbacks = {
    on_null, on_boolean, NULL, NULL, on_number, on_string,
    on_start_map, on_map_key, on_end_map, on_start_array, on_end_array,
};

/* ------------------------------------------------------------ building */

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
        uint64_t target = r->n_id[r->e_to[e]];
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
    free(mark);
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

static int build_graph(v8_reader *r)
{
    const char *runtime;
    int rc = add_roots(r, &runtime);
    if (rc)
        return rc;
    rg_header_desc h = {
        .format = FORMAT_NAME, .format_version = 0, .producer = "V8 heap profiler",
        .runtime = runtime, .pid = -1, .time = 0, .seq = -1,
    };
    header_from_file_name(r->name, &h);
    if ((rc = rg_builder_set_header(r->b, &h)) || (rc = rg_builder_reserve(r->b, r->n_nodes, r->n_edges)))
        return rc;
    build bd;
    rc = init_build(&bd, r);
    uint64_t first = 0;
    for (uint32_t n = 0; rc == RG_OK && n < r->n_nodes; n++) {
        rc = add_node(&bd, n, first);
        first += r->n_ecount[n];
    }
    free(bd.sid_of);
    return rc;
}

/* --------------------------------------------------------------- driver */

static void free_reader(v8_reader *r)
{
    for (uint32_t i = 0; i < r->n_node_kinds; i++)
        free(r->node_kind_text[i]);
    free(r->n_kind);
    free(r->n_name);
    free(r->n_id);
    free(r->n_size);
    free(r->n_ecount);
    free(r->n_detached);
    free(r->e_kind);
    free(r->e_name);
    free(r->e_to);
    free(r->arena);
    free(r->s_off);
    rg_idmap_free(&r->ids);
}

static uint64_t count_lines(const unsigned char *p, size_t n)
{
    uint64_t lines = 0;
    const unsigned char *end = p + n;
    while (p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
        lines++;
        p++;
    }
    return lines;
}

static int report(v8_reader *r, yajl_handle h, yajl_status st, uint64_t line, uint64_t offset)
{
    if (st == yajl_status_error && !r->failed) {
        unsigned char *msg = yajl_get_error(h, 0, NULL, 0);
        const char *m = (const char *)msg;
        const char *nl = strchr(m, '\n');
        int len = nl ? (int)(nl - m) : (int)strlen(m);
        rg_fail(RG_EFORMAT, "%s:%llu: byte %llu: invalid JSON in %s: %.*s", r->name, (unsigned long long)line,
                (unsigned long long)offset, ctx_label(cur(r)), len, m);
        yajl_free_error(h, msg);
        return RG_EFORMAT;
    }
    return rg_fail(r->err_code ? r->err_code : RG_EFORMAT, "%s:%llu: byte %llu: %s", r->name,
                   (unsigned long long)line, (unsigned long long)offset, r->err);
}

int rg_read_v8(rg_input *in, rg_builder *b, uint64_t max_line)
{
    (void)max_line; /* a snapshot may legally be one line; strings are capped instead */
    v8_reader *r = rg_xcalloc(1, sizeof *r);
    if (!r)
        return RG_ENOMEM;
    r->b = b;
    r->name = rg_input_name(in);
    r->hint_nodes = r->hint_edges = -1;
    r->ctx[0] = C_NONE;

    yajl_handle h = yajl_alloc(&callbacks, NULL, r);
    unsigned char *buf = malloc(CHUNK);
    if (!h || !buf) {
        if (h)
            yajl_free(h);
        free(buf);
        free(r);
        return rg_fail(RG_ENOMEM, "%s: out of memory", rg_input_name(in));
    }

    int rc = RG_OK;
    uint64_t offset = 0, lines = 0;
    size_t carry = 0;   /* bytes of a UTF-8 sequence cut by the end of the last read */
    for (;;) {
        int64_t got = rg_input_read(in, buf + carry, CHUNK - carry);
        if (got < 0) {
            rc = rg_last_error_code();
            rg_error_prefix("line %llu", (unsigned long long)lines + 1);
            goto done;
        }
        if (got == 0 && carry == 0)
            break;
        /* Strict UTF-8 before yajl sees a byte: yajl lets overlong forms,
         * surrogates and code points above U+10FFFF through. A sequence cut
         * by the read waits for the next one; at the end of the file it is
         * handed over as it is (the file is truncated inside a string). */
        size_t n = carry + (size_t)got, tail = 0;
        size_t bad = rg_utf8_check(buf, n, &tail);
        if (bad < n) {
            rc = rg_fail(RG_EFORMAT, "%s:%llu: byte %llu: invalid UTF-8: byte 0x%02X does not start a valid "
                         "sequence (overlong form, surrogate, above U+10FFFF or stray byte)", r->name,
                         (unsigned long long)(lines + count_lines(buf, bad) + 1), (unsigned long long)(offset + bad),
                         buf[bad]);
            goto done;
        }
        if (got)
            n -= tail;
        else
            tail = 0;
        yajl_status st = yajl_parse(h, buf, n);
        if (st != yajl_status_ok) {
            size_t at = yajl_get_bytes_consumed(h);
            rc = report(r, h, st, lines + count_lines(buf, at) + 1, offset + at);
            goto done;
        }
        lines += count_lines(buf, n);
        offset += (uint64_t)n;
        memmove(buf, buf + n, tail);
        carry = tail;
        if (got == 0)
            break;
    }
    /* A file that ends with a container still open is truncated, whatever
     * its last token: yajl_complete_parse would hand over a number cut by
     * the end of the file ("78" of "7828") as if it were whole, and the
     * callbacks would then judge the wrong value instead of the cut. */
    yajl_status st = r->depth != 0 ? yajl_status_ok : yajl_complete_parse(h);
    if (st != yajl_status_ok || r->depth != 0) {
        if (r->failed) {
            rc = report(r, h, st, lines + 1, offset);
        } else {
            char what[200];
            if (r->depth == 0 && offset == 0)
                snprintf(what, sizeof what, "empty file (expected a V8 heap snapshot)");
            else if (cur(r) == C_NODES)
                snprintf(what, sizeof what, "truncated file: it ends inside the \"nodes\" array, after %u complete nodes",
                         r->n_nodes);
            else if (cur(r) == C_EDGES)
                snprintf(what, sizeof what, "truncated file: it ends inside the \"edges\" array, after %llu of %llu edges",
                         (unsigned long long)r->n_edges, (unsigned long long)r->edges_expected);
            else if (cur(r) == C_STRINGS)
                snprintf(what, sizeof what, "truncated file: it ends inside the \"strings\" array, after %u strings",
                         r->n_strings);
            else
                snprintf(what, sizeof what, "truncated file: it ends inside %s", ctx_label(cur(r)));
            rc = rg_fail(RG_EFORMAT, "%s:%llu: byte %llu: %s", r->name, (unsigned long long)lines + 1,
                         (unsigned long long)offset, what);
        }
        goto done;
    }
    if (!r->seen_snapshot || !r->nodes_done || !r->edges_done || !r->strings_done) {
        const char *missing = !r->seen_snapshot ? "\"snapshot\"" : !r->nodes_done ? "\"nodes\""
                              : !r->edges_done ? "\"edges\"" : "\"strings\"";
        rc = rg_fail(RG_EFORMAT, "%s:%llu: byte %llu: not a complete V8 heap snapshot: the %s array or object is missing",
                     r->name, (unsigned long long)lines + 1, (unsigned long long)offset, missing);
        goto done;
    }
    /* The parse buffers are no longer needed; give them back before the
     * builder doubles the memory. */
    yajl_free(h);
    h = NULL;
    free(buf);
    buf = NULL;
    rg_idmap_free(&r->ids);
    rc = build_graph(r);
    if (rc)
        rg_error_prefix("%s", r->name);

done:
    if (h)
        yajl_free(h);
    free(buf);
    free_reader(r);
    free(r);
    return rc;
}

int rg_sniff_v8(const void *head, size_t n)
{
    const unsigned char *p = head, *end = p + n;
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
        p++;
    if (p >= end || *p++ != '{')
        return 0;
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
        p++;
    static const char key[] = "\"snapshot\"";
    return (size_t)(end - p) >= sizeof key - 1 && memcmp(p, key, sizeof key - 1) == 0;
}
