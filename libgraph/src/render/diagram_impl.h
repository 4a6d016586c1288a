/*
 * diagram_impl.h: a diagram as plain data, between diagram_build.c (which
 * walks the snapshot) and diagram_render.c (which hands it to Graphviz).
 * Keeping Graphviz out of the build step means the walk needs no lock and
 * the diagram outlives the snapshot. Not installed.
 */
#ifndef RG_DIAGRAM_IMPL_H
#define RG_DIAGRAM_IMPL_H

#include "graph/graph_internal.h"

/* Node roles, which decide how a node is drawn. */
#define RG_DG_TARGET    0x01u
#define RG_DG_ROOT      0x02u
#define RG_DG_HIGHLIGHT 0x04u
#define RG_DG_STOPPED   0x08u
#define RG_DG_FOLD      0x10u

typedef struct rg_dg_node {
    char *label;      /* Graphviz escString, already made safe (diagram_text.c) */
    uint32_t level;   /* hops from the selection */
    unsigned role;    /* RG_DG_* */
    /* The same facts as plain data, for rg_diagram_node_get. */
    uint64_t id;      /* snapshot id; 0 for folds */
    char *type;       /* type name; "" for folds */
    char *text;       /* name, else repr (plain, uncut); "" for none */
    uint64_t size;    /* shallow bytes; for a fold, the folded objects' bytes */
    int64_t len;      /* -1 when none */
    uint64_t retained; /* with dominators, else 0 */
    uint64_t folded;  /* for a fold: how many objects it stands for */
} rg_dg_node;

typedef struct rg_dg_edge {
    uint32_t from, to; /* indices into nodes, in reference direction */
    uint8_t kind;      /* rg_edge_kind, for the style */
    char *label;       /* safe escString; "" for none */
    char *text;        /* the label as plain text (uncut); "" for none */
} rg_dg_edge;

struct rg_diagram {
    rg_dg_node *nodes;
    size_t n_nodes, nodes_cap;
    rg_dg_edge *edges;
    size_t n_edges, edges_cap;
    uint32_t max_level;        /* for the colour scale */
    rg_diagram_direction direction;
    char *caption;             /* safe escString (title and note), "" when none */
    char *note;                /* plain text, for rg_diagram_note */
    char *title;               /* plain text, for rg_diagram_title */
    rg_diagram_stats stats;
};

/* Append `s` to a growing buffer as Graphviz-safe label text: valid UTF-8
 * only, controls shown as \n, \t or \xNN, backslash doubled, '&' as &amp;,
 * at most `max_chars` characters then an ellipsis. */
typedef struct rg_text {
    char *buf;
    size_t len, cap;
    int failed;
} rg_text;

RG_INTERNAL void rg_text_safe(rg_text *t, const char *s, size_t max_chars);
/* Append raw bytes that are already valid label text (our own "\n" breaks). */
RG_INTERNAL void rg_text_raw(rg_text *t, const char *s);
/* Hand over the buffer (NUL-terminated, never NULL unless failed). */
RG_INTERNAL char *rg_text_take(rg_text *t);

/* Graphviz serialisation (gv_lock.c). Every libcgraph/libgvc call in the
 * library happens between rg_gv_lock and rg_gv_unlock. rg_gv_lock returns
 * the shared context, or NULL (with rg_fail set) if it cannot be made. */
struct GVC_s;
RG_INTERNAL struct GVC_s *rg_gv_lock(void);
RG_INTERNAL void rg_gv_unlock(void);
/* Messages Graphviz reported since the lock was taken ("" when none). */
RG_INTERNAL const char *rg_gv_messages(void);

#endif
