/* v8_events.c: the values of a V8 heap snapshot, judged and stored. Both
 * front ends (v8.c, v8_reference.c) hand every value here: the yajl
 * callbacks below, which the fast front end calls directly for what it does
 * not decode itself, and the node, edge and string sinks its fast paths call.
 * docs/formats.md documents the mapping to refgraph's model. */
#include "read/v8_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const node_kind_names[NK_OTHER] = {
    "hidden", "array", "string", "object", "code", "closure", "regexp", "number",
    "native", "synthetic", "concatenated string", "sliced string", "symbol", "bigint",
    "object shape",
};
static const char *const edge_kind_names[EK_OTHER] = {
    "context", "element", "property", "internal", "hidden", "shortcut", "weak",
};

static int fail(v8_reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(v8_reader *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    rg_read_verrorf(&r->err, RG_EFORMAT, fmt, ap);
    va_end(ap);
    return 0; /* tells yajl to stop */
}

static int fail_code(v8_reader *r, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail_code(v8_reader *r, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    rg_read_verrorf(&r->err, code, fmt, ap);
    va_end(ap);
    return 0;
}

static int oom(v8_reader *r) { return rg_read_oom(&r->err); }

#define cur rg_v8_cur

const char *rg_v8_ctx_label(enum ctx c)
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

int rg_v8_node_value(v8_reader *r, uint64_t v)
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

/* A whole node of plain values at once: the same checks as nfc calls of
 * rg_v8_node_value, without the per-value dispatch. Anything unusual (an
 * array to grow, a value a check refuses, an id out of order) takes the
 * per-value path, which says exactly what is wrong. */
int rg_v8_node_record(v8_reader *r, const uint64_t *v)
{
    uint32_t i = r->n_nodes;
    if (r->field != 0 || i >= r->node_cap || i >= MAX_NODES || r->unsorted)
        goto slow;
    uint8_t detached = 0;
    uint64_t id = 0;
    for (uint32_t f = 0; f < r->nfc; f++) {
        uint64_t x = v[f];
        switch (r->node_role[f]) {
        case NF_TYPE:
            if (x >= r->n_node_kinds)
                goto slow;
            r->n_kind[i] = (uint8_t)x;
            break;
        case NF_NAME:
            if (x >= UINT32_MAX)
                goto slow;
            r->n_name[i] = (uint32_t)x;
            break;
        case NF_ID: id = x; break;
        case NF_SELF_SIZE: r->n_size[i] = x; break;
        case NF_EDGE_COUNT:
            if (x > MAX_EDGES)
                goto slow;
            r->n_ecount[i] = (uint32_t)x;
            break;
        case NF_DETACHEDNESS: detached = x > 2 ? 0 : (uint8_t)x; break;
        default: break;
        }
    }
    if (i > 0 && id <= r->n_id[i - 1])
        goto slow;
    r->n_id[i] = id;
    r->n_detached[i] = detached;
    r->sorted_end = i + 1;
    r->edges_expected += r->n_ecount[i];
    r->n_nodes++;
    return 1;
slow:
    for (uint32_t f = 0; f < r->nfc; f++)
        if (!rg_v8_node_value(r, v[f]))
            return 0;
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

int rg_v8_edge_value(v8_reader *r, uint64_t v)
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

/* A whole edge at once, as rg_v8_node_record is a whole node. */
int rg_v8_edge_record(v8_reader *r, const uint64_t *v)
{
    uint64_t i = r->n_edges;
    if (r->field != 0 || i >= r->edges_expected || i >= r->edge_cap)
        goto slow;
    for (uint32_t f = 0; f < r->efc; f++) {
        uint64_t x = v[f];
        switch (r->edge_role[f]) {
        case EF_TYPE:
            if (x >= r->n_edge_kinds)
                goto slow;
            r->e_kind[i] = (uint8_t)x;
            break;
        case EF_NAME:
            if (x >= UINT32_MAX)
                goto slow;
            r->e_name[i] = (uint32_t)x;
            break;
        case EF_TO: {
            /* node indices fit 32 bits: a 32-bit division where it can */
            uint64_t q = x < UINT32_MAX ? (uint32_t)x / r->nfc : x / r->nfc;
            if (q * r->nfc != x || q >= r->n_nodes)
                goto slow;
            r->e_to[i] = (uint32_t)q;
            break;
        }
        default: break;
        }
    }
    r->n_edges++;
    return 1;
slow:
    for (uint32_t f = 0; f < r->efc; f++)
        if (!rg_v8_edge_value(r, v[f]))
            return 0;
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

int rg_v8_add_string(v8_reader *r, const unsigned char *s, size_t len)
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
        return fail(r, "%s must list strings, found %s", rg_v8_ctx_label(cur(r)), what);
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
        return rg_v8_node_value(r, v);
    if (c == C_EDGES)
        return rg_v8_edge_value(r, v);
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
    case C_STRINGS: return rg_v8_add_string(r, s, len);
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

int rg_v8_open_container(v8_reader *r, int is_map)
{
    if (cur(r) == C_SKIP && r->depth > 0) {
        r->skip_nest++;
        return 1;
    }
    enum ctx c = child_ctx(r, is_map);
    if (r->err.failed)
        return 0;
    if (c == C_NONE)
        return fail(r, "expected a JSON object, found an array");
    if (r->depth + 1 >= MAX_DEPTH)
        return fail(r, "nesting too deep");
    r->ctx[++r->depth] = c;
    return 1;
}

int rg_v8_close_container(v8_reader *r)
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
            return fail(r, "%s has an empty list of type names", rg_v8_ctx_label(c));
        return 1;
    default: return 1;
    }
}

static int on_start_map(void *ctx) { return rg_v8_open_container(ctx, 1); }
static int on_end_map(void *ctx) { return rg_v8_close_container(ctx); }
static int on_start_array(void *ctx) { return rg_v8_open_container(ctx, 0); }
static int on_end_array(void *ctx) { return rg_v8_close_container(ctx); }

const yajl_callbacks rg_v8_callbacks = {
    on_null, on_boolean, NULL, NULL, on_number, on_string,
    on_start_map, on_map_key, on_end_map, on_start_array, on_end_array,
};

int rg_v8_on_map_key(v8_reader *r, const unsigned char *k, size_t len) { return on_map_key(r, k, len); }

v8_reader *rg_v8_reader_new(rg_builder *b, const char *name)
{
    v8_reader *r = rg_xcalloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->b = b;
    r->name = name;
    r->hint_nodes = r->hint_edges = -1;
    r->ctx[0] = C_NONE;
    return r;
}

void rg_v8_reader_free(v8_reader *r)
{
    for (uint32_t i = 0; i < r->n_node_kinds; i++)
        rg_free(r->node_kind_text[i]);
    rg_free(r->n_kind);
    rg_free(r->n_name);
    rg_free(r->n_id);
    rg_free(r->n_size);
    rg_free(r->n_ecount);
    rg_free(r->n_detached);
    rg_free(r->e_kind);
    rg_free(r->e_name);
    rg_free(r->e_to);
    rg_free(r->arena);
    rg_free(r->s_off);
    rg_idmap_free(&r->ids);
    rg_free(r);
}

int rg_v8_check_complete(v8_reader *r, int open, uint64_t line, uint64_t offset)
{
    if (open) {
        if (r->err.failed)
            return rg_read_error_report(&r->err, r->name, line, offset);
        if (r->depth == 0 && offset == 0)
            return rg_read_fail_at(RG_EFORMAT, r->name, line, offset, "empty file (expected a V8 heap snapshot)");
        if (cur(r) == C_NODES)
            return rg_read_fail_at(RG_EFORMAT, r->name, line, offset,
                                   "truncated file: it ends inside the \"nodes\" array, after %u complete nodes",
                                   r->n_nodes);
        if (cur(r) == C_EDGES)
            return rg_read_fail_at(RG_EFORMAT, r->name, line, offset,
                                   "truncated file: it ends inside the \"edges\" array, after %llu of %llu edges",
                                   (unsigned long long)r->n_edges, (unsigned long long)r->edges_expected);
        if (cur(r) == C_STRINGS)
            return rg_read_fail_at(RG_EFORMAT, r->name, line, offset,
                                   "truncated file: it ends inside the \"strings\" array, after %u strings",
                                   r->n_strings);
        return rg_read_fail_at(RG_EFORMAT, r->name, line, offset, "truncated file: it ends inside %s",
                               rg_v8_ctx_label(cur(r)));
    }
    if (!r->seen_snapshot || !r->nodes_done || !r->edges_done || !r->strings_done) {
        const char *missing = !r->seen_snapshot ? "\"snapshot\"" : !r->nodes_done ? "\"nodes\""
                              : !r->edges_done ? "\"edges\"" : "\"strings\"";
        return rg_read_fail_at(RG_EFORMAT, r->name, line, offset,
                               "not a complete V8 heap snapshot: the %s array or object is missing", missing);
    }
    return RG_OK;
}
