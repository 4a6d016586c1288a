/* v8_internal.h: what the V8 heap snapshot reader's files share (v8.c, the
 * fast front end; v8_reference.c, the yajl front end kept as the reference;
 * v8_events.c, what both feed: the meta layout, the node, edge and string
 * values, checked and stored; v8_build.c, the graph built from them). Not
 * installed. */
#ifndef RG_V8_INTERNAL_H
#define RG_V8_INTERNAL_H

#include "read/reader.h"

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

enum edge_kind { EK_CONTEXT, EK_ELEMENT, EK_PROPERTY, EK_INTERNAL, EK_HIDDEN, EK_SHORTCUT, EK_WEAK, EK_OTHER };

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
    rg_read_error err;

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

/* v8_events.c: the yajl callbacks, which the fast front end also calls
 * directly for the few values it does not decode itself, so both front ends
 * judge every value by the same code. */
RG_INTERNAL extern const yajl_callbacks rg_v8_callbacks;
RG_INTERNAL v8_reader *rg_v8_reader_new(rg_builder *b, const char *name);
RG_INTERNAL void rg_v8_reader_free(v8_reader *r);
RG_INTERNAL int rg_v8_on_map_key(v8_reader *r, const unsigned char *k, size_t len);
RG_INTERNAL int rg_v8_open_container(v8_reader *r, int is_map);
RG_INTERNAL int rg_v8_close_container(v8_reader *r);
RG_INTERNAL int rg_v8_node_value(v8_reader *r, uint64_t v);
RG_INTERNAL int rg_v8_edge_value(v8_reader *r, uint64_t v);
/* A whole node (nfc values) or edge (efc values) at once, as that many
 * calls of the two above would store it. */
RG_INTERNAL int rg_v8_node_record(v8_reader *r, const uint64_t *v);
RG_INTERNAL int rg_v8_edge_record(v8_reader *r, const uint64_t *v);
RG_INTERNAL int rg_v8_add_string(v8_reader *r, const unsigned char *s, size_t len);
RG_INTERNAL const char *rg_v8_ctx_label(enum ctx c);
static inline enum ctx rg_v8_cur(const v8_reader *r) { return r->ctx[r->depth]; }
/* After the last byte (offset `offset`, on line `line`): the document still
 * `open` (a container not closed, or yajl refusing its end), or a part
 * missing, is an error; else RG_OK. */
RG_INTERNAL int rg_v8_check_complete(v8_reader *r, int open, uint64_t line, uint64_t offset);

/* v8_build.c: the graph, once every array is read and checked. */
RG_INTERNAL int rg_v8_build_graph(void *reader);

/* v8_reference.c: the yajl-only reader, which the tests and the
 * differential fuzzer compare the fast one against. */
RG_INTERNAL int rg_read_v8_reference(rg_input *in, rg_builder *b, uint64_t max_line);

#endif
