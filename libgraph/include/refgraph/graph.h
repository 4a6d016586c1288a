/**
 * @file
 * refgraph/graph.h: the data model: nodes, edges, roots and types.
 * Part of librefgraph's public API; include <refgraph.h> rather than this
 * file. Implemented in libgraph/src/read-only queries on a loaded snapshot.
 */
#ifndef REFGRAPH_GRAPH_H
#define REFGRAPH_GRAPH_H

#include "snapshot.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------- the data model */

/** A node is a dense index 0..rg_node_count()-1. Ids from the snapshot file
 * map to nodes through rg_node_find. */
typedef uint32_t rg_node;
/** No node: an absent parent, holder or representative. */
#define RG_NODE_NONE UINT32_MAX

/** What a reference is, as the snapshot format names it. */
typedef enum rg_edge_kind {
    RG_EDGE_ATTR = 0,     /**< .name: instance attribute */
    RG_EDGE_DICT_KEY,     /**< <key 'k'>: a dict refers to its key object */
    RG_EDGE_DICT_VALUE,   /**< ['k']: a dict refers to the value under a key */
    RG_EDGE_INDEX,        /**< [3]: sequence item; the label is the integer */
    RG_EDGE_SLOT,         /**< .name: a __slots__ member */
    RG_EDGE_CELL,         /**< <cell 'x'>: closure cell */
    RG_EDGE_LOCAL,        /**< frame local 'x' */
    RG_EDGE_GLOBAL,       /**< .x: module global */
    RG_EDGE_TYPE,         /**< `<type>`: an object refers to its class */
    RG_EDGE_WEAK,         /**< `<weak>`: does not keep its target alive */
    RG_EDGE_INTERNAL,     /**< anything the producer could not name */
    RG_EDGE_KIND_COUNT
} rg_edge_kind;

/** The format's name for an edge kind ("attr", "index", ...). Static string. */
RG_API const char *rg_edge_kind_name(rg_edge_kind kind);

/** The kind with that format name, or -1. */
RG_API int rg_edge_kind_from_name(const char *name);

/** A reference: a value whose layout is frozen for the major version (see "Records"). */
typedef struct rg_edge {
    rg_node from;             /**< the referrer */
    rg_node to;               /**< the referent */
    rg_edge_kind kind;        /**< what kind of reference */
    /** For RG_EDGE_INDEX the integer index; otherwise a string id for
     * rg_string() (0 is the empty string: no label). */
    uint32_t label;
} rg_edge;

/** What holds a root. */
typedef enum rg_root_kind {
    RG_ROOT_MODULE = 0,
    RG_ROOT_THREAD,
    RG_ROOT_BUILTINS,
    RG_ROOT_STATIC,
    RG_ROOT_GARBAGE,
    RG_ROOT_OTHER,
    RG_ROOT_KIND_COUNT
} rg_root_kind;

/** The format's name for a root kind ("module", "thread", ...). Static string. */
RG_API const char *rg_root_kind_name(rg_root_kind kind);
/** The root kind with that format name, or -1. */
RG_API int rg_root_kind_from_name(const char *name);

/** A root record: a value whose layout is frozen for the major version. */
typedef struct rg_root {
    rg_node node;             /**< the object the root holds */
    rg_root_kind kind;        /**< what holds it */
    const char *label;        /**< owned by the snapshot; "" when none */
} rg_root;

/** Node flags (rg_node_flags). */
#define RG_NODE_GC_TRACKED 0x1u  /**< tracked by the runtime's cycle collector */
#define RG_NODE_GARBAGE    0x2u  /**< listed in gc.garbage */
#define RG_NODE_ROOT       0x4u  /**< named by at least one root record */

/** Objects in the snapshot. */
RG_API uint32_t rg_node_count(const rg_snapshot *snap);
/** References kept in the graph. */
RG_API uint64_t rg_edge_count(const rg_snapshot *snap);
/** Root records (rg_root_get). */
RG_API uint32_t rg_root_count(const rg_snapshot *snap);

/** Find the node with snapshot id `id`. RG_ENOTFOUND when there is none. */
RG_API int rg_node_find(const rg_snapshot *snap, uint64_t id, rg_node *out);

/** @{ */
/** Node accessors. `node` must be < rg_node_count(); strings are owned by the
 * snapshot. */
RG_API uint64_t rg_node_id(const rg_snapshot *snap, rg_node node);
RG_API uint32_t rg_node_type(const rg_snapshot *snap, rg_node node);
RG_API const char *rg_node_type_name(const rg_snapshot *snap, rg_node node);
RG_API uint64_t rg_node_size(const rg_snapshot *snap, rg_node node);
/** @} */
/** Length of a container or string; -1 when the snapshot gave none. */
RG_API int64_t rg_node_length(const rg_snapshot *snap, rg_node node);
/** Reference count; -1 when the runtime has none or the snapshot gave none. */
RG_API int64_t rg_node_refcount(const rg_snapshot *snap, rg_node node);
/** @{ */
/** Short value and name; "" when absent (never NULL). */
RG_API const char *rg_node_repr(const rg_snapshot *snap, rg_node node);
RG_API const char *rg_node_name(const rg_snapshot *snap, rg_node node);
/** @} */
/** RG_NODE_* bits. */
RG_API unsigned rg_node_flags(const rg_snapshot *snap, rg_node node);

/** @{ */
/** Outgoing references of `node`, in snapshot order: i < rg_referent_count. */
RG_API uint32_t rg_referent_count(const rg_snapshot *snap, rg_node node);
RG_API void rg_referent_get(const rg_snapshot *snap, rg_node node, uint32_t i, rg_edge *out);
/** @} */

/** @{ */
/** Incoming references of `node` (from = the referrer), ordered by referrer. */
RG_API uint32_t rg_referrer_count(const rg_snapshot *snap, rg_node node);
RG_API void rg_referrer_get(const rg_snapshot *snap, rg_node node, uint32_t i, rg_edge *out);
/** @} */

/** Root record i (< rg_root_count), in file order. */
RG_API void rg_root_get(const rg_snapshot *snap, uint32_t i, rg_root *out);

/** The interned string `id`; "" for 0 or an id out of range. Owned by the snapshot. */
RG_API const char *rg_string(const rg_snapshot *snap, uint32_t id);

/** Write the label a person would write for an edge: ".jobs", "[3]",
 * "['user:42']", "<cell 'x'>", "frame local 'buf'", "<type>", "<internal>".
 * Like snprintf: writes at most `cap` bytes including the NUL and returns the
 * length the full label has. */
RG_API size_t rg_edge_label_format(const rg_snapshot *snap, const rg_edge *edge,
                                   char *buf, size_t cap);

/** @{ */
/** Type table. Types are numbered 0..rg_type_count()-1. */
RG_API uint32_t rg_type_count(const rg_snapshot *snap);
RG_API const char *rg_type_name(const rg_snapshot *snap, uint32_t type);
/** @} */

/** Find a type by name. An exact match wins; otherwise a unique match of the
 * last dotted component ("Job" finds "app.Job"). RG_ENOTFOUND when nothing
 * matches, RG_EINVAL (with the candidates in the error text) when ambiguous. */
RG_API int rg_type_find(const rg_snapshot *snap, const char *name, uint32_t *out);

/** Instances and bytes of one type (rg_type_stats, rg_summary_type_get). */
typedef struct rg_type_stat {
    /** sizeof(rg_type_stat), set by the caller (see "Records" in refgraph/common.h);
     * in the array of rg_type_stats, the record_size given. */
    size_t struct_size;
    uint32_t type;            /**< the type's number */
    const char *name;         /**< owned by the snapshot */
    uint64_t count;           /**< instances */
    uint64_t bytes;           /**< total shallow size */
} rg_type_stat;

/** The order of rg_type_stats. */
typedef enum rg_sort {
    RG_SORT_COUNT = 0,        /**< most instances first */
    RG_SORT_SIZE = 1          /**< most bytes first */
} rg_sort;

/** Per-type counts and shallow bytes, one entry per type that has instances,
 * sorted by `sort` descending, ties by name. *out is an array of *n records
 * of `record_size` bytes each (pass sizeof(rg_type_stat)); free it with
 * rg_free. */
RG_API int rg_type_stats(const rg_snapshot *snap, rg_sort sort, size_t record_size,
                         rg_type_stat **out, uint32_t *n);

#ifdef __cplusplus
}
#endif

#endif /**< REFGRAPH_GRAPH_H */
