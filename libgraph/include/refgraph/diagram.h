/**
 * @file
 * refgraph/diagram.h: diagrams through Graphviz.
 * Part of librefgraph's public API; include <refgraph.h> rather than this
 * file. Implemented in libgraph/src/render/.
 */
#ifndef REFGRAPH_DIAGRAM_H
#define REFGRAPH_DIAGRAM_H

#include "paths.h"
#include "dominators.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ==== diagrams: Graphviz output (diagram.c) ==== */
/**
 * A diagram is built from the graph first (plain data, no Graphviz), then
 * rendered. DOT is made with libcgraph and written with agwrite; images are
 * laid out and rendered in-process with libgvc. Graphviz keeps process-wide
 * state, so every render is serialised behind one lock: rendering from
 * several threads is safe, but not parallel.
 *
 *   rg_diagram_options o = RG_DIAGRAM_OPTIONS_INIT;
 *   rg_diagram *d;
 *   rg_diagram_compute(snap, &target, 1, &o, &d);
 *   char *svg; size_t len;
 *   rg_diagram_render(d, RG_FORMAT_SVG, &svg, &len);   // or rg_diagram_write
 *   ... rg_free(svg); rg_diagram_free(d);
 *
 * Every label is made safe whatever the snapshot holds: invalid UTF-8 becomes
 * U+FFFD, control characters are shown as `\n`, `\t` or `\xNN`, backslashes and
 * '&' cannot trigger Graphviz escapes or entities, and long text is cut with
 * an ellipsis.
 */
typedef enum rg_diagram_format {
    RG_FORMAT_DOT = 0,
    RG_FORMAT_SVG,
    RG_FORMAT_PNG,
    RG_FORMAT_PDF
} rg_diagram_format;

/** "dot" (or "gv"), "svg", "png", "pdf" -> the format; -1 when unknown. */
RG_API int rg_diagram_format_from_name(const char *name);
/** The format for a file name's extension (case-insensitive); -1 when the
 * extension is missing or unknown. */
RG_API int rg_diagram_format_from_path(const char *path);
/** "dot", "svg", "png", "pdf". Static string. */
RG_API const char *rg_diagram_format_name(rg_diagram_format format);

/** Which way a diagram grows from the selection. */
typedef enum rg_diagram_direction {
    RG_DIAGRAM_REFERRERS = 0, /**< who refers to the selection (objgraph show_backrefs) */
    RG_DIAGRAM_REFERENTS = 1  /**< what the selection refers to (objgraph show_refs) */
} rg_diagram_direction;

/** Options for rg_diagram_compute (versioned: start from RG_DIAGRAM_OPTIONS_INIT). */
typedef struct rg_diagram_options {
    /** RG_DIAGRAM_OPTIONS_VERSION: the layout the caller was compiled with. */
    unsigned int version;
    rg_diagram_direction direction; /**< referrers (default) or referents */
    /** Levels out from the selection. Default 6. */
    uint32_t depth;
    /** At most this many objects are drawn (fold nodes not counted); the rest
     * are counted as omitted and named in a note. Default 300; 0 = default. */
    uint32_t max_nodes;
    /** A node with more neighbours than this draws the first `too_many` (those
     * nearest a root first, when `paths` is given) and folds the rest into
     * one "N more referrers (X bytes)" node. Default 10; 0 = default. */
    uint32_t too_many;
    /** Instances of this type are drawn highlighted. NULL: none. Matched like
     * rg_type_find (exact, or the last dotted component). Borrowed. */
    const char *highlight_type;
    /** Instances of this type are drawn but not expanded. NULL: none. */
    const char *stop_at_type;
    /** Bit (1u << kind): edges of that kind are not drawn. Default: `<type>`
     * edges (every instance refers to its class; they swamp any diagram). */
    unsigned ignore_edge_kinds;
    /** Optional: shortest paths, so that referrers on the retention path are
     * drawn first and never folded, and roots are named by their record.
     * Borrowed; NULL is fine. */
    const rg_paths *paths;
    /** Optional caption drawn above the note. Borrowed; copied by build. */
    const char *title;
    /** Optional: dominators, so each object shows what it retains beside its
     * own size, and the node where the bytes pile up stands out. Borrowed;
     * NULL is fine. */
    const struct rg_dominators *dominators;
} rg_diagram_options;

/** The version of rg_diagram_options this header describes. */
#define RG_DIAGRAM_OPTIONS_VERSION 1
/** rg_diagram_options with the version set and every default filled in:
 * `rg_diagram_options o = RG_DIAGRAM_OPTIONS_INIT;`. */
#define RG_DIAGRAM_OPTIONS_INIT {RG_DIAGRAM_OPTIONS_VERSION, RG_DIAGRAM_REFERRERS, 6, 300, 10, NULL, NULL, 1u << RG_EDGE_TYPE, NULL, NULL, NULL}

/** Fill `opts` with the defaults of options `version` (pass
 * RG_DIAGRAM_OPTIONS_VERSION). RG_EINVAL when opts is NULL or the version is
 * one this library does not know. */
RG_API int rg_diagram_options_init(rg_diagram_options *opts, unsigned int version);

/** A diagram built from a snapshot, ready to render (opaque). */
typedef struct rg_diagram rg_diagram;

/** Referrers (or referents) of `targets` out to opts->depth levels. In a
 * referrer diagram roots are drawn but not expanded (unless selected). NULL
 * options = defaults. The diagram copies what it needs, so the snapshot and
 * opts->paths may be freed before it. RG_EINVAL for no targets or a node out of
 * range; RG_ENOTFOUND when a highlight/stop-at type is unknown. *out is
 * owned by the caller (rg_diagram_free). */
RG_API int rg_diagram_compute(const rg_snapshot *snap, const rg_node *targets, size_t n,
                            const rg_diagram_options *opts, rg_diagram **out);

/** Exactly `nodes` (duplicates ignored) and every edge among them, e.g. an
 * unreachable cycle. depth, too_many and direction are not used; max_nodes
 * is. Nodes are coloured by their order in `nodes` when it is a chain or
 * cycle, all alike otherwise. */
RG_API int rg_diagram_compute_set(const rg_snapshot *snap, const rg_node *nodes, size_t n,
                                const rg_diagram_options *opts, rg_diagram **out);

/** Free a diagram. NULL is a no-op. */
RG_API void rg_diagram_free(rg_diagram *d);

/** What a diagram drew and what it left out (rg_diagram_stats_get). */
typedef struct rg_diagram_stats {
    /** sizeof(rg_diagram_stats), set by the caller (see "Records" in refgraph/common.h). */
    size_t struct_size;
    uint32_t nodes;           /**< objects drawn */
    uint32_t fold_nodes;      /**< "N more" nodes drawn */
    uint32_t edges;           /**< edges drawn */
    uint32_t omitted;         /**< objects reached but not drawn (max_nodes) */
    uint64_t folded;          /**< objects folded into "N more" nodes */
    uint64_t folded_bytes;    /**< their shallow bytes */
    uint32_t stopped;         /**< objects not expanded because of stop_at_type */
    uint32_t depth_limited;   /**< objects at the depth limit with unexplored neighbours */
} rg_diagram_stats;

/** Fill *out (its struct_size set by the caller). */
RG_API int rg_diagram_stats_get(const rg_diagram *d, rg_diagram_stats *out);

/** What was left out, as drawn in the diagram ("412 more objects not drawn
 * (max 300)"), or "" when nothing was. Owned by the diagram. */
RG_API const char *rg_diagram_note(const rg_diagram *d);

/** The title given in opts->title, plain text, or "". Owned by the diagram. */
RG_API const char *rg_diagram_title(const rg_diagram *d);

/** The diagram as data (what `refgraph backrefs --json` prints): nodes in the
 * order they were drawn (breadth first from the selection), edges in
 * reference direction as indices into the nodes.
 *
 *   for (size_t i = 0; i < rg_diagram_node_count(d); i++) {
 *       rg_diagram_node n; rg_diagram_node_get(d, i, &n);
 *       ...
 *   }
 *
 * The strings in the structs are owned by the diagram and live as long as
 * it does; they are plain text (not cut, not escaped for Graphviz). */
#define RG_DIAGRAM_TARGET    0x01u /**< a selected object */
#define RG_DIAGRAM_ROOT      0x02u /**< a GC root */
#define RG_DIAGRAM_HIGHLIGHT 0x04u /**< an instance of opts->highlight_type */
#define RG_DIAGRAM_STOPPED   0x08u /**< an instance of opts->stop_at_type, not expanded */
#define RG_DIAGRAM_FOLD      0x10u /**< an "N more referrers" node */

/** One node of a diagram (rg_diagram_node_get). */
typedef struct rg_diagram_node {
    /** sizeof(rg_diagram_node), set by the caller (see "Records" in refgraph/common.h). */
    size_t struct_size;
    uint64_t id;         /**< the object's snapshot id; 0 for a fold */
    const char *type;    /**< type name; "" for a fold */
    const char *text;    /**< the object's name, else its repr; "" for none */
    uint64_t size;       /**< shallow bytes; for a fold, the folded objects' bytes */
    int64_t length;      /**< -1 when the snapshot gives none */
    uint64_t retained;   /**< retained bytes when opts->dominators was given, else 0 */
    uint64_t folded;     /**< for a fold: how many objects it stands for; else 0 */
    uint32_t distance;   /**< hops from the selection */
    unsigned roles;      /**< RG_DIAGRAM_* bits */
} rg_diagram_node;

/** One edge of a diagram (rg_diagram_edge_get). */
typedef struct rg_diagram_edge {
    /** sizeof(rg_diagram_edge), set by the caller (see "Records" in refgraph/common.h). */
    size_t struct_size;
    size_t from;         /**< node index of the referrer */
    size_t to;           /**< node index of the referent */
    rg_edge_kind kind;   /**< for a fold's edge: RG_EDGE_INTERNAL */
    const char *label;   /**< "name", "[3]", "['key']", or "" */
} rg_diagram_edge;

/** Nodes in the diagram. */
RG_API size_t rg_diagram_node_count(const rg_diagram *d);
/** Edges in the diagram. */
RG_API size_t rg_diagram_edge_count(const rg_diagram *d);
/** @{ */
/** Fill *out with node (edge) i. RG_EINVAL when i is out of range. */
RG_API int rg_diagram_node_get(const rg_diagram *d, size_t i, rg_diagram_node *out);
RG_API int rg_diagram_edge_get(const rg_diagram *d, size_t i, rg_diagram_edge *out);
/** @} */

/** Render to memory: *out (with a NUL after the *len bytes, for text formats'
 * convenience) is owned by the caller (rg_free). RG_ERENDER with Graphviz's
 * message when layout or rendering fails. */
RG_API int rg_diagram_render(const rg_diagram *d, rg_diagram_format format, char **out,
                             size_t *len);

/** Render to a file, atomically: the bytes go to a temporary file beside
 * `path` that is renamed over it only when complete, so a failure never
 * leaves a partial or empty file. RG_EIO when the file cannot be written. */
RG_API int rg_diagram_write(const rg_diagram *d, rg_diagram_format format, const char *path);

#ifdef __cplusplus
}
#endif

#endif /**< REFGRAPH_DIAGRAM_H */
